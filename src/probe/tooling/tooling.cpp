// Container tooling detector: docker/podman clients, the NVIDIA Container Toolkit, the runtimes
// configured in /etc/docker/daemon.json and the CDI specs.
#include <nlohmann/json.hpp>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/probe.hpp"

namespace td {
namespace {

Fact<std::string> which(const ProbeContext& ctx, const char* name) {
  if (auto p = find_in_path(ctx.fs, ctx.env, name)) return Fact<std::string>::known(*p, "PATH");
  return Fact<std::string>::unknown("PATH", std::string(name) + " not found");
}

void read_daemon_json(const ProbeContext& ctx, HostFacts& facts) {
  const char* path = "/etc/docker/daemon.json";
  const std::string src = std::string("file:") + path;
  auto text = ctx.fs.read_file(path, 1U << 20U);
  if (!text) {
    const char* why = ctx.fs.exists(path) ? "unreadable" : "no daemon.json";
    facts.tooling.docker_runtimes = Fact<std::vector<std::string>>::unknown(src, why);
    facts.tooling.docker_default_runtime = Fact<std::string>::unknown(src, why);
    return;
  }
  const auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    facts.tooling.docker_runtimes = Fact<std::vector<std::string>>::unknown(src, "malformed JSON");
    facts.tooling.docker_default_runtime = Fact<std::string>::unknown(src, "malformed JSON");
    add_issue(facts, "tooling", ctx.fs.display(path) + ": malformed JSON");
    return;
  }
  std::vector<std::string> runtimes;
  if (const auto it = doc.find("runtimes"); it != doc.end() && it->is_object()) {
    for (const auto& [name, _] : it->items()) runtimes.push_back(sanitize(name, 64));
  }
  facts.tooling.docker_runtimes = Fact<std::vector<std::string>>::known(runtimes, src);
  if (const auto it = doc.find("default-runtime"); it != doc.end() && it->is_string()) {
    facts.tooling.docker_default_runtime = Fact<std::string>::known(sanitize(it->get<std::string>(), 64), src);
  } else {
    facts.tooling.docker_default_runtime = Fact<std::string>::known("runc", src + " (default)");
  }
}

}  // namespace

void detect_tooling(const ProbeContext& ctx, HostFacts& facts) {
  facts.tooling.docker = which(ctx, "docker");
  facts.tooling.podman = which(ctx, "podman");
  facts.tooling.nvidia_ctk = which(ctx, "nvidia-ctk");
  facts.tooling.nvidia_runtime = which(ctx, "nvidia-container-runtime");
  read_daemon_json(ctx, facts);
  std::vector<std::string> specs;
  for (const char* dir : {"/etc/cdi", "/var/run/cdi"}) {
    auto names = ctx.fs.list_dir(dir);
    if (!names) continue;
    for (const auto& n : *names) {
      if (n.size() > 5 && (n.ends_with(".yaml") || n.ends_with(".json"))) specs.push_back(std::string(dir) + "/" + n);
    }
  }
  facts.tooling.cdi_specs = Fact<std::vector<std::string>>::known(specs, "file:/etc/cdi,/var/run/cdi");
}

}  // namespace td
