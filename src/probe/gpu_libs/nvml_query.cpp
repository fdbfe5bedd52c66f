// Asks NVML (libnvidia-ml) for the driver, its CUDA level and every GPU. Runs inside a child
// process (run_isolated): a driver that hangs or crashes here takes only the child down.
#include <cstring>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/gpu_libs.hpp"
#include "torchdoctor/sys/dynamic_library.hpp"
#include "vendor_api/nvml.hpp"

namespace td {
namespace {

// The functions we call, resolved once.
struct Nvml {
  const DynamicLibrary& lib;
  nvml::ErrorStringFn* error_string = nullptr;

  [[nodiscard]] std::string describe(const std::string& call, nvml::Return r) const {
    const char* text = error_string != nullptr ? error_string(r) : nullptr;
    return call + ": " + (text != nullptr ? sanitize(text, 80) : std::string("error")) + " (" + std::to_string(r) + ")";
  }
};

std::string text_of(const char* buf, std::size_t size) {
  return sanitize(std::string_view(buf, ::strnlen(buf, size)), 120);
}

// A failed per-GPU call: NOT_SUPPORTED is a plain fact about the GPU, anything else a problem.
void record_failure(const Nvml& n, VendorAnswer& out, VendorGpu& gpu, const char* field, const std::string& call,
                    nvml::Return r) {
  const std::string why = n.describe(call, r);
  gpu.unknown_why[field] = why;
  if (r != nvml::k_error_not_supported) out.problems.push_back("GPU " + std::to_string(*gpu.index) + ": " + why);
}

void read_identity(const Nvml& n, nvml::Device dev, VendorAnswer& out, VendorGpu& gpu) {
  if (auto f = n.lib.symbol<nvml::DeviceGetNameFn>("nvmlDeviceGetName")) {
    char buf[nvml::k_name_buffer] = {};
    const auto r = (*f)(dev, buf, sizeof buf);
    if (r == nvml::k_success)
      gpu.name = text_of(buf, sizeof buf);
    else
      record_failure(n, out, gpu, "name", "nvmlDeviceGetName", r);
  } else {
    gpu.unknown_why["name"] = f.error().message;
  }
  if (auto f = n.lib.symbol<nvml::DeviceGetUuidFn>("nvmlDeviceGetUUID")) {
    char buf[nvml::k_uuid_buffer] = {};
    const auto r = (*f)(dev, buf, sizeof buf);
    if (r == nvml::k_success)
      gpu.uuid = text_of(buf, sizeof buf);
    else
      record_failure(n, out, gpu, "uuid", "nvmlDeviceGetUUID", r);
  } else {
    gpu.unknown_why["uuid"] = f.error().message;
  }
  std::string used;
  if (auto f = n.lib.versioned_symbol<nvml::DeviceGetPciInfoFn>("nvmlDeviceGetPciInfo", 3, &used)) {
    nvml::PciInfo pci{};
    const auto r = (*f)(dev, &pci);
    if (r == nvml::k_success) {
      gpu.pci_bus_id = normalize_pci_bus_id(text_of(pci.bus_id, sizeof pci.bus_id));
      if (!gpu.pci_bus_id) gpu.pci_bus_id = normalize_pci_bus_id(text_of(pci.bus_id_legacy, sizeof pci.bus_id_legacy));
      if (!gpu.pci_bus_id) gpu.unknown_why["pci_bus_id"] = used + ": not a PCI address";
    } else {
      record_failure(n, out, gpu, "pci_bus_id", used, r);
    }
  } else {
    gpu.unknown_why["pci_bus_id"] = f.error().message;
  }
}

void read_capabilities(const Nvml& n, nvml::Device dev, VendorAnswer& out, VendorGpu& gpu) {
  if (auto f = n.lib.symbol<nvml::DeviceGetCudaComputeCapabilityFn>("nvmlDeviceGetCudaComputeCapability")) {
    int major = 0;
    int minor = 0;
    const auto r = (*f)(dev, &major, &minor);
    if (r == nvml::k_success && major > 0 && minor >= 0) {
      gpu.compute_capability = ComputeCapability(static_cast<std::uint32_t>(major), static_cast<std::uint32_t>(minor));
    } else if (r != nvml::k_success) {
      record_failure(n, out, gpu, "compute_capability", "nvmlDeviceGetCudaComputeCapability", r);
    }
  } else {
    gpu.unknown_why["compute_capability"] = f.error().message;
  }
  if (auto f = n.lib.symbol<nvml::DeviceGetMemoryInfoFn>("nvmlDeviceGetMemoryInfo")) {
    nvml::Memory mem{};
    const auto r = (*f)(dev, &mem);
    if (r == nvml::k_success)
      gpu.memory_bytes = mem.total;
    else
      record_failure(n, out, gpu, "memory_bytes", "nvmlDeviceGetMemoryInfo", r);
  } else {
    gpu.unknown_why["memory_bytes"] = f.error().message;
  }
  if (auto f = n.lib.symbol<nvml::DeviceGetMigModeFn>("nvmlDeviceGetMigMode")) {
    unsigned int current = 0;
    unsigned int pending = 0;
    const auto r = (*f)(dev, &current, &pending);
    if (r == nvml::k_success)
      gpu.mig_mode = current == nvml::k_mig_enable ? "enabled" : "disabled";
    else if (r == nvml::k_error_not_supported)
      gpu.mig_mode = "disabled";  // no MIG on this GPU
    else
      record_failure(n, out, gpu, "mig_mode", "nvmlDeviceGetMigMode", r);
  } else {
    gpu.unknown_why["mig_mode"] = f.error().message;
  }
}

void read_system(const Nvml& n, VendorAnswer& out) {
  if (auto f = n.lib.symbol<nvml::SystemGetDriverVersionFn>("nvmlSystemGetDriverVersion")) {
    char buf[nvml::k_driver_version_buffer] = {};
    const auto r = (*f)(buf, sizeof buf);
    if (r == nvml::k_success) {
      if (auto v = Version::parse(text_of(buf, sizeof buf)))
        out.driver_version = *v;
      else
        out.problems.push_back("nvmlSystemGetDriverVersion: not a version: '" + text_of(buf, sizeof buf) + "'");
    } else {
      out.problems.push_back(n.describe("nvmlSystemGetDriverVersion", r));
    }
  }
  std::string used;
  if (auto f = n.lib.versioned_symbol<nvml::SystemGetCudaDriverVersionFn>("nvmlSystemGetCudaDriverVersion", 2, &used)) {
    int level = 0;
    const auto r = (*f)(&level);
    if (r == nvml::k_success && level > 0) {
      out.cuda_level =
          Version::of({static_cast<std::uint32_t>(level / 1000), static_cast<std::uint32_t>((level % 1000) / 10)});
    } else {
      out.problems.push_back(n.describe(used, r));
    }
  }
}

void read_devices(const Nvml& n, VendorAnswer& out) {
  std::string used;
  auto count_fn = n.lib.versioned_symbol<nvml::DeviceGetCountFn>("nvmlDeviceGetCount", 2, &used);
  auto handle_fn = n.lib.versioned_symbol<nvml::DeviceGetHandleByIndexFn>("nvmlDeviceGetHandleByIndex");
  if (!count_fn || !handle_fn) {
    out.problems.push_back(!count_fn ? count_fn.error().message : handle_fn.error().message);
    return;
  }
  unsigned int count = 0;
  if (const auto r = (*count_fn)(&count); r != nvml::k_success) {
    out.problems.push_back(n.describe(used, r));
    return;
  }
  out.device_count = count;
  for (unsigned int i = 0; i < count && i < 64; ++i) {
    VendorGpu gpu;
    gpu.index = i;
    nvml::Device dev = nullptr;
    if (const auto r = (*handle_fn)(i, &dev); r != nvml::k_success) {
      out.problems.push_back("GPU " + std::to_string(i) + ": " + n.describe("nvmlDeviceGetHandleByIndex", r));
      continue;
    }
    read_identity(n, dev, out, gpu);
    read_capabilities(n, dev, out, gpu);
    out.gpus.push_back(std::move(gpu));
  }
}

}  // namespace

VendorAnswer query_nvml(std::span<const std::string> candidates) {
  VendorAnswer out;
  auto lib = DynamicLibrary::open_first(candidates);
  if (!lib) {
    out.status = VendorAnswer::Status::absent;
    out.error = "libnvidia-ml: " + lib.error().message;
    return out;
  }
  out.library = lib->path();
  Nvml n{*lib};
  if (auto f = lib->symbol<nvml::ErrorStringFn>("nvmlErrorString")) n.error_string = *f;
  std::string used;
  auto init = lib->versioned_symbol<nvml::InitFn>("nvmlInit", 2, &used);
  if (!init) {
    out.status = VendorAnswer::Status::failed;
    out.error = init.error().message;
    return out;
  }
  if (const auto r = (*init)(); r != nvml::k_success) {
    out.status = VendorAnswer::Status::failed;
    out.error = n.describe(used, r);
    return out;
  }
  out.status = VendorAnswer::Status::answered;
  read_system(n, out);
  read_devices(n, out);
  if (auto shutdown = lib->symbol<nvml::ShutdownFn>("nvmlShutdown")) (*shutdown)();
  return out;
}

}  // namespace td
