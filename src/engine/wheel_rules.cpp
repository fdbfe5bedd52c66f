// The rules that decide whether one torch build runs on a host. judge_wheel (a KB wheel) and
// judge_installed (a probed install) both describe the build as a BuildDesc and share them.
#include <algorithm>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/engine/engine.hpp"
#include "torchdoctor/engine/gpu_rules.hpp"
#include "torchdoctor/kb/queries.hpp"

namespace td {
namespace {

struct BuildDesc {
  std::string label;  // "torch 2.6.0+cu124"
  std::string variant;
  std::optional<Version> cuda;
  std::vector<ComputeCapability> sass, ptx;
  bool arch_known = false;
  std::vector<std::string> platforms;  // empty: unknown
  std::optional<Version> glibc;
  const TorchRelease* release = nullptr;  // for its Python list
  const TorchWheel* wheel = nullptr;      // a KB wheel: its own Python list where it differs (wheel_supports_python)
};

Reason reason(const char* code, Severity s, std::string message, std::string fix = {}) {
  return Reason{code, s, std::move(message), std::move(fix)};
}

std::string gpu_label(const GpuFacts& g) {
  std::string name = g.name ? *g.name.value : "NVIDIA GPU";
  if (g.compute_capability) name += " (sm_" + g.compute_capability.value->digits() + ")";
  return name;
}

void check_platform(const BuildDesc& b, const HostFacts& f, const HostClass& h, std::vector<Reason>& out) {
  if (b.platforms.empty()) return;
  if (h.platform.empty()) {
    // Never taken for x86_64: whether the build installs here is undetermined.
    out.push_back(
        reason("UNKNOWN_ARCH", Severity::unknown,
               "this host's CPU architecture is unknown: whether " + b.label + " installs here is undetermined",
               "give --arch x86_64 or --arch aarch64"));
    return;
  }
  if (std::find(b.platforms.begin(), b.platforms.end(), h.platform) != b.platforms.end()) return;
  std::string have;
  for (const auto& p : b.platforms) have += (have.empty() ? "" : ", ") + p;
  out.push_back(reason("ARCH_MISMATCH", Severity::error,
                       b.label + " is built for " + have + ", this host is " + *f.cpu.arch.value +
                           ": installing it fails, and its binaries would fail with `exec format error`"));
}

void check_python(const BuildDesc& b, const HostFacts& f, std::vector<Reason>& out) {
  if (b.release == nullptr || b.release->python.empty() || !f.python_version) return;
  const Version py = f.python_version.value->truncated(2);
  if (b.wheel != nullptr ? wheel_supports_python(*b.release, *b.wheel, py) : release_supports_python(*b.release, py))
    return;
  const auto& list = b.wheel != nullptr && !b.wheel->python.empty() ? b.wheel->python : b.release->python;
  std::string have;
  for (const auto& p : list) have += (have.empty() ? "" : ", ") + p;
  out.push_back(reason("PYTHON_UNSUPPORTED", Severity::error,
                       b.label + " has wheels for Python " + have + ", this host's Python is " + py.str()));
}

void check_glibc(const BuildDesc& b, const HostFacts& f, std::vector<Reason>& out) {
  if (!b.glibc || !f.cpu.glibc || !(*f.cpu.glibc.value < *b.glibc)) return;
  out.push_back(reason(
      "GLIBC_TOO_OLD", Severity::error,
      b.label + " needs glibc >= " + b.glibc->str() + " (manylinux), this host has " + f.cpu.glibc.value->str()));
}

// The driver: present, and new enough for the build's CUDA (or inside minor-version compatibility).
void check_driver(const BuildDesc& b, const HostFacts& f, const HostClass& h, const Kb& kb, std::vector<Reason>& out) {
  if (!b.cuda) return;
  auto r = judge_driver_for(b.label, *b.cuda, f, h, kb);
  out.insert(out.end(), std::make_move_iterator(r.begin()), std::make_move_iterator(r.end()));
}

}  // namespace

std::vector<Reason> judge_driver_for(const std::string& label, const Version& cuda, const HostFacts& f,
                                     const HostClass& h, const Kb& kb) {
  std::vector<Reason> out;
  BuildDesc b;
  b.label = label;
  b.cuda = cuda;
  if ((h.tegra && !h.tegra_sbsa) || (h.gpus_known && h.gpus.empty() && !h.tegra)) return out;  // no GPU: NO_GPU says it
  if (h.tegra) {
    // JetPack 7 (SBSA stack): the CUDA level comes with the L4T release, and whether minor-version
    // compatibility holds there is not known to the KB.
    const Version need = cuda.truncated(2);
    if (!h.driver_cuda || !(*h.driver_cuda < need)) return out;
    if (h.driver_cuda->major() == need.major()) {
      out.push_back(reason("MINOR_VERSION_COMPAT", Severity::unknown,
                           label + " is built with CUDA " + need.str() + "; this JetPack's CUDA is " +
                               h.driver_cuda->str() +
                               ", and whether CUDA minor-version compatibility holds on Jetson is not known"));
    } else {
      out.push_back(reason("DRIVER_TOO_OLD", Severity::error,
                           label + " needs CUDA " + need.str() + "; this JetPack's CUDA is " + h.driver_cuda->str(),
                           "use a build for this JetPack's CUDA"));
    }
    return out;
  }
  if (!f.driver.version && !h.driver_cuda) {
    const bool absent = f.driver.version.note == "no NVIDIA kernel module loaded";
    const auto floor = min_driver_for_cuda(kb, *b.cuda);
    if (absent) {
      out.push_back(reason("NO_DRIVER", Severity::error,
                           b.label + " needs the NVIDIA driver; no NVIDIA kernel module is loaded",
                           "install the NVIDIA driver (for CUDA " + b.cuda->truncated(2).str() + ": " +
                               (floor ? ">= " + floor->str() : "a recent one") + ") and reboot"));
    } else {
      // Not known to be missing: undetermined, never a guess either way.
      out.push_back(reason("UNKNOWN_DRIVER", Severity::unknown,
                           b.label + " needs an NVIDIA driver " +
                               (floor ? ">= " + floor->str() : "for CUDA " + b.cuda->truncated(2).str()) +
                               "; this host's driver is unknown",
                           "give --driver VERSION (nvidia-smi prints it) or probe the machine itself"));
    }
    return out;
  }
  const Version need = b.cuda->truncated(2);
  if (h.driver_cuda && !(*h.driver_cuda < need)) return out;
  const auto full = min_driver_for_cuda(kb, need);
  const std::string have = f.driver.version ? "driver " + f.driver.version.value->str() : "a driver";
  const std::string level = h.driver_cuda ? " (CUDA " + h.driver_cuda->str() + ")" : "";
  const CudaMajor* floor = cuda_major_floor(kb, need.major());
  if (floor != nullptr && f.driver.version && !(*f.driver.version.value < floor->min_driver_linux) &&
      (!h.driver_cuda || h.driver_cuda->major() >= need.major())) {
    out.push_back(reason("MINOR_VERSION_COMPAT", Severity::warn,
                         b.label + " is built with CUDA " + need.str() + "; " + have + level +
                             " runs it through CUDA minor-version compatibility (>= " + floor->min_driver_linux.str() +
                             "), without PTX JIT and features newer than the driver",
                         full ? "for full support update the driver to >= " + full->str() : ""));
    return out;
  }
  // The fix quotes the minimum driver (minor-version compatibility) beside the full-support one.
  std::string fix;
  if (full && floor != nullptr && floor->min_driver_linux < *full) {
    fix = "update the NVIDIA driver to >= " + floor->min_driver_linux.str() +
          " (runs it through CUDA minor-version compatibility; >= " + full->str() +
          " for full support), or use an older CUDA variant";
  } else if (full) {
    fix = "update the NVIDIA driver to >= " + full->str() + ", or use an older CUDA variant";
  }
  out.push_back(reason("DRIVER_TOO_OLD", Severity::error,
                       b.label + " needs " + (full ? "driver >= " + full->str() : "a driver for CUDA " + need.str()) +
                           ", this host has " + have + level,
                       fix));
  return out;
}

namespace {

void check_gpus(const BuildDesc& b, const HostFacts& f, const HostClass& h, const Kb& kb, std::vector<Reason>& out) {
  if (!b.cuda) return;
  for (const GpuFacts* g : h.gpus) {
    if (auto dropped = driver_drops_gpu(*g, f, kb)) out.push_back(std::move(*dropped));
  }
  if (h.gpus_known && h.gpus.empty()) {
    out.push_back(reason("NO_GPU", Severity::warn,
                         b.label + " is a CUDA build but this host has no NVIDIA GPU: it runs on the CPU only",
                         "the cpu variant is smaller"));
    return;
  }
  if (!b.arch_known) return;
  for (const GpuFacts* g : h.gpus) {
    if (!g->compute_capability) {
      out.push_back(reason("UNKNOWN_GPU", Severity::warn,
                           gpu_label(*g) + ": compute capability unknown (not in the knowledge base as of " + kb.as_of +
                               "); cannot tell whether " + b.label + " has kernels for it"));
      continue;
    }
    const ComputeCapability cc = g->compute_capability.value->hardware();
    const std::string list = arch_list_text(b.sass, b.ptx);
    switch (fit_gpu(b.sass, b.ptx, cc)) {
      case GpuFit::native:
        break;
      case GpuFit::ptx_jit:
        out.push_back(reason("PTX_JIT", Severity::warn,
                             b.label + " has no machine code for " + gpu_label(*g) + " (" + list +
                                 "); its PTX is JIT-compiled at start-up, which is slow the first time"));
        if (h.driver_cuda && *h.driver_cuda < b.cuda->truncated(2)) {
          out.push_back(reason("DRIVER_TOO_OLD", Severity::error,
                               "PTX JIT needs a driver for CUDA " + b.cuda->truncated(2).str() +
                                   "; this driver supports " + h.driver_cuda->str()));
        }
        break;
      case GpuFit::too_old:
        out.push_back(reason("GPU_TOO_OLD", Severity::error,
                             b.label + " dropped " + gpu_label(*g) + ": it is built for " + list +
                                 " (`no kernel image is available for execution on the device`)"));
        break;
      case GpuFit::missing:
        out.push_back(reason("GPU_ARCH_MISSING", Severity::error,
                             b.label + " has no kernels for " + gpu_label(*g) + ": it is built for " + list +
                                 " (`no kernel image is available for execution on the device`)"));
        break;
    }
  }
}

std::vector<Reason> judge(const BuildDesc& b, const HostFacts& f, const HostClass& h, const Kb& kb) {
  std::vector<Reason> out;
  check_platform(b, f, h, out);
  if (h.tegra && b.cuda && !h.tegra_sbsa && b.variant.rfind("cu", 0) == 0) {
    out.push_back(reason("NOT_FOR_TEGRA", Severity::error,
                         b.label +
                             " is built for discrete/SBSA GPUs; a Jetson's integrated GPU needs NVIDIA's Jetson builds "
                             "for its JetPack"));
  }
  check_python(b, f, out);
  check_glibc(b, f, out);
  check_driver(b, f, h, kb, out);
  check_gpus(b, f, h, kb, out);
  if (!b.cuda && h.gpus_known && !h.gpus.empty() && !h.tegra) {
    out.push_back(reason("CPU_ONLY_BUILD", Severity::warn, b.label + " is CPU-only: the NVIDIA GPU will not be used"));
  }
  return out;
}

BuildDesc describe(const TorchWheel& w, const Kb& kb) {
  BuildDesc b;
  b.label = "torch " + w.torch.str() + "+" + w.variant;
  b.variant = w.variant;
  b.cuda = w.cuda;
  b.sass = w.arch;
  b.ptx = w.ptx;
  b.arch_known = !w.arch.empty() || !w.ptx.empty();
  b.platforms = w.platforms;
  b.glibc = w.glibc;
  b.release = find_torch_release(kb, w.torch);
  b.wheel = &w;
  return b;
}

}  // namespace

std::vector<Reason> judge_wheel(const HostFacts& facts, const HostClass& host, const Kb& kb, const TorchWheel& wheel) {
  return judge(describe(wheel, kb), facts, host, kb);
}

std::vector<Reason> judge_gpu_targets(const HostFacts& facts, const HostClass& host, const Kb& kb,
                                      const std::string& label, const Version& cuda,
                                      const std::vector<ComputeCapability>& sass,
                                      const std::vector<ComputeCapability>& ptx) {
  BuildDesc b;
  b.label = label;
  b.cuda = cuda;
  b.sass = sass;
  b.ptx = ptx;
  b.arch_known = !sass.empty() || !ptx.empty();
  std::vector<Reason> out;
  check_gpus(b, facts, host, kb, out);
  return out;
}

std::vector<Reason> judge_installed(const HostFacts& facts, const HostClass& host, const Kb& kb,
                                    const TorchInstall& t) {
  BuildDesc b;
  const std::string version = t.version ? t.version.value->str() : "unknown version";
  b.label = "torch " + version;
  b.cuda = t.cuda.value;
  b.variant = t.version && !t.version.value->local().empty() ? t.version.value->local() : (b.cuda ? "cuda" : "cpu");
  std::vector<Reason> notes;
  const TorchWheel* wheel = t.version ? find_wheel(kb, *t.version.value, b.variant, host.platform) : nullptr;
  if (t.arch_list) {
    for (const auto& c : *t.arch_list.value) (c.is_ptx() ? b.ptx : b.sass).push_back(c.hardware());
    b.arch_known = true;
  } else if (wheel != nullptr) {
    b.sass = wheel->arch;
    b.ptx = wheel->ptx;
    b.arch_known = true;
  }
  if (t.version && find_torch_release(kb, *t.version.value) == nullptr) {
    const TorchRelease* newest = newest_torch_release(kb);
    if (newest != nullptr && newest->version < t.version.value->public_version()) {
      notes.push_back(reason("KB_STALE", Severity::info,
                             "torch " + version + " is newer than the knowledge base (as of " + kb.as_of + ", newest " +
                                 newest->version.str() + "); judged from its own " +
                                 (t.arch_list ? "compiled arch list" : "CUDA version only")));
    }
  }
  // A CPU-only build on a GPU machine is the classic "CUDA not available".
  if (t.version && !t.cuda && host.gpus_known && !host.gpus.empty() && !host.tegra) {
    auto out = notes;
    out.push_back(reason("CPU_ONLY_BUILD", Severity::error,
                         "torch " + version +
                             " is a CPU-only build (torch.version.cuda is None): the NVIDIA GPU is unused "
                             "and torch.cuda.is_available() is False"));
    return out;
  }
  auto out = judge(b, facts, host, kb);
  out.insert(out.begin(), notes.begin(), notes.end());
  return out;
}

InstallCommand install_command(const TorchWheel& w) {
  const std::string pin = "torch==" + w.torch.str();
  if (w.index == "pypi" || w.index.empty()) return {"pip install " + pin, "uv pip install " + pin};
  // The PyTorch wheel index is named by variant; uv knows its address (--torch-backend), pip needs
  // it spelled out: we name no package-index host, so the pip form reads it from PYTORCH_INDEX_URL.
  return {"pip install " + pin + " --index-url \"$PYTORCH_INDEX_URL/" + w.variant + "\"",
          "uv pip install " + pin + " --torch-backend=" + w.variant};
}

std::vector<Reason> judge_gpus_by_toolkit(const HostClass& h, const Kb& kb, const std::string& label,
                                          const Version& cuda) {
  std::vector<Reason> out;
  const ToolkitArch* t = toolkit_arch_for(kb, cuda);
  if (t == nullptr || t->arch.empty()) return out;
  const std::string xy = cuda.truncated(2).str();
  for (const GpuFacts* g : h.gpus) {
    if (!g->compute_capability) continue;
    switch (fit_gpu(t->arch, {}, g->compute_capability.value->hardware())) {
      case GpuFit::native:
      case GpuFit::ptx_jit:
        break;
      case GpuFit::too_old:
        out.push_back(reason("GPU_TOO_OLD", Severity::error,
                             label + " is built with CUDA " + xy + ", whose toolkit compiles nothing older than sm_" +
                                 t->arch.front().digits() + ": no kernels for " + gpu_label(*g) +
                                 " (`no kernel image is available for execution on the device`)",
                             "use an image built with an older CUDA"));
        break;
      case GpuFit::missing:
        out.push_back(reason("ARCH_LIST_UNKNOWN", Severity::unknown,
                             gpu_label(*g) + " is newer than every target CUDA " + xy + " compiles; " + label +
                                 " runs there only through PTX, and which PTX it ships the knowledge base does not "
                                 "record",
                             "use an image built with a newer CUDA, or check torch.cuda.get_arch_list() inside it"));
        break;
    }
  }
  return out;
}

}  // namespace td
