// Finding Python interpreters and their site-packages from files. An interpreter is run (with a
// timeout) only when no file tells its version and only on the live root: starting Python costs
// tens of milliseconds at best and can hang on a broken sitecustomize or network home directory.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/python_torch.hpp"
#include "torchdoctor/sys/subprocess.hpp"
#include "torchdoctor/sys/tool_cache.hpp"

namespace td {
namespace {

std::string parent_dir(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

bool is_dir(const FileSystem& fs, const std::string& path) { return fs.stat(path).type == FileType::directory; }

// "python3.11" -> 3.11
std::optional<Version> version_from_name(const std::string& name) {
  if (!name.starts_with("python")) return std::nullopt;
  const std::string rest = name.substr(6);
  if (rest.find('.') == std::string::npos) return std::nullopt;
  auto v = Version::parse(rest);
  if (!v || v->release().size() != 2) return std::nullopt;
  return *v;
}

// The pythonX.Y folders under prefix/lib.
std::vector<std::string> lib_python_dirs(const FileSystem& fs, const std::string& prefix) {
  std::vector<std::string> out;
  for (const char* lib : {"lib", "lib64"}) {
    auto names = fs.list_dir(path_join(prefix, lib));
    if (!names) continue;
    for (const auto& n : *names) {
      if (version_from_name(n) && is_dir(fs, path_join(prefix, std::string(lib) + "/" + n)))
        out.push_back(path_join(prefix, std::string(lib) + "/" + n));
    }
  }
  return out;
}

// Adds `dir` when it exists and is not already there under another name (venvs link lib64 to lib).
void add_existing(const FileSystem& fs, std::vector<std::string>& dirs, const std::string& dir) {
  const std::string d = normalize_path(dir);
  if (!is_dir(fs, d)) return;
  const auto real = fs.real_path(d).value_or(d);
  for (const auto& e : dirs) {
    if (fs.real_path(e).value_or(e) == real) return;
  }
  dirs.push_back(d);
}

// site-packages and dist-packages of a prefix in site.py's order (Debian's: local/lib/pythonX.Y/
// dist-packages, lib/python3/dist-packages, lib/pythonX.Y/dist-packages; upstream's site-packages).
void add_prefix_sites(const FileSystem& fs, const std::string& prefix, std::vector<std::string>& dirs) {
  const auto libs = lib_python_dirs(fs, prefix);
  for (const auto& lib : lib_python_dirs(fs, path_join(prefix, "local")))
    add_existing(fs, dirs, lib + "/dist-packages");
  for (const auto& lib : libs) add_existing(fs, dirs, lib + "/site-packages");
  add_existing(fs, dirs, path_join(prefix, "lib/python3/dist-packages"));
  for (const auto& lib : libs) add_existing(fs, dirs, lib + "/dist-packages");
}

// PYTHONHOME ("prefix[:exec_prefix]") moves a plain interpreter's sys.prefix, so its site folders
// are the ones under that prefix (a venv keeps its own: PYTHONHOME moves only its base).
void apply_python_home(const ProbeContext& ctx, PythonEnvironment& env) {
  auto home = ctx.env.get("PYTHONHOME");
  if (!home || home->empty() || home->front() != '/' || env.kind == "venv") return;
  const std::string prefix = normalize_path(home->substr(0, home->find(':')));
  env.prefix = prefix;
  env.site_packages.clear();
  add_prefix_sites(ctx.fs, prefix, env.site_packages);
}

// The user site (~/.local/lib/pythonX.Y/site-packages, or under $PYTHONUSERBASE), which site.py puts
// before the site folders: off with PYTHONNOUSERSITE and in a venv without system site-packages.
void set_user_site(const ProbeContext& ctx, PythonEnvironment& env) {
  env.user_site.clear();
  if (auto off = ctx.env.get("PYTHONNOUSERSITE"); off && !off->empty()) return;
  if (env.kind == "venv" && !env.system_site_packages) return;
  std::optional<std::string> base = ctx.env.get("PYTHONUSERBASE");
  if (!base || base->empty() || base->front() != '/') {
    auto home = ctx.env.get("HOME");
    if (!home || home->empty() || home->front() != '/') return;
    base = path_join(*home, ".local");
  }
  std::string dir;
  if (env.version) {
    dir = path_join(*base, "lib/python" + env.version->truncated(2).str() + "/site-packages");
  } else {
    const auto libs = lib_python_dirs(ctx.fs, *base);
    if (libs.size() == 1) dir = libs.front() + "/site-packages";
  }
  if (!dir.empty() && is_dir(ctx.fs, dir)) env.user_site = dir;
}

// Version and sites from files alone; the version stays unknown when the files do not tell.
void derive_from_files(const ProbeContext& ctx, PythonEnvironment& env) {
  const FileSystem& fs = ctx.fs;
  // A venv's bin/python links to the base interpreter, so the venv is known by the link's folder;
  // other interpreters by where the link leads (/bin/python3 -> /usr/bin/python3.11: prefix /usr).
  env.prefix = parent_dir(parent_dir(env.interpreter));
  const std::string cfg_path = path_join(env.prefix, "pyvenv.cfg");
  if (fs.stat(cfg_path).type != FileType::regular) {
    if (auto real = fs.real_path(env.interpreter)) env.prefix = parent_dir(parent_dir(*real));
  }
  if (auto text = fs.read_file(cfg_path, 64U << 10U)) {
    env.kind = "venv";
    const PyvenvCfg cfg = parse_pyvenv_cfg(*text);
    if (cfg.version) {
      if (auto v = Version::parse(*cfg.version)) env.version = Fact<Version>::known(*v, "file:" + cfg_path);
    }
    add_prefix_sites(fs, env.prefix, env.site_packages);
    env.system_site_packages = cfg.system_site_packages;
    if (cfg.system_site_packages && cfg.home)
      add_prefix_sites(fs, parent_dir(normalize_path(*cfg.home)), env.site_packages);
  } else {
    env.kind = fs.exists(path_join(env.prefix, "conda-meta")) ? "conda" : "system";
    add_prefix_sites(fs, env.prefix, env.site_packages);
  }
  if (env.version) return;
  if (auto resolved = fs.real_path(env.interpreter)) {
    if (auto v = version_from_name(base_name(*resolved))) {
      env.version = Fact<Version>::known(*v, "file:" + *resolved + " (name)");
      return;
    }
  }
  const auto libs = lib_python_dirs(fs, env.prefix);
  if (libs.size() == 1) {
    if (auto v = version_from_name(base_name(libs.front())))
      env.version = Fact<Version>::known(*v, "file:" + libs.front() + " (name)");
  }
}

constexpr const char* k_python_info_script =
    "import sys, json\n"
    "print(json.dumps({'version': '%d.%d.%d' % sys.version_info[:3], 'prefix': sys.prefix,"
    " 'path': [p for p in sys.path if p.endswith(('site-packages', 'dist-packages'))]}))\n";

// The key of an interpreter's answer: the real interpreter file and the pyvenv.cfg beside it. The
// script runs with -E, so PYTHONPATH, PYTHONHOME and PYTHONNOUSERSITE cannot change its answer; what
// they and the .pth files change is worked out from files on every call (python_sys_path).
std::optional<std::string> python_cache_key(const ProbeContext& ctx, const PythonEnvironment& env) {
  auto id = file_identity(ctx.fs.display(env.interpreter));
  if (!id) return std::nullopt;
  std::string key = "python-info/v1|" + *id;
  if (auto cfg = file_identity(ctx.fs.display(path_join(env.prefix, "pyvenv.cfg")))) key += "|" + *cfg;
  return key;
}

// Runs the interpreter for what its files did not tell; the answer is kept by the interpreter's identity.
void derive_by_running(const ProbeContext& ctx, PythonEnvironment& env, HostFacts& facts) {
  const std::string src = "python -c (" + env.interpreter + ")";
  if (!ctx.fs.is_live_root()) {
    env.version = Fact<Version>::unknown(src, "no version in its files; interpreters are not run under --root");
    return;
  }
  const auto cache = ctx.gpu.use_cache ? tool_cache_path(ctx.env) : std::nullopt;
  const auto key = cache ? python_cache_key(ctx, env) : std::nullopt;
  std::optional<std::string> out = key ? cached_answer(*cache, *key) : std::nullopt;
  std::string why;
  if (!out) {
    SpawnOptions opts;
    opts.timeout = ctx.options.timeout;
    opts.max_output = 1U << 20U;
    auto outcome = run_program({env.interpreter, "-E", "-c", k_python_info_script}, opts);
    if (!outcome)
      why = outcome.error().message;
    else if (!outcome->succeeded())
      why = outcome->describe_failure();
    else
      out = outcome->out;
  }
  nlohmann::json doc;
  if (out) {
    doc = nlohmann::json::parse(*out, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("version") || !doc["version"].is_string())
      why = "unexpected output";
    else if (key)
      remember_answer(*cache, *key, *out);
  }
  if (!why.empty()) {
    env.version = Fact<Version>::unknown(src, why);
    add_issue(facts, "python", env.interpreter + ": " + why);
    return;
  }
  if (auto v = Version::parse(doc["version"].get<std::string>())) env.version = Fact<Version>::known(*v, src);
  if (doc.contains("prefix") && doc["prefix"].is_string() && !doc["prefix"].get<std::string>().empty() &&
      doc["prefix"].get<std::string>().front() == '/') {
    env.prefix = normalize_path(doc["prefix"].get<std::string>());
  }
  if (doc.contains("path") && doc["path"].is_array()) {
    for (const auto& p : doc["path"]) {
      if (p.is_string() && !p.get<std::string>().empty() && p.get<std::string>().front() == '/')
        add_existing(ctx.fs, env.site_packages, p.get<std::string>());
    }
  }
}

struct Candidate {
  std::string path;
  std::string found_by;
  std::string via;  // how a version manager's shim was resolved
};

// A shim (pyenv, asdf, mise) is replaced by the interpreter it would run; one that cannot be
// resolved is reported and dropped: it is never run.
void add_candidate(const ProbeContext& ctx, std::vector<Candidate>& out, std::vector<std::string>& problems,
                   std::string path, const std::string& found_by) {
  auto shim = resolve_python_shim(ctx.fs, ctx.env, path, base_name(path));
  if (!shim.is_shim) {
    out.push_back({std::move(path), found_by, ""});
  } else if (shim.interpreter) {
    out.push_back({*shim.interpreter, found_by, shim.manager + " shim " + path + ": " + shim.how});
  } else {
    problems.push_back(shim.problem);
  }
}

std::vector<Candidate> candidates(const ProbeContext& ctx, std::vector<std::string>& problems) {
  std::vector<Candidate> out;
  for (const auto& p : ctx.options.pythons) add_candidate(ctx, out, problems, normalize_path(p), "--python");
  if (auto venv = ctx.env.get("VIRTUAL_ENV"); venv && !venv->empty())
    out.push_back({path_join(*venv, "bin/python"), "VIRTUAL_ENV", ""});
  if (auto conda = ctx.env.get("CONDA_PREFIX"); conda && !conda->empty())
    out.push_back({path_join(*conda, "bin/python"), "CONDA_PREFIX", ""});
  for (const char* name : {"python3", "python"}) {
    if (auto p = find_in_path(ctx.fs, ctx.env, name)) add_candidate(ctx, out, problems, *p, "PATH");
  }
  if (auto p = project_venv_python(ctx.fs, ctx.env)) out.push_back({*p, "project .venv", ""});
  out.push_back({"/opt/conda/bin/python", "/opt/conda", ""});  // the usual place in container images
  return out;
}

// Environments are the same when they share a prefix (venv folder, or where the interpreter lives).
std::string identity_of(const FileSystem& fs, const PythonEnvironment& env) {
  auto real = fs.real_path(env.prefix);
  return real ? *real : env.prefix;
}

}  // namespace

std::vector<PythonEnvironment> find_python_environments(const ProbeContext& ctx, HostFacts& facts) {
  std::vector<PythonEnvironment> envs;
  std::vector<std::string> seen;
  std::vector<std::string> problems;
  const auto found = candidates(ctx, problems);
  for (const auto& p : problems) add_issue(facts, "python", p);
  for (const auto& c : found) {
    const FileType type = ctx.fs.stat(c.path).type;
    if (type != FileType::regular) {
      if (c.found_by == "--python")
        add_issue(facts, "python", "--python " + ctx.fs.display(c.path) + ": no such interpreter");
      continue;
    }
    PythonEnvironment env;
    env.interpreter = c.path;
    derive_from_files(ctx, env);
    if (!env.version) derive_by_running(ctx, env, facts);
    apply_python_home(ctx, env);
    set_user_site(ctx, env);
    const std::string id = identity_of(ctx.fs, env);
    if (const auto it = std::find(seen.begin(), seen.end(), id); it != seen.end()) {
      auto& found_by = envs[static_cast<std::size_t>(it - seen.begin())].found_by;
      if (std::find(found_by.begin(), found_by.end(), c.found_by) == found_by.end()) found_by.push_back(c.found_by);
      // python and python3 shims usually resolve alike: one shim note is enough.
      const bool has_shim = std::any_of(found_by.begin(), found_by.end(),
                                        [](const std::string& s) { return s.find(" shim ") != std::string::npos; });
      if (!c.via.empty() && !has_shim) found_by.push_back(c.via);
      continue;
    }
    env.found_by.push_back(c.found_by);
    if (!c.via.empty()) env.found_by.push_back(c.via);
    seen.push_back(id);
    envs.push_back(std::move(env));
  }
  return envs;
}

std::vector<std::string> site_packages_from_files(const ProbeContext& ctx) {
  std::vector<std::string> sites;
  std::vector<std::string> problems;
  for (const auto& c : candidates(ctx, problems)) {
    if (ctx.fs.stat(c.path).type != FileType::regular) continue;
    PythonEnvironment env;
    env.interpreter = c.path;
    derive_from_files(ctx, env);
    apply_python_home(ctx, env);
    set_user_site(ctx, env);
    if (!env.user_site.empty()) add_existing(ctx.fs, sites, env.user_site);
    for (const auto& s : env.site_packages) add_existing(ctx.fs, sites, s);
  }
  return sites;
}

}  // namespace td
