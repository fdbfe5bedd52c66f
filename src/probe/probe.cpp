// The detector table and the probe driver.
#include "torchdoctor/probe/probe.hpp"

#include <algorithm>
#include <array>

#include "torchdoctor/core/strings.hpp"

namespace td {
namespace {

// Order matters: jetson reads what board found; gpu_libs merges into the GPUs found before it.
constexpr std::array k_detectors{
    Detector{"os", "os-release, kernel release and host name", detect_os},
    Detector{"cpu", "CPU architecture, model, processors and ISA flags", detect_cpu},
    Detector{"memory", "memory size and /dev/shm size", detect_memory},
    Detector{"glibc", "glibc version from libc.so.6", detect_glibc},
    Detector{"container", "container engine, Kubernetes and WSL2", detect_container},
    Detector{"driver", "NVIDIA kernel driver version and module flavour", detect_driver},
    Detector{"gpu", "NVIDIA GPUs on the PCI bus", detect_gpu_pci},
    Detector{"board", "device-tree model and compatible strings", detect_board},
    Detector{"jetson", "Jetson L4T release, SoC and module", detect_jetson},
    // After gpu and jetson: it merges into the GPUs they found.
    Detector{"gpu_libs", "NVML, libcuda or nvidia-smi in a time-boxed child: CUDA level, capability, memory, MIG",
             detect_gpu_libs},
    Detector{"tooling", "docker, podman, NVIDIA Container Toolkit, CDI", detect_tooling},
    Detector{"toolkit", "CUDA toolkits (nvcc, version, CUDA_HOME against PATH)", detect_toolkits},
    Detector{"cuda_libs", "cuDNN, NCCL and TensorRT (headers, library names; L4T-bundled on Jetson)", detect_cuda_libs},
    Detector{"python", "Python interpreters and torch installs (version.py, compiled GPU archs)", detect_python_torch},
};

}  // namespace

std::span<const Detector> detectors() { return k_detectors; }

void add_issue(HostFacts& facts, const char* detector, const std::string& message) {
  facts.issues.push_back({detector, sanitize(message, 300)});
}

HostFacts probe_host(const ProbeContext& ctx) {
  HostFacts facts;
  const auto& only = ctx.options.detectors;
  for (const auto& d : k_detectors) {
    if (only.empty() || std::find(only.begin(), only.end(), d.name) != only.end()) d.run(ctx, facts);
  }
  return facts;
}

}  // namespace td
