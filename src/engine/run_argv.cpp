// A run plan's docker/podman words (shell-quoted by the caller's shell_join when printed; run as
// they are by verify --image). The compose file and Pod are written in src/report/run_command.cpp.
#include "torchdoctor/engine/run_plan.hpp"

namespace td {
namespace {

constexpr std::uint64_t k_mib = 1ULL << 20U;
constexpr std::uint64_t k_gib = 1ULL << 30U;

// A docker --mount field: CSV, so a value with a comma or quote is double-quoted.
std::string mount_field(const std::string& key, const std::string& value) {
  std::string f = key + "=" + value;
  if (f.find_first_of(",\"") == std::string::npos) return f;
  std::string q = "\"";
  for (char c : f) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

std::string size_text(std::uint64_t bytes, bool k8s) {
  if (bytes % k_gib == 0) return std::to_string(bytes / k_gib) + (k8s ? "Gi" : "g");
  if (bytes % k_mib == 0) return std::to_string(bytes / k_mib) + (k8s ? "Mi" : "m");
  return std::to_string(bytes);
}

std::string port_mapping(unsigned port) { return "127.0.0.1:" + std::to_string(port) + ":8888"; }

std::vector<std::string> run_argv(const RunPlan& p) {
  std::vector<std::string> a{p.engine == RunEngine::podman ? "podman" : "docker", "run", "--rm"};
  if (p.interactive) a.emplace_back("-it");
  if (!p.container_name.empty()) a.insert(a.end(), {"--name", p.container_name});
  switch (p.gpu) {
    case GpuAccess::gpus_all:
      a.insert(a.end(), {"--gpus", "all"});
      break;
    case GpuAccess::runtime_nvidia:
      a.insert(a.end(), {"--runtime", "nvidia"});
      break;
    case GpuAccess::cdi:
      a.insert(a.end(), {"--device", "nvidia.com/gpu=all"});
      if (p.engine == RunEngine::podman) a.emplace_back("--security-opt=label=disable");
      break;
    case GpuAccess::k8s_resource:
    case GpuAccess::none:
      break;
  }
  if (p.ipc_host)
    a.emplace_back("--ipc=host");
  else
    a.emplace_back("--shm-size=" + size_text(p.shm_bytes, false));
  if (p.ngc_ulimits) a.insert(a.end(), {"--ulimit", "memlock=-1", "--ulimit", "stack=67108864"});
  if (!p.host_dir.empty()) {
    if (p.host_dir.find_first_of(":,\"") == std::string::npos)
      a.insert(a.end(), {"-v", p.host_dir + ":" + k_workspace});
    else
      a.insert(a.end(), {"--mount", "type=bind," + mount_field("src", p.host_dir) + ",dst=" + k_workspace});
    a.insert(a.end(), {"-w", k_workspace});
  }
  for (const auto& [src, dst] : p.read_only_mounts) {
    if (src.find_first_of(":,\"") == std::string::npos)
      a.insert(a.end(), {"-v", src + ":" + dst + ":ro"});
    else
      a.insert(a.end(), {"--mount", "type=bind," + mount_field("src", src) + ",dst=" + dst + ",readonly"});
  }
  if (p.keep_id) a.emplace_back("--userns=keep-id");
  if (p.user) a.insert(a.end(), {"--user", std::to_string(p.user->uid) + ":" + std::to_string(p.user->gid)});
  if (p.video_group) a.insert(a.end(), {"--group-add", "video"});
  for (const auto& [k, v] : p.env) a.insert(a.end(), {"-e", k + "=" + v});
  if (p.jupyter_port) a.insert(a.end(), {"-p", port_mapping(*p.jupyter_port)});
  a.push_back(p.image);
  a.insert(a.end(), p.command.begin(), p.command.end());
  return a;
}

}  // namespace td
