// A fake libnvidia-ml.so.1 for the tests, configured by fake_config.hpp's JSON. Built twice: the
// default exports today's names; FAKE_LEGACY exports only the unversioned ones an old driver had
// and lacks nvmlSystemGetCudaDriverVersion* and nvmlDeviceGetMigMode (missing symbols).
#include <cstdio>
#include <cstring>

#include "fake_config.hpp"
#include "vendor_api/nvml.hpp"

#define FAKE_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

using td::fake::config;
using td::fake::error_for;
using td::fake::gpus;
using td::fake::str;
namespace nvml = td::nvml;

constexpr const char* k_lib = "nvml";

// Handles are 1-based indices disguised as pointers.
nvml::Device handle_of(unsigned int i) { return reinterpret_cast<nvml::Device>(static_cast<std::uintptr_t>(i) + 1); }
const nlohmann::json* gpu_of(nvml::Device d) {
  const auto i = reinterpret_cast<std::uintptr_t>(d);
  if (i == 0 || i > gpus().size()) return nullptr;
  return &gpus()[i - 1];
}

nvml::Return init() {
  td::fake::misbehave(k_lib);
  if (config().is_null()) return nvml::k_error_driver_not_loaded;
  return error_for(k_lib, "nvmlInit", nvml::k_success);
}

nvml::Return count(unsigned int* n) {
  if (n == nullptr) return nvml::k_error_invalid_argument;
  *n = static_cast<unsigned int>(gpus().size());
  return error_for(k_lib, "nvmlDeviceGetCount", nvml::k_success);
}

nvml::Return handle(unsigned int i, nvml::Device* d) {
  if (d == nullptr || i >= gpus().size()) return nvml::k_error_invalid_argument;
  *d = handle_of(i);
  return error_for(k_lib, "nvmlDeviceGetHandleByIndex", nvml::k_success);
}

nvml::Return pci_info(nvml::Device d, nvml::PciInfo* pci) {
  const auto* g = gpu_of(d);
  if (g == nullptr || pci == nullptr) return nvml::k_error_invalid_argument;
  if (auto r = error_for(k_lib, "nvmlDeviceGetPciInfo", nvml::k_success); r != nvml::k_success) return r;
  *pci = nvml::PciInfo{};
  const std::string bus = str(*g, "bus_id");
  td::fake::copy_out(bus, pci->bus_id, sizeof pci->bus_id);
  std::sscanf(bus.c_str(), "%x:%x:%x", &pci->domain, &pci->bus, &pci->device);
  return nvml::k_success;
}

}  // namespace

FAKE_EXPORT const char* nvmlErrorString(nvml::Return r) {
  switch (r) {
    case nvml::k_error_driver_not_loaded:
      return "Driver Not Loaded";
    case nvml::k_error_not_supported:
      return "Not Supported";
    case nvml::k_error_lib_rm_version_mismatch:
      return "Driver/library version mismatch";
    case nvml::k_error_gpu_is_lost:
      return "GPU is lost";
    default:
      return "Unknown Error";
  }
}

FAKE_EXPORT nvml::Return nvmlShutdown() { return nvml::k_success; }

FAKE_EXPORT nvml::Return nvmlSystemGetDriverVersion(char* buf, unsigned int size) {
  if (auto r = error_for(k_lib, "nvmlSystemGetDriverVersion", nvml::k_success); r != nvml::k_success) return r;
  return td::fake::copy_out(str(config(), "driver", "550.54.15"), buf, size) ? nvml::k_success
                                                                             : nvml::k_error_insufficient_size;
}

FAKE_EXPORT nvml::Return nvmlDeviceGetName(nvml::Device d, char* buf, unsigned int size) {
  const auto* g = gpu_of(d);
  if (g == nullptr) return nvml::k_error_invalid_argument;
  if (auto r = error_for(k_lib, "nvmlDeviceGetName", nvml::k_success); r != nvml::k_success) return r;
  return td::fake::copy_out(str(*g, "name"), buf, size) ? nvml::k_success : nvml::k_error_insufficient_size;
}

FAKE_EXPORT nvml::Return nvmlDeviceGetUUID(nvml::Device d, char* buf, unsigned int size) {
  const auto* g = gpu_of(d);
  if (g == nullptr) return nvml::k_error_invalid_argument;
  if (auto r = error_for(k_lib, "nvmlDeviceGetUUID", nvml::k_success); r != nvml::k_success) return r;
  return td::fake::copy_out(str(*g, "uuid"), buf, size) ? nvml::k_success : nvml::k_error_insufficient_size;
}

FAKE_EXPORT nvml::Return nvmlDeviceGetCudaComputeCapability(nvml::Device d, int* major, int* minor) {
  const auto* g = gpu_of(d);
  if (g == nullptr || major == nullptr || minor == nullptr) return nvml::k_error_invalid_argument;
  if (auto r = error_for(k_lib, "nvmlDeviceGetCudaComputeCapability", nvml::k_success); r != nvml::k_success) return r;
  if (std::sscanf(str(*g, "cc", "0.0").c_str(), "%d.%d", major, minor) != 2) return nvml::k_error_unknown;
  return nvml::k_success;
}

FAKE_EXPORT nvml::Return nvmlDeviceGetMemoryInfo(nvml::Device d, nvml::Memory* mem) {
  const auto* g = gpu_of(d);
  if (g == nullptr || mem == nullptr) return nvml::k_error_invalid_argument;
  if (auto r = error_for(k_lib, "nvmlDeviceGetMemoryInfo", nvml::k_success); r != nvml::k_success) return r;
  mem->total = g->value("memory", 0ULL);
  mem->free = mem->total;
  mem->used = 0;
  return nvml::k_success;
}

#ifndef FAKE_LEGACY
FAKE_EXPORT nvml::Return nvmlInit_v2() { return init(); }
FAKE_EXPORT nvml::Return nvmlDeviceGetCount_v2(unsigned int* n) { return count(n); }
FAKE_EXPORT nvml::Return nvmlDeviceGetHandleByIndex_v2(unsigned int i, nvml::Device* d) { return handle(i, d); }
FAKE_EXPORT nvml::Return nvmlDeviceGetPciInfo_v3(nvml::Device d, nvml::PciInfo* pci) { return pci_info(d, pci); }

FAKE_EXPORT nvml::Return nvmlSystemGetCudaDriverVersion_v2(int* v) {
  if (v == nullptr) return nvml::k_error_invalid_argument;
  if (auto r = error_for(k_lib, "nvmlSystemGetCudaDriverVersion", nvml::k_success); r != nvml::k_success) return r;
  *v = td::fake::encoded_version(str(config(), "cuda", "12.4"));
  return nvml::k_success;
}

FAKE_EXPORT nvml::Return nvmlDeviceGetMigMode(nvml::Device d, unsigned int* current, unsigned int* pending) {
  const auto* g = gpu_of(d);
  if (g == nullptr || current == nullptr || pending == nullptr) return nvml::k_error_invalid_argument;
  if (auto r = error_for(k_lib, "nvmlDeviceGetMigMode", nvml::k_success); r != nvml::k_success) return r;
  const std::string mig = str(*g, "mig");
  if (mig.empty()) return nvml::k_error_not_supported;
  *current = *pending = mig == "enabled" ? nvml::k_mig_enable : nvml::k_mig_disable;
  return nvml::k_success;
}
#else
FAKE_EXPORT nvml::Return nvmlInit() { return init(); }
FAKE_EXPORT nvml::Return nvmlDeviceGetCount(unsigned int* n) { return count(n); }
FAKE_EXPORT nvml::Return nvmlDeviceGetHandleByIndex(unsigned int i, nvml::Device* d) { return handle(i, d); }
FAKE_EXPORT nvml::Return nvmlDeviceGetPciInfo_v2(nvml::Device d, nvml::PciInfo* pci) { return pci_info(d, pci); }
#endif

// The fake's exports must have the types torchdoctor casts them to.
static_assert(std::is_same_v<decltype(nvmlDeviceGetName), nvml::DeviceGetNameFn>);
static_assert(std::is_same_v<decltype(nvmlDeviceGetMemoryInfo), nvml::DeviceGetMemoryInfoFn>);
static_assert(std::is_same_v<decltype(nvmlErrorString), nvml::ErrorStringFn>);
