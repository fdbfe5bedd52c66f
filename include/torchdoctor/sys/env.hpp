// Env: the OS seam for environment variables.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace td {

class FileSystem;

/// Read access to environment variables.
class Env {
 public:
  virtual ~Env() = default;
  /// The value of `name`, or nullopt when unset.
  [[nodiscard]] virtual std::optional<std::string> get(const std::string& name) const = 0;
};

/// The process environment.
std::unique_ptr<Env> make_process_env();

/// A fixed set of variables (tests, and `--root` probes, which must not see our own environment).
class MapEnv final : public Env {
 public:
  MapEnv() = default;
  explicit MapEnv(std::map<std::string, std::string> vars) : m_vars(std::move(vars)) {}
  /// Sets `name` to `value`.
  MapEnv& set(const std::string& name, std::string value) {
    m_vars[name] = std::move(value);
    return *this;
  }
  [[nodiscard]] std::optional<std::string> get(const std::string& name) const override {
    const auto it = m_vars.find(name);
    return it == m_vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  }

 private:
  std::map<std::string, std::string> m_vars;
};

/// Searches PATH (from `env`, or a standard PATH when unset) inside `fs` for an executable `name`.
std::optional<std::string> find_in_path(const FileSystem& fs, const Env& env, const std::string& name);

}  // namespace td
