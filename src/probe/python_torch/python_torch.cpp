// Python and torch detector: interpreters, then every torch in their site-packages, read from
// version.py and the fatbinary of its CUDA libraries; torch is imported only with --import-torch.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/python_torch.hpp"
#include "torchdoctor/sys/subprocess.hpp"
#include "torchdoctor/sys/tool_cache.hpp"

namespace td {
namespace {

using ArchFact = Fact<std::vector<ComputeCapability>>;

std::string joined(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

Fact<Version> version_fact(const std::optional<std::string>& text, const std::string& src, const char* absent) {
  if (!text) return Fact<Version>::unknown(src, absent);
  auto v = Version::parse(*text);
  if (!v) return Fact<Version>::unknown(src, "unparsable '" + *text + "'");
  return Fact<Version>::known(*v, src);
}

Fact<std::string> text_fact(const std::optional<std::string>& text, const std::string& src, const char* absent) {
  return text ? Fact<std::string>::known(*text, src) : Fact<std::string>::unknown(src, absent);
}

// The arch list from the fatbinary: SASS then PTX targets common to most kernel files.
ArchFact arch_from_libraries(const ProbeContext& ctx, const std::string& torch_dir, HostFacts& facts) {
  auto scan = scan_torch_arch_list(ctx.fs, torch_dir);
  if (!scan) {
    add_issue(facts, "python",
              "torch at " + ctx.fs.display(torch_dir) + ": arch list unknown: " + scan.error().message);
    return ArchFact::unknown("fatbin:" + torch_dir + "/lib", "arch list unknown: " + scan.error().message);
  }
  std::vector<std::string> shown;
  for (const auto& f : scan->libraries) shown.push_back(f.substr(f.rfind('/') + 1));
  const std::string src = "fatbin:" + torch_dir + "/lib/{" + joined(shown, ",") + "}";
  const FatbinSummary& s = scan->summary;
  if (s.blobs == 0) return ArchFact::unknown(src, "arch list unknown: no fatbinary in the CUDA libraries");
  std::vector<ComputeCapability> list;
  for (const auto& cc : s.common_targets()) {
    if (!cc.is_ptx()) list.push_back(cc);
  }
  for (const auto& cc : s.common_targets()) {
    if (cc.is_ptx()) list.push_back(cc);
  }
  ArchFact fact = ArchFact::known(list, src);
  std::string partial;
  for (const auto& cc : s.partial_targets()) {
    partial += (partial.empty() ? "" : ", ") + cc.nvcc_name() + " in " + std::to_string(s.blobs_with.at(cc)) + " of " +
               std::to_string(s.blobs);
  }
  if (!partial.empty()) fact.note = "also special kernels only: " + partial + " fatbinaries";
  return fact;
}

// The fatbinary scan reads the headers of libraries up to a gigabyte (milliseconds): its answer is
// kept by the libraries' identities (real path, size, mtime, inode), so a repeated probe reads it
// back, and a reinstalled torch is scanned again. Only for this machine's own files.
std::optional<std::string> arch_cache_key(const ProbeContext& ctx, const std::string& torch_dir) {
  if (!ctx.fs.is_live_root()) return std::nullopt;
  auto names = ctx.fs.list_dir(torch_dir + "/lib");
  if (!names) return std::nullopt;
  std::sort(names->begin(), names->end());
  std::string key = "torch-arch/v1|" + torch_dir;
  for (const auto& n : *names) {
    if (n.find("cuda") == std::string::npos || !n.ends_with(".so")) continue;
    auto id = file_identity(ctx.fs.display(torch_dir + "/lib/" + n));
    if (!id) return std::nullopt;
    key += "|" + *id;
  }
  return key;
}

ArchFact cached_arch_from_libraries(const ProbeContext& ctx, const std::string& torch_dir, HostFacts& facts) {
  const auto path = ctx.gpu.use_cache ? cache_file_path(ctx.env, "torch-archs.json") : std::nullopt;
  const auto key = path ? arch_cache_key(ctx, torch_dir) : std::nullopt;
  if (key) {
    if (auto hit = cached_answer(*path, *key)) {
      const auto j = nlohmann::json::parse(*hit, nullptr, false);
      std::vector<ComputeCapability> list;
      bool ok = j.is_object() && j.contains("value") && j["value"].is_array() && j.contains("source") &&
                j["source"].is_string();
      for (const auto& v : ok ? j["value"] : nlohmann::json::array()) {
        auto cc = v.is_string() ? ComputeCapability::parse(v.get<std::string>())
                                : Result<ComputeCapability>(make_error(ErrorKind::parse, ""));
        if (cc)
          list.push_back(*cc);
        else
          ok = false;
      }
      if (ok) {
        ArchFact fact = ArchFact::known(list, j["source"].get<std::string>());
        fact.note = j.value("note", "");
        return fact;
      }
    }
  }
  ArchFact fact = arch_from_libraries(ctx, torch_dir, facts);
  if (key && fact) {
    nlohmann::json value = nlohmann::json::array();
    for (const auto& cc : *fact) value.push_back(cc.str());
    remember_answer(*path, *key, nlohmann::json{{"value", value}, {"source", fact.source}, {"note", fact.note}}.dump());
  }
  return fact;
}

std::vector<PythonPackage> nvidia_packages(const FileSystem& fs, const std::string& site) {
  std::vector<PythonPackage> out;
  auto names = fs.list_dir(site);
  if (!names) return out;
  for (const auto& n : *names) {
    auto pkg = parse_dist_info_name(n);
    if (pkg && pkg->name.starts_with("nvidia-")) out.push_back(std::move(*pkg));
  }
  return out;
}

void import_torch(const ProbeContext& ctx, const PythonEnvironment& env, TorchInstall& t, HostFacts& facts) {
  if (!ctx.fs.is_live_root()) {
    add_issue(facts, "python", "--import-torch: interpreters are not run under --root");
    return;
  }
  SpawnOptions opts;
  opts.timeout = ctx.options.import_timeout;
  opts.max_output = 1U << 20U;
  auto outcome = run_program({env.interpreter, "-c", std::string(import_torch_script())}, opts);
  if (!outcome || !outcome->succeeded()) {
    const std::string why = !outcome ? outcome.error().message : outcome->describe_failure();
    add_issue(facts, "python", "import torch with " + env.interpreter + ": " + why);
    return;
  }
  for (const auto& problem : apply_import_report(outcome->out, t)) {
    add_issue(facts, "python", "torch at " + *t.location.value + ": " + problem);
  }
}

// `loads_first`: `import torch` with this interpreter loads this install; only then can --import-torch
// speak for it (a shadowed one would be answered for by the one that shadows it).
TorchInstall read_install(const ProbeContext& ctx, const PythonEnvironment& env, const std::string& torch_dir,
                          bool loads_first, HostFacts& facts) {
  TorchInstall t;
  const std::string site = torch_dir.substr(0, torch_dir.rfind('/'));
  const std::string vp_path = torch_dir + "/version.py";
  const std::string src = "file:" + vp_path;
  t.python = Fact<std::string>::known(env.interpreter, joined(env.found_by, ","));
  t.python_version = env.version;
  t.location = Fact<std::string>::known(torch_dir, "file:" + site);
  t.nvidia_packages = Fact<std::vector<PythonPackage>>::known(nvidia_packages(ctx.fs, site), "file:" + site);
  auto text = ctx.fs.read_file(vp_path, 64U << 10U);
  auto vp = text ? parse_torch_version_py(*text) : Result<TorchVersionPy>(text.error());
  if (!vp) {
    t.version = Fact<Version>::unknown(src, vp.error().message);
    add_issue(facts, "python", ctx.fs.display(vp_path) + ": " + vp.error().message);
    return t;
  }
  t.version = version_fact(vp->version, src, "no __version__");
  t.cuda = version_fact(vp->cuda, src, "torch.version.cuda is None (not a CUDA build)");
  t.hip = text_fact(vp->hip, src, "torch.version.hip is None");
  t.git_version = text_fact(vp->git, src, "no git_version");
  if (vp->cuda)
    t.arch_list = cached_arch_from_libraries(ctx, torch_dir, facts);
  else if (vp->hip)
    t.arch_list = ArchFact::unknown(src, "ROCm build: HIP code objects are not read");
  else
    t.arch_list = ArchFact{std::vector<ComputeCapability>{}, src, "CPU-only build (torch.version.cuda is None)"};
  if (ctx.options.import_torch && loads_first) import_torch(ctx, env, t, facts);
  return t;
}

}  // namespace

void detect_python_torch(const ProbeContext& ctx, HostFacts& facts) {
  const auto envs = find_python_environments(ctx, facts);
  std::vector<PythonInterpreter> pythons;
  for (const auto& e : envs) pythons.push_back({e.interpreter, e.kind, e.found_by, e.version});
  const std::string where = "--python,VIRTUAL_ENV,CONDA_PREFIX,PATH";
  facts.pythons = Fact<std::vector<PythonInterpreter>>::known(pythons, where);
  facts.python_version =
      envs.empty() ? Fact<Version>::unknown(where, "no Python interpreter found") : envs.front().version;

  std::vector<TorchInstall> installs;
  std::vector<std::string> seen;
  for (const auto& env : envs) {
    std::vector<std::string> skipped;
    const auto path = python_sys_path(ctx.fs, ctx.env, env, skipped);
    const auto torches = torch_on_sys_path(ctx.fs, path);
    const std::string order = "sys.path of " + env.interpreter + " (from files)";
    for (std::size_t i = 0; i < torches.size(); ++i) {
      const std::string& dir = torches[i].torch_dir;
      const std::string id = ctx.fs.real_path(dir).value_or(dir);
      if (std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
      seen.push_back(id);
      if (ctx.fs.stat(dir + "/version.py").type != FileType::regular) {
        add_issue(facts, "python", ctx.fs.display(dir) + ": no version.py (a broken or source install)");
        continue;
      }
      TorchInstall t = read_install(ctx, env, dir, i == 0, facts);
      t.sys_path_entry = Fact<std::string>::known(torches[i].entry, torches[i].origin);
      t.imported = Fact<bool>::known(i == 0, order);
      if (i > 0)
        t.imported.note =
            "shadowed by " + torches.front().torch_dir + " (" + torches.front().origin + "), earlier on sys.path";
      else if (torches.size() > 1)
        t.imported.note = "shadows " + std::to_string(torches.size() - 1) + " other torch install(s)";
      if (i == 0 && !skipped.empty()) {
        t.imported.note += (t.imported.note.empty() ? "" : "; ") + std::to_string(skipped.size()) +
                           " .pth import line(s) not run: " + skipped.front() + (skipped.size() > 1 ? ", ..." : "");
      }
      installs.push_back(std::move(t));
    }
  }
  facts.torch = Fact<std::vector<TorchInstall>>::known(std::move(installs), "sys.path of " + where);
}

}  // namespace td
