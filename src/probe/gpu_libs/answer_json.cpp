// GpuLibsAnswer <-> JSON: the child's reply and the cache file share this form.
#include <nlohmann/json.hpp>

#include "torchdoctor/probe/gpu_libs.hpp"

namespace td {
namespace {

using nlohmann::json;

const char* status_name(VendorAnswer::Status s) {
  switch (s) {
    case VendorAnswer::Status::absent:
      return "absent";
    case VendorAnswer::Status::failed:
      return "failed";
    case VendorAnswer::Status::answered:
      return "answered";
    case VendorAnswer::Status::not_asked:
      break;
  }
  return "not_asked";
}

std::optional<VendorAnswer::Status> status_of(const std::string& s) {
  for (auto st : {VendorAnswer::Status::not_asked, VendorAnswer::Status::absent, VendorAnswer::Status::failed,
                  VendorAnswer::Status::answered}) {
    if (s == status_name(st)) return st;
  }
  return std::nullopt;
}

template <typename T>
void put(json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

json gpu_to_json(const VendorGpu& g) {
  json j = json::object();
  put(j, "index", g.index);
  put(j, "name", g.name);
  put(j, "uuid", g.uuid);
  put(j, "pci_bus_id", g.pci_bus_id);
  if (g.compute_capability) j["compute_capability"] = g.compute_capability->str();
  put(j, "memory_bytes", g.memory_bytes);
  put(j, "mig_mode", g.mig_mode);
  put(j, "integrated", g.integrated);
  if (!g.unknown_why.empty()) j["unknown_why"] = g.unknown_why;
  return j;
}

Error bad(const std::string& path, const char* expected) {
  return make_error(ErrorKind::parse, path + ": expected " + expected);
}

// Reads optional `key` of `j` into `out` when present; a wrong type is an error.
template <typename T>
Status get(const json& j, const char* key, const std::string& path, std::optional<T>& out) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Ok{};
  if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) return bad(path + "." + key, "a string");
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) return bad(path + "." + key, "true or false");
  } else {
    if (!it->is_number_unsigned()) return bad(path + "." + key, "a non-negative integer");
  }
  out = it->get<T>();
  return Ok{};
}

#define TD_GET(j, key, path, out) \
  if (auto s_ = get(j, key, path, out); !s_) return s_.error()

Result<VendorGpu> gpu_from_json(const json& j, const std::string& path) {
  if (!j.is_object()) return bad(path, "an object");
  VendorGpu g;
  TD_GET(j, "index", path, g.index);
  TD_GET(j, "name", path, g.name);
  TD_GET(j, "uuid", path, g.uuid);
  TD_GET(j, "pci_bus_id", path, g.pci_bus_id);
  TD_GET(j, "memory_bytes", path, g.memory_bytes);
  TD_GET(j, "mig_mode", path, g.mig_mode);
  TD_GET(j, "integrated", path, g.integrated);
  std::optional<std::string> cc;
  TD_GET(j, "compute_capability", path, cc);
  if (cc) {
    auto parsed = ComputeCapability::parse(*cc);
    if (!parsed) return parsed.error().with_context(path + ".compute_capability");
    g.compute_capability = *parsed;
  }
  if (const auto it = j.find("unknown_why"); it != j.end()) {
    if (!it->is_object()) return bad(path + ".unknown_why", "an object");
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) return bad(path + ".unknown_why." + k, "a string");
      g.unknown_why[k] = v.get<std::string>();
    }
  }
  return g;
}

Status version_from(const json& j, const char* key, const std::string& path, std::optional<Version>& out) {
  std::optional<std::string> text;
  TD_GET(j, key, path, text);
  if (!text) return Ok{};
  auto v = Version::parse(*text);
  if (!v) return v.error().with_context(path + "." + key);
  out = *v;
  return Ok{};
}

Status strings_from(const json& j, const char* key, const std::string& path, std::vector<std::string>& out) {
  const auto it = j.find(key);
  if (it == j.end()) return Ok{};
  if (!it->is_array()) return bad(path + "." + key, "an array");
  for (const auto& e : *it) {
    if (!e.is_string()) return bad(path + "." + key, "an array of strings");
    out.push_back(e.get<std::string>());
  }
  return Ok{};
}

}  // namespace

json vendor_answer_to_json(const VendorAnswer& a) {
  json j = json::object();
  j["status"] = status_name(a.status);
  if (!a.error.empty()) j["error"] = a.error;
  if (a.transient) j["transient"] = true;
  if (!a.library.empty()) j["library"] = a.library;
  if (a.driver_version) j["driver_version"] = a.driver_version->str();
  if (a.cuda_level) j["cuda_level"] = a.cuda_level->str();
  put(j, "device_count", a.device_count);
  json gpus = json::array();
  for (const auto& g : a.gpus) gpus.push_back(gpu_to_json(g));
  j["gpus"] = std::move(gpus);
  if (!a.problems.empty()) j["problems"] = a.problems;
  return j;
}

Result<VendorAnswer> vendor_answer_from_json(const json& j, const std::string& path) {
  if (!j.is_object()) return bad(path, "an object");
  VendorAnswer a;
  std::optional<std::string> status;
  TD_GET(j, "status", path, status);
  const auto st = status ? status_of(*status) : std::nullopt;
  if (!st) return bad(path + ".status", "not_asked, absent, failed or answered");
  a.status = *st;
  std::optional<std::string> text;
  TD_GET(j, "error", path, text);
  a.error = text.value_or("");
  text.reset();
  TD_GET(j, "library", path, text);
  a.library = text.value_or("");
  std::optional<bool> transient;
  TD_GET(j, "transient", path, transient);
  a.transient = transient.value_or(false);
  if (auto s = version_from(j, "driver_version", path, a.driver_version); !s) return s.error();
  if (auto s = version_from(j, "cuda_level", path, a.cuda_level); !s) return s.error();
  TD_GET(j, "device_count", path, a.device_count);
  if (const auto it = j.find("gpus"); it != j.end()) {
    if (!it->is_array()) return bad(path + ".gpus", "an array");
    for (std::size_t i = 0; i < it->size(); ++i) {
      auto g = gpu_from_json((*it)[i], path + ".gpus[" + std::to_string(i) + "]");
      if (!g) return g.error();
      a.gpus.push_back(std::move(*g));
    }
  }
  if (auto s = strings_from(j, "problems", path, a.problems); !s) return s.error();
  return a;
}

json gpu_answer_to_json(const GpuLibsAnswer& a) {
  json j = json::object();
  j["nvml"] = vendor_answer_to_json(a.nvml);
  j["libcuda"] = vendor_answer_to_json(a.libcuda);
  j["nvidia_smi"] = vendor_answer_to_json(a.nvidia_smi);
  j["cuda_visible_devices"] = a.cuda_visible_devices ? json(*a.cuda_visible_devices) : json(nullptr);
  return j;
}

Result<GpuLibsAnswer> gpu_answer_from_json(const json& doc) {
  if (!doc.is_object()) return bad("(answer)", "an object");
  GpuLibsAnswer a;
  for (auto [key, slot] :
       {std::pair{"nvml", &a.nvml}, std::pair{"libcuda", &a.libcuda}, std::pair{"nvidia_smi", &a.nvidia_smi}}) {
    const auto it = doc.find(key);
    if (it == doc.end()) return bad(key, "an object");
    auto v = vendor_answer_from_json(*it, key);
    if (!v) return v.error();
    *slot = std::move(*v);
  }
  TD_GET(doc, "cuda_visible_devices", "", a.cuda_visible_devices);
  return a;
}

}  // namespace td
