// Tool answers cached by the tool file's identity (see tool_cache.hpp).
#include "torchdoctor/sys/tool_cache.hpp"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

#include "torchdoctor/sys/file_reader.hpp"
#include "torchdoctor/sys/file_system.hpp"
#include "torchdoctor/sys/file_writer.hpp"

namespace td {
namespace {

constexpr const char* k_schema = "torchdoctor.tool-cache/v1";
constexpr std::size_t k_max_entries = 64;       // a few compilers, nvccs and interpreters
constexpr std::size_t k_max_bytes = 1U << 20U;  // ignore a cache file grown beyond reason

nlohmann::json read_cache(const std::string& path) {
  const auto text = read_bounded(path, k_max_bytes, path);
  if (!text) return nlohmann::json::object();
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (!doc.is_object() || doc.value("schema", "") != k_schema || !doc.contains("answers") ||
      !doc["answers"].is_object()) {
    return nlohmann::json::object();  // damaged or another version: start again
  }
  return doc["answers"];
}

}  // namespace

std::optional<std::string> cache_file_path(const Env& env, const std::string& name) {
  if (auto xdg = env.get("XDG_CACHE_HOME"); xdg && !xdg->empty() && (*xdg)[0] == '/')
    return normalize_path(*xdg + "/torchdoctor/" + name);
  if (auto home = env.get("HOME"); home && !home->empty() && (*home)[0] == '/')
    return normalize_path(*home + "/.cache/torchdoctor/" + name);
  return std::nullopt;
}

std::optional<std::string> tool_cache_path(const Env& env) { return cache_file_path(env, "tools.json"); }

std::optional<std::string> cached_answer(const std::string& path, const std::string& key) {
  const auto answers = read_cache(path);
  if (auto it = answers.find(key); it != answers.end() && it->is_string()) return it->get<std::string>();
  return std::nullopt;
}

void remember_answer(const std::string& path, const std::string& key, const std::string& answer) {
  auto answers = read_cache(path);
  if (answers.size() >= k_max_entries) answers = nlohmann::json::object();  // simplest bound: start over
  answers[key] = answer;
  if (const auto slash = path.rfind('/'); slash != std::string::npos && slash > 0)
    (void)make_directories(path.substr(0, slash));
  (void)write_file_atomic(path, nlohmann::json{{"schema", k_schema}, {"answers", answers}}.dump(
                                    1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::optional<std::string> file_identity(const std::string& path) {
  char real[PATH_MAX];
  if (::realpath(path.c_str(), real) == nullptr) return std::nullopt;
  struct stat st {};
  if (::stat(real, &st) != 0) return std::nullopt;
  std::ostringstream id;
  id << real << '|' << st.st_size << '|' << st.st_mtim.tv_sec << '.' << st.st_mtim.tv_nsec << '|' << st.st_ino;
  return id.str();
}

std::optional<std::string> cached_tool_output(const std::string& cache_path, const std::vector<std::string>& argv,
                                              const SpawnOptions& options) {
  if (argv.empty()) return std::nullopt;
  std::optional<std::string> key;
  if (!cache_path.empty()) {
    if (auto id = file_identity(argv[0])) {
      key = *id;
      for (std::size_t i = 1; i < argv.size(); ++i) *key += ' ' + argv[i];
    }
  }
  if (key) {
    if (auto hit = cached_answer(cache_path, *key)) return hit;
  }
  auto run = run_program(argv, options);
  if (!run || !run->succeeded()) return std::nullopt;
  // A cache that cannot be written is not an error: the answer is still right.
  if (key) remember_answer(cache_path, *key, run->out);
  return run->out;
}

}  // namespace td
