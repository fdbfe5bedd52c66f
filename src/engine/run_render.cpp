// A run plan written for its engine: docker/podman words (shell-quoted by the caller's
// shell_join), a compose service, or a Kubernetes Pod. YAML is written by hand: every scalar that
// a YAML reader could take for something else is double-quoted (yaml_scalar, shared with k8s).
#include <sstream>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/engine/k8s.hpp"
#include "torchdoctor/engine/run_plan.hpp"

namespace td {
namespace {

constexpr std::uint64_t k_mib = 1ULL << 20U;
constexpr std::uint64_t k_gib = 1ULL << 30U;

// "8g" / "512m" (docker, compose) or "8Gi" / "512Mi" (Kubernetes).
std::string size_text(std::uint64_t bytes, bool k8s) {
  if (bytes % k_gib == 0) return std::to_string(bytes / k_gib) + (k8s ? "Gi" : "g");
  if (bytes % k_mib == 0) return std::to_string(bytes / k_mib) + (k8s ? "Mi" : "m");
  return std::to_string(bytes);
}

std::string port_mapping(unsigned port) { return "127.0.0.1:" + std::to_string(port) + ":8888"; }

// A docker --mount field: CSV, so a value with a comma or quote is double-quoted.
std::string mount_field(const std::string& key, const std::string& value) {
  std::string f = key + "=" + value;
  if (f.find_first_of(",\"") == std::string::npos) return f;
  std::string q = "\"";
  for (char c : f) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string yq(const std::string& s) { return yaml_scalar(s); }

// Compose interpolates ${VAR} and $VAR in every value of the file: a literal '$' is written "$$".
std::string cq(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '$' ? std::string("$$") : std::string(1, c);
  return yq(out);
}

std::string yaml_flow_list(const std::vector<std::string>& items, std::string (*quote)(const std::string&) = yq) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + quote(items[i]);
  return out + "]";
}

void compose_gpu(std::ostream& o, const RunPlan& p) {
  switch (p.gpu) {
    case GpuAccess::runtime_nvidia:
      o << "    runtime: nvidia\n";
      break;
    case GpuAccess::cdi:
      o << "    devices:\n      - " << yq("nvidia.com/gpu=all") << '\n';
      break;
    case GpuAccess::gpus_all:
    case GpuAccess::k8s_resource:
      o << "    deploy:\n      resources:\n        reservations:\n          devices:\n"
           "            - driver: nvidia\n              count: all\n              capabilities: [gpu]\n";
      break;
    case GpuAccess::none:
      break;
  }
}

}  // namespace

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

std::string compose_yaml(const RunPlan& p) {
  std::ostringstream o;
  o << "services:\n  " << cq(p.name) << ":\n    image: " << cq(p.image) << "\n    stdin_open: true\n    tty: true\n";
  compose_gpu(o, p);
  if (p.ipc_host)
    o << "    ipc: host\n";
  else
    o << "    shm_size: " << cq(size_text(p.shm_bytes, false) + "b") << '\n';
  if (p.ngc_ulimits) o << "    ulimits:\n      memlock: -1\n      stack: 67108864\n";
  if (!p.host_dir.empty()) {
    o << "    volumes:\n      - type: bind\n        source: " << cq(p.host_dir) << "\n        target: " << k_workspace
      << "\n    working_dir: " << k_workspace << '\n';
  }
  if (p.user) o << "    user: " << cq(std::to_string(p.user->uid) + ":" + std::to_string(p.user->gid)) << '\n';
  if (p.video_group) o << "    group_add: [video]\n";
  if (!p.env.empty()) {
    o << "    environment:\n";
    for (const auto& [k, v] : p.env) o << "      " << cq(k) << ": " << cq(v) << '\n';
  }
  if (p.jupyter_port) o << "    ports:\n      - " << cq(port_mapping(*p.jupyter_port)) << '\n';
  if (!p.command.empty()) o << "    command: " << yaml_flow_list(p.command, cq) << '\n';
  return o.str();
}

std::string k8s_pod_yaml(const RunPlan& p) {
  std::ostringstream o;
  o << "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " << yq(p.name) << "\nspec:\n  restartPolicy: Never\n";
  if (p.ipc_host) o << "  hostIPC: true\n";
  if (p.user) o << "  securityContext:\n    runAsUser: " << p.user->uid << "\n    runAsGroup: " << p.user->gid << '\n';
  o << "  containers:\n    - name: " << yq(p.name) << "\n      image: " << yq(p.image)
    << "\n      stdin: true\n      tty: true\n";
  if (!p.command.empty()) o << "      args: " << yaml_flow_list(p.command) << '\n';
  if (!p.host_dir.empty()) o << "      workingDir: " << k_workspace << '\n';
  if (!p.env.empty()) {
    o << "      env:\n";
    for (const auto& [k, v] : p.env) o << "        - name: " << yq(k) << "\n          value: " << yq(v) << '\n';
  }
  if (p.jupyter_port) o << "      ports:\n        - containerPort: 8888\n";
  if (p.gpu != GpuAccess::none)
    o << "      resources:\n        limits:\n          nvidia.com/gpu: " << p.gpu_count << '\n';
  const bool shm = !p.ipc_host;
  if (shm || !p.host_dir.empty()) {
    o << "      volumeMounts:\n";
    if (shm) o << "        - name: dshm\n          mountPath: /dev/shm\n";
    if (!p.host_dir.empty()) o << "        - name: workspace\n          mountPath: " << k_workspace << '\n';
    o << "  volumes:\n";
    if (shm)
      o << "    - name: dshm\n      emptyDir:\n        medium: Memory\n        sizeLimit: "
        << size_text(p.shm_bytes, true) << '\n';
    if (!p.host_dir.empty()) o << "    - name: workspace\n      emptyDir: {}\n";
  }
  return o.str();
}

std::string render_run(const RunPlan& p) {
  switch (p.engine) {
    case RunEngine::compose:
      return compose_yaml(p);
    case RunEngine::k8s:
      return k8s_pod_yaml(p);
    case RunEngine::docker:
    case RunEngine::podman:
      break;
  }
  return shell_join(run_argv(p)) + "\n";
}

}  // namespace td
