// The engine-neutral run plan: which GPU flag this host needs, how big /dev/shm must be, what NGC
// images ask for, the working folder and the user. Each decision records one "why" line.
#include "torchdoctor/engine/run_plan.hpp"

#include <algorithm>

#include "torchdoctor/core/strings.hpp"

namespace td {
namespace {

constexpr std::uint64_t k_gib = 1ULL << 30U;

bool contains(const Fact<std::vector<std::string>>& list, const std::string& x) {
  return list && std::find(list->begin(), list->end(), x) != list->end();
}

struct Tooling {
  bool probed = false;  // the tooling detector ran (else nothing is known about it)
  bool docker = false;
  bool podman = false;
  bool toolkit = false;         // nvidia-ctk or nvidia-container-runtime: docker --gpus works
  bool docker_runtime = false;  // "nvidia" in /etc/docker/daemon.json
  bool cdi = false;
  std::string toolkit_path;
};

Tooling tooling_of(const HostFacts& f) {
  Tooling t;
  const auto& k = f.tooling;
  t.probed = k.cdi_specs.has_value();
  t.docker = k.docker.has_value();
  t.podman = k.podman.has_value();
  t.toolkit = k.nvidia_ctk.has_value() || k.nvidia_runtime.has_value();
  t.toolkit_path = k.nvidia_ctk ? *k.nvidia_ctk : (k.nvidia_runtime ? *k.nvidia_runtime : "");
  t.docker_runtime = contains(k.docker_runtimes, "nvidia");
  t.cdi = k.cdi_specs && !k.cdi_specs->empty();
  return t;
}

RunEngine pick_engine(const Tooling& t, RunPlan& p) {
  if (t.docker) return RunEngine::docker;
  if (t.podman) {
    p.notes.push_back({"podman", "podman is installed and docker is not"});
    return RunEngine::podman;
  }
  p.notes.push_back(
      {"docker", t.probed ? "no container engine was found here; the command is written for docker (--engine "
                            "podman|compose|k8s for others)"
                          : "the host's container engine is unknown (not probed); the command is written for docker"});
  return RunEngine::docker;
}

const std::string k_cdi_generate = "sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml";
const std::string k_install_toolkit =
    "install the NVIDIA Container Toolkit (package nvidia-container-toolkit from NVIDIA's repository), then: "
    "sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker";

void no_runtime(RunPlan& p, const std::string& message, const std::string& fix) {
  p.reasons.push_back(Reason{"NO_CONTAINER_GPU_RUNTIME", Severity::error, message, fix});
}

// Jetson: the NVIDIA runtime mounts the L4T CUDA libraries and the iGPU's device nodes from the host.
void gpu_for_tegra(const Tooling& t, RunPlan& p) {
  if (p.engine == RunEngine::podman) {
    p.gpu = GpuAccess::cdi;
    p.notes.push_back({"--device nvidia.com/gpu=all",
                       "a Jetson with podman: the GPU comes through a CDI spec, which mounts the L4T libraries"});
    if (t.probed && !t.cdi) {
      no_runtime(p, "podman reaches a Jetson's GPU through a CDI spec, and none is in /etc/cdi or /var/run/cdi",
                 k_cdi_generate + " (nvidia-ctk comes with JetPack's nvidia-container-toolkit)");
    }
    return;
  }
  p.gpu = GpuAccess::runtime_nvidia;
  p.notes.push_back({"--runtime nvidia",
                     "a Jetson: the NVIDIA runtime mounts the L4T CUDA libraries and the iGPU's device nodes "
                     "(--gpus all does not apply to the integrated GPU)"});
  if (t.probed && t.docker && !t.docker_runtime && !t.toolkit) {
    no_runtime(p,
               "Docker on this Jetson has no \"nvidia\" runtime (not in /etc/docker/daemon.json) and the NVIDIA "
               "Container Toolkit is missing",
               "sudo apt-get install nvidia-container-toolkit (part of JetPack), then sudo nvidia-ctk runtime "
               "configure --runtime=docker "
               "&& sudo systemctl restart docker");
  } else if (t.probed && t.docker && !t.docker_runtime) {
    no_runtime(
        p, "the NVIDIA Container Toolkit is installed but Docker has no \"nvidia\" runtime in /etc/docker/daemon.json",
        "sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker");
  }
}

void gpu_for_discrete(const Tooling& t, RunPlan& p, const std::string& gpus) {
  if (p.engine == RunEngine::podman) {
    p.gpu = GpuAccess::cdi;
    p.notes.push_back({"--device nvidia.com/gpu=all",
                       gpus + " with podman: GPUs come through the CDI spec the NVIDIA Container Toolkit generates"});
    p.notes.push_back({"--security-opt=label=disable",
                       "lets the container use the device nodes and libraries CDI mounts on SELinux hosts"});
    if (t.probed && !t.cdi) {
      no_runtime(p, "podman reaches NVIDIA GPUs through a CDI spec, and none is in /etc/cdi or /var/run/cdi",
                 t.toolkit ? k_cdi_generate : "install the NVIDIA Container Toolkit, then " + k_cdi_generate);
    }
    return;
  }
  p.gpu = GpuAccess::gpus_all;
  const std::string flag = p.engine == RunEngine::compose
                               ? "deploy.resources.reservations.devices (driver nvidia, count all)"
                               : "--gpus all";
  p.notes.push_back({flag, gpus + ": Docker hands every GPU to the container through the NVIDIA Container Toolkit" +
                               (t.toolkit ? " (" + t.toolkit_path + ")"
                                          : std::string(t.probed ? "" : " (assumed installed: not probed)"))});
  if (t.probed && !t.toolkit) {
    no_runtime(p,
               "the NVIDIA Container Toolkit is not installed: `docker run --gpus all` fails with "
               "`could not select device driver \"\" with capabilities: [[gpu]]`",
               k_install_toolkit);
  }
}

std::string gpus_phrase(const HostClass& host) {
  if (!host.gpus_known) return "GPUs not probed";
  const std::size_t n = host.gpus.size();
  std::string s = std::to_string(n) + " NVIDIA GPU" + (n == 1 ? "" : "s");
  if (n > 0 && host.gpus[0]->name) s += " (" + *host.gpus[0]->name + (n > 1 ? ", ..." : "") + ")";
  return s;
}

void decide_gpu(const HostFacts& f, const HostClass& host, const Tooling& t, RunPlan& p) {
  const bool no_gpu = host.gpus_known && host.gpus.empty() && !host.tegra;
  if (no_gpu) {
    p.gpu = GpuAccess::none;
    p.notes.push_back({"(no GPU flag)", "no NVIDIA GPU here: the container runs on the CPU"});
    return;
  }
  p.gpu_count = host.gpus.empty() ? 1U : static_cast<unsigned>(host.gpus.size());
  if (p.engine == RunEngine::k8s) {
    p.gpu = GpuAccess::k8s_resource;
    p.notes.push_back({"resources.limits nvidia.com/gpu: " + std::to_string(p.gpu_count),
                       "the NVIDIA device plugin (or GPU Operator) on the node gives the pod its GPUs"});
    return;
  }
  if (host.tegra)
    gpu_for_tegra(t, p);
  else
    gpu_for_discrete(t, p, gpus_phrase(host));
  if (f.container.inside && *f.container.inside) {
    p.notes.push_back({"(inside a container)", "torchdoctor runs inside a container: run this command on the host"});
  }
}

void decide_shm(const HostFacts& f, const RunRequest& r, RunPlan& p) {
  if (r.ipc_host) {
    p.ipc_host = true;
    p.notes.push_back(
        {"--ipc=host",
         "DataLoader workers pass batches through /dev/shm: the host's IPC namespace gives them the host's "
         "(less isolation than a sized --shm-size)"});
    return;
  }
  const auto ram = f.cpu.memory_bytes.value;
  p.shm_bytes = r.shm_bytes ? *r.shm_bytes : shm_size_for_ram(ram);
  std::string why =
      "DataLoader workers pass batches through /dev/shm; the engines' default is 64 MiB (`bus error`, "
      "`insufficient shared memory`)";
  if (r.shm_bytes)
    why += "; size as asked";
  else if (ram)
    why += "; a quarter of this host's " + human_bytes(*ram) + " RAM, between 1 and 16 GiB";
  else
    why += "; RAM unknown, so 8 GiB";
  p.notes.push_back({"shm " + human_bytes(p.shm_bytes), why});
}

void decide_user(const RunRequest& r, const HostClass& host, RunPlan& p) {
  if (!r.user) {
    p.notes.push_back(
        {"(image's user)", "the container runs as the image's user (root); files it writes to /workspace are root's"});
    return;
  }
  const std::string ids = std::to_string(r.user->uid) + ":" + std::to_string(r.user->gid);
  if (p.engine == RunEngine::podman) {
    p.keep_id = true;
    p.notes.push_back({"--userns=keep-id",
                       "rootless podman maps your user into the container: files written to /workspace stay yours"});
  } else {
    p.user = r.user;
    p.env.emplace_back("HOME", "/tmp");
    p.notes.push_back({"user " + ids,
                       "not root: files written to /workspace stay yours; HOME=/tmp because the image has no home for "
                       "this user (pip, torch.hub and matplotlib write caches there)"});
  }
  if (host.tegra && p.engine != RunEngine::k8s && p.engine != RunEngine::podman) {
    p.video_group = true;
    p.notes.push_back(
        {"--group-add video",
         "on a Jetson a non-root user needs group video for CUDA (L4T practice; not confirmed in an NVIDIA document)"});
  }
}

}  // namespace

const char* run_engine_name(RunEngine e) {
  switch (e) {
    case RunEngine::docker:
      return "docker";
    case RunEngine::podman:
      return "podman";
    case RunEngine::compose:
      return "compose";
    case RunEngine::k8s:
      return "k8s";
  }
  return "docker";
}

std::optional<RunEngine> parse_run_engine(std::string_view name) {
  for (RunEngine e : {RunEngine::docker, RunEngine::podman, RunEngine::compose, RunEngine::k8s}) {
    if (name == run_engine_name(e)) return e;
  }
  if (name == "kubernetes") return RunEngine::k8s;
  return std::nullopt;
}

const char* gpu_access_name(GpuAccess g) {
  switch (g) {
    case GpuAccess::none:
      return "none";
    case GpuAccess::gpus_all:
      return "gpus-all";
    case GpuAccess::runtime_nvidia:
      return "runtime-nvidia";
    case GpuAccess::cdi:
      return "cdi";
    case GpuAccess::k8s_resource:
      return "k8s-resource";
  }
  return "none";
}

std::uint64_t shm_size_for_ram(std::optional<std::uint64_t> ram_bytes) {
  if (!ram_bytes) return 8 * k_gib;
  const std::uint64_t quarter = (*ram_bytes / 4) / k_gib * k_gib;
  return std::clamp<std::uint64_t>(quarter, k_gib, 16 * k_gib);
}

RunPlan plan_run(const JudgedHost& judged, const RunRequest& r) {
  const HostFacts& f = judged.facts();
  const HostClass& host = judged.host();
  RunPlan p;
  const Tooling t = tooling_of(f);
  p.image = r.image;
  p.name = r.name;
  p.engine = r.engine ? *r.engine : pick_engine(t, p);
  decide_gpu(f, host, t, p);
  if (r.gpu_count && p.gpu != GpuAccess::none) p.gpu_count = *r.gpu_count;
  decide_shm(f, r, p);
  const bool k8s = p.engine == RunEngine::k8s;
  if (r.ngc && k8s) {
    p.notes.push_back({"(no ulimits)",
                       "NGC images ask for memlock=-1 and stack=67108864, which a Pod cannot set: the node's "
                       "container runtime defaults apply"});
  } else if (r.ngc) {
    p.ngc_ulimits = true;
    p.notes.push_back(
        {"--ulimit memlock=-1 --ulimit stack=67108864",
         "NGC images ask for these when they start: unlimited locked memory for pinned buffers, a 64 MiB stack"});
  }
  if (!r.host_dir.empty()) {
    p.host_dir = r.host_dir;
    p.notes.push_back({std::string("workspace ") + k_workspace,
                       k8s ? "an emptyDir at /workspace (a Pod cannot mount this machine's folder; kubectl cp files in)"
                           : r.host_dir + " is mounted at /workspace and is the working directory"});
  }
  decide_user(r, host, p);
  p.command = r.command;
  if (r.jupyter_port) {
    p.jupyter_port = r.jupyter_port;
    p.command = {"jupyter", "lab", "--ip=0.0.0.0", "--port=8888", "--no-browser"};
    if (!p.user && !p.keep_id) p.command.emplace_back("--allow-root");
    const std::string port = std::to_string(*r.jupyter_port);
    p.notes.push_back(
        {"jupyter on 127.0.0.1:" + port,
         "JupyterLab must be in the image (NGC PyTorch images have it; pytorch/pytorch images need `pip install "
         "jupyterlab`); " +
             (k8s ? "reach it with kubectl port-forward pod/" + p.name + " " + port + ":8888"
                  : "the port is published on this machine only (ssh -L " + port + ":localhost:" + port +
                        " from elsewhere)")});
  }
  return p;
}

}  // namespace td
