#include "torchdoctor/registry/auth.hpp"

#include <nlohmann/json.hpp>

#include <cctype>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/registry/digest.hpp"
#include "torchdoctor/sys/env.hpp"
#include "torchdoctor/sys/file_system.hpp"
#include "torchdoctor/sys/subprocess.hpp"

namespace td {

std::optional<AuthChallenge> parse_www_authenticate(const std::string& value) {
  std::string_view s = trim(value);
  const auto space = s.find(' ');
  AuthChallenge c;
  c.scheme = to_lower(s.substr(0, space));
  if (c.scheme.empty()) return std::nullopt;
  if (space == std::string_view::npos) return c;
  s.remove_prefix(space + 1);
  while (!s.empty()) {
    s = trim(s);
    const auto eq = s.find('=');
    if (eq == std::string_view::npos) break;
    const std::string key = to_lower(trim(s.substr(0, eq)));
    s.remove_prefix(eq + 1);
    std::string val;
    if (!s.empty() && s.front() == '"') {
      std::size_t i = 1;
      for (; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        val += s[i];
      }
      if (i >= s.size()) return std::nullopt;  // unterminated quote
      s.remove_prefix(i + 1);
    } else {
      const auto comma = s.find(',');
      val = std::string(trim(s.substr(0, comma)));
      s.remove_prefix(comma == std::string_view::npos ? s.size() : comma);
    }
    if (!key.empty()) c.params[key] = val;
    s = trim(s);
    if (!s.empty() && s.front() == ',') s.remove_prefix(1);
  }
  return c;
}

std::vector<std::string> docker_config_keys(const std::string& host) {
  if (host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io") {
    return {"https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io",
            "https://index.docker.io"};
  }
  return {host, "https://" + host, "http://" + host, "https://" + host + "/", "http://" + host + "/"};
}

DockerConfigCredentials::DockerConfigCredentials(const FileSystem& fs, const Env& env,
                                                 std::chrono::milliseconds helper_timeout)
    : m_helper_timeout(helper_timeout) {
  std::string dir;
  if (auto d = env.get("DOCKER_CONFIG"); d && !d->empty())
    dir = *d;
  else if (auto home = env.get("HOME"); home && !home->empty())
    dir = *home + "/.docker";
  if (dir.empty()) return;
  auto text = fs.read_file(dir + "/config.json", 1U << 20U);
  if (text) m_config_text = std::move(*text);
}

std::vector<std::string> DockerConfigCredentials::warnings() const {
  const std::lock_guard lock(m_mutex);
  return m_warnings;
}

std::optional<BasicCredentials> DockerConfigCredentials::from_helper(const std::string& helper,
                                                                     const std::string& server) const {
  for (char c : helper) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '_' && c != '.') {
      m_warnings.push_back("credential helper name '" + sanitize(helper, 40) + "' is not valid; ignored");
      return std::nullopt;
    }
  }
  SpawnOptions o;
  o.timeout = m_helper_timeout;
  o.input = server;
  o.max_output = 64U << 10U;
  const std::string program = "docker-credential-" + helper;
  auto run = run_program({program, "get"}, o);
  if (!run) {
    m_warnings.push_back(program + " could not be started: " + run.error().message);
    return std::nullopt;
  }
  if (!run->succeeded()) {
    // Helpers answer "credentials not found" with a non-zero exit; only say more for a failure.
    if (run->timed_out || run->signal) m_warnings.push_back(program + " " + run->describe_failure());
    return std::nullopt;
  }
  const auto doc = nlohmann::json::parse(run->out, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    m_warnings.push_back(program + " answered something that is not JSON");
    return std::nullopt;
  }
  const auto user = doc.find("Username");
  const auto secret = doc.find("Secret");
  if (user == doc.end() || secret == doc.end() || !user->is_string() || !secret->is_string()) return std::nullopt;
  return BasicCredentials{user->get<std::string>(), secret->get<std::string>()};
}

std::optional<BasicCredentials> DockerConfigCredentials::from_auths(const std::string& host) const {
  const auto doc = nlohmann::json::parse(m_config_text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  const auto auths = doc.find("auths");
  if (auths == doc.end() || !auths->is_object()) return std::nullopt;
  for (const auto& key : docker_config_keys(host)) {
    const auto entry = auths->find(key);
    if (entry == auths->end() || !entry->is_object()) continue;
    const auto auth = entry->find("auth");
    if (auth != entry->end() && auth->is_string() && !auth->get<std::string>().empty()) {
      const auto decoded = base64_decode(auth->get<std::string>());
      const auto colon = decoded ? decoded->find(':') : std::string::npos;
      if (colon == std::string::npos) {
        m_warnings.push_back("config.json: the auth entry for " + key + " is not base64 of user:password; ignored");
        continue;
      }
      return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
    }
    const auto user = entry->find("username");
    const auto pass = entry->find("password");
    if (user != entry->end() && pass != entry->end() && user->is_string() && pass->is_string()) {
      return BasicCredentials{user->get<std::string>(), pass->get<std::string>()};
    }
  }
  return std::nullopt;
}

std::optional<BasicCredentials> DockerConfigCredentials::lookup(const std::string& host) const {
  const std::lock_guard lock(m_mutex);
  if (const auto it = m_cache.find(host); it != m_cache.end()) return it->second;
  std::optional<BasicCredentials> found;
  const auto doc = nlohmann::json::parse(m_config_text, nullptr, false);
  if (!m_config_text.empty() && (doc.is_discarded() || !doc.is_object())) {
    m_warnings.push_back("docker config.json is not a JSON object; no credentials used");
  } else if (doc.is_object()) {
    const auto keys = docker_config_keys(host);
    const auto helpers = doc.find("credHelpers");
    std::optional<std::string> helper;
    if (helpers != doc.end() && helpers->is_object()) {
      for (const auto& key : keys) {
        if (auto h = helpers->find(key); h != helpers->end() && h->is_string()) helper = h->get<std::string>();
        if (helper) break;
      }
    }
    if (!helper) {
      if (auto store = doc.find("credsStore");
          store != doc.end() && store->is_string() && !store->get<std::string>().empty()) {
        helper = store->get<std::string>();
      }
    }
    if (helper) found = from_helper(*helper, keys.front());
    if (!found) found = from_auths(host);
  }
  m_cache[host] = found;
  return found;
}

}  // namespace td
