// Merges the GPU library answers into HostFacts: the best source wins each fact (NVML, then
// libcuda, then the driver's /proc files, then nvidia-smi), GPUs are matched to the PCI entries by
// bus id, and a disagreement between good sources becomes a ProbeIssue.
#include <algorithm>
#include <cstdlib>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/gpu_libs.hpp"
#include "torchdoctor/probe/probe.hpp"
#include "torchdoctor/sys/dynamic_library.hpp"

namespace td {
namespace {

constexpr const char* k_detector = "gpu_libs";

// How much a source is trusted for a per-GPU fact; 0 means "ours to replace silently".
int rank(const std::string& source) {
  if (source == "nvml") return 4;
  if (source == "libcuda") return 3;
  if (source.rfind("file:/proc/driver/nvidia/", 0) == 0) return 2;
  if (source == "nvidia-smi") return 1;
  return 0;
}

bool agree(const std::string& a, const std::string& b) { return trim(a) == trim(b); }
bool agree(const ComputeCapability& a, const ComputeCapability& b) { return a == b; }
bool agree(bool a, bool b) { return a == b; }
bool agree(std::uint64_t a, std::uint64_t b) {
  // Sources round memory differently (nvidia-smi in MiB); 1 % apart is the same memory.
  const std::uint64_t hi = std::max(a, b);
  return hi - std::min(a, b) <= hi / 100;
}
std::string show(const std::string& v) { return "'" + v + "'"; }
std::string show(const ComputeCapability& v) { return v.str(); }
std::string show(bool v) { return v ? "yes" : "no"; }
std::string show(std::uint64_t v) { return human_bytes(v); }

struct GpuMerge {
  HostFacts& facts;
  const std::string& source;
  const VendorGpu& from;
  GpuFacts& into;

  // Sets `fact` from `value` when it is unknown or held by a weaker source; flags disagreements.
  template <typename T>
  void set(Fact<T>& fact, const std::optional<T>& value, const char* field) {
    if (!value) {
      const auto why = from.unknown_why.find(field);
      if (!fact.value && why != from.unknown_why.end() && rank(source) >= rank(fact.source)) {
        fact = Fact<T>::unknown(source, why->second);
      }
      return;
    }
    if (!fact.value) {
      fact = Fact<T>::known(*value, source);
      return;
    }
    if (!agree(*fact.value, *value) && rank(fact.source) > 0) {
      add_issue(facts, k_detector,
                "GPU " + into.pci_bus_id.value.value_or("?") + " " + field + ": " + source + " says " + show(*value) +
                    ", " + fact.source + " says " + show(*fact.value));
    }
    if (rank(source) > rank(fact.source)) fact = Fact<T>::known(*value, source);
  }
};

GpuFacts* find_gpu(std::vector<GpuFacts>& gpus, const VendorGpu& g) {
  for (auto& e : gpus) {
    if (g.pci_bus_id && e.pci_bus_id && normalize_pci_bus_id(*e.pci_bus_id.value) == g.pci_bus_id) return &e;
  }
  for (auto& e : gpus) {
    if (g.uuid && e.uuid && agree(*e.uuid.value, *g.uuid)) return &e;
  }
  if (g.integrated.value_or(false)) {
    for (auto& e : gpus) {
      if (e.integrated && *e.integrated.value && !e.pci_bus_id) return &e;
    }
  }
  return nullptr;
}

// Folds one source's GPUs into `gpus`; returns the bus ids it listed.
std::vector<std::string> merge_source_gpus(const VendorAnswer& a, const std::string& source, HostFacts& facts,
                                           std::vector<GpuFacts>& gpus) {
  std::vector<std::string> seen;
  for (const auto& g : a.gpus) {
    GpuFacts* slot = find_gpu(gpus, g);
    if (slot == nullptr) {
      gpus.emplace_back();
      slot = &gpus.back();
      if (!g.integrated.value_or(false)) {
        slot->compute_capability = Fact<ComputeCapability>::unknown(source, "not found on the PCI bus");
      }
    }
    GpuMerge m{facts, source, g, *slot};
    m.set(slot->pci_bus_id, g.pci_bus_id, "pci_bus_id");
    m.set(slot->name, g.name, "name");
    m.set(slot->uuid, g.uuid, "uuid");
    m.set(slot->compute_capability, g.compute_capability, "compute_capability");
    m.set(slot->memory_bytes, g.memory_bytes, "memory_bytes");
    m.set(slot->mig_mode, g.mig_mode, "mig_mode");
    m.set(slot->integrated, g.integrated, "integrated");
    if (slot->pci_bus_id) seen.push_back(normalize_pci_bus_id(*slot->pci_bus_id.value).value_or(""));
  }
  return seen;
}

void merge_gpus(const GpuLibsAnswer& a, HostFacts& facts) {
  std::vector<GpuFacts> gpus = facts.gpus ? *facts.gpus.value : std::vector<GpuFacts>{};
  std::string first_source;
  std::vector<std::string> nvml_seen;
  for (const auto& [answer, source] :
       {std::pair{&a.nvml, "nvml"}, std::pair{&a.libcuda, "libcuda"}, std::pair{&a.nvidia_smi, "nvidia-smi"}}) {
    if (answer->status != VendorAnswer::Status::answered) continue;
    if (first_source.empty()) first_source = source;
    auto seen = merge_source_gpus(*answer, source, facts, gpus);
    if (answer == &a.nvml) nvml_seen = std::move(seen);
  }
  if (a.nvml.status == VendorAnswer::Status::answered) {
    for (auto& g : gpus) {
      const auto bus = g.pci_bus_id ? normalize_pci_bus_id(*g.pci_bus_id.value) : std::nullopt;
      if (!bus || g.integrated.value.value_or(false)) continue;
      if (std::find(nvml_seen.begin(), nvml_seen.end(), *bus) == nvml_seen.end() && !g.compute_capability) {
        g.compute_capability.note = "not listed by NVML (bound to another driver, or not passed into this container)";
      }
    }
  }
  if (facts.gpus)
    facts.gpus.value = std::move(gpus);
  else if (!first_source.empty())
    facts.gpus = Fact<std::vector<GpuFacts>>::known(std::move(gpus), first_source);
}

// "NVML: why; libcuda: why; nvidia-smi: why" for the sources that did not answer.
std::string reasons(const GpuLibsAnswer& a) {
  if (a.nvml.status == VendorAnswer::Status::absent && a.libcuda.status == VendorAnswer::Status::absent &&
      a.nvidia_smi.status == VendorAnswer::Status::absent) {
    return "no NVIDIA GPU library found (libnvidia-ml.so.1, libcuda.so.1, nvidia-smi)";
  }
  std::string out;
  for (const auto* s : {&a.nvml, &a.libcuda, &a.nvidia_smi}) {
    if (s->status == VendorAnswer::Status::answered || s->status == VendorAnswer::Status::not_asked) continue;
    out += (out.empty() ? "" : "; ") + s->error;
  }
  return out.empty() ? "no GPU library answered" : sanitize(out, 400);
}

void merge_driver(const GpuLibsAnswer& a, HostFacts& facts) {
  const bool from_nvml = a.nvml.driver_version.has_value();
  const auto& lib_version = from_nvml ? a.nvml.driver_version : a.nvidia_smi.driver_version;
  const std::string lib_source = from_nvml ? "nvml" : "nvidia-smi";
  if (lib_version) {
    if (!facts.driver.version) {
      facts.driver.version = Fact<Version>::known(*lib_version, lib_source);
    } else if (*facts.driver.version.value != *lib_version) {
      add_issue(
          facts, k_detector,
          lib_source + " reports driver " + lib_version->str() + " but " + facts.driver.version.source + " says " +
              facts.driver.version.value->str() +
              ": the user-space driver libraries and the kernel module differ (reboot, or reload the nvidia module)");
    }
  }
  const bool compat = is_forward_compat_library(a.libcuda.library);
  if (a.nvml.cuda_level) {
    facts.driver.cuda_level = Fact<Version>::known(*a.nvml.cuda_level, "nvml");
    if (a.libcuda.cuda_level && !compat && *a.libcuda.cuda_level != *a.nvml.cuda_level) {
      add_issue(facts, k_detector,
                "libcuda reports CUDA " + a.libcuda.cuda_level->str() + " but NVML says " + a.nvml.cuda_level->str() +
                    " (is another libcuda.so.1 first on the library path? " + a.libcuda.library + ")");
    }
  } else if (a.libcuda.cuda_level) {
    facts.driver.cuda_level = Fact<Version>::known(*a.libcuda.cuda_level, "libcuda");
    if (compat)
      facts.driver.cuda_level.note = "from a forward-compatible libcuda; the kernel driver alone may support less";
  } else {
    facts.driver.cuda_level = Fact<Version>::unknown("nvml", reasons(a));
  }
}

std::string visible_devices_effect(const GpuLibsAnswer& a, const HostFacts& facts) {
  if (!a.cuda_visible_devices) return "not set: CUDA sees every GPU";
  if (trim(*a.cuda_visible_devices).empty()) return "set but empty: CUDA sees no GPU";
  if (!a.libcuda.device_count) return "effect unknown: libcuda did not answer";
  std::optional<std::size_t> total;
  if (a.nvml.device_count)
    total = *a.nvml.device_count;
  else if (facts.gpus)
    total = facts.gpus.value->size();
  const auto seen = std::to_string(*a.libcuda.device_count);
  return total ? "CUDA sees " + seen + " of " + std::to_string(*total) + " GPUs" : "CUDA sees " + seen + " GPUs";
}

void merge_probe_facts(const GpuLibsAnswer& a, HostFacts& facts) {
  auto& p = facts.gpu_probe;
  p.answered_by = Fact<std::string>::unknown("", reasons(a));
  for (const auto& [answer, source] :
       {std::pair{&a.nvidia_smi, "nvidia-smi"}, std::pair{&a.libcuda, "libcuda"}, std::pair{&a.nvml, "nvml"}}) {
    if (answer->status == VendorAnswer::Status::answered) p.answered_by = Fact<std::string>::known(source, source);
  }
  p.nvml_library = a.nvml.library.empty() ? Fact<std::string>::unknown("nvml", a.nvml.error)
                                          : Fact<std::string>::known(a.nvml.library, "nvml");
  p.libcuda_library = a.libcuda.library.empty() ? Fact<std::string>::unknown("libcuda", a.libcuda.error)
                                                : Fact<std::string>::known(a.libcuda.library, "libcuda");
  if (a.libcuda.library.empty()) {
    p.libcuda_forward_compat = Fact<bool>::unknown("libcuda", "no libcuda loaded");
  } else {
    const bool compat = is_forward_compat_library(a.libcuda.library);
    p.libcuda_forward_compat = Fact<bool>::known(compat, "libcuda");
    if (compat) p.libcuda_forward_compat.note = "a CUDA forward-compatibility libcuda: works only on datacenter GPUs";
  }
  p.libcuda_cuda_level = a.libcuda.cuda_level ? Fact<Version>::known(*a.libcuda.cuda_level, "libcuda")
                                              : Fact<Version>::unknown("libcuda", a.libcuda.error);
  p.cuda_device_count = a.libcuda.device_count ? Fact<std::uint32_t>::known(*a.libcuda.device_count, "libcuda")
                                               : Fact<std::uint32_t>::unknown("libcuda", a.libcuda.error);
  p.cuda_visible_devices = a.cuda_visible_devices
                               ? Fact<std::string>::known(*a.cuda_visible_devices, "env:CUDA_VISIBLE_DEVICES")
                               : Fact<std::string>::unknown("env:CUDA_VISIBLE_DEVICES");
  p.cuda_visible_devices.note = visible_devices_effect(a, facts);
}

void record_failures(const GpuLibsAnswer& a, HostFacts& facts) {
  for (const auto* s : {&a.nvml, &a.libcuda, &a.nvidia_smi}) {
    if (s->status == VendorAnswer::Status::failed) add_issue(facts, k_detector, s->error);
    for (const auto& p : s->problems)
      add_issue(facts, k_detector, (s == &a.nvml ? "NVML: " : s == &a.libcuda ? "libcuda: " : "nvidia-smi: ") + p);
  }
  if (a.nvml.status == VendorAnswer::Status::answered && a.nvml.device_count.value_or(0) > 0 &&
      a.libcuda.status == VendorAnswer::Status::absent) {
    add_issue(facts, k_detector,
              "NVML sees GPUs but libcuda.so.1 is missing: CUDA programs cannot run here (a container started "
              "without the 'compute' driver capability?)");
  }
}

}  // namespace

void merge_gpu_answer(const GpuLibsAnswer& answer, HostFacts& facts) {
  merge_driver(answer, facts);
  merge_gpus(answer, facts);
  merge_probe_facts(answer, facts);
  record_failures(answer, facts);
}

}  // namespace td
