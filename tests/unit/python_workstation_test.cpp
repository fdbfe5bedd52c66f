// Workstation Pythons on in-memory trees: version managers' shims resolved from their files (never
// run), and torch found in the interpreter's sys.path order (PYTHONPATH, user site, site folders,
// .pth files, editable installs, pip's build-isolation overlay).
#include <gtest/gtest.h>

#include "torchdoctor/probe/probe.hpp"
#include "torchdoctor/probe/python_torch.hpp"

namespace {

using td::HostFacts;
using td::MapEnv;
using td::MemoryFileSystem;
using td::ProbeContext;

constexpr const char* k_pyenv_shim =
    "#!/usr/bin/env bash\nset -e\nexport PYENV_ROOT=\"/home/u/.pyenv\"\nexec \"/usr/bin/pyenv\" exec \"$program\" "
    "\"$@\"\n";
constexpr const char* k_cpu_torch = "__version__ = '1.13.1'\ncuda = None\n";
constexpr const char* k_cuda13_torch = "__version__ = '2.9.0+cu130'\ncuda = '13.0'\n";

std::string issues_text(const HostFacts& f) {
  std::string out;
  for (const auto& i : f.issues) out += i.detector + ": " + i.message + "\n";
  return out;
}

// A pyenv root at /home/u/.pyenv with a python3 shim and the given versions installed (each a
// python3 link to python3.X), and a Debian /usr/bin/python3.
MemoryFileSystem pyenv_tree(const std::vector<std::string>& versions) {
  MemoryFileSystem fs;
  fs.file("/home/u/.pyenv/shims/python3", k_pyenv_shim);
  for (const auto& v : versions) {
    const std::string minor = v.substr(0, v.rfind('.'));
    const std::string bin = "/home/u/.pyenv/versions/" + v + "/bin";
    fs.file(bin + "/python" + minor, "").symlink(bin + "/python3", "python" + minor);
    fs.dir("/home/u/.pyenv/versions/" + v + "/lib/python" + minor + "/site-packages");
  }
  fs.file("/usr/bin/python3.11", "").symlink("/usr/bin/python3", "python3.11");
  return fs;
}

MapEnv pyenv_env() {
  MapEnv env;
  env.set("PATH", "/home/u/.pyenv/shims:/usr/bin").set("HOME", "/home/u").set("PWD", "/home/u/proj/sub");
  return env;
}

const td::TorchInstall* torch_at(const HostFacts& f, const std::string& location) {
  for (const auto& t : *f.torch.value) {
    if (*t.location.value == location) return &t;
  }
  return nullptr;
}

}  // namespace

TEST(PythonShims, PyenvVersionVariableWins) {
  auto fs = pyenv_tree({"3.10.13", "3.12.1"});
  fs.file("/home/u/proj/.python-version", "3.10.13\n");
  auto env = pyenv_env();
  env.set("PYENV_VERSION", "3.12.1");
  const auto r = td::resolve_python_shim(fs, env, "/home/u/.pyenv/shims/python3", "python3");
  EXPECT_TRUE(r.is_shim);
  EXPECT_EQ(r.manager, "pyenv");
  ASSERT_TRUE(r.interpreter) << r.problem;
  EXPECT_EQ(*r.interpreter, "/home/u/.pyenv/versions/3.12.1/bin/python3");
  EXPECT_EQ(r.how, "PYENV_VERSION=3.12.1 -> 3.12.1");
}

TEST(PythonShims, PyenvPythonVersionFileUpwardWithAPrefix) {
  auto fs = pyenv_tree({"3.10.4", "3.10.13", "3.12.1"});
  fs.file("/home/u/proj/.python-version", "# pinned\n3.10\n");
  fs.file("/home/u/.pyenv/version", "3.12.1\n");
  const auto r = td::resolve_python_shim(fs, pyenv_env(), "/home/u/.pyenv/shims/python3", "python3");
  ASSERT_TRUE(r.interpreter) << r.problem;
  EXPECT_EQ(*r.interpreter, "/home/u/.pyenv/versions/3.10.13/bin/python3");  // the newest 3.10.x
  EXPECT_EQ(r.how, "file:/home/u/proj/.python-version -> 3.10");
}

TEST(PythonShims, PyenvGlobalSystemMeansTheNextOnPath) {
  auto fs = pyenv_tree({"3.12.1"});
  fs.file("/home/u/.pyenv/version", "system\n");
  const auto r = td::resolve_python_shim(fs, pyenv_env(), "/home/u/.pyenv/shims/python3", "python3");
  ASSERT_TRUE(r.interpreter) << r.problem;
  EXPECT_EQ(*r.interpreter, "/usr/bin/python3");
}

TEST(PythonShims, ProbeUsesTheResolvedInterpreterAndNeverRunsAShim) {
  auto fs = pyenv_tree({"3.12.1"});
  fs.file("/home/u/.pyenv/version", "3.12.1\n");
  HostFacts f;
  auto env = pyenv_env();
  td::detect_python_torch(ProbeContext{fs, env}, f);
  ASSERT_TRUE(f.pythons);
  ASSERT_FALSE(f.pythons.value->empty());
  const auto& p = f.pythons.value->front();
  EXPECT_EQ(p.path, "/home/u/.pyenv/versions/3.12.1/bin/python3");
  EXPECT_EQ(p.found_by.front(), "PATH");
  ASSERT_EQ(p.found_by.size(), 2U);
  EXPECT_EQ(p.found_by[1], "pyenv shim /home/u/.pyenv/shims/python3: file:/home/u/.pyenv/version -> 3.12.1");
  EXPECT_EQ(f.python_version.value->str(), "3.12");

  // A version that is not installed: reported, and the shim is not run (nor used).
  fs.file("/home/u/.pyenv/version", "3.9.1\n");
  HostFacts g;
  td::detect_python_torch(ProbeContext{fs, env}, g);
  EXPECT_NE(issues_text(g).find("pyenv shim memory:/home/u/.pyenv/shims/python3: version '3.9.1'"), std::string::npos)
      << issues_text(g);
  for (const auto& q : *g.pythons.value) EXPECT_NE(q.path, "/home/u/.pyenv/shims/python3");
}

TEST(PythonShims, AsdfToolVersions) {
  MemoryFileSystem fs;
  fs.file("/home/u/.asdf/shims/python3", "#!/usr/bin/env bash\nexec /home/u/.asdf/bin/asdf exec \"python3\" \"$@\"\n");
  fs.file("/home/u/.asdf/installs/python/3.12.1/bin/python3.12", "")
      .symlink("/home/u/.asdf/installs/python/3.12.1/bin/python3", "python3.12");
  fs.file("/home/u/.tool-versions", "nodejs 20.1.0\npython 3.11.0\n");
  fs.file("/home/u/proj/.tool-versions", "python 3.12.1 3.11.0\n");
  MapEnv env;
  env.set("PATH", "/home/u/.asdf/shims:/usr/bin").set("HOME", "/home/u").set("PWD", "/home/u/proj");
  auto r = td::resolve_python_shim(fs, env, "/home/u/.asdf/shims/python3", "python3");
  EXPECT_EQ(r.manager, "asdf");
  ASSERT_TRUE(r.interpreter) << r.problem;
  EXPECT_EQ(*r.interpreter, "/home/u/.asdf/installs/python/3.12.1/bin/python3");
  // From the home folder only the global file applies, and 3.11.0 is not installed.
  env.set("PWD", "/tmp");
  r = td::resolve_python_shim(fs, env, "/home/u/.asdf/shims/python3", "python3");
  EXPECT_FALSE(r.interpreter);
  EXPECT_NE(r.problem.find("3.11.0"), std::string::npos) << r.problem;
}

TEST(PythonShims, MiseTomlAndVariable) {
  MemoryFileSystem fs;
  fs.file("/usr/local/bin/mise",
          "\x7f"
          "ELF");
  fs.symlink("/home/u/.local/share/mise/shims/python3", "/usr/local/bin/mise");
  fs.file("/home/u/.local/share/mise/installs/python/3.11.9/bin/python3.11", "")
      .symlink("/home/u/.local/share/mise/installs/python/3.11.9/bin/python3", "python3.11");
  fs.file("/home/u/.local/share/mise/installs/python/3.13.0/bin/python3", "");
  fs.file("/home/u/proj/mise.toml", "[env]\nX = '1'\n[tools]\nnode = \"22\"\npython = [\"3.11\", \"3.10\"]\n");
  MapEnv env;
  env.set("PATH", "/home/u/.local/share/mise/shims:/usr/bin").set("HOME", "/home/u").set("PWD", "/home/u/proj");
  auto r = td::resolve_python_shim(fs, env, "/home/u/.local/share/mise/shims/python3", "python3");
  EXPECT_EQ(r.manager, "mise");
  ASSERT_TRUE(r.interpreter) << r.problem;
  EXPECT_EQ(*r.interpreter, "/home/u/.local/share/mise/installs/python/3.11.9/bin/python3");
  env.set("MISE_PYTHON_VERSION", "3.13.0");
  r = td::resolve_python_shim(fs, env, "/home/u/.local/share/mise/shims/python3", "python3");
  ASSERT_TRUE(r.interpreter) << r.problem;
  EXPECT_EQ(*r.interpreter, "/home/u/.local/share/mise/installs/python/3.13.0/bin/python3");
  EXPECT_EQ(td::resolve_python_shim(fs, env, "/usr/bin/python3", "python3").is_shim, false);
}

TEST(PythonShims, ProjectVenvAndCondaPrefix) {
  MemoryFileSystem fs;
  fs.file("/work/p/.venv/pyvenv.cfg", "home = /usr/bin\nversion = 3.12.3\n").file("/work/p/.venv/bin/python", "");
  fs.dir("/work/p/.venv/lib/python3.12/site-packages");
  fs.file("/opt/mc/envs/x/bin/python3.10", "")
      .symlink("/opt/mc/envs/x/bin/python", "python3.10")
      .dir("/opt/mc/envs/x/conda-meta");
  MapEnv env;
  env.set("PATH", "/usr/bin").set("PWD", "/work/p/src").set("CONDA_PREFIX", "/opt/mc/envs/x");
  EXPECT_EQ(td::project_venv_python(fs, env).value_or(""), "/work/p/.venv/bin/python");
  HostFacts f;
  td::detect_python_torch(ProbeContext{fs, env}, f);
  ASSERT_EQ(f.pythons.value->size(), 2U) << issues_text(f);
  EXPECT_EQ(f.pythons.value->at(0).kind, "conda");
  EXPECT_EQ(f.pythons.value->at(0).found_by.front(), "CONDA_PREFIX");
  EXPECT_EQ(f.pythons.value->at(1).path, "/work/p/.venv/bin/python");
  EXPECT_EQ(f.pythons.value->at(1).found_by.front(), "project .venv");
}

TEST(PythonSysPath, PythonPathTorchShadowsDebiansTorch) {
  MemoryFileSystem fs;
  fs.file("/usr/bin/python3.11", "").symlink("/usr/bin/python3", "python3.11");
  fs.file("/usr/lib/python3/dist-packages/torch/version.py", k_cpu_torch)
      .file("/usr/lib/python3/dist-packages/torch/__init__.py", "");
  fs.file("/tmp/fake/torch/version.py", k_cuda13_torch);
  MapEnv env;
  env.set("PATH", "/usr/bin").set("PYTHONPATH", "/tmp/fake:/nowhere");
  HostFacts f;
  td::detect_python_torch(ProbeContext{fs, env}, f);
  ASSERT_EQ(f.torch.value->size(), 2U) << issues_text(f);
  const auto& first = f.torch.value->at(0);
  EXPECT_EQ(*first.location.value, "/tmp/fake/torch");
  EXPECT_EQ(first.cuda.value->str(), "13.0");
  EXPECT_TRUE(*first.imported.value);
  EXPECT_EQ(*first.sys_path_entry.value, "/tmp/fake");
  EXPECT_EQ(first.sys_path_entry.source, "PYTHONPATH");
  const auto& second = f.torch.value->at(1);
  EXPECT_EQ(*second.location.value, "/usr/lib/python3/dist-packages/torch");
  EXPECT_FALSE(*second.imported.value);
  EXPECT_EQ(second.imported.note, "shadowed by /tmp/fake/torch (PYTHONPATH), earlier on sys.path");
  EXPECT_EQ(second.sys_path_entry.source, "site");
}

TEST(PythonSysPath, UserSiteComesBeforeSiteUnlessDisabled) {
  MemoryFileSystem fs;
  fs.file("/usr/bin/python3.11", "").symlink("/usr/bin/python3", "python3.11");
  fs.file("/usr/lib/python3/dist-packages/torch/version.py", k_cpu_torch);
  fs.file("/home/u/.local/lib/python3.11/site-packages/torch/version.py", k_cuda13_torch);
  MapEnv env;
  env.set("PATH", "/usr/bin").set("HOME", "/home/u");
  HostFacts f;
  td::detect_python_torch(ProbeContext{fs, env}, f);
  ASSERT_EQ(f.torch.value->size(), 2U) << issues_text(f);
  EXPECT_EQ(*f.torch.value->at(0).location.value, "/home/u/.local/lib/python3.11/site-packages/torch");
  EXPECT_EQ(f.torch.value->at(0).sys_path_entry.source, "user site");
  EXPECT_TRUE(*f.torch.value->at(0).imported.value);
  env.set("PYTHONNOUSERSITE", "1");
  HostFacts g;
  td::detect_python_torch(ProbeContext{fs, env}, g);
  ASSERT_EQ(g.torch.value->size(), 1U);
  EXPECT_EQ(*g.torch.value->at(0).location.value, "/usr/lib/python3/dist-packages/torch");
}

TEST(PythonSysPath, DebianSiteOrderPutsLocalFirst) {
  MemoryFileSystem fs;
  fs.file("/usr/bin/python3.11", "").symlink("/usr/bin/python3", "python3.11");
  fs.file("/usr/lib/python3/dist-packages/torch/version.py", k_cpu_torch);
  fs.file("/usr/local/lib/python3.11/dist-packages/torch/version.py", k_cuda13_torch);
  MapEnv env;
  env.set("PATH", "/usr/bin");
  HostFacts f;
  td::detect_python_torch(ProbeContext{fs, env}, f);
  ASSERT_EQ(f.torch.value->size(), 2U) << issues_text(f);
  EXPECT_EQ(*f.torch.value->at(0).location.value, "/usr/local/lib/python3.11/dist-packages/torch");
  EXPECT_FALSE(*f.torch.value->at(1).imported.value);
}

TEST(PythonSysPath, PthPathLinesAndSkippedImports) {
  MemoryFileSystem fs;
  fs.file("/venv/bin/python", "").file("/venv/pyvenv.cfg", "home = /usr/bin\nversion = 3.12.3\n");
  const std::string site = "/venv/lib/python3.12/site-packages";
  fs.file(site + "/b.pth", "# extra\n/opt/extra\nimport os; os.environ.setdefault('X', '1')\n../../../relative\n");
  fs.file(site + "/a.pth", "/nowhere\n");
  fs.file("/opt/extra/torch/version.py", k_cuda13_torch);
  fs.file("/venv/relative/torch/version.py", k_cpu_torch);
  MapEnv env;
  env.set("VIRTUAL_ENV", "/venv").set("PATH", "/venv/bin");
  std::vector<std::string> skipped;
  td::PythonEnvironment py;
  py.interpreter = "/venv/bin/python";
  py.kind = "venv";
  py.site_packages = {site};
  const auto path = td::python_sys_path(fs, env, py, skipped);
  ASSERT_EQ(path.size(), 3U);
  EXPECT_EQ(path[0].path, site);
  EXPECT_EQ(path[1].path, "/opt/extra");
  EXPECT_EQ(path[1].origin, "pth:" + site + "/b.pth");
  EXPECT_EQ(path[2].path, "/venv/relative");
  ASSERT_EQ(skipped.size(), 1U);
  EXPECT_NE(skipped[0].find("b.pth: import os"), std::string::npos) << skipped[0];
  HostFacts f;
  td::detect_python_torch(ProbeContext{fs, env}, f);
  ASSERT_EQ(f.torch.value->size(), 2U) << issues_text(f);
  EXPECT_EQ(*f.torch.value->at(0).location.value, "/opt/extra/torch");
  EXPECT_NE(f.torch.value->at(0).imported.note.find("1 .pth import line(s) not run"), std::string::npos)
      << f.torch.value->at(0).imported.note;
}

TEST(PythonSysPath, EditableFinderComesAfterSysPath) {
  MemoryFileSystem fs;
  fs.file("/venv/bin/python", "").file("/venv/pyvenv.cfg", "home = /usr/bin\nversion = 3.12.3\n");
  const std::string site = "/venv/lib/python3.12/site-packages";
  fs.file(site + "/__editable__.torch-2.6.0a0.pth",
          "import __editable___torch_2_6_0a0_finder; __editable___torch_2_6_0a0_finder.install()\n");
  fs.file(
      site + "/__editable___torch_2_6_0a0_finder.py",
      "import sys\nMAPPING: dict[str, str] = {'torch': '/src/pytorch/torch', 'torchgen': '/src/pytorch/torchgen'}\n");
  fs.file("/src/pytorch/torch/version.py", k_cuda13_torch).file("/src/pytorch/torch/__init__.py", "");
  fs.file("/pp/torch/version.py", k_cpu_torch);
  MapEnv env;
  env.set("VIRTUAL_ENV", "/venv").set("PATH", "/venv/bin");
  HostFacts f;
  td::detect_python_torch(ProbeContext{fs, env}, f);
  ASSERT_EQ(f.torch.value->size(), 1U) << issues_text(f);
  const auto& t = f.torch.value->front();
  EXPECT_EQ(*t.location.value, "/src/pytorch/torch");
  EXPECT_EQ(t.sys_path_entry.source, "editable finder:" + site + "/__editable___torch_2_6_0a0_finder.py");
  EXPECT_TRUE(*t.imported.value);
  // A torch on PYTHONPATH is found by the path finder before the editable finder is asked.
  env.set("PYTHONPATH", "/pp");
  HostFacts g;
  td::detect_python_torch(ProbeContext{fs, env}, g);
  ASSERT_EQ(g.torch.value->size(), 2U);
  EXPECT_EQ(*g.torch.value->at(0).location.value, "/pp/torch");
  EXPECT_FALSE(*torch_at(g, "/src/pytorch/torch")->imported.value);
}

TEST(PythonSysPath, EggLinkDevelopInstall) {
  MemoryFileSystem fs;
  fs.file("/venv/bin/python", "").file("/venv/pyvenv.cfg", "home = /usr/bin\nversion = 3.12.3\n");
  const std::string site = "/venv/lib/python3.12/site-packages";
  fs.file(site + "/torch.egg-link", "/src/pt\n.\n").file(site + "/easy-install.pth", "/src/pt\n");
  fs.file("/src/pt/torch/version.py", k_cuda13_torch);
  MapEnv env;
  env.set("VIRTUAL_ENV", "/venv").set("PATH", "/venv/bin");
  HostFacts f;
  td::detect_python_torch(ProbeContext{fs, env}, f);
  ASSERT_EQ(f.torch.value->size(), 1U) << issues_text(f);
  EXPECT_EQ(*f.torch.value->front().location.value, "/src/pt/torch");
  EXPECT_EQ(f.torch.value->front().sys_path_entry.source,
            "egg-link:" + site + "/torch.egg-link (pth:" + site + "/easy-install.pth)");
}

TEST(PythonSysPath, PipBuildIsolationOverlayReplacesTheSiteFolders) {
  MemoryFileSystem fs;
  fs.file("/venv/bin/python", "").file("/venv/pyvenv.cfg", "home = /usr/bin\nversion = 3.12.3\n");
  fs.file("/venv/lib/python3.12/site-packages/torch/version.py", k_cpu_torch);
  const std::string build = "/tmp/pip-build-env-x1y2";
  fs.file(build + "/site/sitecustomize.py", "import os, site, sys\n");
  fs.file(build + "/overlay/lib/python3.12/site-packages/torch/version.py", k_cuda13_torch);
  fs.dir(build + "/normal/lib/python3.12/site-packages");
  MapEnv env;
  env.set("VIRTUAL_ENV", "/venv")
      .set("PATH", build + "/overlay/bin:/venv/bin")
      .set("PYTHONPATH", build + "/site")
      .set("PYTHONNOUSERSITE", "1");
  HostFacts f;
  td::detect_python_torch(ProbeContext{fs, env}, f);
  ASSERT_EQ(f.torch.value->size(), 1U) << issues_text(f);
  EXPECT_EQ(*f.torch.value->front().location.value, build + "/overlay/lib/python3.12/site-packages/torch");
  EXPECT_EQ(f.torch.value->front().sys_path_entry.source, "pip build overlay");
}

TEST(PythonSysPath, EditableFinderMapping) {
  const auto m = td::parse_editable_finder_mapping(
      "MAPPING: dict[str, str] = {\n  'torch': '/src/pt/torch',\n  \"x\": \"/y\"\n}\nNAMESPACES = {}\n");
  ASSERT_EQ(m.size(), 2U);
  EXPECT_EQ(m[0].first, "torch");
  EXPECT_EQ(m[0].second, "/src/pt/torch");
  EXPECT_EQ(m[1].second, "/y");
  EXPECT_TRUE(td::parse_editable_finder_mapping("nothing here").empty());
}

TEST(PythonSysPath, PythonHomeMovesAPlainInterpretersSiteFolders) {
  MemoryFileSystem fs;
  fs.file("/usr/bin/python3.11", "").symlink("/usr/bin/python3", "python3.11");
  fs.file("/usr/lib/python3/dist-packages/torch/version.py", k_cpu_torch);
  fs.file("/opt/home/lib/python3.11/site-packages/torch/version.py", k_cuda13_torch);
  MapEnv env;
  env.set("PATH", "/usr/bin").set("PYTHONHOME", "/opt/home:/opt/home");
  HostFacts f;
  td::detect_python_torch(ProbeContext{fs, env}, f);
  ASSERT_EQ(f.torch.value->size(), 1U) << issues_text(f);
  EXPECT_EQ(*f.torch.value->front().location.value, "/opt/home/lib/python3.11/site-packages/torch");
}
