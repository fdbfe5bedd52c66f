// RegistryClient: the OCI distribution API (manifests, blobs, tag lists) with the anonymous bearer
// flow, credentials, retries with backoff on 429/5xx (Retry-After honoured, bounded), bounded
// redirects with loop detection, and size limits. Secrets never reach messages or logs.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "torchdoctor/core/result.hpp"
#include "torchdoctor/registry/auth.hpp"
#include "torchdoctor/registry/http.hpp"
#include "torchdoctor/registry/image_ref.hpp"

namespace td {

/// The media types a manifest request accepts.
inline constexpr const char* k_manifest_accept =
    "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/// How the client talks to registries.
struct RegistryOptions {
  std::set<std::string> insecure_hosts;  ///< Registries spoken to over plain HTTP (--insecure-registry).
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{20000};  ///< One request, body included.
  int max_attempts = 4;                              ///< Tries per request on 429, 5xx and dropped connections.
  std::chrono::milliseconds base_backoff{200};       ///< Doubled each retry.
  std::chrono::milliseconds max_retry_wait{5000};    ///< A longer Retry-After gives up instead of waiting.
  int max_redirects = 5;
  std::size_t max_manifest_bytes = 4U << 20U;
  std::size_t max_blob_bytes = 16U << 20U;  ///< Config blobs.
  std::size_t max_token_bytes = 1U << 20U;
  std::size_t max_tag_pages = 50;
  /// The whole run's registry work ends by then (--deadline): no request starts after it, and each
  /// one's time limits are cut to what is left. Default: none.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::function<void(const std::string&)> log;  ///< Request log (--verbose); never given secrets.
};

/// State shared by the clients of all threads: options, credentials, and the token cache.
class RegistryShared {
 public:
  RegistryShared(RegistryOptions options, std::shared_ptr<const CredentialSource> credentials);
  [[nodiscard]] const RegistryOptions& options() const { return m_options; }
  /// Credentials for `host`, if configured.
  [[nodiscard]] std::optional<BasicCredentials> credentials(const std::string& host) const;
  /// A cached Authorization header value for `key` (registry + scope) that has not expired.
  [[nodiscard]] std::optional<std::string> cached_auth(const std::string& key) const;
  /// Remembers an Authorization header value for `key` for `ttl`.
  void store_auth(const std::string& key, std::string value, std::chrono::seconds ttl);
  /// Writes one line to the request log, if any.
  void log(const std::string& line) const;
  /// A lock per key, so that threads needing the same token fetch it once.
  std::mutex& key_lock(const std::string& key);
  /// Remembers the bearer challenge of registry `host`, to ask for tokens of other repositories up front.
  void remember_challenge(const std::string& host, const AuthChallenge& challenge);
  /// The bearer challenge seen from `host`, if any.
  [[nodiscard]] std::optional<AuthChallenge> known_challenge(const std::string& host) const;
  /// Notes that `host` answered without asking for credentials.
  void mark_open(const std::string& host);
  /// True when `host` answered a request without asking for credentials.
  [[nodiscard]] bool is_open(const std::string& host) const;
  /// The repositories this run will read, per registry API host: a token is asked for all of a
  /// host's repositories at once (one request with several `scope`s), not one per repository.
  void plan_repositories(const std::vector<ImageRef>& refs);
  /// The planned repositories of `host`.
  [[nodiscard]] std::vector<std::string> planned_repositories(const std::string& host) const;

 private:
  RegistryOptions m_options;
  std::shared_ptr<const CredentialSource> m_credentials;
  mutable std::mutex m_mutex;
  std::map<std::string, std::pair<std::string, std::chrono::steady_clock::time_point>> m_auth;
  std::map<std::string, std::unique_ptr<std::mutex>> m_key_locks;
  std::map<std::string, AuthChallenge> m_challenges;
  std::set<std::string> m_open_hosts;
  std::map<std::string, std::set<std::string>> m_planned;  // API host -> repositories
};

/// A fetched manifest.
struct FetchedManifest {
  std::string body;
  std::string media_type;  ///< From Content-Type.
  std::string digest;      ///< Verified sha256 of the body.
};

/// The registry's answer to a failed request in one line: "404 MANIFEST_UNKNOWN: manifest unknown".
std::string summarize_answer(const HttpResponse& response);

/// A client for one thread.
class RegistryClient {
 public:
  explicit RegistryClient(RegistryShared& shared) : m_shared(shared) {}

  /// The manifest or index `reference` (tag or digest) of `ref`; a 404 is ErrorKind::not_found.
  Result<FetchedManifest> get_manifest(const ImageRef& ref, const std::string& reference);
  /// The blob `digest` of `ref`'s repository, verified against its digest.
  Result<std::string> get_blob(const ImageRef& ref, const std::string& digest);
  /// Every tag of `ref`'s repository, following Link pagination up to the page limit.
  Result<std::vector<std::string>> list_tags(const ImageRef& ref);
  /// GET of an API path under /v2/ with auth, retries and redirects; any final HTTP status is returned.
  Result<HttpResponse> get(const ImageRef& ref, const std::string& path, const std::string& accept,
                           std::size_t max_body);

 private:
  Result<HttpResponse> follow(HttpRequest request, const std::string& registry_host);
  Status authenticate(const ImageRef& ref, const AuthChallenge& challenge, const std::string& key,
                      const std::optional<std::string>& rejected);
  Status fetch_token(const ImageRef& ref, const AuthChallenge& challenge, const std::string& key,
                     bool many_scopes = true);
  static constexpr std::size_t k_max_scopes_per_token = 32;
  std::string base_url(const ImageRef& ref) const;

  RegistryShared& m_shared;
  HttpSession m_http;
};

}  // namespace td
