// A fake libcuda.so.1 for the tests, configured by fake_config.hpp's JSON. It honours
// CUDA_VISIBLE_DEVICES (indices or GPU-uuid prefixes, stopping at the first that matches nothing,
// as the real driver does). FAKE_LEGACY lacks cuDeviceTotalMem_v2, cuDeviceGetUuid_v2 and
// cuGetErrorName, and exports the unversioned cuDeviceTotalMem (32-bit) that must not be used.
#include <cstdio>
#include <cstring>
#include <vector>

#include "fake_config.hpp"
#include "vendor_api/cuda_driver.hpp"

#define FAKE_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

using td::fake::config;
using td::fake::error_for;
using td::fake::gpus;
using td::fake::str;
namespace cuda = td::cuda;

constexpr const char* k_lib = "libcuda";

// The configured GPUs CUDA_VISIBLE_DEVICES leaves, in its order.
std::vector<std::size_t> visible() {
  std::vector<std::size_t> out;
  const char* env = std::getenv("CUDA_VISIBLE_DEVICES");
  if (env == nullptr) {
    for (std::size_t i = 0; i < gpus().size(); ++i) out.push_back(i);
    return out;
  }
  std::string list(env);
  std::size_t pos = 0;
  while (pos <= list.size() && !list.empty()) {
    const auto comma = list.find(',', pos);
    const std::string item = list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    std::optional<std::size_t> match;
    if (!item.empty() && item.find_first_not_of("0123456789") == std::string::npos) {
      const auto i = std::stoul(item);
      if (i < gpus().size()) match = i;
    } else if (item.rfind("GPU-", 0) == 0) {
      for (std::size_t i = 0; i < gpus().size(); ++i) {
        if (str(gpus()[i], "uuid").rfind(item, 0) == 0) match = i;
      }
    }
    if (!match) break;
    out.push_back(*match);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

const nlohmann::json* gpu_of(cuda::Device d) {
  const auto v = visible();
  if (d < 0 || static_cast<std::size_t>(d) >= v.size()) return nullptr;
  return &gpus()[v[static_cast<std::size_t>(d)]];
}

int parse_hex(const std::string& bus_id, int field) {
  unsigned parts[3] = {0, 0, 0};
  std::sscanf(bus_id.c_str(), "%x:%x:%x", &parts[0], &parts[1], &parts[2]);
  return static_cast<int>(parts[field]);
}

cuda::Result get_uuid(cuda::Uuid* u, cuda::Device d) {
  const auto* g = gpu_of(d);
  if (g == nullptr || u == nullptr) return cuda::k_error_invalid_device;
  // "GPU-0123abcd-..." -> 16 bytes
  std::string hex;
  for (char c : str(*g, "uuid").substr(4)) {
    if (c != '-') hex += c;
  }
  for (int i = 0; i < 16; ++i) {
    unsigned byte = 0;
    std::sscanf(hex.c_str() + 2 * i, "%2x", &byte);
    u->bytes[i] = static_cast<char>(byte);
  }
  return cuda::k_success;
}

}  // namespace

FAKE_EXPORT cuda::Result cuInit(unsigned int flags) {
  td::fake::misbehave(k_lib);
  if (flags != 0) return cuda::k_error_invalid_value;
  if (config().is_null()) return cuda::k_error_no_device;
  if (auto r = error_for(k_lib, "cuInit", cuda::k_success); r != cuda::k_success) return r;
  return visible().empty() ? cuda::k_error_no_device : cuda::k_success;
}

FAKE_EXPORT cuda::Result cuDriverGetVersion(int* v) {
  if (v == nullptr) return cuda::k_error_invalid_value;
  if (auto r = error_for(k_lib, "cuDriverGetVersion", cuda::k_success); r != cuda::k_success) return r;
  *v = td::fake::encoded_version(str(config(), "libcuda_cuda", str(config(), "cuda", "12.4")));
  return cuda::k_success;
}

FAKE_EXPORT cuda::Result cuDeviceGetCount(int* n) {
  if (n == nullptr) return cuda::k_error_invalid_value;
  *n = static_cast<int>(visible().size());
  return error_for(k_lib, "cuDeviceGetCount", cuda::k_success);
}

FAKE_EXPORT cuda::Result cuDeviceGet(cuda::Device* d, int ordinal) {
  if (d == nullptr || gpu_of(ordinal) == nullptr) return cuda::k_error_invalid_device;
  *d = ordinal;
  return cuda::k_success;
}

FAKE_EXPORT cuda::Result cuDeviceGetName(char* name, int len, cuda::Device d) {
  const auto* g = gpu_of(d);
  if (g == nullptr || len <= 0) return cuda::k_error_invalid_device;
  if (auto r = error_for(k_lib, "cuDeviceGetName", cuda::k_success); r != cuda::k_success) return r;
  td::fake::copy_out(str(*g, "name").substr(0, static_cast<std::size_t>(len - 1)), name, static_cast<unsigned long>(len));
  return cuda::k_success;
}

FAKE_EXPORT cuda::Result cuDeviceGetAttribute(int* value, cuda::DeviceAttribute attr, cuda::Device d) {
  const auto* g = gpu_of(d);
  if (g == nullptr || value == nullptr) return cuda::k_error_invalid_device;
  if (auto r = error_for(k_lib, "cuDeviceGetAttribute", cuda::k_success); r != cuda::k_success) return r;
  int major = 0;
  int minor = 0;
  std::sscanf(str(*g, "cc", "0.0").c_str(), "%d.%d", &major, &minor);
  const std::string bus = str(*g, "bus_id");
  switch (attr) {
    case cuda::k_attr_compute_capability_major: *value = major; break;
    case cuda::k_attr_compute_capability_minor: *value = minor; break;
    case cuda::k_attr_pci_domain_id: *value = parse_hex(bus, 0); break;
    case cuda::k_attr_pci_bus_id: *value = parse_hex(bus, 1); break;
    case cuda::k_attr_pci_device_id: *value = parse_hex(bus, 2); break;
    case cuda::k_attr_integrated: *value = g->value("integrated", false) ? 1 : 0; break;
    default: return cuda::k_error_invalid_value;
  }
  return cuda::k_success;
}

#ifndef FAKE_LEGACY
FAKE_EXPORT cuda::Result cuGetErrorName(cuda::Result r, const char** name) {
  if (name == nullptr) return cuda::k_error_invalid_value;
  switch (r) {
    case cuda::k_error_no_device: *name = "CUDA_ERROR_NO_DEVICE"; break;
    case cuda::k_error_system_driver_mismatch: *name = "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH"; break;
    case cuda::k_error_compat_not_supported_on_device: *name = "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE"; break;
    default: *name = "CUDA_ERROR_UNKNOWN"; break;
  }
  return cuda::k_success;
}

FAKE_EXPORT cuda::Result cuDeviceTotalMem_v2(std::size_t* bytes, cuda::Device d) {
  const auto* g = gpu_of(d);
  if (g == nullptr || bytes == nullptr) return cuda::k_error_invalid_device;
  *bytes = g->value("memory", std::size_t{0});
  return cuda::k_success;
}

FAKE_EXPORT cuda::Result cuDeviceGetUuid_v2(cuda::Uuid* u, cuda::Device d) { return get_uuid(u, d); }
#else
// The 32-bit original: a caller that used it would see truncated memory sizes.
FAKE_EXPORT cuda::Result cuDeviceTotalMem(unsigned int* bytes, cuda::Device d) {
  const auto* g = gpu_of(d);
  if (g == nullptr || bytes == nullptr) return cuda::k_error_invalid_device;
  *bytes = static_cast<unsigned int>(g->value("memory", std::size_t{0}));
  return cuda::k_success;
}

FAKE_EXPORT cuda::Result cuDeviceGetUuid(cuda::Uuid* u, cuda::Device d) { return get_uuid(u, d); }
#endif

static_assert(std::is_same_v<decltype(cuInit), cuda::InitFn>);
static_assert(std::is_same_v<decltype(cuDeviceGetAttribute), cuda::DeviceGetAttributeFn>);
static_assert(std::is_same_v<decltype(cuDeviceGetName), cuda::DeviceGetNameFn>);
