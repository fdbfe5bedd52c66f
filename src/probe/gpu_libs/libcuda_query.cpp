// Asks the CUDA driver library (libcuda) for its CUDA level and the devices it enumerates
// (CUDA_VISIBLE_DEVICES applies). Runs inside a child process (run_isolated).
#include <cstdio>
#include <cstring>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/gpu_libs.hpp"
#include "torchdoctor/sys/dynamic_library.hpp"
#include "vendor_api/cuda_driver.hpp"

namespace td {
namespace {

struct Cuda {
  const DynamicLibrary& lib;
  cuda::GetErrorNameFn* error_name = nullptr;

  [[nodiscard]] std::string describe(const std::string& call, cuda::Result r) const {
    const char* name = nullptr;
    if (error_name == nullptr || error_name(r, &name) != cuda::k_success || name == nullptr) name = "error";
    return call + ": " + sanitize(name, 80) + " (" + std::to_string(r) + ")";
  }
};

std::string format_uuid(const cuda::Uuid& u) {
  std::string out = "GPU-";
  char hex[3];
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned char>(u.bytes[i]));
    out += hex;
  }
  return out;
}

void read_pci(const Cuda& c, cuda::DeviceGetAttributeFn* attr, cuda::Device dev, VendorGpu& gpu) {
  int domain = 0;
  int bus = 0;
  int device = 0;
  const auto r1 = attr(&domain, cuda::k_attr_pci_domain_id, dev);
  const auto r2 = attr(&bus, cuda::k_attr_pci_bus_id, dev);
  const auto r3 = attr(&device, cuda::k_attr_pci_device_id, dev);
  if (r1 != cuda::k_success || r2 != cuda::k_success || r3 != cuda::k_success) {
    gpu.unknown_why["pci_bus_id"] = c.describe("cuDeviceGetAttribute(PCI)", r1 != 0 ? r1 : r2 != 0 ? r2 : r3);
    return;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04x:%02x:%02x.0", static_cast<unsigned>(domain) & 0xffffU,
                static_cast<unsigned>(bus) & 0xffU, static_cast<unsigned>(device) & 0x1fU);
  gpu.pci_bus_id = buf;
}

void read_device(const Cuda& c, cuda::Device dev, VendorAnswer& out, VendorGpu& gpu) {
  if (auto f = c.lib.symbol<cuda::DeviceGetNameFn>("cuDeviceGetName")) {
    char buf[256] = {};
    if (const auto r = (*f)(buf, sizeof buf - 1, dev); r == cuda::k_success)
      gpu.name = sanitize(buf, 120);
    else
      gpu.unknown_why["name"] = c.describe("cuDeviceGetName", r);
  } else {
    gpu.unknown_why["name"] = f.error().message;
  }
  if (auto attr = c.lib.symbol<cuda::DeviceGetAttributeFn>("cuDeviceGetAttribute")) {
    int major = 0;
    int minor = 0;
    const auto r1 = (*attr)(&major, cuda::k_attr_compute_capability_major, dev);
    const auto r2 = (*attr)(&minor, cuda::k_attr_compute_capability_minor, dev);
    if (r1 == cuda::k_success && r2 == cuda::k_success && major > 0 && minor >= 0) {
      gpu.compute_capability = ComputeCapability(static_cast<std::uint32_t>(major), static_cast<std::uint32_t>(minor));
    } else {
      gpu.unknown_why["compute_capability"] = c.describe("cuDeviceGetAttribute(COMPUTE_CAPABILITY)", r1 != 0 ? r1 : r2);
      out.problems.push_back("device " + std::to_string(dev) + ": " + gpu.unknown_why["compute_capability"]);
    }
    int integrated = 0;
    if ((*attr)(&integrated, cuda::k_attr_integrated, dev) == cuda::k_success) gpu.integrated = integrated != 0;
    read_pci(c, *attr, dev, gpu);
  } else {
    gpu.unknown_why["compute_capability"] = attr.error().message;
  }
  // Only the _v2 symbol: the unversioned cuDeviceTotalMem writes a 32-bit count.
  if (auto f = c.lib.symbol<cuda::DeviceTotalMemFn>("cuDeviceTotalMem_v2")) {
    std::size_t bytes = 0;
    if (const auto r = (*f)(&bytes, dev); r == cuda::k_success)
      gpu.memory_bytes = bytes;
    else
      gpu.unknown_why["memory_bytes"] = c.describe("cuDeviceTotalMem_v2", r);
  } else {
    gpu.unknown_why["memory_bytes"] = f.error().message;
  }
  std::string used;
  if (auto f = c.lib.versioned_symbol<cuda::DeviceGetUuidFn>("cuDeviceGetUuid", 2, &used)) {
    cuda::Uuid u{};
    if (const auto r = (*f)(&u, dev); r == cuda::k_success)
      gpu.uuid = format_uuid(u);
    else
      gpu.unknown_why["uuid"] = c.describe(used, r);
  } else {
    gpu.unknown_why["uuid"] = f.error().message;
  }
}

// cuInit and the device list; a missing device is an answer (0 devices), not a failure.
void read_devices(const Cuda& c, VendorAnswer& out) {
  auto init = c.lib.symbol<cuda::InitFn>("cuInit");
  auto count_fn = c.lib.symbol<cuda::DeviceGetCountFn>("cuDeviceGetCount");
  auto get_fn = c.lib.symbol<cuda::DeviceGetFn>("cuDeviceGet");
  if (!init || !count_fn || !get_fn) {
    out.status = VendorAnswer::Status::failed;
    out.error = (!init ? init.error() : !count_fn ? count_fn.error() : get_fn.error()).message;
    return;
  }
  const auto r = (*init)(0);
  if (r == cuda::k_error_no_device) {
    out.status = VendorAnswer::Status::answered;
    out.device_count = 0;
    return;
  }
  if (r != cuda::k_success) {
    out.status = VendorAnswer::Status::failed;
    out.error = c.describe("cuInit", r);
    return;
  }
  int count = 0;
  if (const auto rc = (*count_fn)(&count); rc != cuda::k_success || count < 0) {
    out.status = VendorAnswer::Status::failed;
    out.error = c.describe("cuDeviceGetCount", rc);
    return;
  }
  out.status = VendorAnswer::Status::answered;
  out.device_count = static_cast<std::uint32_t>(count);
  for (int i = 0; i < count && i < 64; ++i) {
    VendorGpu gpu;
    gpu.index = static_cast<std::uint32_t>(i);
    cuda::Device dev = 0;
    if (const auto rg = (*get_fn)(&dev, i); rg != cuda::k_success) {
      out.problems.push_back("device " + std::to_string(i) + ": " + c.describe("cuDeviceGet", rg));
      continue;
    }
    read_device(c, dev, out, gpu);
    out.gpus.push_back(std::move(gpu));
  }
}

}  // namespace

VendorAnswer query_libcuda(std::span<const std::string> candidates) {
  VendorAnswer out;
  auto lib = DynamicLibrary::open_first(candidates);
  if (!lib) {
    out.status = VendorAnswer::Status::absent;
    out.error = "libcuda: " + lib.error().message;
    return out;
  }
  out.library = lib->path();
  Cuda c{*lib};
  if (auto f = lib->symbol<cuda::GetErrorNameFn>("cuGetErrorName")) c.error_name = *f;
  // cuDriverGetVersion needs no cuInit, so the level is known even when the GPU is not usable.
  if (auto f = lib->symbol<cuda::DriverGetVersionFn>("cuDriverGetVersion")) {
    int level = 0;
    if (const auto r = (*f)(&level); r == cuda::k_success && level > 0) {
      out.cuda_level =
          Version::of({static_cast<std::uint32_t>(level / 1000), static_cast<std::uint32_t>((level % 1000) / 10)});
    } else {
      out.problems.push_back(c.describe("cuDriverGetVersion", r));
    }
  } else {
    out.problems.push_back(f.error().message);
  }
  read_devices(c, out);
  return out;
}

}  // namespace td
