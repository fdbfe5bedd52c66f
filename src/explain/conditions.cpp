// The predicates of [[signature.refine]] `when` lists and the {placeholders} of causes and fixes.
// The vocabulary is documented in docs/kb.md; a unit test checks the KB uses no other word.
#include <algorithm>
#include <array>
#include <functional>

#include "context.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/kb/queries.hpp"

namespace td::explain_detail {
namespace {

constexpr std::uint64_t k_min_shm = 1ULL << 30U;  // as container_findings: below 1 GiB DataLoader fails

const TorchInstall* first_torch(const HostFacts& f) {
  return f.torch.value && !f.torch.value->empty() ? &f.torch.value->front() : nullptr;
}

bool flag(const HostFacts& f, const std::string& name) {
  return f.cpu.flags.value &&
         std::find(f.cpu.flags.value->begin(), f.cpu.flags.value->end(), name) != f.cpu.flags.value->end();
}

bool toolkit(const HostFacts& f) {
  const bool runtime = f.tooling.docker_runtimes &&
                       std::find(f.tooling.docker_runtimes.value->begin(), f.tooling.docker_runtimes.value->end(),
                                 "nvidia") != f.tooling.docker_runtimes.value->end();
  const bool cdi = f.tooling.cdi_specs && !f.tooling.cdi_specs.value->empty();
  return runtime || cdi || f.tooling.nvidia_ctk.has_value() || f.tooling.nvidia_runtime.has_value();
}

std::string src(const std::string& source) { return source.empty() ? "" : " (" + source + ")"; }

using Simple = std::function<bool(const Context&, std::vector<std::string>&)>;

const std::map<std::string, Simple>& simple_predicates() {
  static const std::map<std::string, Simple> k{
      {"gpu",
       [](const Context& c, auto& used) {
         const bool yes = !c.judged.host().gpus.empty();
         if (yes)
           used.push_back("NVIDIA GPU: " + c.judged.host().gpus.front()->name.value.value_or("present") +
                          src(c.judged.facts().gpus.source));
         return yes;
       }},
      {"no_gpu",
       [](const Context& c, auto& used) {
         const bool yes = c.judged.host().gpus_known && c.judged.host().gpus.empty() && !c.judged.host().tegra;
         if (yes) used.push_back("no NVIDIA GPU" + src(c.judged.facts().gpus.source));
         return yes;
       }},
      {"gpus_unknown", [](const Context& c, auto&) { return !c.judged.host().gpus_known && !c.judged.host().tegra; }},
      {"tegra",
       [](const Context& c, auto& used) {
         if (c.judged.host().tegra)
           used.push_back("a Jetson (Tegra)" + src(c.judged.facts().jetson.l4t ? c.judged.facts().jetson.l4t.source
                                                                               : c.judged.facts().jetson.soc.source));
         return c.judged.host().tegra;
       }},
      {"board",
       [](const Context& c, auto& used) {
         if (c.judged.host().board != nullptr)
           used.push_back("board: " + (c.judged.host().board->name.empty() ? c.judged.host().board->id
                                                                           : c.judged.host().board->name));
         return c.judged.host().board != nullptr;
       }},
      {"x86_64",
       [](const Context& c, auto& used) {
         const bool yes = c.judged.facts().cpu.arch.value == std::optional<std::string>("x86_64");
         if (yes) used.push_back("CPU architecture x86_64" + src(c.judged.facts().cpu.arch.source));
         return yes;
       }},
      {"aarch64",
       [](const Context& c, auto& used) {
         const bool yes = c.judged.facts().cpu.arch.value == std::optional<std::string>("aarch64");
         if (yes) used.push_back("CPU architecture aarch64" + src(c.judged.facts().cpu.arch.source));
         return yes;
       }},
      {"driver",
       [](const Context& c, auto& used) {
         if (c.judged.facts().driver.version)
           used.push_back("NVIDIA driver " + c.judged.facts().driver.version.value->str() +
                          src(c.judged.facts().driver.version.source));
         else if (c.judged.host().driver_cuda)
           used.push_back("driver CUDA level " + c.judged.host().driver_cuda->str());
         return c.judged.facts().driver.version.has_value() || c.judged.host().driver_cuda.has_value();
       }},
      {"driver_absent",
       [](const Context& c, auto& used) {
         // Known to be absent: the probe found no kernel module (an unknown driver is not absent).
         const bool yes = !c.judged.facts().driver.version && !c.judged.host().driver_cuda &&
                          c.judged.facts().driver.version.note == "no NVIDIA kernel module loaded";
         if (yes) used.push_back("no NVIDIA kernel module loaded" + src(c.judged.facts().driver.version.source));
         return yes;
       }},
      {"driver_ok",
       [](const Context& c, auto& used) {
         const TorchInstall* t = first_torch(c.judged.facts());
         if (!c.judged.host().driver_cuda || t == nullptr || !t->cuda) return false;
         const bool yes = !(*c.judged.host().driver_cuda < t->cuda.value->truncated(2));
         if (yes)
           used.push_back("driver CUDA " + c.judged.host().driver_cuda->str() + " >= torch's CUDA " +
                          t->cuda.value->truncated(2).str());
         return yes;
       }},
      {"container_toolkit",
       [](const Context& c, auto& used) {
         const bool yes = toolkit(c.judged.facts());
         if (yes) used.push_back("NVIDIA Container Toolkit or CDI spec present");
         return yes;
       }},
      {"container_engine",
       [](const Context& c, auto& used) {
         const bool yes = c.judged.facts().tooling.docker.has_value() || c.judged.facts().tooling.podman.has_value();
         if (yes)
           used.push_back("container engine: " + c.judged.facts().tooling.docker.value.value_or(
                                                     c.judged.facts().tooling.podman.value.value_or("")));
         return yes;
       }},
      {"inside_container",
       [](const Context& c, auto& used) {
         const bool yes = c.judged.facts().container.inside && *c.judged.facts().container.inside.value;
         if (yes) used.push_back("running inside a container" + src(c.judged.facts().container.inside.source));
         return yes;
       }},
      {"wsl",
       [](const Context& c, auto& used) {
         const bool yes = c.judged.facts().container.wsl && *c.judged.facts().container.wsl.value;
         if (yes) used.push_back("WSL2" + src(c.judged.facts().container.wsl.source));
         return yes;
       }},
      {"torch", [](const Context& c, auto&) { return first_torch(c.judged.facts()) != nullptr; }},
      {"torch_cpu",
       [](const Context& c, auto& used) {
         const TorchInstall* t = first_torch(c.judged.facts());
         const bool yes = t != nullptr && t->version && !t->cuda && t->cuda.note != "a ROCm build";
         if (yes) used.push_back("torch " + t->version.value->str() + " is CPU-only" + src(t->cuda.source));
         return yes;
       }},
      {"torch_cuda",
       [](const Context& c, auto& used) {
         const TorchInstall* t = first_torch(c.judged.facts());
         const bool yes = t != nullptr && t->cuda.has_value();
         if (yes) used.push_back("torch built with CUDA " + t->cuda.value->str() + src(t->cuda.source));
         return yes;
       }},
      {"torch_arch_known", [](const Context& c, auto&) { return !c.torch_arch.empty() || !c.torch_ptx.empty(); }},
      {"gpu_supported",
       [](const Context& c, auto& used) {
         if (c.fits.empty()) return false;
         const bool yes = std::all_of(c.fits.begin(), c.fits.end(),
                                      [](GpuFit f) { return f == GpuFit::native || f == GpuFit::ptx_jit; });
         if (yes)
           used.push_back("torch's arch list (" + arch_list_text(c.torch_arch, c.torch_ptx) + ") covers every GPU");
         return yes;
       }},
      {"shm_small",
       [](const Context& c, auto& used) {
         const bool yes = c.judged.facts().cpu.shm_bytes && *c.judged.facts().cpu.shm_bytes.value < k_min_shm;
         if (yes)
           used.push_back("/dev/shm is " + human_bytes(*c.judged.facts().cpu.shm_bytes.value) +
                          src(c.judged.facts().cpu.shm_bytes.source));
         return yes;
       }},
      {"cpu_flags_known", [](const Context& c, auto&) { return c.judged.facts().cpu.flags.has_value(); }},
      {"shm_known", [](const Context& c, auto&) { return c.judged.facts().cpu.shm_bytes.has_value(); }},
  };
  return k;
}

const char* fit_name(GpuFit f) {
  switch (f) {
    case GpuFit::native:
      return "native";
    case GpuFit::ptx_jit:
      return "ptx_jit";
    case GpuFit::too_old:
      return "too_old";
    case GpuFit::missing:
      return "missing";
  }
  return "missing";
}

bool capture_holds(const std::string& spec, const std::map<std::string, std::string>& captures) {
  // NAME, NAME=VALUE, NAME^=PREFIX, NAME$=SUFFIX (case-insensitive values)
  for (const char* op : {"^=", "$=", "="}) {
    const auto at = spec.find(op);
    if (at == std::string::npos) continue;
    const auto it = captures.find(spec.substr(0, at));
    if (it == captures.end()) return false;
    const std::string v = to_lower(it->second);
    const std::string want = to_lower(spec.substr(at + std::string(op).size()));
    if (std::string(op) == "^=") return v.rfind(want, 0) == 0;
    if (std::string(op) == "$=")
      return v.size() >= want.size() && v.compare(v.size() - want.size(), want.size(), want) == 0;
    return v == want;
  }
  return captures.count(spec) != 0;
}

}  // namespace

bool known_predicate_name(const std::string& predicate) {
  std::string p = predicate.rfind('!', 0) == 0 ? predicate.substr(1) : predicate;
  if (simple_predicates().count(p) != 0) return true;
  if (p.rfind("engine:", 0) == 0) {
    const std::string code = p.substr(7);
    const auto& codes = reason_codes();
    return std::any_of(codes.begin(), codes.end(), [&](const ReasonCode& r) { return code == r.code; });
  }
  if (p.rfind("gpu_fit:", 0) == 0) {
    const std::string f = p.substr(8);
    return f == "native" || f == "ptx_jit" || f == "too_old" || f == "missing";
  }
  return (p.rfind("cpu_flag:", 0) == 0 && p.size() > 9) || (p.rfind("capture:", 0) == 0 && p.size() > 8);
}

bool holds(const std::string& predicate, const Context& c, const std::map<std::string, std::string>& captures,
           std::vector<std::string>& used) {
  if (predicate.rfind('!', 0) == 0) {
    std::vector<std::string> ignored;
    return !holds(predicate.substr(1), c, captures, ignored);
  }
  if (const auto it = simple_predicates().find(predicate); it != simple_predicates().end()) return it->second(c, used);
  if (predicate.rfind("engine:", 0) == 0) {
    const std::string code = predicate.substr(7);
    for (const auto* rs : {&c.torch_reasons, &c.container_reasons}) {
      for (const auto& r : *rs) {
        if (r.code == code) {
          used.push_back("engine: " + r.message);
          return true;
        }
      }
    }
    return false;
  }
  if (predicate.rfind("gpu_fit:", 0) == 0) {
    const std::string want = predicate.substr(8);
    for (std::size_t i = 0; i < c.fits.size(); ++i) {
      if (want == fit_name(c.fits[i])) {
        used.push_back("torch's arch list (" + arch_list_text(c.torch_arch, c.torch_ptx) +
                       ") against the GPU: " + want);
        return true;
      }
    }
    return false;
  }
  if (predicate.rfind("cpu_flag:", 0) == 0) {
    const bool yes = flag(c.judged.facts(), predicate.substr(9));
    if (yes) used.push_back("CPU flag " + predicate.substr(9) + src(c.judged.facts().cpu.flags.source));
    return yes;
  }
  if (predicate.rfind("capture:", 0) == 0) return capture_holds(predicate.substr(8), captures);
  return false;
}

Context make_context(HostFacts input_facts, const Kb& kb) {
  Context c{kb, judge_host(std::move(input_facts), kb), {}, {}, {}, {}, {}, {}};
  if (const TorchInstall* t = first_torch(c.judged.facts())) {
    c.torch_reasons = judge_installed(c.judged.facts(), c.judged.host(), kb, *t);
    if (t->arch_list) {
      for (const auto& a : *t->arch_list.value) (a.is_ptx() ? c.torch_ptx : c.torch_arch).push_back(a.hardware());
    } else if (t->version) {
      const std::string variant = t->version.value->local();
      if (const TorchWheel* w = find_wheel(kb, *t->version.value, variant)) {
        c.torch_arch = w->arch;
        c.torch_ptx = w->ptx;
      }
    }
  }
  if (!c.torch_arch.empty() || !c.torch_ptx.empty()) {
    for (const GpuFacts* g : c.judged.host().gpus) {
      if (g->compute_capability)
        c.fits.push_back(fit_gpu(c.torch_arch, c.torch_ptx, g->compute_capability.value->hardware()));
    }
  }
  c.container_reasons = container_findings(c.judged.facts(), c.judged.host());
  c.rec = recommend(c.judged, kb);
  return c;
}

namespace {

std::optional<std::string> variable(const std::string& name, const Context& c,
                                    const std::map<std::string, std::string>& captures) {
  if (const auto it = captures.find(name); it != captures.end() && !it->second.empty()) return it->second;
  const HostFacts& f = c.judged.facts();
  const TorchInstall* t = first_torch(f);
  const GpuFacts* g = c.judged.host().gpus.empty() ? nullptr : c.judged.host().gpus.front();
  if (name == "driver" && f.driver.version) return f.driver.version.value->str();
  if (name == "driver_cuda" && c.judged.host().driver_cuda) return c.judged.host().driver_cuda->str();
  if (name == "gpu" && g != nullptr && g->name) return *g->name.value;
  if (name == "gpu_cc" && g != nullptr && g->compute_capability) return g->compute_capability.value->hardware().str();
  // " --gpu X.Y" for the GPU the facts name, else nothing (recommend then probes the machine).
  if (name == "gpu_flag")
    return g != nullptr && g->compute_capability ? " --gpu " + g->compute_capability.value->hardware().str() : "";
  if (name == "gpu_sm" && g != nullptr && g->compute_capability)
    return "sm_" + g->compute_capability.value->hardware().digits();
  if (name == "torch" && t != nullptr && t->version) return t->version.value->str();
  if (name == "torch_cuda" && t != nullptr && t->cuda) return t->cuda.value->str();
  if (name == "torch_arch" && (!c.torch_arch.empty() || !c.torch_ptx.empty()))
    return arch_list_text(c.torch_arch, c.torch_ptx);
  if (name == "install" && c.rec.best_wheel) return c.rec.best_wheel->install;
  if (name == "install_uv" && c.rec.best_wheel && !c.rec.best_wheel->install_uv.empty())
    return c.rec.best_wheel->install_uv;
  if (name == "best_wheel" && c.rec.best_wheel)
    return "torch " + c.rec.best_wheel->torch + "+" + c.rec.best_wheel->variant;
  if (name == "best_image" && c.rec.best_image) return c.rec.best_image->ref;
  if (name == "arch" && f.cpu.arch) return *f.cpu.arch.value;
  if (name == "docker_platform" && f.cpu.arch) return *f.cpu.arch.value == "aarch64" ? "linux/arm64" : "linux/amd64";
  if (name == "l4t" && f.jetson.l4t) return f.jetson.l4t.value->str();
  if (name == "jetpack" && f.jetson.jetpack) return f.jetson.jetpack.value->str();
  if (name == "shm" && f.cpu.shm_bytes) return human_bytes(*f.cpu.shm_bytes.value);
  if (name == "kb_as_of") return c.kb.as_of;
  if (name == "min_driver") {
    std::optional<Version> need;
    if (const auto it = captures.find("require_cuda"); it != captures.end()) {
      if (auto v = Version::parse(it->second)) need = *v;
    }
    if (!need && t != nullptr && t->cuda) need = *t->cuda.value;
    if (need) {
      if (auto d = min_driver_for_cuda(c.kb, need->truncated(2))) return d->str();
    }
    return std::nullopt;
  }
  if (name == "build_arch_list") {
    // The GPUs the extension is for; else torch's own targets; PTX of the newest for the future.
    std::vector<ComputeCapability> list;
    for (const GpuFacts* gpu : c.judged.host().gpus) {
      if (gpu->compute_capability) list.push_back(gpu->compute_capability.value->hardware());
    }
    if (list.empty()) list = c.torch_arch;
    if (list.empty()) return std::nullopt;
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    std::string out;
    for (const auto& cc : list) out += (out.empty() ? "" : ";") + cc.str();
    return out + "+PTX";
  }
  return std::nullopt;
}

}  // namespace

std::string fill(const std::string& text, const Context& c, const std::map<std::string, std::string>& captures) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto open = text.find('{', i);
    if (open == std::string::npos) break;
    // The matching brace: a fallback may hold placeholders of its own ({install|... {gpu_flag} ...}).
    std::size_t close = open + 1;
    for (int depth = 1; close < text.size(); ++close) {
      if (text[close] == '{') ++depth;
      if (text[close] == '}' && --depth == 0) break;
    }
    if (close >= text.size()) break;
    out.append(text, i, open - i);
    const std::string inner = text.substr(open + 1, close - open - 1);
    const auto bar = inner.find('|');
    const std::string name = inner.substr(0, bar);
    const bool is_name = !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '_';
    });
    if (!is_name) {
      out.append(text, open, close - open + 1);  // not a placeholder (e.g. JSON in a command)
    } else if (auto v = variable(name, c, captures)) {
      out += *v;
    } else {
      out += bar == std::string::npos ? "{" + name + "}" : fill(inner.substr(bar + 1), c, captures);
    }
    i = close + 1;
  }
  out.append(text, i, std::string::npos);
  return out;
}

}  // namespace td::explain_detail
