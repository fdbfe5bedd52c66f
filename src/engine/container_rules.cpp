// Container readiness: can containers reach the GPU, and is /dev/shm big enough for DataLoader?
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/engine/engine.hpp"

namespace td {
namespace {

// DataLoader workers pass batches through /dev/shm; Docker's default is 64 MiB. Below 1 GiB,
// multi-worker loading of image batches fails with "bus error" / "insufficient shared memory".
constexpr std::uint64_t k_min_shm = 1ULL << 30U;

bool contains(const std::vector<std::string>& v, const std::string& x) {
  for (const auto& s : v) {
    if (s == x) return true;
  }
  return false;
}

}  // namespace

std::vector<Reason> container_findings(const HostFacts& f, const HostClass& h) {
  std::vector<Reason> out;
  if (f.cpu.shm_bytes && *f.cpu.shm_bytes.value < k_min_shm) {
    const bool inside = f.container.inside && *f.container.inside.value;
    out.push_back(
        Reason{"SHM_TOO_SMALL", Severity::warn,
               "/dev/shm is " + human_bytes(*f.cpu.shm_bytes.value) +
                   ": DataLoader workers fail with `bus error` or `insufficient shared memory` on large batches",
               inside ? "restart the container with --ipc=host or --shm-size=8g" : "remount /dev/shm larger"});
  }
  const bool has_engine = f.tooling.docker.has_value() || f.tooling.podman.has_value();
  const bool inside = f.container.inside && *f.container.inside.value;
  // Inside a container the driver shows only when the container was given the GPU (--gpus,
  // --runtime nvidia, CDI). sysfs is not namespaced: a GPU on the PCI bus without a driver here
  // is the host's GPU, not passed in; no NVIDIA device there means the host has none. When the bus
  // cannot be read, nothing here says which.
  if (inside && !h.tegra && !f.driver.version && !f.driver.cuda_level) {
    if (!h.gpus.empty()) {
      out.push_back(Reason{
          "NO_CONTAINER_GPU_RUNTIME", Severity::error,
          "this container was started without GPU access: the host's NVIDIA GPU is on the PCI bus but its driver "
          "is not mounted in here (torch.cuda.is_available() is False)",
          "restart it with --gpus all (NVIDIA Container Toolkit), --runtime nvidia on a Jetson, or "
          "--device nvidia.com/gpu=all with CDI; in Kubernetes, request nvidia.com/gpu"});
    } else if (!h.gpus_known) {
      out.push_back(
          Reason{"NO_CONTAINER_GPU_RUNTIME", Severity::unknown,
                 "inside a container no NVIDIA driver is visible: either the host has no NVIDIA GPU or this container "
                 "was started without GPU access; from in here it cannot be told which",
                 "on the host: torchdoctor probe; if it has a GPU, restart the container with --gpus all "
                 "(or --runtime nvidia on a Jetson)"});
    }
  }
  if (!has_engine || inside || (h.gpus_known && h.gpus.empty())) return out;
  const bool runtime = f.tooling.docker_runtimes && contains(*f.tooling.docker_runtimes.value, "nvidia");
  const bool cdi = f.tooling.cdi_specs && !f.tooling.cdi_specs.value->empty();
  const bool ctk = f.tooling.nvidia_ctk.has_value() || f.tooling.nvidia_runtime.has_value();
  if (!runtime && !cdi && !ctk) {
    out.push_back(Reason{
        "NO_CONTAINER_GPU_RUNTIME", Severity::warn,
        "a container engine is installed but neither the NVIDIA Container Toolkit nor a CDI spec is: "
        "`docker run --gpus all` fails with `could not select device driver \"\" with capabilities: [[gpu]]`",
        h.tegra ? "install nvidia-container-toolkit (part of JetPack) and run containers with --runtime nvidia"
                : "install nvidia-container-toolkit, then: sudo nvidia-ctk runtime configure --runtime=docker && "
                  "sudo systemctl restart docker"});
  } else if (!runtime && ctk && !cdi && f.tooling.docker.has_value()) {
    out.push_back(
        Reason{"NO_CONTAINER_GPU_RUNTIME", Severity::warn,
               "the NVIDIA Container Toolkit is installed but Docker is not configured to use it (no \"nvidia\" "
               "runtime in /etc/docker/daemon.json and no CDI spec)",
               "sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker"});
  }
  return out;
}

}  // namespace td
