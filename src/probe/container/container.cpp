// Container detector: are we inside a container (docker, podman, Kubernetes, LXC), and WSL2?
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/parsers.hpp"
#include "torchdoctor/probe/probe.hpp"

namespace td {

std::optional<std::string> parse_cgroup_engine(std::string_view text) {
  // Order matters: a Kubernetes pod's cgroup also names its container runtime.
  if (text.find("kubepods") != std::string_view::npos) return "kubernetes";
  if (text.find("/docker/") != std::string_view::npos || text.find("docker-") != std::string_view::npos)
    return "docker";
  if (text.find("libpod") != std::string_view::npos) return "podman";
  if (text.find("/lxc/") != std::string_view::npos || text.find("lxc.payload") != std::string_view::npos) return "lxc";
  if (text.find("containerd") != std::string_view::npos) return "containerd";
  return std::nullopt;
}

namespace {

void detect_wsl(const ProbeContext& ctx, HostFacts& facts) {
  if (auto release = ctx.fs.read_file("/proc/sys/kernel/osrelease", 4096)) {
    const bool wsl = contains_icase(*release, "microsoft") || contains_icase(*release, "wsl");
    if (wsl) {
      facts.container.wsl = Fact<bool>::known(true, "file:/proc/sys/kernel/osrelease");
      return;
    }
  }
  if (ctx.fs.exists("/dev/dxg") || ctx.fs.exists("/usr/lib/wsl/lib/libcuda.so.1")) {
    facts.container.wsl =
        Fact<bool>::known(true, ctx.fs.exists("/dev/dxg") ? "file:/dev/dxg" : "file:/usr/lib/wsl/lib");
    return;
  }
  if (ctx.fs.exists("/proc/sys/kernel/osrelease")) {
    facts.container.wsl = Fact<bool>::known(false, "file:/proc/sys/kernel/osrelease");
  } else {
    facts.container.wsl = Fact<bool>::unknown("file:/proc/sys/kernel/osrelease", "no /proc");
  }
}

}  // namespace

void detect_container(const ProbeContext& ctx, HostFacts& facts) {
  detect_wsl(ctx, facts);

  const bool k8s_env = ctx.env.get("KUBERNETES_SERVICE_HOST").has_value();
  std::optional<std::string> engine;
  std::string source;
  if (ctx.fs.exists("/.dockerenv")) {
    engine = "docker";
    source = "file:/.dockerenv";
  } else if (ctx.fs.exists("/run/.containerenv")) {
    engine = "podman";
    source = "file:/run/.containerenv";
  } else if (auto c = ctx.env.get("container"); c && !c->empty()) {
    engine = sanitize(*c, 32);
    source = "env:container";
  }
  if (auto cg = ctx.fs.read_file("/proc/1/cgroup", 64 * 1024)) {
    if (auto e = parse_cgroup_engine(*cg)) {
      if (!engine || *e == "kubernetes") {
        if (!engine) source = "file:/proc/1/cgroup";
        if (*e == "kubernetes") facts.container.kubernetes = Fact<bool>::known(true, "file:/proc/1/cgroup");
        if (!engine) engine = *e;
      }
    }
  }
  if (k8s_env) facts.container.kubernetes = Fact<bool>::known(true, "env:KUBERNETES_SERVICE_HOST");
  if (!facts.container.kubernetes) {
    facts.container.kubernetes = Fact<bool>::known(false, "env:KUBERNETES_SERVICE_HOST");
  }
  if (!engine && *facts.container.kubernetes.value) {
    engine = "kubernetes";
    source = facts.container.kubernetes.source;
  }
  if (engine) {
    facts.container.inside = Fact<bool>::known(true, source);
    facts.container.engine = Fact<std::string>::known(*engine, source);
  } else {
    facts.container.inside = Fact<bool>::known(false, "file:/.dockerenv,/run/.containerenv,/proc/1/cgroup");
    facts.container.engine = Fact<std::string>::unknown("", "not in a container");
  }
}

}  // namespace td
