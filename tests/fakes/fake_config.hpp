// Shared by the fake NVML and the fake libcuda: the JSON file named by TD_FAKE_GPU_CONFIG says
// what the "driver" reports and how it misbehaves. Test doubles only; never part of torchdoctor.
//
// {
//   "driver": "550.54.15",            NVML's driver version
//   "cuda": "12.4",                   the driver's CUDA level (NVML and libcuda)
//   "libcuda_cuda": "12.8",           libcuda's own level when it differs (forward compat)
//   "gpus": [{"name": "...", "uuid": "GPU-...", "bus_id": "00000000:01:00.0", "cc": "8.9",
//             "memory": 25757220864, "mig": "enabled", "integrated": false}],
//   "nvml":    {"mode": "ok" | "hang" | "crash", "errors": {"nvmlInit": 9, ...}},
//   "libcuda": {"mode": "ok" | "hang" | "crash", "errors": {"cuInit": 999, ...}}
// }
// "mode" applies in the library's init call; "errors" makes the named function return that code.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

namespace td::fake {

/// The configuration, read once per process; null when TD_FAKE_GPU_CONFIG is unset or unreadable.
inline const nlohmann::json& config() {
  static const nlohmann::json k_config = [] {
    const char* path = std::getenv("TD_FAKE_GPU_CONFIG");
    if (path == nullptr) return nlohmann::json();
    std::ifstream in(path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto doc = nlohmann::json::parse(text, nullptr, false);
    return doc.is_discarded() ? nlohmann::json() : doc;
  }();
  return k_config;
}

/// The "nvml" or "libcuda" section.
inline const nlohmann::json& section(const char* name) {
  static const nlohmann::json k_empty = nlohmann::json::object();
  const auto& c = config();
  if (!c.is_object() || !c.contains(name) || !c[name].is_object()) return k_empty;
  return c[name];
}

/// The error code configured for `function` in `lib`'s section, or `ok`.
inline int error_for(const char* lib, const char* function, int ok) {
  const auto& s = section(lib);
  if (!s.contains("errors") || !s["errors"].contains(function) || !s["errors"][function].is_number_integer()) return ok;
  return s["errors"][function].get<int>();
}

/// Hangs or crashes when `lib`'s mode says so (called from the init function).
inline void misbehave(const char* lib) {
  const auto& s = section(lib);
  const std::string mode = s.contains("mode") && s["mode"].is_string() ? s["mode"].get<std::string>() : "ok";
  if (mode == "hang") {
    for (;;) ::pause();
  }
  if (mode == "crash") ::raise(SIGSEGV);
}

/// The configured GPUs (an empty array when none).
inline const nlohmann::json& gpus() {
  static const nlohmann::json k_none = nlohmann::json::array();
  const auto& c = config();
  return c.is_object() && c.contains("gpus") && c["gpus"].is_array() ? c["gpus"] : k_none;
}

/// A string field of `j`, or `fallback`.
inline std::string str(const nlohmann::json& j, const char* key, const std::string& fallback = {}) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : fallback;
}

/// "12.4" -> 12040, the driver API's encoding; 0 when absent.
inline int encoded_version(const std::string& text) {
  const auto dot = text.find('.');
  if (text.empty() || dot == std::string::npos) return 0;
  return std::atoi(text.substr(0, dot).c_str()) * 1000 + std::atoi(text.substr(dot + 1).c_str()) * 10;
}

/// Copies `text` into a caller's buffer of `size` bytes; false when it does not fit.
inline bool copy_out(const std::string& text, char* buf, unsigned long size) {
  if (buf == nullptr || text.size() + 1 > size) return false;
  text.copy(buf, text.size());
  buf[text.size()] = '\0';
  return true;
}

}  // namespace td::fake
