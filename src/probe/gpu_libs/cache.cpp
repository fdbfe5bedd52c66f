// The GPU probe cache: one JSON file holding the last answer and the key it is valid for. Loading
// the driver costs hundreds of milliseconds; reading this file costs well under one.
#include <nlohmann/json.hpp>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/gpu_libs.hpp"
#include "torchdoctor/sys/env.hpp"
#include "torchdoctor/sys/file_reader.hpp"
#include "torchdoctor/sys/file_system.hpp"
#include "torchdoctor/sys/file_writer.hpp"

namespace td {
namespace {

constexpr const char* k_cache_schema = "torchdoctor.gpu-cache/v1";
constexpr std::size_t k_cache_max_bytes = 1U << 20U;

std::string file_or(const FileSystem& fs, const char* path, const char* absent) {
  auto text = fs.read_file(path, 4096);
  return text ? std::string(trim(*text)) : std::string(absent);
}

}  // namespace

std::string gpu_cache_key(const FileSystem& fs, const Env& env, const HostFacts& facts) {
  std::string key = k_cache_schema;
  key += "|boot=" + file_or(fs, "/proc/sys/kernel/random/boot_id", "unknown");
  key += "|driver=" + file_or(fs, "/sys/module/nvidia/version", "none");
  key += "|pci=";
  if (facts.gpus) {
    for (const auto& g : *facts.gpus.value) {
      key += g.pci_bus_id.value.value_or("?") + "/" + g.pci_device_id.value.value_or("?") + ";";
    }
  } else {
    key += "unknown";
  }
  // These change which library answers and what it sees.
  key += "|LD_LIBRARY_PATH=" + env.get("LD_LIBRARY_PATH").value_or("(unset)");
  key += "|CUDA_VISIBLE_DEVICES=" + env.get("CUDA_VISIBLE_DEVICES").value_or("(unset)");
  return key;
}

std::optional<std::string> gpu_cache_path(const Env& env) {
  // XDG says a relative XDG_CACHE_HOME is invalid and must be ignored.
  if (auto xdg = env.get("XDG_CACHE_HOME"); xdg && !xdg->empty() && (*xdg)[0] == '/') {
    return normalize_path(*xdg + "/torchdoctor/gpu-probe.json");
  }
  if (auto home = env.get("HOME"); home && !home->empty() && (*home)[0] == '/') {
    return normalize_path(*home + "/.cache/torchdoctor/gpu-probe.json");
  }
  return std::nullopt;
}

CacheLookup read_gpu_cache(const std::string& path, const std::string& key) {
  CacheLookup out;
  // The cache is this process's state: read from this machine's file system, also when the probe
  // reads another root (--host-root), and only as a regular file of bounded size.
  auto text = read_bounded(path, k_cache_max_bytes, path);
  if (!text) {
    out.detail = "no cache file";
    return out;
  }
  const auto doc = nlohmann::json::parse(*text, nullptr, false);
  const auto corrupt = [&out](std::string why) {
    out.state = CacheLookup::State::corrupt;
    out.detail = std::move(why);
    return out;
  };
  if (doc.is_discarded() || !doc.is_object()) return corrupt("not JSON");
  const auto schema = doc.find("schema");
  if (schema == doc.end() || !schema->is_string() || schema->get<std::string>() != k_cache_schema) {
    return corrupt("unknown schema");
  }
  const auto k = doc.find("key");
  const auto a = doc.find("answer");
  if (k == doc.end() || !k->is_string() || a == doc.end()) return corrupt("no key or answer");
  if (k->get<std::string>() != key) {
    out.detail = "stale: boot, driver, GPUs or environment changed";
    return out;
  }
  auto answer = gpu_answer_from_json(*a);
  if (!answer) return corrupt(answer.error().message);
  out.state = CacheLookup::State::hit;
  out.answer = std::move(*answer);
  return out;
}

Status write_gpu_cache(const std::string& path, const std::string& key, const GpuLibsAnswer& answer) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0)
    return make_error(ErrorKind::internal, "cache path has no folder: " + path);
  if (auto s = make_directories(path.substr(0, slash)); !s) return s;
  nlohmann::json doc{{"schema", k_cache_schema}, {"key", key}, {"answer", gpu_answer_to_json(answer)}};
  return write_file_atomic(path, doc.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace td
