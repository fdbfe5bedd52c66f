// A fake libcuda.so.1 for the tests, configured by fake_config.hpp's JSON. It honours
// CUDA_VISIBLE_DEVICES (indices or GPU-uuid prefixes, stopping at the first that matches nothing,
// as the real driver does). FAKE_LEGACY lacks cuDeviceTotalMem_v2, cuDeviceGetUuid_v2 and
// cuGetErrorName, and exports the unversioned cuDeviceTotalMem (32-bit) that must not be used.
#include <cmath>
#include <cstdint>
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
  td::fake::copy_out(str(*g, "name").substr(0, static_cast<std::size_t>(len - 1)), name,
                     static_cast<unsigned long>(len));
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
    case cuda::k_attr_compute_capability_major:
      *value = major;
      break;
    case cuda::k_attr_compute_capability_minor:
      *value = minor;
      break;
    case cuda::k_attr_pci_domain_id:
      *value = parse_hex(bus, 0);
      break;
    case cuda::k_attr_pci_bus_id:
      *value = parse_hex(bus, 1);
      break;
    case cuda::k_attr_pci_device_id:
      *value = parse_hex(bus, 2);
      break;
    case cuda::k_attr_integrated:
      *value = g->value("integrated", false) ? 1 : 0;
      break;
    default:
      return cuda::k_error_invalid_value;
  }
  return cuda::k_success;
}

#ifndef FAKE_LEGACY
FAKE_EXPORT cuda::Result cuGetErrorName(cuda::Result r, const char** name) {
  if (name == nullptr) return cuda::k_error_invalid_value;
  switch (r) {
    case cuda::k_error_no_device:
      *name = "CUDA_ERROR_NO_DEVICE";
      break;
    case cuda::k_error_system_driver_mismatch:
      *name = "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH";
      break;
    case cuda::k_error_compat_not_supported_on_device:
      *name = "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE";
      break;
    case cuda::k_error_no_binary_for_gpu:
      *name = "CUDA_ERROR_NO_BINARY_FOR_GPU";
      break;
    default:
      *name = "CUDA_ERROR_UNKNOWN";
      break;
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

// Execution, for the native verification suite's control flow: device memory is host memory and a
// launch runs the kernel's CPU twin. "libcuda": {"kernels": "ok" | "wrong" | "hang" | "crash"}
// corrupts one output value, hangs in the launch, or crashes in it; {"errors": {"cuModuleLoadData": 209}}
// and friends fail single calls.
namespace {

std::string kernel_mode() {
  const auto& s = td::fake::section(k_lib);
  return s.contains("kernels") && s["kernels"].is_string() ? s["kernels"].get<std::string>() : "ok";
}

float* dev(cuda::DevicePtr p) { return reinterpret_cast<float*>(static_cast<std::uintptr_t>(p)); }

int g_context = 0;
int g_module = 0;
const char* const k_kernels[] = {"td_vector_add", "td_sgemm_tiled", "td_positional_encoding"};

void run_kernel(const char* name, void** params) {
  const auto ptr = [&](int i) { return dev(*static_cast<cuda::DevicePtr*>(params[i])); };
  const auto num = [&](int i) { return *static_cast<int*>(params[i]); };
  float* out = nullptr;
  if (std::strcmp(name, "td_vector_add") == 0) {
    out = ptr(2);
    for (int i = 0; i < num(3); ++i) out[i] = ptr(0)[i] + ptr(1)[i];
  } else if (std::strcmp(name, "td_sgemm_tiled") == 0) {
    const int m = num(3);
    const int n = num(4);
    const int k = num(5);
    out = ptr(2);
    for (int i = 0; i < m; ++i) {
      for (int j = 0; j < n; ++j) {
        float acc = 0.0f;
        for (int p = 0; p < k; ++p) acc += ptr(0)[i * k + p] * ptr(1)[p * n + j];
        out[i * n + j] = acc;
      }
    }
  } else {
    const int len = num(1);
    const int d = num(2);
    out = ptr(0);
    for (int idx = 0; idx < len * d; ++idx) {
      const int pos = idx / d;
      const int j = idx % d;
      const float div = std::exp(static_cast<float>(j - (j & 1)) * (-9.210340371976184f / static_cast<float>(d)));
      out[idx] = (j & 1) ? std::cos(static_cast<float>(pos) * div) : std::sin(static_cast<float>(pos) * div);
    }
  }
  if (kernel_mode() == "wrong") out[1] += 1.0f;
}

}  // namespace

FAKE_EXPORT cuda::Result cuDevicePrimaryCtxRetain(cuda::Context* ctx, cuda::Device d) {
  if (ctx == nullptr || gpu_of(d) == nullptr) return cuda::k_error_invalid_device;
  *ctx = &g_context;
  return error_for(k_lib, "cuDevicePrimaryCtxRetain", cuda::k_success);
}
FAKE_EXPORT cuda::Result cuDevicePrimaryCtxRelease_v2(cuda::Device) { return cuda::k_success; }
FAKE_EXPORT cuda::Result cuCtxSetCurrent(cuda::Context) { return error_for(k_lib, "cuCtxSetCurrent", cuda::k_success); }
FAKE_EXPORT cuda::Result cuCtxSynchronize() { return error_for(k_lib, "cuCtxSynchronize", cuda::k_success); }

FAKE_EXPORT cuda::Result cuModuleLoadData(cuda::Module* m, const void* image) {
  if (m == nullptr || image == nullptr) return cuda::k_error_invalid_value;
  *m = &g_module;
  return error_for(k_lib, "cuModuleLoadData", cuda::k_success);
}
FAKE_EXPORT cuda::Result cuModuleGetFunction(cuda::Function* f, cuda::Module, const char* name) {
  for (const char* k : k_kernels) {
    if (std::strcmp(k, name) == 0) {
      *f = const_cast<char*>(k);
      return cuda::k_success;
    }
  }
  return 500;  // CUDA_ERROR_NOT_FOUND
}
FAKE_EXPORT cuda::Result cuModuleUnload(cuda::Module) { return cuda::k_success; }

FAKE_EXPORT cuda::Result cuMemAlloc_v2(cuda::DevicePtr* p, std::size_t bytes) {
  if (auto r = error_for(k_lib, "cuMemAlloc_v2", cuda::k_success); r != cuda::k_success) return r;
  *p = reinterpret_cast<std::uintptr_t>(std::calloc(1, bytes));
  return *p != 0 ? cuda::k_success : 2;  // CUDA_ERROR_OUT_OF_MEMORY
}
FAKE_EXPORT cuda::Result cuMemFree_v2(cuda::DevicePtr p) {
  std::free(dev(p));
  return cuda::k_success;
}
FAKE_EXPORT cuda::Result cuMemAllocHost_v2(void** p, std::size_t bytes) {
  *p = std::malloc(bytes);
  return *p != nullptr ? cuda::k_success : 2;
}
FAKE_EXPORT cuda::Result cuMemFreeHost(void* p) {
  std::free(p);
  return cuda::k_success;
}
FAKE_EXPORT cuda::Result cuMemcpyHtoD_v2(cuda::DevicePtr d, const void* s, std::size_t n) {
  std::memcpy(dev(d), s, n);
  return cuda::k_success;
}
FAKE_EXPORT cuda::Result cuMemcpyDtoH_v2(void* d, cuda::DevicePtr s, std::size_t n) {
  std::memcpy(d, dev(s), n);
  return cuda::k_success;
}
FAKE_EXPORT cuda::Result cuMemcpyDtoD_v2(cuda::DevicePtr d, cuda::DevicePtr s, std::size_t n) {
  std::memcpy(dev(d), dev(s), n);
  return cuda::k_success;
}
FAKE_EXPORT cuda::Result cuLaunchKernel(cuda::Function f, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                                        unsigned, cuda::Stream, void** params, void**) {
  if (auto r = error_for(k_lib, "cuLaunchKernel", cuda::k_success); r != cuda::k_success) return r;
  const std::string mode = kernel_mode();
  if (mode == "hang") {
    for (;;) ::pause();
  }
  if (mode == "crash") ::raise(SIGSEGV);
  run_kernel(static_cast<const char*>(f), params);
  return cuda::k_success;
}

static_assert(std::is_same_v<decltype(cuLaunchKernel), cuda::LaunchKernelFn>);
static_assert(std::is_same_v<decltype(cuModuleLoadData), cuda::ModuleLoadDataFn>);
static_assert(std::is_same_v<decltype(cuMemAlloc_v2), cuda::MemAllocFn>);

// NVRTC loads libcuda.so.1 itself and asks it for an export table (to learn what the driver
// supports); a real driver answers, this fake says it has none, which NVRTC handles.
FAKE_EXPORT cuda::Result cuGetExportTable(const void** table, const void*) {
  if (table != nullptr) *table = nullptr;
  return 500;  // CUDA_ERROR_NOT_FOUND
}
