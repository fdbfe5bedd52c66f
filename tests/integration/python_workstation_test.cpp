// Workstation Pythons through the real binary: a pyenv-like shims folder in front of the real
// /usr/bin/python3 (resolved from pyenv's files, the shim never run), and the torch `import torch`
// loads first (a fake CUDA 13.0 torch first on PYTHONPATH shadows Debian's CPU-only torch).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "run_binary.hpp"

using nlohmann::json;
using td::test::run_td;
namespace fs = std::filesystem;

namespace {

constexpr const char* k_debian_torch = "/usr/lib/python3/dist-packages/torch/version.py";

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag)
      : path(fs::temp_directory_path() / ("td-" + tag + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// A pyenv root like pyenv's own: a bash shim (which leaves a mark if it is ever run) and one
// "installed" version whose bin/python3 links to the real /usr/bin/python3.
void make_pyenv(const fs::path& root, const std::string& version) {
  const fs::path shim = root / "shims" / "python3";
  write(shim, "#!/usr/bin/env bash\nset -e\necho ran >> '" + (root / "shim-ran").string() + "'\nexport PYENV_ROOT='" +
                  root.string() + "'\nexec /usr/bin/python3 \"$@\"\n");
  fs::permissions(shim, fs::perms::owner_all);
  fs::create_directories(root / "versions" / version / "bin");
  fs::create_symlink("/usr/bin/python3", root / "versions" / version / "bin" / "python3");
  write(root / "version", version + "\n");
}

}  // namespace

TEST(PythonWorkstation, PyenvShimResolvedWithoutRunningIt) {
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "no /usr/bin/python3";
  TempDir tmp("pyenv");
  const fs::path root = tmp.path / ".pyenv";
  make_pyenv(root, "3.11.2");
  const auto r = run_td({"probe", "--json"}, {},
                        {"PATH=" + (root / "shims").string() + ":/usr/bin:/bin", "PYENV_ROOT=" + root.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto doc = json::parse(r.out);
  const json& first = doc["pythons"]["value"][0];
  EXPECT_EQ(first["path"], (root / "versions/3.11.2/bin/python3").string()) << doc["pythons"].dump(2);
  ASSERT_GE(first["found_by"].size(), 2U);
  EXPECT_EQ(first["found_by"][0], "PATH");
  EXPECT_NE(first["found_by"][1].get<std::string>().find("pyenv shim"), std::string::npos);
  EXPECT_FALSE(first["version"]["value"].is_null());
  EXPECT_FALSE(fs::exists(root / "shim-ran")) << "the shim was run";
}

TEST(PythonWorkstation, PythonPathTorchWinsOverDebiansForBuildEnv) {
  if (!fs::exists(k_debian_torch)) GTEST_SKIP() << "no Debian torch at " << k_debian_torch;
  TempDir tmp("pythonpath");
  write(tmp.path / "torch" / "version.py", "__version__ = '2.9.0+cu130'\ncuda = '13.0'\nhip = None\n");
  const auto r =
      run_td({"build-env", "--json", "--python", "/usr/bin/python3"}, {}, {"PYTHONPATH=" + tmp.path.string()});
  const auto doc = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << r.out << r.err;
  EXPECT_EQ(doc["torch"]["cuda"], "13.0") << doc.dump(2);
  EXPECT_EQ(doc["torch"]["version"], "2.9.0+cu130");

  const auto p = run_td({"probe", "--json", "--python", "/usr/bin/python3"}, {}, {"PYTHONPATH=" + tmp.path.string()});
  const auto facts = json::parse(p.out);
  bool shadowed_debian = false;
  for (const auto& t : facts["torch"]["value"]) {
    if (t["location"]["value"] == "/usr/lib/python3/dist-packages/torch") {
      shadowed_debian = t["imported"]["value"] == false;
      EXPECT_NE(t["imported"]["note"].get<std::string>().find("shadowed by " + (tmp.path / "torch").string()),
                std::string::npos);
    }
  }
  EXPECT_TRUE(shadowed_debian) << facts["torch"].dump(2);
  EXPECT_EQ(facts["torch"]["value"][0]["sys_path_entry"]["source"], "PYTHONPATH");
}

TEST(PythonWorkstation, AnInterpretersAnswerIsCachedByItsFile) {
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "no /usr/bin/python3";
  TempDir tmp("pycache");
  const fs::path python = tmp.path / "bin" / "python3";  // no version in its name: it must be asked
  const fs::path marker = tmp.path / "ran";
  write(python, "#!/bin/sh\necho ran >> '" + marker.string() + "'\nexec /usr/bin/python3 \"$@\"\n");
  fs::permissions(python, fs::perms::owner_all);
  const std::vector<std::string> env{"XDG_CACHE_HOME=" + (tmp.path / "cache").string()};
  auto runs = [&] {
    std::ifstream in(marker);
    return static_cast<int>(std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n'));
  };
  for (int i = 0; i < 2; ++i) {
    const auto r = run_td({"probe", "--json", "--python", python.string()}, {}, env);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_FALSE(json::parse(r.out)["pythons"]["value"][0]["version"]["value"].is_null()) << r.out;
  }
  EXPECT_EQ(runs(), 1);
  write(python,
        "#!/bin/sh\necho ran >> '" + marker.string() + "'\nexec /usr/bin/python3 \"$@\"\n\n");  // changed: asked again
  EXPECT_EQ(run_td({"probe", "--json", "--python", python.string()}, {}, env).code, 0);
  EXPECT_EQ(runs(), 2);
  EXPECT_EQ(run_td({"probe", "--json", "--no-cache", "--python", python.string()}, {}, env).code, 0);
  EXPECT_EQ(runs(), 3);
}

TEST(PythonWorkstation, PthFolderShadowsDebiansTorchUnderARoot) {
  // Debian's order: /usr/local/lib/python3.12/dist-packages (whose zz-dev.pth adds /opt/dev, a
  // development checkout) before /usr/lib/python3/dist-packages (a CPU-only torch 1.13).
  const auto r = run_td({"probe", "--json", "--root", td::test::fixture_root("python-pth-shadow")});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto doc = json::parse(r.out);
  const json& torch = doc["torch"]["value"];
  ASSERT_EQ(torch.size(), 2U) << torch.dump(2);
  EXPECT_EQ(torch[0]["location"]["value"], "/opt/dev/torch");
  EXPECT_EQ(torch[0]["cuda"]["value"], "12.4");
  EXPECT_EQ(torch[0]["imported"]["value"], true);
  EXPECT_EQ(torch[0]["sys_path_entry"]["source"], "pth:/usr/local/lib/python3.12/dist-packages/zz-dev.pth");
  EXPECT_NE(torch[0]["imported"]["note"].get<std::string>().find("1 .pth import line(s) not run"), std::string::npos);
  EXPECT_EQ(torch[1]["location"]["value"], "/usr/lib/python3/dist-packages/torch");
  EXPECT_EQ(torch[1]["imported"]["value"], false);
}
