// The run-command report: the plan as a shell command, compose file or Pod (YAML written by hand:
// every scalar a YAML reader could take for something else is double-quoted), why, and JSON.
#include "torchdoctor/report/run_command.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/report/verdicts.hpp"
#include "torchdoctor/report/yaml.hpp"

namespace td {
namespace {

using nlohmann::json;

constexpr const char* k_run_schema = "torchdoctor.run_command/v1";

json reason_json(const std::string& code, Severity severity, const std::string& message, const std::string& fix) {
  return {{"code", code},
          {"severity", severity_name(severity)},
          {"message", message},
          {"fix", fix.empty() ? json(nullptr) : json(fix)}};
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

RunImageCheck summarize_image_check(const std::optional<CheckedImage>& c, const std::string& skipped_why) {
  RunImageCheck s;
  if (!c) {
    s.message = skipped_why;
    return s;
  }
  if (!c->verdict) {
    s.undetermined = true;
    s.status = "unknown";
    s.message =
        "could not check the image: " + (c->inspection.error ? c->inspection.error->message : std::string("no answer"));
    return s;
  }
  s.problem = c->verdict->problem();
  s.undetermined = c->verdict->undetermined();
  s.status = s.problem ? "problem" : s.undetermined ? "undetermined" : "ok";
  // "checked" only when a registry answered (now or earlier, from the cache).
  const bool from_kb = std::any_of(c->verdict->reasons.begin(), c->verdict->reasons.end(),
                                   [](const ImageReason& r) { return r.code == "FROM_KB"; });
  s.message = from_kb                          ? "judged from the knowledge base alone (offline, not in the cache)"
              : c->inspection.facts.from_cache ? "checked (from the cache)"
                                               : "checked";
  s.reasons = c->verdict->reasons;
  return s;
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

std::string render_run_why(const RunPlan& plan, const RunImageCheck& check, const std::string& image) {
  std::ostringstream err;
  err << "why:\n";
  for (const auto& n : plan.notes) err << "  " << n.flag << ": " << n.why << '\n';
  for (const auto& r : plan.reasons) {
    err << "x " << r.code << ": " << r.message << '\n';
    if (!r.fix.empty()) err << "  fix: " << r.fix << '\n';
  }
  err << "image " << image << ": ";
  if (check.status == "skipped" || check.status == "unknown")
    err << check.message << '\n';
  else
    err << (check.problem        ? "will NOT run here"
            : check.undetermined ? "undetermined here"
                                 : "runs here")
        << " (" << check.message << ")\n";
  for (const auto& r : check.reasons) err << "  " << severity_mark(r.severity) << r.code << ": " << r.message << '\n';
  return err.str();
}

std::string run_command_json(const RunPlan& plan, const std::string& text, const RunImageCheck& check, int exit_code,
                             const std::string& tool_version) {
  const bool shell = plan.engine == RunEngine::docker || plan.engine == RunEngine::podman;
  json doc{{"schema", k_run_schema},
           {"tool_version", tool_version},
           {"image", plan.image},
           {"engine", run_engine_name(plan.engine)},
           {"gpu_access", gpu_access_name(plan.gpu)},
           {"text", text},
           {"exit_code", exit_code}};
  doc["argv"] = shell ? json(run_argv(plan)) : json(nullptr);
  doc["notes"] = json::array();
  for (const auto& n : plan.notes) doc["notes"].push_back({{"flag", n.flag}, {"why", n.why}});
  doc["reasons"] = json::array();
  for (const auto& r : plan.reasons) doc["reasons"].push_back(reason_json(r.code, r.severity, r.message, r.fix));
  json reasons = json::array();
  for (const auto& r : check.reasons) reasons.push_back(reason_json(r.code, r.severity, r.message, ""));
  doc["image_check"] = {{"status", check.status}, {"message", check.message}, {"reasons", reasons}};
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace td
