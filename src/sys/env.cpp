#include "torchdoctor/sys/env.hpp"

#include <cstdlib>

#include "torchdoctor/sys/file_system.hpp"

namespace td {
namespace {

class ProcessEnv final : public Env {
 public:
  [[nodiscard]] std::optional<std::string> get(const std::string& name) const override {
    const char* v = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): read-only use
    return v == nullptr ? std::nullopt : std::optional<std::string>(v);
  }
};

constexpr const char* k_default_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

}  // namespace

std::unique_ptr<Env> make_process_env() { return std::make_unique<ProcessEnv>(); }

std::optional<std::string> find_in_path(const FileSystem& fs, const Env& env, const std::string& name) {
  const std::string path = env.get("PATH").value_or(k_default_path);
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find(':', start), path.size());
    const std::string dir = path.substr(start, end - start);
    if (!dir.empty() && dir.front() == '/') {
      const std::string candidate = normalize_path(dir + "/" + name);
      if (fs.stat(candidate).type == FileType::regular) return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace td
