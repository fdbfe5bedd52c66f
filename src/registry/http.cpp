// libcurl (a C library) behind a small C++ interface; no exception crosses the callbacks.
// libcurl is loaded on first use, not linked: linking it maps about 35 libraries at every start
// (3.4 ms measured on the development machine), which every command but `image` would pay.
#include "torchdoctor/registry/http.hpp"

#include <curl/curl.h>

#include <cctype>
#include <memory>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/registry/ca_certs.hpp"
#include "torchdoctor/sys/dynamic_library.hpp"
#include "torchdoctor/sys/env.hpp"
#include "torchdoctor/sys/file_system.hpp"

namespace td {
namespace {

// The libcurl functions we call, typed from curl.h (no link-time reference to libcurl).
struct CurlApi {
  DynamicLibrary lib;
  decltype(&::curl_global_init) global_init = nullptr;
  decltype(&::curl_easy_init) easy_init = nullptr;
  decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&::curl_easy_reset) easy_reset = nullptr;
  decltype(&::curl_easy_setopt) easy_setopt = nullptr;
  decltype(&::curl_easy_perform) easy_perform = nullptr;
  decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&::curl_easy_strerror) easy_strerror = nullptr;
  decltype(&::curl_slist_append) slist_append = nullptr;
  decltype(&::curl_slist_free_all) slist_free_all = nullptr;
  decltype(&::curl_url) url = nullptr;
  decltype(&::curl_url_set) url_set = nullptr;
  decltype(&::curl_url_get) url_get = nullptr;
  decltype(&::curl_url_cleanup) url_cleanup = nullptr;
  decltype(&::curl_free) free = nullptr;
};

Result<std::unique_ptr<CurlApi>> load_curl() {
  // The sonames distributions ship libcurl 7.x/8.x under: everyone's libcurl.so.4 (OpenSSL on
  // Debian/Ubuntu, RHEL/Fedora/Amazon, SUSE, Alpine), then Debian/Ubuntu's GnuTLS and NSS builds.
  const std::vector<std::string> names{"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl-nss.so.4"};
  auto lib = DynamicLibrary::open_first(names);
  if (!lib) {
    return make_error(
        ErrorKind::unavailable,
        "the registry client needs libcurl, and none of libcurl.so.4, libcurl-gnutls.so.4, libcurl-nss.so.4 loads "
        "(install libcurl4 on Debian/Ubuntu, libcurl on RHEL/Fedora/Amazon Linux/Alpine, libcurl4 on SUSE): " +
            lib.error().message);
  }
  auto api = std::unique_ptr<CurlApi>(new CurlApi{std::move(*lib)});
  const DynamicLibrary& l = api->lib;
  for (const auto& st :
       {l.bind(api->global_init, "curl_global_init"), l.bind(api->easy_init, "curl_easy_init"),
        l.bind(api->easy_cleanup, "curl_easy_cleanup"), l.bind(api->easy_reset, "curl_easy_reset"),
        l.bind(api->easy_setopt, "curl_easy_setopt"), l.bind(api->easy_perform, "curl_easy_perform"),
        l.bind(api->easy_getinfo, "curl_easy_getinfo"), l.bind(api->easy_strerror, "curl_easy_strerror"),
        l.bind(api->slist_append, "curl_slist_append"), l.bind(api->slist_free_all, "curl_slist_free_all"),
        l.bind(api->url, "curl_url"), l.bind(api->url_set, "curl_url_set"), l.bind(api->url_get, "curl_url_get"),
        l.bind(api->url_cleanup, "curl_url_cleanup"), l.bind(api->free, "curl_free")}) {
    if (!st)
      return make_error(ErrorKind::unavailable, "the libcurl at " + l.path() + " is too old: " + st.error().message);
  }
  api->global_init(CURL_GLOBAL_DEFAULT);
  return api;
}

// Loaded once (thread-safe); http_init() makes that happen before the worker threads start.
const Result<std::unique_ptr<CurlApi>>& curl_api() {
  static const Result<std::unique_ptr<CurlApi>> k_api = load_curl();
  return k_api;
}

const CurlApi& api() { return *curl_api().value(); }

// Looked up once, on the live root.
const std::optional<CaCertificates>& host_ca_certificates() {
  static const std::optional<CaCertificates> k_ca = [] {
    const auto fs = make_real_file_system("/", true);
    const auto env = make_process_env();
    return find_ca_certificates(*fs, *env);
  }();
  return k_ca;
}

struct Transfer {
  HttpResponse* response = nullptr;
  std::size_t max_body = 0;
  bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (t->response->body.size() + n > t->max_body) {
    t->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t->response->body.append(data, n);
  return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  const std::string_view line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {
    t->response->headers.clear();  // a new response (after 100 Continue)
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos || t->response->headers.size() > 200) return n;
  t->response->headers.emplace_back(to_lower(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  return n;
}

std::string seconds_text(std::chrono::milliseconds ms) {
  const long long tenths = ms.count() / 100;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
}

Error transport_error(CURLcode code, const char* detail, const HttpRequest& req, const Transfer& t) {
  const std::string host = url_host(req.url);
  if (t.too_large) {
    return make_error(ErrorKind::unavailable, host + " sent a response larger than the " + human_bytes(req.max_body) +
                                                  " limit for " + redact_url(req.url));
  }
  switch (code) {
    case CURLE_FILESIZE_EXCEEDED:
      return make_error(ErrorKind::unavailable, host + " announced a response larger than the " +
                                                    human_bytes(req.max_body) + " limit for " + redact_url(req.url));
    case CURLE_OPERATION_TIMEDOUT:
      return make_error(ErrorKind::timeout, "no complete answer from " + host + " within " + seconds_text(req.timeout) +
                                                " (" + redact_url(req.url) + ")");
    case CURLE_COULDNT_RESOLVE_HOST:
      return make_error(ErrorKind::unavailable, "cannot resolve host " + host);
    case CURLE_COULDNT_CONNECT:
      return make_error(ErrorKind::unavailable, "cannot connect to " + host + " (connection refused or unreachable)");
    default:
      break;
  }
  std::string why = detail != nullptr && *detail != '\0' ? detail : api().easy_strerror(code);
  return make_error(ErrorKind::unavailable, "request to " + host + " failed: " + sanitize(why, 160));
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

struct HttpSession::Impl {
  CURL* curl = nullptr;
};

Status http_init() {
  if (const auto& a = curl_api(); !a) return a.error();
  return Ok{};
}

HttpSession::HttpSession() : m_impl(std::make_unique<Impl>()) {
  if (curl_api()) m_impl->curl = api().easy_init();
}

HttpSession::~HttpSession() {
  if (m_impl->curl != nullptr) api().easy_cleanup(m_impl->curl);
}

Result<HttpResponse> HttpSession::perform(const HttpRequest& req) {
  CURL* c = m_impl->curl;
  if (const auto& a = curl_api(); !a) return a.error();
  if (c == nullptr) return make_error(ErrorKind::internal, "libcurl could not be initialised");
  api().easy_reset(c);  // keeps the connection cache
  HttpResponse response;
  Transfer t{&response, req.max_body, false};
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = nullptr;
  for (const auto& h : req.headers) headers = api().slist_append(headers, h.c_str());
  api().easy_setopt(c, CURLOPT_URL, req.url.c_str());
  api().easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  api().easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  // Only http and https, whatever a hostile registry's token realm or a user's URL says. The option is
  // libcurl 7.85's; an older libcurl (Ubuntu 18.04-22.04, RHEL 8/9: the portable binary loads the
  // system's) takes the bitmask form, option 181 (CURLOPT_PROTOCOLS, named here by number: newer
  // headers deprecate the name). Neither taking it: the request is not made.
  if (api().easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK &&
      api().easy_setopt(c, static_cast<CURLoption>(181), static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS)) !=
          CURLE_OK) {
    api().slist_free_all(headers);
    return make_error(ErrorKind::unavailable, "libcurl refused to limit requests to http and https; not asked");
  }
  api().easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.connect_timeout.count()));
  api().easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout.count()));
  api().easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(req.max_body));
  api().easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  api().easy_setopt(c, CURLOPT_USERAGENT, "torchdoctor");
  // The host's CA certificates, wherever its distribution keeps them: the portable binary meets
  // libcurl builds from every distribution, whose compiled-in default may name another family's path.
  if (const auto& ca = host_ca_certificates()) {
    api().easy_setopt(c, ca->kind == CaCertificates::Kind::bundle ? CURLOPT_CAINFO : CURLOPT_CAPATH, ca->path.c_str());
  }
  api().easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  api().easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  api().easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  api().easy_setopt(c, CURLOPT_WRITEDATA, &t);
  api().easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  api().easy_setopt(c, CURLOPT_HEADERDATA, &t);
  if (req.method == "HEAD")
    api().easy_setopt(c, CURLOPT_NOBODY, 1L);
  else if (req.method != "GET")
    api().easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  const CURLcode code = api().easy_perform(c);
  api().easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  api().slist_free_all(headers);
  if (code != CURLE_OK) return transport_error(code, errbuf, req, t);
  api().easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  response.url = req.url;
  return response;
}

Result<std::string> resolve_url(const std::string& base, const std::string& location) {
  if (const auto& a = curl_api(); !a) return a.error();
  CURLU* u = api().url();
  if (u == nullptr) return make_error(ErrorKind::internal, "out of memory");
  std::string out;
  if (api().url_set(u, CURLUPART_URL, base.c_str(), 0) == CURLUE_OK &&
      api().url_set(u, CURLUPART_URL, location.c_str(), 0) == CURLUE_OK) {
    char* full = nullptr;
    if (api().url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK && full != nullptr) {
      out = full;
      api().free(full);
    }
  }
  api().url_cleanup(u);
  if (out.empty())
    return make_error(ErrorKind::parse, "cannot resolve the redirect target '" + sanitize(location, 80) + "'");
  return out;
}

namespace {
std::string url_part(const std::string& url, CURLUPart part) {
  if (!curl_api()) return {};
  CURLU* u = api().url();
  std::string out;
  if (u != nullptr && api().url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* v = nullptr;
    if (api().url_get(u, part, &v, 0) == CURLUE_OK && v != nullptr) {
      out = v;
      api().free(v);
    }
  }
  api().url_cleanup(u);
  return out;
}
}  // namespace

std::string url_host(const std::string& url) {
  std::string host = url_part(url, CURLUPART_HOST);
  const std::string port = url_part(url, CURLUPART_PORT);
  if (!port.empty()) host += ":" + port;
  return to_lower(host);
}

std::string url_scheme(const std::string& url) { return to_lower(url_part(url, CURLUPART_SCHEME)); }

std::string redact_url(const std::string& url) {
  const auto cut = url.find_first_of("?#");
  return sanitize(cut == std::string::npos ? url : url.substr(0, cut) + "?<query redacted>", 200);
}

std::string url_encode(std::string_view text) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += k_hex[c >> 4U];
      out += k_hex[c & 15U];
    }
  }
  return out;
}

}  // namespace td
