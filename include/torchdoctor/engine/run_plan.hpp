// `run-command`: how to start a container image on this host so that it reaches the GPU and works
// (shared memory for DataLoader, NGC's ulimits, the working folder, a non-root user), decided once
// as an engine-neutral plan and then written for docker, podman, compose or Kubernetes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "torchdoctor/core/finding.hpp"
#include "torchdoctor/core/host_facts.hpp"
#include "torchdoctor/engine/engine.hpp"

namespace td {

/// The form the command is written in.
enum class RunEngine { docker, podman, compose, k8s };
/// "docker", "podman", "compose", "k8s".
const char* run_engine_name(RunEngine e);
/// Parses an engine name; nullopt when unknown.
std::optional<RunEngine> parse_run_engine(std::string_view name);

/// How the container reaches the GPU.
enum class GpuAccess {
  none,            ///< No NVIDIA GPU here: the container runs on the CPU.
  gpus_all,        ///< docker --gpus all (NVIDIA Container Toolkit hook); compose device reservation.
  runtime_nvidia,  ///< --runtime nvidia (Jetson: the runtime mounts the L4T libraries and device nodes).
  cdi,             ///< --device nvidia.com/gpu=all (a CDI spec; podman's way).
  k8s_resource,    ///< resources.limits nvidia.com/gpu (the device plugin does the rest).
};
/// "none", "gpus-all", "runtime-nvidia", "cdi", "k8s-resource".
const char* gpu_access_name(GpuAccess g);

/// A numeric user and group.
struct UserIds {
  unsigned uid = 0;
  unsigned gid = 0;
};

/// What the user asked for.
struct RunRequest {
  std::string image;                ///< The reference as written.
  bool ngc = false;                 ///< An NGC image (nvcr.io/nvidia/...): it asks for memlock and stack ulimits.
  std::optional<RunEngine> engine;  ///< nullopt: docker when installed, else podman, else docker.
  std::string host_dir;             ///< Absolute folder mounted at /workspace; empty: no mount.
  std::optional<UserIds> user;      ///< Run as this user; nullopt: the image's user (root).
  bool ipc_host = false;            ///< --ipc=host instead of a sized /dev/shm.
  std::optional<std::uint64_t> shm_bytes;  ///< /dev/shm size; nullopt: sized from RAM.
  std::optional<unsigned> jupyter_port;    ///< Publish JupyterLab on 127.0.0.1:PORT and start it.
  std::vector<std::string> command;        ///< What to run in the container; empty: the image's default.
  std::string name = "torch";              ///< Container, service or pod name.
  std::optional<unsigned> gpu_count;       ///< Kubernetes GPU limit; nullopt: every GPU seen here (at least 1).
};

/// One decision and why it was taken, for the "why" lines and JSON.
struct RunNote {
  std::string flag;  ///< "--gpus all", "--shm-size=8g" ...
  std::string why;
};

/// The engine-neutral plan.
struct RunPlan {
  RunEngine engine = RunEngine::docker;
  std::string image;
  std::string name;
  GpuAccess gpu = GpuAccess::none;
  unsigned gpu_count = 1;  ///< Kubernetes GPU limit.
  bool ipc_host = false;
  std::uint64_t shm_bytes = 0;  ///< 0 with ipc_host.
  bool ngc_ulimits = false;     ///< --ulimit memlock=-1 --ulimit stack=67108864.
  std::string host_dir;         ///< Mounted at /workspace; empty: none.
  std::optional<UserIds> user;  ///< --user UID:GID (docker), runAsUser (k8s).
  bool keep_id = false;         ///< podman: --userns=keep-id (the container user is you).
  bool video_group = false;     ///< --group-add video (Jetson's GPU device nodes belong to group video).
  std::optional<unsigned> jupyter_port;
  std::vector<std::string> command;
  std::vector<std::pair<std::string, std::string>> env;
  bool interactive = true;     ///< -it (docker/podman); off when the output is captured.
  std::string container_name;  ///< --name (docker/podman); empty: none.
  std::vector<std::pair<std::string, std::string>> read_only_mounts;  ///< Host path -> container path, read-only.
  std::vector<RunNote> notes;                                         ///< One per decision, in the order of the flags.
  std::vector<Reason> reasons;                                        ///< Problems: NO_CONTAINER_GPU_RUNTIME ...
};

/// The container directory the working folder is mounted at.
inline constexpr const char* k_workspace = "/workspace";

/// Decides the plan for `request` on the host. Pure.
RunPlan plan_run(const JudgedHost& host, const RunRequest& request);

/// The docker or podman command's words (engine docker or podman only).
std::vector<std::string> run_argv(const RunPlan& plan);
/// A size as docker and compose write it ("8g", "512m") or Kubernetes does ("8Gi", "512Mi").
std::string size_text(std::uint64_t bytes, bool k8s);
/// The JupyterLab port, published on loopback only: "127.0.0.1:PORT:8888".
std::string port_mapping(unsigned port);

/// /dev/shm sized from RAM: a quarter of it, at least 1 GiB and at most 16 GiB, in whole GiB.
std::uint64_t shm_size_for_ram(std::optional<std::uint64_t> ram_bytes);

}  // namespace td
