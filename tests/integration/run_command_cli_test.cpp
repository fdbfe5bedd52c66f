// `torchdoctor run-command` (issue: container images, item 5): the GPU flag per host, /dev/shm, NGC's
// ulimits, the mount and user, each engine's form, quoting that a real shell splits back, bad input.
#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_binary.hpp"

using nlohmann::json;
using td::test::capture;
using td::test::fixture_root;
using td::test::have_pyyaml;
using td::test::run_td;
using td::test::yaml_to_json;

namespace {

const std::vector<std::string> k_env{"XDG_CACHE_HOME=/tmp/td-run-command-test-cache"};

td::test::RunResult run(const std::string& root, std::vector<std::string> extra) {
  std::vector<std::string> args{"run-command", "--root", fixture_root(root)};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_td(args, "", k_env);
}

json run_json(const std::string& root, std::vector<std::string> extra, int want_code) {
  extra.insert(extra.begin(), "--json");  // before any "--"
  const auto r = run(root, extra);
  EXPECT_EQ(r.code, want_code) << r.err << r.out;
  json j = json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
  return j;
}

bool has_word(const json& argv, const std::string& w) {
  for (const auto& a : argv) {
    if (a == w) return true;
  }
  return false;
}

bool has_code(const json& reasons, const std::string& code) {
  for (const auto& r : reasons) {
    if (r["code"] == code) return true;
  }
  return false;
}

}  // namespace

TEST(RunCommand, DiscreteGpuWithTheToolkitGetsGpusAll) {
  const json j = run_json("x86-nvidia-proprietary", {"--no-check", "--user", "1000:1000", "pytorch/pytorch:latest"}, 0);
  EXPECT_EQ(j["schema"], "torchdoctor.run_command/v1");
  EXPECT_EQ(j["engine"], "docker");
  EXPECT_EQ(j["gpu_access"], "gpus-all");
  const json& a = j["argv"];
  ASSERT_GE(a.size(), 4U);
  EXPECT_EQ(a[0], "docker");
  EXPECT_EQ(a[1], "run");
  EXPECT_TRUE(has_word(a, "--gpus"));
  EXPECT_FALSE(has_word(a, "--runtime"));
  EXPECT_TRUE(has_word(a, "--user"));
  EXPECT_TRUE(has_word(a, "1000:1000"));
  EXPECT_TRUE(has_word(a, "HOME=/tmp"));
  EXPECT_FALSE(has_word(a, "memlock=-1")) << "not an NGC image";
  EXPECT_EQ(a.back(), "pytorch/pytorch:latest");
  EXPECT_TRUE(j["reasons"].empty());
  EXPECT_EQ(j["image_check"]["status"], "skipped");
}

TEST(RunCommand, JetsonGetsTheNvidiaRuntimeAndTheVideoGroup) {
  const json j = run_json("jetson-nano-l4t32",
                          {"--no-check", "--user", "1000:1000", "nvcr.io/nvidia/l4t-pytorch:r32.7.1-pth1.10-py3"}, 0);
  EXPECT_EQ(j["gpu_access"], "runtime-nvidia");
  const json& a = j["argv"];
  EXPECT_TRUE(has_word(a, "--runtime"));
  EXPECT_TRUE(has_word(a, "nvidia"));
  EXPECT_FALSE(has_word(a, "--gpus")) << "--gpus does not reach a Jetson's integrated GPU";
  EXPECT_TRUE(has_word(a, "--group-add"));
  EXPECT_TRUE(has_word(a, "video"));
  EXPECT_TRUE(has_word(a, "memlock=-1")) << "NGC images ask for the ulimits";
  EXPECT_TRUE(has_word(a, "stack=67108864"));
  // A Jetson Nano has 4 GiB: a quarter of it is below the 1 GiB floor.
  EXPECT_TRUE(has_word(a, "--shm-size=1g")) << a.dump();
}

TEST(RunCommand, MissingToolkitIsAProblemWithTheInstallSteps) {
  const json j = run_json("x86-nvidia-open", {"--no-check", "pytorch/pytorch:latest"}, 1);
  ASSERT_TRUE(has_code(j["reasons"], "NO_CONTAINER_GPU_RUNTIME")) << j.dump(2);
  EXPECT_NE(j["reasons"][0]["fix"].get<std::string>().find("nvidia-ctk runtime configure --runtime=docker"),
            std::string::npos);
  EXPECT_TRUE(has_word(j["argv"], "--gpus")) << "the command is still the one to use once the toolkit is in";
}

TEST(RunCommand, PodmanUsesCdi) {
  const json j = run_json("x86-nvidia-proprietary",
                          {"--no-check", "--engine", "podman", "--user", "1000:1000", "pytorch/pytorch:latest"}, 0);
  EXPECT_EQ(j["gpu_access"], "cdi");
  const json& a = j["argv"];
  EXPECT_EQ(a[0], "podman");
  EXPECT_TRUE(has_word(a, "nvidia.com/gpu=all"));
  EXPECT_TRUE(has_word(a, "--security-opt=label=disable"));
  EXPECT_TRUE(has_word(a, "--userns=keep-id"));
  EXPECT_FALSE(has_word(a, "--user")) << "keep-id maps the user instead";
  // Without a CDI spec podman cannot reach the GPU.
  const json k = run_json("x86-nvidia-open", {"--no-check", "--engine", "podman", "pytorch/pytorch:latest"}, 1);
  ASSERT_TRUE(has_code(k["reasons"], "NO_CONTAINER_GPU_RUNTIME"));
  EXPECT_NE(k["reasons"][0]["fix"].get<std::string>().find("nvidia-ctk cdi generate"), std::string::npos);
}

TEST(RunCommand, NoGpuMeansNoGpuFlag) {
  const json j = run_json("x86-server-nogpu", {"--no-check", "pytorch/pytorch:latest"}, 0);
  EXPECT_EQ(j["gpu_access"], "none");
  EXPECT_FALSE(has_word(j["argv"], "--gpus"));
  EXPECT_FALSE(has_word(j["argv"], "--runtime"));
}

TEST(RunCommand, SharedMemoryChoices) {
  json j = run_json("x86-nvidia-proprietary", {"--no-check", "--shm-size", "512m", "pytorch/pytorch:latest"}, 0);
  EXPECT_TRUE(has_word(j["argv"], "--shm-size=512m")) << j["argv"].dump();
  j = run_json("x86-nvidia-proprietary", {"--no-check", "--ipc-host", "pytorch/pytorch:latest"}, 0);
  EXPECT_TRUE(has_word(j["argv"], "--ipc=host"));
  for (const auto& w : j["argv"]) EXPECT_EQ(w.get<std::string>().rfind("--shm-size", 0), std::string::npos);
  // What-if: RAM from a snapshot-less host is unknown, so 8 GiB.
  const auto r = run_td({"run-command", "--no-probe", "--no-check", "--json", "pytorch/pytorch:latest"}, "", k_env);
  EXPECT_TRUE(has_word(json::parse(r.out)["argv"], "--shm-size=8g")) << r.out;
}

TEST(RunCommand, TheCommandSurvivesARealShell) {
  // A folder whose name needs quoting: spaces, a quote, a dollar sign, a colon (forces --mount).
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "td run 'it' $HOME:x";
  std::filesystem::create_directories(dir);
  const auto r = run("x86-nvidia-proprietary", {"--no-check", "--quiet", "--workdir", dir.string(),
                                                "pytorch/pytorch:latest", "--", "python", "-c", "print('hi there')"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << "--quiet prints only the command: " << r.err;
  const auto j = run_json(
      "x86-nvidia-proprietary",
      {"--no-check", "--workdir", dir.string(), "pytorch/pytorch:latest", "--", "python", "-c", "print('hi there')"},
      0);
  // /bin/sh splits the printed line back into exactly the words of argv.
  std::string line = r.out;
  ASSERT_FALSE(line.empty());
  line.pop_back();  // the newline
  const std::string split = capture("printf '%s\\0' " + line);
  std::vector<std::string> got;
  std::string cur;
  for (char c : split) {
    if (c == '\0') {
      got.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  EXPECT_EQ(json(got), j["argv"]);
  EXPECT_TRUE(has_word(j["argv"], "--mount")) << "a colon in the folder cannot go through -v";
  EXPECT_TRUE(has_word(j["argv"], "print('hi there')"));
}

TEST(RunCommand, ComposeFileParsesAndSaysTheSame) {
  if (!have_pyyaml()) GTEST_SKIP() << "python3 with PyYAML is not installed (scripts/test.sh installs python3-yaml)";
  const auto r = run("jetson-nano-l4t32", {"--no-check", "--engine", "compose", "--user", "1000:1000", "--jupyter",
                                           "--port", "9000", "nvcr.io/nvidia/l4t-pytorch:r32.7.1-pth1.10-py3"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json y = yaml_to_json(r.out);
  ASSERT_TRUE(y.is_object()) << r.out;
  const json& s = y["services"]["torch"];
  EXPECT_EQ(s["image"], "nvcr.io/nvidia/l4t-pytorch:r32.7.1-pth1.10-py3");
  EXPECT_EQ(s["runtime"], "nvidia");
  EXPECT_EQ(s["user"], "1000:1000");
  EXPECT_EQ(s["shm_size"], "1gb");
  EXPECT_EQ(s["ulimits"]["memlock"], -1);
  EXPECT_EQ(s["ulimits"]["stack"], 67108864);
  EXPECT_EQ(s["ports"][0], "127.0.0.1:9000:8888");
  EXPECT_EQ(s["command"][0], "jupyter");
  EXPECT_EQ(s["volumes"][0]["target"], "/workspace");
  EXPECT_EQ(s["group_add"][0], "video");
  // A discrete GPU gets a device reservation.
  const auto d = run("x86-nvidia-proprietary", {"--no-check", "--engine", "compose", "pytorch/pytorch:latest"});
  const json dy = yaml_to_json(d.out);
  const json& dev = dy["services"]["torch"]["deploy"]["resources"]["reservations"]["devices"][0];
  EXPECT_EQ(dev["driver"], "nvidia");
  EXPECT_EQ(dev["count"], "all");
  EXPECT_EQ(dev["capabilities"][0], "gpu");
}

TEST(RunCommand, KubernetesPodAsksForEveryGpuAndAMemoryBackedShm) {
  if (!have_pyyaml()) GTEST_SKIP() << "python3 with PyYAML is not installed (scripts/test.sh installs python3-yaml)";
  const auto r =
      run("x86-nvidia-proprietary", {"--no-check", "--engine", "k8s", "--user", "1000:1000", "--name", "train-1",
                                     "nvcr.io/nvidia/pytorch:25.12-py3", "--", "python", "train.py"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json y = yaml_to_json(r.out);
  ASSERT_TRUE(y.is_object()) << r.out;
  EXPECT_EQ(y["apiVersion"], "v1");
  EXPECT_EQ(y["kind"], "Pod");
  EXPECT_EQ(y["metadata"]["name"], "train-1");
  EXPECT_EQ(y["spec"]["securityContext"]["runAsUser"], 1000);
  const json& c = y["spec"]["containers"][0];
  EXPECT_EQ(c["image"], "nvcr.io/nvidia/pytorch:25.12-py3");
  EXPECT_EQ(c["args"], json({"python", "train.py"}));
  EXPECT_EQ(c["resources"]["limits"]["nvidia.com/gpu"], 2) << "the fixture has two A100s";
  bool shm = false;
  for (const auto& v : y["spec"]["volumes"]) {
    if (v["name"] == "dshm") shm = v["emptyDir"]["medium"] == "Memory" && v["emptyDir"]["sizeLimit"] == "16Gi";
  }
  EXPECT_TRUE(shm) << r.out;
  EXPECT_NE(r.err.find("cannot set"), std::string::npos) << "the ulimits a Pod cannot set are said: " << r.err;
}

TEST(RunCommand, ImageCheckedOfflineAgainstTheHost) {
  // An x86-only image on a Jetson: the command is written, and the check says it will not run.
  const json j = run_json("jetson-orin-l4t36", {"--offline", "pytorch/pytorch:2.6.0-cuda12.4-cudnn9-runtime"}, 1);
  EXPECT_EQ(j["image_check"]["status"], "problem");
  EXPECT_TRUE(has_code(j["image_check"]["reasons"], "ARCH_MISMATCH")) << j["image_check"].dump(2);
  // A tag the knowledge base does not list is not claimed missing offline, nor "runs here": it is
  // undetermined (exit 3), and the check says it came from the knowledge base, not a registry.
  const json k = run_json("x86-nvidia-proprietary", {"--offline", "nvcr.io/nvidia/pytorch:23.02-py3"}, 3);
  EXPECT_TRUE(has_code(k["image_check"]["reasons"], "TAG_UNKNOWN")) << k["image_check"].dump(2);
  EXPECT_FALSE(has_code(k["image_check"]["reasons"], "TAG_NOT_FOUND"));
  EXPECT_EQ(k["image_check"]["status"], "undetermined");
  EXPECT_EQ(k["image_check"]["message"].get<std::string>().find("checked"), std::string::npos)
      << k["image_check"].dump(2);
  // The seeds' `exec format error` case: pytorch/pytorch:latest on a Jetson, offline. The KB does not
  // list `latest`, but no pytorch/pytorch image uses a Jetson's GPU.
  const json latest = run_json("jetson-orin-l4t36", {"--offline", "pytorch/pytorch:latest"}, 1);
  EXPECT_TRUE(has_code(latest["image_check"]["reasons"], "NOT_FOR_TEGRA")) << latest["image_check"].dump(2);
}

TEST(RunCommand, BadInputExitsTwoNamingTheProblem) {
  struct Case {
    std::vector<std::string> args;
    const char* says;
  };
  const std::vector<Case> cases{
      {{}, "give an image"},
      {{"pytorch/pytorch::x"}, "pytorch/pytorch::x"},
      {{"PyTorch/pytorch:latest"}, "PyTorch/pytorch"},
      {{"--engine", "lxc", "a:b"}, "--engine 'lxc'"},
      {{"--user", "me", "a:b"}, "--user 'me'"},
      {{"--name", "Bad_Name", "a:b"}, "--name 'Bad_Name'"},
      {{"--shm-size", "lots", "a:b"}, "--shm-size 'lots'"},
      {{"--ipc-host", "--shm-size", "1g", "a:b"}, "contradict"},
      {{"--jupyter", "a:b", "--", "python"}, "--jupyter"},
      {{"--port", "9000", "a:b"}, "with --jupyter"},
      {{"--workdir", "/nonexistent/folder", "a:b"}, "--workdir '/nonexistent/folder'"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"run-command", "--no-probe", "--no-check"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const auto r = run_td(args, "", k_env);
    EXPECT_EQ(r.code, 2) << c.says << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
  }
}
