// `verify --image` (issue: verification suites, item 4) against a recording fake docker/podman
// (tests/fakes/fake_docker.py; this machine has no container engine): the container command, this
// binary and its libraries mounted read-only, the suites' JSON read back, and every way it can fail.
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_binary.hpp"

using nlohmann::json;
using td::test::run_td;
namespace fs = std::filesystem;

namespace {

struct FakeEngine {
  fs::path dir;
  fs::path log;
  FakeEngine() {
    static int n = 0;
    dir = fs::path(::testing::TempDir()) / ("td-fake-engine-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (const char* name : {"docker", "podman"})
      fs::create_symlink(fs::path(TD_SOURCE_DIR) / "tests/fakes/fake_docker.py", dir / name);
    log = dir / "calls.jsonl";
  }
  ~FakeEngine() { fs::remove_all(dir); }
  std::vector<std::string> env(const std::string& mode) const {
    return {"PATH=" + dir.string() + ":/usr/bin:/bin", "FAKE_DOCKER_LOG=" + log.string(), "FAKE_DOCKER_MODE=" + mode,
            "XDG_CACHE_HOME=" + (dir / "cache").string()};
  }
  std::vector<json> calls() const {
    std::vector<json> out;
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
    return out;
  }
};

bool has(const json& argv, const std::string& w) {
  for (const auto& a : argv) {
    if (a == w) return true;
  }
  return false;
}

const json* find_check(const json& doc, const std::string& suite, const std::string& name) {
  for (const auto& c : doc["checks"]) {
    if (c["suite"] == suite && c["name"] == name) return &c;
  }
  return nullptr;
}

}  // namespace

TEST(VerifyImage, RunsTheSuitesInsideWithThisBinaryMountedIn) {
  FakeEngine e;
  const auto r = run_td({"verify", "--image", "nvcr.io/nvidia/pytorch:25.12-py3", "--suite", "native", "--json"}, "",
                        e.env("run"));
  const json doc = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << r.out << r.err;
  EXPECT_EQ(doc["schema"], "torchdoctor.verify/v1");
  const json* started = find_check(doc, "container", "run");
  ASSERT_NE(started, nullptr) << doc.dump(2);
  EXPECT_EQ((*started)["status"], "pass") << doc.dump(2);
  // The native suite ran inside (the torchdoctor in the "container" answered); no libcuda here.
  EXPECT_NE(find_check(doc, "native", "init"), nullptr) << doc.dump(2);
  const auto calls = e.calls();
  ASSERT_EQ(calls.size(), 1U);
  const json& argv = calls[0];
  EXPECT_EQ(argv[0], "run");
  EXPECT_FALSE(has(argv, "-it")) << "output is captured: no TTY";
  EXPECT_TRUE(has(argv, "--name"));
  EXPECT_TRUE(has(argv, "memlock=-1")) << "NGC ulimits, as run-command";
  bool binary = false;
  bool loader = false;
  for (const auto& a : argv) {
    const std::string s = a;
    binary = binary || s.find(":/opt/torchdoctor/torchdoctor:ro") != std::string::npos;
    loader = loader || (s.find("/opt/torchdoctor/lib/ld-") != std::string::npos && s.find(":ro") != std::string::npos);
  }
  EXPECT_TRUE(binary && loader) << argv.dump();
  EXPECT_TRUE(has(argv, "--library-path"));
  EXPECT_TRUE(has(argv, "verify"));
  EXPECT_TRUE(has(argv, "--json"));
  EXPECT_EQ(r.code, 0) << r.err;
}

TEST(VerifyImage, PodmanWhenAsked) {
  FakeEngine e;
  const auto r = run_td({"verify", "--image", "pytorch/pytorch:latest", "--engine", "podman", "--suite", "native"}, "",
                        e.env("run"));
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("In docker.io/pytorch/pytorch:latest (podman"), std::string::npos) << r.out;
  EXPECT_EQ(e.calls().size(), 1U);
}

TEST(VerifyImage, AnEngineErrorIsAFailedCheckWithItsMessage) {
  FakeEngine e;
  const auto r =
      run_td({"verify", "--image", "pytorch/pytorch:latest", "--suite", "native", "--json"}, "", e.env("fail"));
  EXPECT_EQ(r.code, 1);
  const json doc = json::parse(r.out);
  const json* c = find_check(doc, "container", "run");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ((*c)["status"], "fail");
  EXPECT_NE((*c)["detail"].get<std::string>().find("could not select device driver"), std::string::npos)
      << (*c)["detail"];
}

TEST(VerifyImage, OutputThatIsNotTheSuitesJsonFails) {
  FakeEngine e;
  const auto r = run_td({"verify", "--image", "pytorch/pytorch:latest", "--suite", "native"}, "", e.env("junk"));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("FAIL"), std::string::npos) << r.out;
}

TEST(VerifyImage, AHungContainerIsStoppedAndRemoved) {
  FakeEngine e;
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run_td(
      {"verify", "--image", "pytorch/pytorch:latest", "--suite", "native", "--timeout", "1", "--pull-timeout", "1"}, "",
      e.env("hang"));
  const auto s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_LT(s, 3 + 1 + 20) << "limit 3 s, plus a second, plus the rm -f";
  EXPECT_NE(r.out.find("did not finish"), std::string::npos) << r.out;
  const auto calls = e.calls();
  ASSERT_EQ(calls.size(), 2U);
  EXPECT_EQ(calls[1][0], "rm");
  EXPECT_EQ(calls[1][1], "-f");
  EXPECT_EQ(calls[1][2], calls[0][2] == "--rm" ? calls[0][4] : calls[0][3])
      << "the container started is the one removed";
}

TEST(VerifyImage, BadInput) {
  FakeEngine e;
  auto r = run_td({"verify", "--image", "Bad::ref"}, "", e.env("run"));
  EXPECT_EQ(r.code, 2);
  r = run_td({"verify", "--image", "a:b", "--engine", "k8s"}, "", e.env("run"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("docker or podman"), std::string::npos) << r.err;
  r = run_td({"verify", "--engine", "docker"}, "", e.env("run"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("goes with --image"), std::string::npos) << r.err;
  r = run_td({"verify", "--image", "a:b", "--pull-timeout", "0"}, "", e.env("run"));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(e.calls().empty()) << "bad input starts nothing";
}
