// Registry authentication: WWW-Authenticate challenges and credentials from ~/.docker/config.json
// (auths, credHelpers, credsStore through docker-credential-* helpers run with a timeout).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "torchdoctor/core/result.hpp"

namespace td {

class Env;
class FileSystem;

/// A parsed WWW-Authenticate challenge.
struct AuthChallenge {
  std::string scheme;                         ///< "bearer" or "basic", lower case.
  std::map<std::string, std::string> params;  ///< realm, service, scope, error ... (names lower case).
};

/// Parses the first challenge of a WWW-Authenticate value; nullopt when it is malformed.
std::optional<AuthChallenge> parse_www_authenticate(const std::string& value);

/// A user name and secret for one registry. Never printed or logged.
struct BasicCredentials {
  std::string username;
  std::string secret;
};

/// Where credentials come from (an interface so tests can supply their own).
class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  /// Credentials for registry `host` ("docker.io", "nvcr.io", "127.0.0.1:5000"), if any.
  [[nodiscard]] virtual std::optional<BasicCredentials> lookup(const std::string& host) const = 0;
};

/// Docker's client configuration: $DOCKER_CONFIG/config.json or ~/.docker/config.json.
class DockerConfigCredentials final : public CredentialSource {
 public:
  /// Reads the configuration through `fs` (paths from `env`); a missing file means no credentials.
  DockerConfigCredentials(const FileSystem& fs, const Env& env, std::chrono::milliseconds helper_timeout);
  [[nodiscard]] std::optional<BasicCredentials> lookup(const std::string& host) const override;
  /// Problems met while reading the configuration or running helpers (no secrets), for --verbose.
  [[nodiscard]] std::vector<std::string> warnings() const;

 private:
  std::optional<BasicCredentials> from_helper(const std::string& helper, const std::string& server) const;
  std::optional<BasicCredentials> from_auths(const std::string& host) const;
  std::string m_config_text;
  std::chrono::milliseconds m_helper_timeout;
  mutable std::mutex m_mutex;
  mutable std::map<std::string, std::optional<BasicCredentials>> m_cache;
  mutable std::vector<std::string> m_warnings;
};

/// The keys docker uses in config.json for `host` (Docker Hub's legacy index URL for docker.io).
std::vector<std::string> docker_config_keys(const std::string& host);

}  // namespace td
