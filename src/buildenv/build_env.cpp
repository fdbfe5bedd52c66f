// The CUDA build decision: mode (overrides), toolkit and torch, checks, then the arch list.
#include <algorithm>

#include "torchdoctor/buildenv/build_env.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/core/what_if.hpp"
#include "torchdoctor/kb/queries.hpp"

namespace td {

namespace {

bool env_true(const std::string& v) {
  const auto s = to_lower(v);
  return s == "1" || s == "on" || s == "true" || s == "yes";
}
bool env_false(const std::string& v) {
  const auto s = to_lower(v);
  return s == "0" || s == "off" || s == "false" || s == "no";
}

Reason reason(const char* code, Severity s, std::string message, std::string fix = {}) {
  return Reason{code, s, std::move(message), std::move(fix)};
}

// TORCHDOCTOR_CUDA > USE_CUDA=0 > FORCE_CUDA=1 > auto.
Status decide_mode(const Env& env, BuildEnv& b) {
  const auto ours = env.get("TORCHDOCTOR_CUDA");
  const auto use = env.get("USE_CUDA");
  const auto force = env.get("FORCE_CUDA");
  b.mode_source = "default";
  if (ours) {
    const auto v = to_lower(*ours);
    if (v != "auto" && v != "force" && v != "off") {
      return make_error(ErrorKind::bad_input,
                        "TORCHDOCTOR_CUDA='" + sanitize(*ours) + "': expected auto, force or off");
    }
    b.inputs.push_back({"TORCHDOCTOR_CUDA", *ours,
                        (v == "auto" ? std::string("decide from the toolkit and torch") : "CUDA " + v) +
                            " (USE_CUDA and FORCE_CUDA are ignored)"});
    b.mode = v == "force" ? CudaMode::force : v == "off" ? CudaMode::off : CudaMode::auto_;
    b.mode_source = "TORCHDOCTOR_CUDA";
  }
  const bool use_off = use && env_false(*use);
  const bool force_on = force && env_true(*force);
  if (use)
    b.inputs.push_back({"USE_CUDA", *use,
                        use_off ? (b.mode_source == "default" ? "CUDA off" : "ignored: TORCHDOCTOR_CUDA decides")
                                : "no effect (only USE_CUDA=0 turns CUDA off)"});
  if (force) {
    b.inputs.push_back({"FORCE_CUDA", *force,
                        !force_on                    ? "no effect (only FORCE_CUDA=1 forces CUDA)"
                        : b.mode_source != "default" ? "ignored: TORCHDOCTOR_CUDA decides"
                        : use_off
                            ? "ignored: USE_CUDA=0 wins"
                            : "CUDA forced, even if the toolkit or torch is missing (then the build fails loudly)"});
  }
  if (b.mode_source == "default") {
    if (use_off) {
      b.mode = CudaMode::off;
      b.mode_source = "USE_CUDA";
    } else if (force_on) {
      b.mode = CudaMode::force;
      b.mode_source = "FORCE_CUDA";
    }
  }
  if (use_off && force_on) {
    b.reasons.push_back(reason("BUILD_MODE_CONFLICT", Severity::warn,
                               "USE_CUDA=0 and FORCE_CUDA=1 are both set; " + b.mode_source + " decides",
                               "unset the one you did not mean"));
  }
  return Ok{};
}

const CudaToolkit* build_toolkit(const HostFacts& facts) {
  if (!facts.toolkits.build_toolkit || !facts.toolkits.toolkits) return nullptr;
  for (const auto& t : *facts.toolkits.toolkits) {
    if (t.path == *facts.toolkits.build_toolkit) return &t;
  }
  return nullptr;
}

// The torch the build compiles against: the one `import torch` loads with the default interpreter
// (not one shadowed by an earlier sys.path entry), else the first found, except when the
// interpreter was named with --python: a build in that Python (a setup.py asking for
// sys.executable) never compiles against another environment's torch, so none is none.
const TorchInstall* build_torch(const HostFacts& facts) {
  if (!facts.torch || facts.torch->empty()) return nullptr;
  if (facts.pythons && !facts.pythons->empty()) {
    const auto& primary = facts.pythons->front();
    const TorchInstall* first = nullptr;
    for (const auto& t : *facts.torch) {
      if (!t.python || *t.python != primary.path) continue;
      if (!t.imported || *t.imported) return &t;
      if (first == nullptr) first = &t;
    }
    if (first != nullptr) return first;
    if (std::find(primary.found_by.begin(), primary.found_by.end(), "--python") != primary.found_by.end())
      return nullptr;
  }
  return &facts.torch->front();
}

void check_toolkit(const HostFacts& facts, const CudaToolkit& tk, const TorchInstall* torch, BuildEnv& b) {
  const auto& f = facts.toolkits;
  if (f.cuda_home && f.nvcc_on_path && f.nvcc_on_path->rfind(*f.cuda_home, 0) != 0 && tk.nvcc &&
      *f.nvcc_on_path != *tk.nvcc) {
    b.reasons.push_back(reason("TOOLKIT_MISMATCH", Severity::warn,
                               "CUDA_HOME is " + *f.cuda_home + " but the nvcc on PATH is " + *f.nvcc_on_path +
                                   ": setup.py builds use CUDA_HOME, CMake uses PATH's nvcc",
                               "use the CUDA_HOME and CUDACXX build-env prints, which name one toolkit"));
  }
  if (torch == nullptr || !torch->cuda || !tk.version) return;
  const Version& have = *tk.version;
  const Version& want = *torch->cuda;
  const std::string what = "the toolkit at " + tk.path + " is CUDA " + have.truncated(2).str() + " but torch " +
                           (torch->version ? torch->version->str() : "") + " was built with CUDA " +
                           want.truncated(2).str();
  if (have.major() != want.major()) {
    b.reasons.push_back(reason(
        "TOOLKIT_MISMATCH", Severity::error,
        what + ": cpp_extension refuses a different CUDA major ('The detected CUDA version mismatches')",
        "install CUDA " + want.truncated(2).str() + " and point CUDA_HOME at it, or install a torch built for CUDA " +
            std::to_string(have.major()) + ".x"));
  } else if (have.truncated(2) != want.truncated(2)) {
    b.reasons.push_back(reason("TOOLKIT_MISMATCH", Severity::warn,
                               what + ": a minor mismatch builds, cpp_extension only warns",
                               "for identical results use CUDA " + want.truncated(2).str()));
  }
}

void check_compiler(const CudaToolkit& tk, const HostCompilerFacts& cc, const Kb& kb, BuildEnv& b) {
  if (cc.path.empty() && !cc.found_by.empty()) {
    b.inputs.push_back({"host compiler", "unknown", cc.found_by});
    return;
  }
  if (cc.path.empty()) {
    b.inputs.push_back({"host compiler", "none found", "nvcc needs a host C++ compiler"});
    b.reasons.push_back(reason("HOST_COMPILER_UNSUPPORTED", Severity::error,
                               "no host C++ compiler (c++, g++ or clang++) was found for nvcc",
                               "install g++ (apt-get install g++) or set CUDAHOSTCXX"));
    return;
  }
  const std::string shown = cc.kind + " " + (cc.version ? cc.version->str() : "(version unknown)");
  const HostCompiler* row = nullptr;
  if (tk.version) {
    for (const auto& h : kb.host_compilers) {
      if (h.cuda.truncated(2) == tk.version->truncated(2)) row = &h;
    }
  }
  if (row == nullptr || !cc.version) {
    b.inputs.push_back({"host compiler", cc.path + " (" + shown + ")",
                        "not checked: the knowledge base has no host-compiler range for this CUDA version"});
    return;
  }
  const auto& lo = cc.kind == "clang" ? row->clang_min : row->gcc_min;
  const auto& hi = cc.kind == "clang" ? row->clang_max : row->gcc_max;
  const Version major = Version::parse(std::to_string(cc.version->major())).value();
  const std::string range = (lo ? lo->str() : "?") + " to " + (hi ? hi->str() : "?");
  const std::string cuda = tk.version->truncated(2).str();
  b.inputs.push_back(
      {"host compiler", cc.path + " (" + shown + ", found by " + cc.found_by + ")",
       "nvcc " + cuda + " supports " + cc.kind + " " + range + (row->from.confirmed ? "" : " (range unconfirmed)")});
  if ((hi && major > *hi) || (lo && major < *lo)) {
    b.reasons.push_back(
        reason("HOST_COMPILER_UNSUPPORTED", Severity::error,
               shown + " is outside what nvcc " + cuda + " supports (" + cc.kind + " " + range +
                   "): nvcc stops with 'unsupported GNU version'",
               "install a supported " + cc.kind + " and set CUDAHOSTCXX to it (for CMake: CMAKE_CUDA_HOST_COMPILER)"));
  }
}

// What the toolkit can compile: the KB row of its CUDA minor.
struct ToolkitTargets {
  std::vector<ComputeCapability> arch, special, deprecated;  // special: the a and f targets
  std::string cuda;
  [[nodiscard]] bool compiles(const ComputeCapability& cc) const {
    const auto& list = cc.suffix() == ComputeCapability::Suffix::none ? arch : special;
    return std::find(list.begin(), list.end(), cc) != list.end();
  }
};

std::optional<ToolkitTargets> toolkit_targets(const CudaToolkit& tk, const Kb& kb) {
  if (!tk.version) return std::nullopt;
  const ToolkitArch* row = toolkit_arch_for(kb, *tk.version);
  if (row == nullptr) return std::nullopt;
  ToolkitTargets t{row->arch, row->arch_specific, row->deprecated, tk.version->truncated(2).str()};
  t.special.insert(t.special.end(), row->family_specific.begin(), row->family_specific.end());
  std::sort(t.arch.begin(), t.arch.end());
  return t;
}

// Checks a list given by the user (TORCH_CUDA_ARCH_LIST): every entry must compile.
void check_given(const ToolkitTargets& t, const std::vector<BuildArch>& archs, BuildEnv& b) {
  for (const auto& a : archs) {
    if (!t.compiles(a.cc)) {
      b.reasons.push_back(reason(
          "TOOLKIT_ARCH_UNSUPPORTED", Severity::error,
          "CUDA " + t.cuda + " cannot compile " + a.cc.nvcc_name() + " (it compiles " + t.arch.front().nvcc_name() +
              " to " + t.arch.back().nvcc_name() + "): nvcc stops with 'Unsupported gpu architecture'",
          "drop " + a.cc.str() + " from TORCH_CUDA_ARCH_LIST, or build with a CUDA toolkit that still supports it"));
    } else if (std::find(t.deprecated.begin(), t.deprecated.end(), a.cc.hardware()) != t.deprecated.end()) {
      b.reasons.push_back(reason("TOOLKIT_ARCH_UNSUPPORTED", Severity::warn,
                                 "CUDA " + t.cuda + " still compiles " + a.cc.nvcc_name() + " but has deprecated it",
                                 ""));
    }
  }
}

// For each target GPU the best code the toolkit can make: its own sm, else the highest same-major
// sm below it, else PTX of the newest sm (JIT). A GPU older than every sm is an error.
std::vector<BuildArch> archs_for_targets(const ToolkitTargets& t, const std::vector<ComputeCapability>& ccs,
                                         const std::vector<std::string>& names, BuildEnv& b) {
  std::vector<BuildArch> out;
  const auto add = [&out](ComputeCapability cc, bool ptx) {
    auto it = std::find_if(out.begin(), out.end(), [&](const BuildArch& a) { return a.cc == cc; });
    if (it == out.end())
      out.push_back({cc, ptx});
    else
      it->ptx = it->ptx || ptx;
  };
  for (std::size_t i = 0; i < ccs.size(); ++i) {
    const ComputeCapability gpu = ccs[i].hardware();
    const std::string who = i < names.size() ? names[i] : gpu.str();
    const ComputeCapability* best = nullptr;
    for (const auto& sm : t.arch) {
      if (sm.runs_on(gpu)) best = &sm;  // ascending: the last that runs is the closest
    }
    if (best != nullptr) {
      add(*best, false);
      if (best->hardware() != gpu)
        b.inputs.push_back(
            {"target " + who, gpu.str(),
             "CUDA " + t.cuda + " has no sm_" + gpu.digits() + "; " + best->nvcc_name() + " runs on it"});
    } else if (gpu > t.arch.back()) {
      add(t.arch.back(), true);
      b.reasons.push_back(reason("PTX_JIT", Severity::warn,
                                 who + " (compute capability " + gpu.str() + ") is newer than CUDA " + t.cuda +
                                     " can compile for: it runs " + t.arch.back().as_ptx().nvcc_name() +
                                     " PTX, JIT-compiled at start-up",
                                 "build with a newer CUDA toolkit for machine code"));
    } else {
      b.reasons.push_back(reason("GPU_TOO_OLD", Severity::error,
                                 who + " (compute capability " + gpu.str() + ") is older than anything CUDA " + t.cuda +
                                     " compiles (oldest " + t.arch.front().nvcc_name() + ")",
                                 "build for it with an older CUDA toolkit, or drop it from the targets"));
    }
  }
  return out;
}

// The torch wheel's own list ∩ what the toolkit compiles; the KB's list when the files were unreadable.
std::vector<BuildArch> archs_from_torch(const ToolkitTargets& t, const TorchInstall& torch, const HostFacts& facts,
                                        const Kb& kb, BuildEnv& b) {
  std::vector<ComputeCapability> list;
  std::string from;
  if (torch.arch_list && !torch.arch_list->empty()) {
    list = *torch.arch_list;
    from = torch.arch_list.source;
  } else if (torch.version && torch.version->local().rfind("cu", 0) == 0) {
    const std::string platform = facts.cpu.arch ? "linux-" + *facts.cpu.arch : "linux-x86_64";
    if (const TorchWheel* w = find_wheel(kb, torch.version->public_version(), torch.version->local(), platform)) {
      list = w->arch;
      from = "knowledge base: torch " + w->torch.str() + "+" + w->variant;
    }
  }
  std::vector<BuildArch> out;
  std::string dropped;
  for (const auto& cc : list) {
    if (cc.is_ptx()) continue;
    if (t.compiles(cc))
      out.push_back({cc, false});
    else
      dropped += (dropped.empty() ? "" : " ") + cc.nvcc_name();
  }
  std::sort(out.begin(), out.end(), [](const BuildArch& x, const BuildArch& y) { return x.cc < y.cc; });
  b.arch_source = "torch wheel";
  b.inputs.push_back({"torch arch list", list.empty() ? "unknown" : ("from " + from),
                      dropped.empty() ? "compiled for every architecture torch has"
                                      : "dropped (CUDA " + t.cuda + " cannot compile them): " + dropped});
  return out;
}

std::vector<BuildArch> archs_from_toolkit(const ToolkitTargets& t, BuildEnv& b) {
  std::vector<BuildArch> out;
  for (const auto& sm : t.arch) {
    if (std::find(t.deprecated.begin(), t.deprecated.end(), sm) == t.deprecated.end()) out.push_back({sm, false});
  }
  b.arch_source = "toolkit";
  b.inputs.push_back({"toolkit arch list", "CUDA " + t.cuda, "every architecture it compiles without deprecation"});
  return out;
}

// TORCH_CUDA_ARCH_LIST > --targets > --visible-gpus > torch's list (or the toolkit's without torch).
Status choose_archs(const HostFacts& facts, const Env& env, const BuildEnvRequest& r, const CudaToolkit& tk,
                    const TorchInstall* torch, const Kb& kb, BuildEnv& b) {
  auto t = toolkit_targets(tk, kb);
  const auto given = env.get("TORCH_CUDA_ARCH_LIST");
  if (given && !trim(*given).empty()) {
    auto parsed = parse_arch_list(*given, kb);
    if (!parsed)
      return make_error(ErrorKind::bad_input,
                        "TORCH_CUDA_ARCH_LIST='" + sanitize(*given) + "': " + parsed.error().message);
    b.archs = *parsed;
    b.arch_source = "TORCH_CUDA_ARCH_LIST";
    b.inputs.push_back({"TORCH_CUDA_ARCH_LIST", *given, "used as given (it wins over every other source)"});
    if (t) check_given(*t, b.archs, b);
    return Ok{};
  }
  b.inputs.push_back({"TORCH_CUDA_ARCH_LIST", "unset", "decided below"});
  if (!t) {
    b.reasons.push_back(reason("ARCH_LIST_UNKNOWN", Severity::error,
                               "the architectures CUDA " +
                                   (tk.version ? tk.version->str() : std::string("(version unknown)")) +
                                   " can compile are not in the knowledge base (as of " + kb.as_of + ")",
                               "set TORCH_CUDA_ARCH_LIST, for example \"8.0;8.6;9.0+PTX\""));
    return Ok{};
  }
  if (!r.target_ccs.empty()) {
    b.archs = archs_for_targets(*t, r.target_ccs, r.target_names, b);
    b.arch_source = r.visible_gpus && r.targets.empty() ? "--visible-gpus" : "--targets";
  } else if (torch != nullptr && !r.no_torch) {
    b.archs = archs_from_torch(*t, *torch, facts, kb, b);
  } else {
    b.archs = archs_from_toolkit(*t, b);
  }
  std::sort(b.archs.begin(), b.archs.end(), [](const BuildArch& x, const BuildArch& y) { return x.cc < y.cc; });
  if (!b.archs.empty()) b.archs.back().ptx = true;  // PTX of the newest: future GPUs JIT-compile it
  return Ok{};
}

// Whether CUDA is built at all, and why not.
void decide_build(const CudaToolkit* tk, const TorchInstall* torch, const BuildEnvRequest& r, BuildEnv& b) {
  std::string missing;
  if (tk == nullptr || !tk->nvcc) {
    missing =
        "no CUDA toolkit with nvcc was found (looked at CUDA_HOME, CUDA_PATH, PATH, /usr/local/cuda*, conda and pip "
        "layouts)";
  } else if (!r.no_torch && torch == nullptr) {
    missing =
        "no torch was found for the build's Python (the default one, or the one --python names; --no-torch for a build "
        "without torch)";
  } else if (!r.no_torch && torch->hip) {
    missing = "torch " + (torch->version ? torch->version->str() : std::string()) +
              " is a ROCm build (torch.version.hip " + *torch->hip + ")";
  } else if (!r.no_torch && !torch->cuda) {
    missing = "torch " + (torch->version ? torch->version->str() : std::string()) +
              " is a CPU-only build (torch.version.cuda is None)";
  }
  if (b.mode == CudaMode::off) {
    b.build_cuda = false;
    b.skip_reason = "CUDA is turned off by " + b.mode_source;
  } else if (missing.empty()) {
    b.build_cuda = true;
  } else if (b.mode == CudaMode::auto_) {
    b.build_cuda = false;
    b.skip_reason = missing;
  } else {
    b.build_cuda = true;
    const bool no_toolkit = tk == nullptr || !tk->nvcc;
    const bool no_torch = !no_toolkit && torch == nullptr;
    b.reasons.push_back(reason(no_toolkit ? "NO_TOOLKIT"
                               : no_torch ? "TORCH_NOT_FOUND"
                                          : "CPU_ONLY_BUILD",
                               Severity::error, b.mode_source + " forces CUDA but " + missing,
                               no_toolkit ? "install the CUDA toolkit matching torch.version.cuda and set CUDA_HOME"
                               : no_torch
                                   ? "install a CUDA build of torch in the build's Python, or name it with --python"
                                   : "install a CUDA build of torch (torchdoctor recommend prints the command)"));
  }
}

}  // namespace

Result<BuildEnv> decide_build_env(const HostFacts& facts, const Env& env, const BuildEnvRequest& request,
                                  const HostCompilerFacts& compiler, const Kb& kb) {
  BuildEnv b;
  b.compiler = compiler;
  if (auto s = decide_mode(env, b); !s) return s.error();
  const CudaToolkit* tk = build_toolkit(facts);
  const TorchInstall* torch = request.no_torch ? nullptr : build_torch(facts);
  if (tk != nullptr) b.toolkit = *tk;
  if (torch != nullptr) b.torch = *torch;
  b.inputs.push_back(
      {"CUDA toolkit", tk ? tk->path + " (CUDA " + (tk->version ? tk->version->str() : "?") + ")" : "none",
       tk ? "found by " + (facts.toolkits.build_toolkit ? facts.toolkits.build_toolkit.source : std::string("?"))
          : "CUDA cannot be compiled"});
  if (request.no_torch) {
    b.inputs.push_back({"torch", "not consulted", "--no-torch: a CUDA build that does not link torch"});
  } else {
    b.inputs.push_back(
        {"torch",
         torch && torch->version ? torch->version->str() + " (" + (torch->python ? *torch->python : "?") + ")" : "none",
         torch == nullptr ? "no torch to build against"
         : torch->cuda    ? "torch.version.cuda " + torch->cuda->str()
                          : "CPU-only: no CUDA"});
  }
  b.inputs.push_back(
      {"visible GPUs", request.visible_gpus ? "asked for (--visible-gpus)" : "not consulted",
       request.visible_gpus ? "used as targets" : "a visible GPU never decides whether or for what CUDA is built"});
  decide_build(tk, torch, request, b);
  if (!b.build_cuda) return b;
  if (tk != nullptr && tk->nvcc) {
    check_toolkit(facts, *tk, torch, b);
    check_compiler(*tk, compiler, kb, b);
    if (auto s = choose_archs(facts, env, request, *tk, torch, kb, b); !s) return s.error();
    if (b.archs.empty() && !has_error(b.reasons)) {
      b.reasons.push_back(reason("ARCH_LIST_EMPTY", Severity::error, "no GPU architecture is left to compile for",
                                 "set TORCH_CUDA_ARCH_LIST, or name the GPUs with --targets"));
    }
  }
  return b;
}

const char* cuda_mode_name(CudaMode mode) {
  switch (mode) {
    case CudaMode::force:
      return "force";
    case CudaMode::off:
      return "off";
    case CudaMode::auto_:
      break;
  }
  return "auto";
}

}  // namespace td
