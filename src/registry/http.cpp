// libcurl (a C library) behind a small C++ interface; no exception crosses the callbacks.
#include "torchdoctor/registry/http.hpp"

#include <curl/curl.h>

#include <cctype>

#include "torchdoctor/core/strings.hpp"

namespace td {
namespace {

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
    return make_error(ErrorKind::unavailable, host + " sent a response larger than the " +
                                                  human_bytes(req.max_body) + " limit for " + redact_url(req.url));
  }
  switch (code) {
    case CURLE_FILESIZE_EXCEEDED:
      return make_error(ErrorKind::unavailable, host + " announced a response larger than the " +
                                                    human_bytes(req.max_body) + " limit for " + redact_url(req.url));
    case CURLE_OPERATION_TIMEDOUT:
      return make_error(ErrorKind::timeout, "no complete answer from " + host + " within " + seconds_text(req.timeout) +
                                                " (" + redact_url(req.url) + ")");
    case CURLE_COULDNT_RESOLVE_HOST: return make_error(ErrorKind::unavailable, "cannot resolve host " + host);
    case CURLE_COULDNT_CONNECT: return make_error(ErrorKind::unavailable, "cannot connect to " + host + " (connection refused or unreachable)");
    default: break;
  }
  std::string why = detail != nullptr && *detail != '\0' ? detail : curl_easy_strerror(code);
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

HttpSession::HttpSession() : m_impl(std::make_unique<Impl>()) { m_impl->curl = curl_easy_init(); }

HttpSession::~HttpSession() {
  if (m_impl->curl != nullptr) curl_easy_cleanup(m_impl->curl);
}

Result<HttpResponse> HttpSession::perform(const HttpRequest& req) {
  CURL* c = m_impl->curl;
  if (c == nullptr) return make_error(ErrorKind::internal, "libcurl could not be initialised");
  curl_easy_reset(c);  // keeps the connection cache
  HttpResponse response;
  Transfer t{&response, req.max_body, false};
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = nullptr;
  for (const auto& h : req.headers) headers = curl_slist_append(headers, h.c_str());
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout.count()));
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(req.max_body));
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(c, CURLOPT_USERAGENT, "torchdoctor");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  if (req.method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  else if (req.method != "GET") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  const CURLcode code = curl_easy_perform(c);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  if (code != CURLE_OK) return transport_error(code, errbuf, req, t);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  response.url = req.url;
  return response;
}

Result<std::string> resolve_url(const std::string& base, const std::string& location) {
  CURLU* u = curl_url();
  if (u == nullptr) return make_error(ErrorKind::internal, "out of memory");
  std::string out;
  if (curl_url_set(u, CURLUPART_URL, base.c_str(), 0) == CURLUE_OK &&
      curl_url_set(u, CURLUPART_URL, location.c_str(), 0) == CURLUE_OK) {
    char* full = nullptr;
    if (curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK && full != nullptr) {
      out = full;
      curl_free(full);
    }
  }
  curl_url_cleanup(u);
  if (out.empty()) return make_error(ErrorKind::parse, "cannot resolve the redirect target '" + sanitize(location, 80) + "'");
  return out;
}

namespace {
std::string url_part(const std::string& url, CURLUPart part) {
  CURLU* u = curl_url();
  std::string out;
  if (u != nullptr && curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* v = nullptr;
    if (curl_url_get(u, part, &v, 0) == CURLUE_OK && v != nullptr) {
      out = v;
      curl_free(v);
    }
  }
  curl_url_cleanup(u);
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
