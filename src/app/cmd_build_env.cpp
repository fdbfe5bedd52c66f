// `torchdoctor build-env`: whether this node builds CUDA extensions and for which architectures,
// printed as shell exports, CMake flags, GitHub env lines, make variables, nvcc flags or JSON.
#include <filesystem>
#include <ostream>

#include "torchdoctor/app/commands.hpp"
#include "torchdoctor/app/kb_input.hpp"
#include "torchdoctor/buildenv/build_env.hpp"
#include "torchdoctor/core/host_json.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/kb/queries.hpp"
#include "torchdoctor/report/build_env.hpp"
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
  auto host = judged_host(args, io, *kb, HostRequest::only(gpus ? k_visible_gpu_detectors : k_build_detectors));
  if (!host) return fail_with(io, host.error());
  const HostFacts& facts = host->facts();
  if (gpus) {
    if (facts.gpus && !facts.gpus->empty()) {
      for (const auto& g : *facts.gpus) {
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
  auto decision = decide_build_env(facts, io.env, request, compiler, *kb);
  if (!decision) return fail_with(io, decision.error());
  if (auto s = write_build_env(io.out, format, *decision); !s) return fail_with(io, s.error());
  for (const auto& r : decision->reasons) {
    if (r.severity == Severity::error && format != "text" && format != "json")
      io.err << "torchdoctor: " << r.code << ": " << r.message << '\n';
  }
  return has_error(decision->reasons) ? k_exit_problem : k_exit_ok;
}

}  // namespace td
