// CUDA toolkit detector: every toolkit folder (CUDA_HOME, CUDA_PATH, nvcc on PATH, /usr/local/cuda*,
// /usr/lib/cuda, /opt/cuda, a conda env, pip's nvidia/cuda_nvcc), its version from files, and
// which one a torch extension build would use. nvcc runs only when no file tells the version.
#include <algorithm>

#include "cuda_libraries.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/probe.hpp"
#include "torchdoctor/probe/python_torch.hpp"
#include "torchdoctor/probe/toolkit.hpp"
#include "torchdoctor/sys/subprocess.hpp"

namespace td {
namespace {

std::string parent_dir(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

struct Candidate {
  std::string dir;
  std::string found_by;
};

std::vector<Candidate> candidates(const ProbeContext& ctx, const std::vector<std::string>& sites) {
  std::vector<Candidate> out;
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"}) {
    if (auto v = ctx.env.get(var); v && !v->empty()) out.push_back({normalize_path(*v), var});
  }
  if (auto nvcc = find_in_path(ctx.fs, ctx.env, "nvcc")) {
    auto real = ctx.fs.real_path(*nvcc);
    out.push_back({parent_dir(parent_dir(real ? *real : *nvcc)), "PATH"});
  }
  if (auto names = ctx.fs.list_dir("/usr/local")) {
    for (const auto& n : *names) {
      if (n == "cuda" || n.starts_with("cuda-")) out.push_back({"/usr/local/" + n, "/usr/local/" + n});
    }
  }
  out.push_back({"/usr/lib/cuda", "/usr/lib/cuda"});
  out.push_back({"/opt/cuda", "/opt/cuda"});
  out.push_back({"/opt/conda", "/opt/conda"});  // the usual conda prefix in container images
  if (auto conda = ctx.env.get("CONDA_PREFIX"); conda && !conda->empty())
    out.push_back({normalize_path(*conda), "CONDA_PREFIX"});
  for (const auto& site : sites) out.push_back({site + "/nvidia/cuda_nvcc", "pip:" + site});
  return out;
}

bool looks_like_toolkit(const FileSystem& fs, const std::string& dir) {
  for (const char* f : {"bin/nvcc", "version.json", "version.txt", "include/cuda.h"}) {
    if (fs.stat(path_join(dir, f)).type == FileType::regular) return true;
  }
  return false;
}

// A package record's name and version: dist-info folders ("nvidia_cuda_nvcc_cu12-12.4.131.dist-info")
// and conda-meta files ("cuda-nvcc-12.4.131-0.json").
std::optional<std::pair<std::string, std::string>> package_record(const std::string& entry) {
  if (auto p = parse_dist_info_name(entry)) return std::make_pair(p->name, p->version);
  if (!entry.ends_with(".json")) return std::nullopt;
  const std::string stem = entry.substr(0, entry.size() - 5);
  const auto build = stem.rfind('-');
  if (build == std::string::npos || build == 0) return std::nullopt;
  const auto dash = stem.rfind('-', build - 1);
  if (dash == std::string::npos || dash == 0) return std::nullopt;
  return std::make_pair(stem.substr(0, dash), stem.substr(dash + 1, build - dash - 1));
}

// The nvcc version from the package records in `dir` (conda's cuda-nvcc, pip's nvidia-cuda-nvcc*).
std::optional<Fact<Version>> version_from_package_records(const FileSystem& fs, const std::string& dir) {
  auto names = fs.list_dir(dir);
  if (!names) return std::nullopt;
  for (const auto& n : *names) {
    const auto record = package_record(n);
    if (!record || (record->first != "cuda-nvcc" && !record->first.starts_with("nvidia-cuda-nvcc"))) continue;
    if (auto v = Version::parse(record->second); v && v->release().size() >= 2)
      return Fact<Version>::known(*v, "file:" + path_join(dir, n));
  }
  return std::nullopt;
}

Fact<Version> read_file_version(const FileSystem& fs, const std::string& path,
                                Result<Version> (*parse)(std::string_view)) {
  auto text = fs.read_file(path, 1U << 20U);
  if (!text) return Fact<Version>::unknown("file:" + path, text.error().message);
  auto v = parse(*text);
  return v ? Fact<Version>::known(*v, "file:" + path) : Fact<Version>::unknown("file:" + path, v.error().message);
}

// The version from files, in order of precision; nvcc --version as the last resort.
Fact<Version> toolkit_version(const ProbeContext& ctx, const CudaToolkit& tk, HostFacts& facts) {
  const FileSystem& fs = ctx.fs;
  const std::string& dir = tk.path;
  if (fs.exists(path_join(dir, "version.json"))) {
    if (auto v = read_file_version(fs, path_join(dir, "version.json"), parse_cuda_version_json)) return v;
  }
  if (fs.exists(path_join(dir, "version.txt"))) {
    if (auto v = read_file_version(fs, path_join(dir, "version.txt"), parse_cuda_version_txt)) return v;
  }
  // Package records: a toolkit assembled from wheels (dist-info/), a conda env (conda-meta/), or
  // pip's nvidia/cuda_nvcc whose dist-info sits two levels up in site-packages.
  if (auto v = version_from_package_records(fs, path_join(dir, "dist-info"))) return *v;
  if (auto v = version_from_package_records(fs, path_join(dir, "conda-meta"))) return *v;
  if (dir.ends_with("/nvidia/cuda_nvcc")) {
    if (auto v = version_from_package_records(fs, parent_dir(parent_dir(dir)))) return *v;
  }
  for (const auto& inc :
       {path_join(dir, "include/cuda.h"), path_join(dir, "targets/x86_64-linux/include/cuda.h"),
        path_join(dir, "targets/sbsa-linux/include/cuda.h"), path_join(dir, "targets/aarch64-linux/include/cuda.h")}) {
    if (fs.exists(inc)) {
      if (auto v = read_file_version(fs, inc, parse_cuda_h_version)) return v;
    }
  }
  if (!tk.nvcc) return Fact<Version>::unknown("file:" + dir, "no version file, cuda.h or nvcc");
  const std::string src = "nvcc --version (" + *tk.nvcc.value + ")";
  if (!fs.is_live_root()) return Fact<Version>::unknown(src, "no version file; programs are not run under --root");
  SpawnOptions opts;
  opts.timeout = ctx.options.timeout;
  opts.max_output = 64U << 10U;
  auto outcome = run_program({*tk.nvcc.value, "--version"}, opts);
  if (!outcome || !outcome->succeeded()) {
    const std::string why = !outcome ? outcome.error().message : outcome->describe_failure();
    add_issue(facts, "toolkit", *tk.nvcc.value + " --version: " + why);
    return Fact<Version>::unknown(src, why);
  }
  auto v = parse_nvcc_version_output(outcome->out);
  return v ? Fact<Version>::known(*v, src) : Fact<Version>::unknown(src, v.error().message);
}

std::vector<CudaToolkit> find_toolkits(const ProbeContext& ctx, const std::vector<std::string>& sites,
                                       HostFacts& facts) {
  std::vector<CudaToolkit> out;
  for (const auto& c : candidates(ctx, sites)) {
    const bool from_env = c.found_by == "CUDA_HOME" || c.found_by == "CUDA_PATH";
    if (ctx.fs.stat(c.dir).type != FileType::directory || !looks_like_toolkit(ctx.fs, c.dir)) {
      if (from_env)
        add_issue(facts, "toolkit",
                  c.found_by + "=" + c.dir + " is not a CUDA toolkit (no bin/nvcc, version.json or include/cuda.h)");
      continue;
    }
    auto resolved = ctx.fs.real_path(c.dir);
    const std::string real = resolved ? *resolved : c.dir;
    auto it = std::find_if(out.begin(), out.end(), [&](const CudaToolkit& t) { return t.path == real; });
    if (it != out.end()) {
      if (std::find(it->found_by.begin(), it->found_by.end(), c.found_by) == it->found_by.end())
        it->found_by.push_back(c.found_by);
      continue;
    }
    CudaToolkit tk;
    tk.path = real;
    tk.found_by.push_back(c.found_by);
    const std::string nvcc = path_join(real, "bin/nvcc");
    tk.nvcc = ctx.fs.stat(nvcc).type == FileType::regular
                  ? Fact<std::string>::known(nvcc, "file:" + nvcc)
                  : Fact<std::string>::unknown("file:" + nvcc, "no nvcc (runtime only)");
    out.push_back(std::move(tk));
  }
  for (auto& tk : out) tk.version = toolkit_version(ctx, tk, facts);
  return out;
}

const CudaToolkit* toolkit_found_by(const std::vector<CudaToolkit>& toolkits, const std::string& how) {
  for (const auto& t : toolkits) {
    if (std::find(t.found_by.begin(), t.found_by.end(), how) != t.found_by.end()) return &t;
  }
  return nullptr;
}

std::string describe(const CudaToolkit& t) {
  return t.path + " (" + (t.version ? t.version.value->str() : std::string("version unknown")) + ")";
}

// CUDA_HOME and PATH's nvcc naming different toolkits: torch extensions build with CUDA_HOME's
// (torch.utils.cpp_extension), while CMake and make pick nvcc from PATH.
void check_home_vs_path(const ProbeContext& ctx, const std::vector<CudaToolkit>& toolkits, HostFacts& facts) {
  auto& tf = facts.toolkits;
  const char* home_var = ctx.env.get("CUDA_HOME") ? "CUDA_HOME" : "CUDA_PATH";
  const auto home = ctx.env.get(home_var);
  tf.cuda_home = home ? Fact<std::string>::known(*home, std::string("env:") + home_var)
                      : Fact<std::string>::unknown("env:CUDA_HOME", "CUDA_HOME and CUDA_PATH are not set");
  const auto nvcc = find_in_path(ctx.fs, ctx.env, "nvcc");
  tf.nvcc_on_path =
      nvcc ? Fact<std::string>::known(*nvcc, "PATH") : Fact<std::string>::unknown("PATH", "no nvcc on PATH");
  const CudaToolkit* by_home = toolkit_found_by(toolkits, home_var);
  const CudaToolkit* by_path = toolkit_found_by(toolkits, "PATH");
  if (by_home != nullptr && by_path != nullptr && by_home != by_path) {
    add_issue(facts, "toolkit",
              std::string(home_var) + " is " + describe(*by_home) + " but nvcc on PATH is " + describe(*by_path) +
                  ": torch extensions build with " + home_var + "'s, other builds with PATH's");
  }
  // torch.utils.cpp_extension's order.
  if (by_home != nullptr)
    tf.build_toolkit = Fact<std::string>::known(by_home->path, std::string("env:") + home_var);
  else if (by_path != nullptr)
    tf.build_toolkit = Fact<std::string>::known(by_path->path, "PATH");
  else if (const CudaToolkit* local = toolkit_found_by(toolkits, "/usr/local/cuda"))
    tf.build_toolkit = Fact<std::string>::known(local->path, "/usr/local/cuda");
  else
    tf.build_toolkit = Fact<std::string>::unknown("CUDA_HOME,PATH,/usr/local/cuda", "no toolkit a build would find");
}

}  // namespace

void detect_toolkits(const ProbeContext& ctx, HostFacts& facts) {
  const auto sites = site_packages_from_files(ctx);
  auto toolkits = find_toolkits(ctx, sites, facts);
  check_home_vs_path(ctx, toolkits, facts);
  facts.toolkits.toolkits =
      Fact<std::vector<CudaToolkit>>::known(std::move(toolkits), "CUDA_HOME,CUDA_PATH,PATH,/usr/local/cuda*,conda,pip");
}

void detect_cuda_libs(const ProbeContext& ctx, HostFacts& facts) {
  // Runs after the toolkit detector (the table's order): the toolkits found are places to look.
  const auto none = std::vector<CudaToolkit>{};
  const auto& toolkits = facts.toolkits.toolkits ? *facts.toolkits.toolkits : none;
  detect_cuda_libraries(ctx, toolkits, site_packages_from_files(ctx), facts);
}

}  // namespace td
