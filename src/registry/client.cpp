#include "torchdoctor/registry/client.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <thread>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/registry/digest.hpp"
#include "torchdoctor/registry/tags.hpp"

namespace td {
namespace {

using Clock = std::chrono::steady_clock;

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}
bool is_retryable(long status) { return status == 429 || (status >= 500 && status <= 599); }

std::optional<std::chrono::seconds> retry_after(const HttpResponse& r) {
  const auto v = r.header("retry-after");
  if (!v) return std::nullopt;
  const auto n = parse_uint(trim(*v));
  if (!n || *n > 86400) return std::nullopt;
  return std::chrono::seconds(*n);
}

std::string strip_params(const std::string& content_type) {
  return std::string(trim(std::string_view(content_type).substr(0, content_type.find(';'))));
}

// What an error answer must not repeat of a request's Authorization headers: the credential
// after the scheme, and for Basic its decoded "user:secret" and the secret alone.
std::vector<std::string> secrets_of(const std::vector<std::string>& headers) {
  std::vector<std::string> out;
  for (const auto& h : headers) {
    if (to_lower(std::string_view(h).substr(0, 14)) != "authorization:") continue;
    const std::string_view value = trim(std::string_view(h).substr(14));
    const auto space = value.find(' ');
    const std::string_view credential = trim(space == std::string_view::npos ? value : value.substr(space + 1));
    if (credential.size() >= 4) out.emplace_back(credential);
    if (to_lower(value.substr(0, 6)) == "basic ") {
      if (auto plain = base64_decode(credential); plain && plain->size() >= 4) {
        out.push_back(*plain);
        if (const auto colon = plain->find(':'); colon != std::string::npos && plain->size() - colon > 4)
          out.push_back(plain->substr(colon + 1));
      }
    }
  }
  return out;
}

// Replaces every occurrence of each secret in `text` (longest first, so a secret inside another
// one is not left half shown).
void redact_secrets(std::string& text, std::vector<std::string> secrets) {
  std::sort(secrets.begin(), secrets.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const auto& secret : secrets) {
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
      text.replace(at, secret.size(), "[redacted]");
      at += 10;
    }
  }
}

// A credential after an authorization scheme word, whatever sent it: "Bearer eyJ..." -> "Bearer [redacted]".
std::string redact_schemes(std::string text) {
  for (const std::string_view scheme : {"bearer ", "basic "}) {
    std::string lower = to_lower(text);
    for (auto at = lower.find(scheme); at != std::string::npos; at = lower.find(scheme, at + 1)) {
      const auto begin = at + scheme.size();
      auto end = begin;
      while (end < text.size() && text[end] != ' ' && text[end] != '"' && text[end] != ',' && text[end] != '\n') ++end;
      if (end - begin < 4) continue;
      text.replace(begin, end - begin, "[redacted]");
      lower = to_lower(text);
    }
  }
  return text;
}

bool has_auth_header(const std::vector<std::string>& headers) {
  for (const auto& h : headers) {
    if (to_lower(std::string_view(h).substr(0, 14)) == "authorization:") return true;
  }
  return false;
}

}  // namespace

RegistryShared::RegistryShared(RegistryOptions options, std::shared_ptr<const CredentialSource> credentials)
    : m_options(std::move(options)), m_credentials(std::move(credentials)) {}

std::optional<BasicCredentials> RegistryShared::credentials(const std::string& host) const {
  if (!m_credentials) return std::nullopt;
  return m_credentials->lookup(host);
}

std::optional<std::string> RegistryShared::cached_auth(const std::string& key) const {
  const std::lock_guard lock(m_mutex);
  const auto it = m_auth.find(key);
  if (it == m_auth.end() || Clock::now() >= it->second.second) return std::nullopt;
  return it->second.first;
}

void RegistryShared::store_auth(const std::string& key, std::string value, std::chrono::seconds ttl) {
  const std::lock_guard lock(m_mutex);
  m_auth[key] = {std::move(value), Clock::now() + ttl};
}

void RegistryShared::log(const std::string& line) const {
  if (m_options.log) {
    const std::lock_guard lock(m_mutex);
    m_options.log(line);
  }
}

std::mutex& RegistryShared::key_lock(const std::string& key) {
  const std::lock_guard lock(m_mutex);
  auto& slot = m_key_locks[key];
  if (!slot) slot = std::make_unique<std::mutex>();
  return *slot;
}

void RegistryShared::remember_challenge(const std::string& host, const AuthChallenge& challenge) {
  const std::lock_guard lock(m_mutex);
  m_challenges[host] = challenge;
}

std::optional<AuthChallenge> RegistryShared::known_challenge(const std::string& host) const {
  const std::lock_guard lock(m_mutex);
  const auto it = m_challenges.find(host);
  return it == m_challenges.end() ? std::nullopt : std::optional<AuthChallenge>(it->second);
}

void RegistryShared::mark_open(const std::string& host) {
  const std::lock_guard lock(m_mutex);
  m_open_hosts.insert(host);
}

bool RegistryShared::is_open(const std::string& host) const {
  const std::lock_guard lock(m_mutex);
  return m_open_hosts.count(host) != 0;
}

void RegistryShared::plan_repositories(const std::vector<ImageRef>& refs) {
  const std::lock_guard lock(m_mutex);
  for (const auto& r : refs) m_planned[r.api_host()].insert(r.repository);
}

std::vector<std::string> RegistryShared::planned_repositories(const std::string& host) const {
  const std::lock_guard lock(m_mutex);
  const auto it = m_planned.find(host);
  return it == m_planned.end() ? std::vector<std::string>{}
                               : std::vector<std::string>(it->second.begin(), it->second.end());
}

std::string summarize_answer(const HttpResponse& r) {
  std::string s = std::to_string(r.status);
  const auto doc = nlohmann::json::parse(r.body, nullptr, false);
  bool explained = false;
  if (!doc.is_discarded() && doc.is_object()) {
    const auto errors = doc.find("errors");
    if (errors != doc.end() && errors->is_array() && !errors->empty() && (*errors)[0].is_object()) {
      const auto& e = (*errors)[0];
      if (auto c = e.find("code"); c != e.end() && c->is_string()) s += " " + sanitize(c->get<std::string>(), 40);
      if (auto m = e.find("message"); m != e.end() && m->is_string())
        s += ": " + sanitize(redact_schemes(m->get<std::string>()), 120);
      explained = true;
    }
  }
  if (!explained) {
    const std::string_view body = trim(r.body);
    if (!body.empty() && body.size() < 200 && is_printable(body))
      s += ": " + sanitize(redact_schemes(std::string(body)), 120);
  }
  if (const auto ra = retry_after(r)) s += " (Retry-After " + std::to_string(ra->count()) + " s)";
  return s;
}

std::string RegistryClient::base_url(const ImageRef& ref) const {
  const auto& insecure = m_shared.options().insecure_hosts;
  const bool plain = insecure.count(ref.registry) != 0 || insecure.count(ref.api_host()) != 0;
  return std::string(plain ? "http" : "https") + "://" + ref.api_host() + "/v2";
}

Result<HttpResponse> RegistryClient::follow(HttpRequest req, const std::string& registry_host) {
  std::set<std::string> visited;
  const std::string first = req.url;
  for (int hop = 0; hop <= m_shared.options().max_redirects; ++hop) {
    const auto start = Clock::now();
    if (const auto& deadline = m_shared.options().deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - start);
      if (left.count() <= 0)
        return make_error(ErrorKind::timeout,
                          "the run's --deadline passed before " + redact_url(req.url) + " was asked");
      req.timeout = std::min(req.timeout, left);
      req.connect_timeout = std::min(req.connect_timeout, left);
    }
    auto r = m_http.perform(req);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    m_shared.log(req.method + " " + redact_url(req.url) + " -> " +
                 (r ? std::to_string(r->status) : "failed: " + r.error().message) + " (" + std::to_string(ms) + " ms)");
    // An error answer that echoes the request (some servers quote its headers) must not carry our
    // credentials into a message.
    if (r && (r->status < 200 || r->status >= 300) && has_auth_header(req.headers))
      redact_secrets(r->body, secrets_of(req.headers));
    if (!r || !is_redirect(r->status)) return r;
    const auto location = r->header("location");
    if (!location || location->empty()) return r;
    auto next = resolve_url(req.url, *location);
    if (!next) return next.error();
    visited.insert(req.url);
    if (visited.count(*next) != 0) {
      return make_error(ErrorKind::unavailable,
                        "redirect loop at " + redact_url(*next) + " (from " + redact_url(first) + ")");
    }
    if (url_scheme(req.url) == "https" && url_scheme(*next) != "https") {
      return make_error(ErrorKind::unavailable, "refused a redirect from https to " + redact_url(*next));
    }
    if (url_host(*next) != registry_host && has_auth_header(req.headers)) {
      // Blob storage (a CDN, S3) gets no registry credentials.
      std::erase_if(req.headers, [](const std::string& h) {
        return to_lower(std::string_view(h).substr(0, 14)) == "authorization:";
      });
    }
    req.url = *next;
  }
  return make_error(ErrorKind::unavailable, "more than " + std::to_string(m_shared.options().max_redirects) +
                                                " redirects from " + redact_url(first));
}

Status RegistryClient::authenticate(const ImageRef& ref, const AuthChallenge& challenge, const std::string& key,
                                    const std::optional<std::string>& rejected) {
  const std::lock_guard lock(m_shared.key_lock(key));
  // Another thread may have fetched this token while we waited.
  if (auto cached = m_shared.cached_auth(key); cached && cached != rejected) return Ok{};
  const std::string host = ref.api_host();
  if (challenge.scheme == "basic") {
    const auto creds = m_shared.credentials(ref.registry);
    if (!creds)
      return make_error(ErrorKind::unavailable, host + " requires credentials (docker login " + ref.registry + ")");
    m_shared.store_auth(key, "Basic " + base64_encode(creds->username + ":" + creds->secret), std::chrono::hours(1));
    return Ok{};
  }
  if (challenge.scheme != "bearer") {
    return make_error(ErrorKind::unavailable,
                      host + " asks for unsupported authentication '" + sanitize(challenge.scheme, 20) + "'");
  }
  return fetch_token(ref, challenge, key);
}

Status RegistryClient::fetch_token(const ImageRef& ref, const AuthChallenge& ch, const std::string& key,
                                   bool many_scopes) {
  const std::string host = ref.api_host();
  const auto creds = m_shared.credentials(ref.registry);
  const auto& o = m_shared.options();
  const auto* challenge = &ch;
  const auto realm = challenge->params.find("realm");
  if (realm == challenge->params.end() ||
      (url_scheme(realm->second) != "https" && url_scheme(realm->second) != "http")) {
    return make_error(ErrorKind::unavailable, host + " sent a bearer challenge without a usable realm");
  }
  std::string url = realm->second + (realm->second.find('?') == std::string::npos ? "?" : "&");
  if (auto s = challenge->params.find("service"); s != challenge->params.end())
    url += "service=" + url_encode(s->second) + "&";
  const auto scope = challenge->params.find("scope");
  const std::string own_scope = "repository:" + ref.repository + ":pull";
  // Pull access to our repository is asked together with this run's other repositories on the same
  // registry that have no token yet (the token spec allows several scopes): one token request per
  // registry instead of one per repository. A server that refuses that gets the single scope.
  std::vector<std::string> repos{ref.repository};
  if (many_scopes && (scope == challenge->params.end() || scope->second == own_scope)) {
    for (const auto& r : m_shared.planned_repositories(host)) {
      if (repos.size() >= k_max_scopes_per_token) break;
      if (r != ref.repository && !m_shared.cached_auth(host + "|repository:" + r + ":pull")) repos.push_back(r);
    }
  }
  if (scope != challenge->params.end() && scope->second != own_scope) {
    url += "scope=" + url_encode(scope->second);
  } else {
    for (std::size_t i = 0; i < repos.size(); ++i)
      url += (i ? "&scope=" : "scope=") + url_encode("repository:" + repos[i] + ":pull");
  }
  HttpRequest req;
  req.url = url;
  req.max_body = o.max_token_bytes;
  req.connect_timeout = o.connect_timeout;
  req.timeout = o.request_timeout;
  const std::string realm_host = url_host(url);
  // Credentials go to the token server only over TLS, or in clear to the registry's own machine (any
  // port) or an insecure-listed host.
  auto machine = [](const std::string& h) {
    return h.substr(0, h.rfind(':') == std::string::npos || h.back() == ']' ? h.size() : h.rfind(':'));
  };
  if (creds &&
      (url_scheme(url) == "https" || machine(realm_host) == machine(host) || o.insecure_hosts.count(realm_host) != 0)) {
    req.headers.push_back("Authorization: Basic " + base64_encode(creds->username + ":" + creds->secret));
  }
  auto r = follow(req, realm_host);
  if (!r) return r.error().with_context("token server " + realm_host);
  if (r->status != 200 && repos.size() > 1) return fetch_token(ref, ch, key, /*many_scopes=*/false);
  if (r->status != 200)
    return make_error(ErrorKind::unavailable, "token server " + realm_host + " answered " + summarize_answer(*r));
  const auto doc = nlohmann::json::parse(r->body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return make_error(ErrorKind::unavailable, "token server " + realm_host + " answered with malformed JSON");
  std::string token;
  for (const char* name : {"token", "access_token"}) {
    if (auto t = doc.find(name); t != doc.end() && t->is_string() && !t->get<std::string>().empty()) {
      token = t->get<std::string>();
      break;
    }
  }
  if (token.empty())
    return make_error(ErrorKind::unavailable, "token server " + realm_host + " answered without a token");
  long long ttl = 60;
  if (auto e = doc.find("expires_in"); e != doc.end() && e->is_number_integer())
    ttl = std::clamp<long long>(e->get<long long>(), 10, 3600);
  m_shared.store_auth(key, "Bearer " + token, std::chrono::seconds(ttl - 5));
  for (std::size_t i = 1; i < repos.size(); ++i) {
    m_shared.store_auth(host + "|repository:" + repos[i] + ":pull", "Bearer " + token, std::chrono::seconds(ttl - 5));
  }
  return Ok{};
}

Result<HttpResponse> RegistryClient::get(const ImageRef& ref, const std::string& path, const std::string& accept,
                                         std::size_t max_body) {
  const auto& o = m_shared.options();
  const std::string host = ref.api_host();
  const std::string key = host + "|repository:" + ref.repository + ":pull";
  bool authenticated = false;
  std::unique_lock<std::mutex> first_contact;  // held through this request when it is the registry's first
  for (int attempt = 1;; ++attempt) {
    HttpRequest req;
    req.url = base_url(ref) + path;
    req.max_body = max_body;
    req.connect_timeout = o.connect_timeout;
    req.timeout = o.request_timeout;
    if (!accept.empty()) req.headers.push_back("Accept: " + accept);
    auto used = m_shared.cached_auth(key);
    if (!used && !first_contact.owns_lock() && !m_shared.is_open(host) && !m_shared.known_challenge(host)) {
      // Nothing is known about this registry yet: one thread makes the first request (and fetches
      // the token it asks for) while the others wait, instead of each earning its own 401.
      first_contact = std::unique_lock(m_shared.key_lock(host + "|first-contact"));
      used = m_shared.cached_auth(key);
      if (m_shared.is_open(host) || m_shared.known_challenge(host))
        first_contact.unlock();  // we waited: it is known now
    }
    if (!used && !authenticated) {
      // This registry wanted a bearer token for another repository: ask for ours before the first
      // request rather than after its 401.
      if (auto known = m_shared.known_challenge(host)) {
        known->params.erase("scope");
        if (authenticate(ref, *known, key, std::nullopt)) used = m_shared.cached_auth(key);
      }
    }
    if (used) req.headers.push_back("Authorization: " + *used);
    auto r = follow(req, host);
    if (!r) return r;
    if (r->status != 401 && !used) m_shared.mark_open(host);
    if (r->status == 401 && !authenticated) {
      authenticated = true;
      const auto header = r->header("www-authenticate");
      if (!header)
        return make_error(ErrorKind::unavailable, host + " answered 401 without a WWW-Authenticate challenge");
      auto challenge = parse_www_authenticate(*header);
      if (!challenge) return make_error(ErrorKind::unavailable, host + " sent a malformed WWW-Authenticate challenge");
      if (auto s = authenticate(ref, *challenge, key, used); !s) return s.error();
      // Known only once its token is stored, so that no other thread fetches the same token meanwhile.
      if (challenge->scheme == "bearer") m_shared.remember_challenge(host, *challenge);
      --attempt;
      continue;
    }
    if (!is_retryable(r->status) || attempt >= o.max_attempts) return r;
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(o.base_backoff * (1 << (attempt - 1)));
    if (const auto ra = retry_after(*r))
      wait = std::max(wait, std::chrono::duration_cast<std::chrono::milliseconds>(*ra));
    if (wait > o.max_retry_wait || (o.deadline && Clock::now() + wait >= *o.deadline)) return r;
    m_shared.log("retrying after " + std::to_string(wait.count()) + " ms (" + std::to_string(r->status) + ")");
    std::this_thread::sleep_for(wait);
  }
}

namespace {
// A registry's 404 says what is missing with a distribution-spec error code, or at least carries
// the registry API header; a web server's or a proxy's plain 404 says neither, and proves nothing
// about the tag.
bool is_registry_not_found(const HttpResponse& r) {
  if (r.header("docker-distribution-api-version")) return true;
  const auto doc = nlohmann::json::parse(r.body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return false;
  const auto errors = doc.find("errors");
  if (errors == doc.end() || !errors->is_array()) return false;
  for (const auto& e : *errors) {
    const auto code = e.is_object() ? e.find("code") : e.end();
    if (code == e.end() || !code->is_string()) continue;
    const auto& c = code->get_ref<const std::string&>();
    if (c == "MANIFEST_UNKNOWN" || c == "NAME_UNKNOWN" || c == "NOT_FOUND" || c == "BLOB_UNKNOWN" ||
        c == "MANIFEST_BLOB_UNKNOWN")
      return true;
  }
  return false;
}

Error answer_error(const ImageRef& ref, const std::string& what, const HttpResponse& r) {
  const std::string answer = ref.registry + " answered " + summarize_answer(r) + " for " + what;
  if (r.status == 404 && is_registry_not_found(r)) return make_error(ErrorKind::not_found, answer);
  if (r.status == 404) {
    return make_error(
        ErrorKind::unavailable,
        answer + ", without a registry's error code: not a registry's answer, so the tag is not known to be missing");
  }
  if (r.status == 401 || r.status == 403) {
    return make_error(
        ErrorKind::unavailable,
        answer + " (the repository may not exist, or it needs credentials: docker login " + ref.registry + ")");
  }
  return make_error(ErrorKind::unavailable, answer);
}
}  // namespace

Result<FetchedManifest> RegistryClient::get_manifest(const ImageRef& ref, const std::string& reference) {
  auto r = get(ref, "/" + ref.repository + "/manifests/" + reference, k_manifest_accept,
               m_shared.options().max_manifest_bytes);
  if (!r) return r.error();
  const std::string what = "manifest " + ref.repository + ":" + reference;
  if (r->status != 200) return answer_error(ref, what, *r);
  FetchedManifest m;
  m.digest = sha256_digest(r->body);
  if (reference.find(':') != std::string::npos && !digest_matches(reference, r->body)) {
    return make_error(ErrorKind::unavailable,
                      ref.registry + " sent a " + what + " whose content does not match its digest");
  }
  if (const auto header = r->header("docker-content-digest");
      header && header->rfind("sha256:", 0) == 0 && *header != m.digest) {
    return make_error(ErrorKind::unavailable,
                      ref.registry + " sent a " + what + " whose content does not match Docker-Content-Digest");
  }
  m.media_type = strip_params(r->header("content-type").value_or(""));
  m.body = std::move(r->body);
  return m;
}

Result<std::string> RegistryClient::get_blob(const ImageRef& ref, const std::string& digest) {
  if (!is_sha256_digest(digest))
    return make_error(ErrorKind::parse, "not a sha256 digest: '" + sanitize(digest, 80) + "'");
  auto r = get(ref, "/" + ref.repository + "/blobs/" + digest, "", m_shared.options().max_blob_bytes);
  if (!r) return r.error();
  const std::string what = "blob " + digest.substr(0, 19);
  if (r->status != 200) return answer_error(ref, what, *r);
  if (!digest_matches(digest, r->body)) {
    return make_error(ErrorKind::unavailable,
                      ref.registry + " sent a " + what + " whose content does not match its digest");
  }
  return std::move(r->body);
}

Result<std::vector<std::string>> RegistryClient::list_tags(const ImageRef& ref) {
  std::vector<std::string> tags;
  std::string path = "/" + ref.repository + "/tags/list?n=1000";
  std::set<std::string> seen_pages;
  for (std::size_t page = 0; page < m_shared.options().max_tag_pages && !path.empty(); ++page) {
    if (!seen_pages.insert(path).second) break;  // a Link that points back: stop, keep what we have
    auto r = get(ref, path, "application/json", m_shared.options().max_manifest_bytes);
    if (!r) return r.error();
    if (r->status != 200) return answer_error(ref, "the tag list of " + ref.repository, *r);
    const auto doc = nlohmann::json::parse(r->body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      return make_error(ErrorKind::unavailable, ref.registry + " sent a tag list that is not a JSON object");
    }
    if (auto t = doc.find("tags"); t != doc.end() && t->is_array()) {
      for (const auto& tag : *t) {
        if (tag.is_string() && tags.size() < 100000) tags.push_back(tag.get<std::string>());
      }
    }
    path.clear();
    if (const auto link = r->header("link")) {
      if (auto next = next_page_path(*link)) path = *next;
    }
  }
  return tags;
}

}  // namespace td
