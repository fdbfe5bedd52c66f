// `torchdoctor build-env`: whether this node builds CUDA extensions and for which architectures,
// printed as shell exports, CMake flags, GitHub env lines, make variables, nvcc flags or JSON.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>

#include "torchdoctor/app/commands.hpp"
#include "torchdoctor/app/kb_input.hpp"
#include "torchdoctor/buildenv/build_env.hpp"
#include "torchdoctor/core/host_json.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/kb/queries.hpp"
#include "torchdoctor/sys/file_reader.hpp"

namespace td {

namespace {

// The detectors build-env needs: never the GPU libraries (unless --visible-gpus asks for them).
const std::vector<std::string> k_build_detectors{"os", "cpu", "toolkit", "python"};
const std::vector<std::string> k_visible_gpu_detectors{"os", "cpu", "driver", "gpu", "gpu_libs", "toolkit", "python"};

// Adds the GPUs of one `probe --json` snapshot to the targets.
Status add_snapshot(const std::string& path, BuildEnvRequest& r) {
  auto text = read_bounded(path, k_max_snapshot_bytes, "--targets " + sanitize(path));
  if (!text) return Error{ErrorKind::bad_input, text.error().message};
  auto host = host_from_text(*text, "--targets " + path);
  if (!host) return host.error();
  if (!host->gpus)
    return make_error(ErrorKind::bad_input,
                      "--targets " + path + ": the snapshot does not say which GPUs the host has");
  const std::string host_name = host->hostname ? *host->hostname : std::filesystem::path(path).filename().string();
  for (const auto& g : *host->gpus) {
    if (!g.compute_capability) {
      return make_error(ErrorKind::bad_input,
                        "--targets " + path + ": a GPU of " + host_name + " has no known compute capability");
    }
    r.target_ccs.push_back(*g.compute_capability);
    r.target_names.push_back(host_name + " " + (g.name ? *g.name : "GPU"));
  }
  return Ok{};
}

// One --targets entry: a snapshot file or folder, a compute capability, or a GPU name.
Status add_target(const std::string& entry, const Kb& kb, BuildEnvRequest& r) {
  std::error_code ec;
  if (std::filesystem::is_directory(entry, ec)) {
    std::vector<std::string> files;
    for (const auto& f : std::filesystem::directory_iterator(entry, ec)) {
      if (f.path().extension() == ".json") files.push_back(f.path().string());
    }
    std::sort(files.begin(), files.end());
    if (files.empty())
      return make_error(ErrorKind::bad_input, "--targets " + entry + ": the folder holds no .json snapshots");
    for (const auto& f : files) {
      if (auto s = add_snapshot(f, r); !s) return s;
    }
    return Ok{};
  }
  if (std::filesystem::is_regular_file(entry, ec)) return add_snapshot(entry, r);
  if (auto cc = ComputeCapability::parse(entry)) {
    r.target_ccs.push_back(cc->hardware());
    r.target_names.push_back(cc->hardware().nvcc_name());
    return Ok{};
  }
  if (const GpuModel* g = find_gpu_by_name(kb, entry)) {
    r.target_ccs.push_back(g->cc);
    r.target_names.push_back(g->name);
    return Ok{};
  }
  return make_error(ErrorKind::bad_input,
                    "--targets '" + sanitize(entry) +
                        "': not a compute capability (8.6, sm_86), a GPU the knowledge base knows (\"RTX 4090\"), "
                        "or a snapshot file from `torchdoctor probe --json`");
}

// The variables every format writes, in order.
std::vector<std::pair<std::string, std::string>> variables(const BuildEnv& b) {
  std::vector<std::pair<std::string, std::string>> v;
  v.emplace_back("TORCHDOCTOR_BUILD_CUDA", b.build_cuda ? "1" : "0");
  v.emplace_back("FORCE_CUDA", b.build_cuda ? "1" : "0");
  if (!b.build_cuda) return v;
  if (b.toolkit) v.emplace_back("CUDA_HOME", b.toolkit->path);
  if (b.toolkit && b.toolkit->nvcc) v.emplace_back("CUDACXX", *b.toolkit->nvcc);
  if (!b.archs.empty()) {
    v.emplace_back("TORCH_CUDA_ARCH_LIST", torch_cuda_arch_list(b.archs));
    v.emplace_back("CMAKE_CUDA_ARCHITECTURES", cmake_cuda_architectures(b.archs));
  }
  return v;
}

// One line: the decision and why.
std::string headline(const BuildEnv& b) {
  if (!b.build_cuda) return "do not build CUDA: " + b.skip_reason;
  if (b.mode != CudaMode::auto_) return "build CUDA: forced by " + b.mode_source;
  return b.torch ? "build CUDA: a CUDA toolkit and a CUDA torch are present (no GPU is needed)"
                 : "build CUDA: a CUDA toolkit is present (--no-torch; no GPU is needed)";
}

void print_comments(std::ostream& out, const BuildEnv& b, const char* mark) {
  out << mark << " torchdoctor build-env: " << headline(b) << '\n';
  for (const auto& i : b.inputs) out << mark << "   " << i.name << " = " << i.value << ": " << i.effect << '\n';
  for (const auto& r : b.reasons)
    out << mark << " " << r.code << " (" << severity_name(r.severity) << "): " << r.message << '\n';
}

nlohmann::json to_json(const BuildEnv& b) {
  nlohmann::json j;
  j["schema"] = "torchdoctor.build-env/v1";
  j["build_cuda"] = b.build_cuda;
  j["mode"] = cuda_mode_name(b.mode);
  j["mode_source"] = b.mode_source;
  j["skip_reason"] = b.skip_reason.empty() ? nlohmann::json() : nlohmann::json(b.skip_reason);
  j["toolkit"] = b.toolkit
                     ? nlohmann::json{{"path", b.toolkit->path},
                                      {"version", b.toolkit->version ? nlohmann::json(b.toolkit->version->str())
                                                                     : nlohmann::json()},
                                      {"nvcc", b.toolkit->nvcc ? nlohmann::json(*b.toolkit->nvcc) : nlohmann::json()}}
                     : nlohmann::json();
  j["torch"] =
      b.torch
          ? nlohmann::json{{"version", b.torch->version ? nlohmann::json(b.torch->version->str()) : nlohmann::json()},
                           {"cuda", b.torch->cuda ? nlohmann::json(b.torch->cuda->str()) : nlohmann::json()},
                           {"python", b.torch->python ? nlohmann::json(*b.torch->python) : nlohmann::json()}}
          : nlohmann::json();
  j["host_compiler"] = b.compiler.path.empty()
                           ? nlohmann::json()
                           : nlohmann::json{{"path", b.compiler.path},
                                            {"kind", b.compiler.kind},
                                            {"version", b.compiler.version ? nlohmann::json(b.compiler.version->str())
                                                                           : nlohmann::json()}};
  j["arch_source"] = b.arch_source.empty() ? nlohmann::json() : nlohmann::json(b.arch_source);
  j["archs"] = nlohmann::json::array();
  for (const auto& a : b.archs) j["archs"].push_back({{"sm", a.cc.nvcc_name()}, {"ptx", a.ptx}});
  j["variables"] = nlohmann::json::object();
  for (const auto& [k, v] : variables(b)) j["variables"][k] = v;
  j["nvcc_flags"] = nvcc_gencode_flags(b.archs);
  j["inputs"] = nlohmann::json::array();
  for (const auto& i : b.inputs) j["inputs"].push_back({{"name", i.name}, {"value", i.value}, {"effect", i.effect}});
  j["reasons"] = nlohmann::json::array();
  for (const auto& r : b.reasons) {
    j["reasons"].push_back(
        {{"code", r.code}, {"severity", severity_name(r.severity)}, {"message", r.message}, {"fix", r.fix}});
  }
  return j;
}

void print_text(std::ostream& out, const BuildEnv& b) {
  const std::string line = headline(b);
  out << (b.build_cuda ? "Build CUDA: yes — " : "Build CUDA: no — ") << line.substr(line.find(": ") + 2) << "\n\n";
  if (b.build_cuda && !b.archs.empty()) {
    out << "  TORCH_CUDA_ARCH_LIST      " << torch_cuda_arch_list(b.archs) << "   (from " << b.arch_source << ")\n";
    out << "  CMAKE_CUDA_ARCHITECTURES  " << cmake_cuda_architectures(b.archs) << "\n\n";
  }
  out << "Inputs\n";
  for (const auto& i : b.inputs) out << "  " << i.name << ": " << i.value << "\n      → " << i.effect << '\n';
  if (!b.reasons.empty()) {
    out << "\nProblems\n";
    for (const auto& r : b.reasons) {
      out << "  " << r.code << " (" << severity_name(r.severity) << ") — " << r.message << '\n';
      if (!r.fix.empty()) out << "      → " << r.fix << '\n';
    }
  }
  out << "\nUse it: eval \"$(torchdoctor build-env --format sh)\"; cmake $(torchdoctor build-env --format cmake) ...;"
         " torchdoctor build-env --format github >> \"$GITHUB_ENV\"\n";
}

Status print_format(std::ostream& out, const std::string& format, const BuildEnv& b) {
  if (format == "json") {
    out << to_json(b).dump(2) << '\n';
  } else if (format == "sh") {
    print_comments(out, b, "#");
    for (const auto& [k, v] : variables(b)) out << "export " << k << '=' << shell_quote(v) << '\n';
  } else if (format == "cmake") {
    // One line for `cmake $(torchdoctor build-env --format cmake)`: no quotes (they would be kept).
    out << "-DTORCHDOCTOR_BUILD_CUDA=" << (b.build_cuda ? "ON" : "OFF");
    if (b.build_cuda && b.toolkit && b.toolkit->nvcc) out << " -DCMAKE_CUDA_COMPILER=" << *b.toolkit->nvcc;
    if (b.build_cuda && !b.archs.empty()) {
      out << " -DCMAKE_CUDA_ARCHITECTURES=" << cmake_cuda_architectures(b.archs)
          << " -DTORCH_CUDA_ARCH_LIST=" << torch_cuda_arch_list(b.archs);
    }
    out << '\n';
  } else if (format == "github") {
    for (const auto& [k, v] : variables(b)) out << k << '=' << v << '\n';
  } else if (format == "make") {
    print_comments(out, b, "#");
    for (const auto& [k, v] : variables(b)) out << k << " := " << v << '\n';
    if (b.build_cuda) out << "NVCC_GENCODE := " << nvcc_gencode_flags(b.archs) << '\n';
  } else if (format == "nvcc") {
    out << nvcc_gencode_flags(b.archs) << '\n';
  } else if (format == "text") {
    print_text(out, b);
  } else {
    return make_error(ErrorKind::bad_input,
                      "--format '" + sanitize(format) + "': expected text, sh, cmake, json, github, make or nvcc");
  }
  return Ok{};
}

}  // namespace

std::vector<OptionSpec> build_env_options() {
  return options_named(
      {host_option_names(), {"targets", "visible-gpus", "no-torch", "python", "format", "json", "kb"}});
}

int run_build_env(const ParsedArgs& args, AppIo& io) {
  const std::string format = args.has("json") ? "json" : args.get("format").value_or("text");
  auto kb = load_kb_for(args, io.env);
  if (!kb) return fail_with(io, kb.error());
  BuildEnvRequest request;
  request.no_torch = args.has("no-torch");
  request.visible_gpus = args.has("visible-gpus");
  for (const auto& value : args.all("targets")) {
    for (const auto& entry : split(value, ',')) {
      const std::string t(trim(entry));
      if (t.empty()) continue;
      request.targets.push_back(t);
      if (auto s = add_target(t, *kb, request); !s) return fail_with(io, s.error());
    }
  }
  const bool gpus = request.visible_gpus && request.targets.empty();
  auto facts = judged_host(args, io, *kb, HostRequest::only(gpus ? k_visible_gpu_detectors : k_build_detectors));
  if (!facts) return fail_with(io, facts.error());
  if (gpus) {
    if (facts->gpus && !facts->gpus->empty()) {
      for (const auto& g : *facts->gpus) {
        if (!g.compute_capability) continue;
        request.target_ccs.push_back(*g.compute_capability);
        request.target_names.push_back(g.name ? *g.name : "visible GPU");
      }
    }
    if (request.target_ccs.empty()) {
      io.err << "torchdoctor: --visible-gpus: this node shows no GPU with a known compute capability; name the GPUs "
                "with --targets\n";
      return k_exit_problem;
    }
  }
  // The compiler is this node's: not looked for when the facts describe another tree or host.
  HostCompilerFacts compiler;
  if (args.has("root") || args.has("host") || args.has("no-probe"))
    compiler.found_by = "not looked for (the facts are not this node's)";
  else
    compiler = find_host_compiler(io.env);
  auto decision = decide_build_env(*facts, io.env, request, compiler, *kb);
  if (!decision) return fail_with(io, decision.error());
  if (auto s = print_format(io.out, format, *decision); !s) return fail_with(io, s.error());
  for (const auto& r : decision->reasons) {
    if (r.severity == Severity::error && format != "text" && format != "json")
      io.err << "torchdoctor: " << r.code << ": " << r.message << '\n';
  }
  return has_error(decision->reasons) ? k_exit_problem : k_exit_ok;
}

}  // namespace td
