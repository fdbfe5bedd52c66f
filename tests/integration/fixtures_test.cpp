// Runs `torchdoctor probe --root <fixture> --json` on every fixture root and checks the facts.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "run_binary.hpp"

using nlohmann::json;
using td::test::fixture_root;
using td::test::run_td;

namespace {

json probe_root(const std::string& name) {
  const auto r = run_td({"probe", "--root", fixture_root(name), "--json"});
  EXPECT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out;
  return j;
}

json value(const json& fact) { return fact.is_object() ? fact.value("value", json()) : json(); }

}  // namespace

TEST(Fixtures, X86ServerWithoutGpu) {
  const json j = probe_root("x86-server-nogpu");
  EXPECT_EQ(j["schema"], "torchdoctor.host/v1");
  EXPECT_EQ(value(j["cpu"]["arch"]), "x86_64");
  EXPECT_EQ(j["cpu"]["arch"]["source"], "elf:/bin/sh");
  EXPECT_EQ(value(j["cpu"]["cores"]), 8);
  EXPECT_EQ(value(j["cpu"]["glibc"]), "2.35");
  EXPECT_EQ(value(j["os"]["id"]), "ubuntu");
  EXPECT_EQ(value(j["os"]["kernel"]), "5.15.0-105-generic");
  EXPECT_TRUE(value(j["gpus"]).is_array());
  EXPECT_TRUE(value(j["gpus"]).empty()) << "the ASPEED VGA is not an NVIDIA GPU";
  EXPECT_TRUE(value(j["driver"]["version"]).is_null());
  EXPECT_EQ(j["driver"]["version"]["note"], "no NVIDIA kernel module loaded");
  EXPECT_EQ(value(j["container"]["inside"]), false);
  EXPECT_TRUE(value(j["jetson"]["l4t"]).is_null());
}

TEST(Fixtures, X86WithProprietaryDriverAndTwoA100s) {
  const json j = probe_root("x86-nvidia-proprietary");
  EXPECT_EQ(value(j["driver"]["version"]), "535.183.01");
  EXPECT_EQ(value(j["driver"]["kernel_module"]), "proprietary");
  const json gpus = value(j["gpus"]);
  ASSERT_EQ(gpus.size(), 2U) << "the audio function 07:00.1 must not count";
  EXPECT_EQ(value(gpus[0]["pci_device_id"]), "0x20b2");
  EXPECT_EQ(value(gpus[0]["name"]), "NVIDIA A100-SXM4-80GB");
  EXPECT_EQ(value(gpus[0]["pci_bus_id"]), "0000:07:00.0");
  EXPECT_EQ(value(gpus[1]["uuid"]), "GPU-1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b");
  EXPECT_EQ(value(j["container_tooling"]["docker"]), "/usr/bin/docker");
  EXPECT_EQ(value(j["container_tooling"]["nvidia_ctk"]), "/usr/bin/nvidia-ctk");
  EXPECT_EQ(value(j["container_tooling"]["docker_runtimes"]), json::array({"nvidia"}));
  EXPECT_EQ(value(j["container_tooling"]["docker_default_runtime"]), "nvidia");
  EXPECT_EQ(value(j["container_tooling"]["cdi_specs"]), json::array({"/etc/cdi/nvidia.yaml"}));
  EXPECT_EQ(value(j["cpu"]["memory_bytes"]), 528000000ULL * 1024);
}

TEST(Fixtures, X86WithOpenKernelModuleAndRtx5090) {
  const json j = probe_root("x86-nvidia-open");
  EXPECT_EQ(value(j["driver"]["version"]), "570.86.15");
  EXPECT_EQ(value(j["driver"]["kernel_module"]), "open");
  EXPECT_EQ(value(value(j["gpus"])[0]["pci_device_id"]), "0x2b85");
  EXPECT_EQ(value(j["cpu"]["glibc"]), "2.39");
}

TEST(Fixtures, JetsonNanoOnL4T32) {
  const json j = probe_root("jetson-nano-l4t32");
  EXPECT_EQ(value(j["cpu"]["arch"]), "aarch64");
  EXPECT_EQ(value(j["cpu"]["model"]), "Cortex-A57");
  EXPECT_EQ(value(j["jetson"]["l4t"]), "32.7.4");
  EXPECT_EQ(j["jetson"]["l4t"]["source"], "file:/etc/nv_tegra_release");
  EXPECT_EQ(value(j["jetson"]["soc"]), "t210");
  EXPECT_EQ(value(j["board"]["model"]), "NVIDIA Jetson Nano Developer Kit");
  const json gpus = value(j["gpus"]);
  ASSERT_EQ(gpus.size(), 1U);
  EXPECT_EQ(value(gpus[0]["integrated"]), true);
  EXPECT_EQ(value(j["cpu"]["glibc"]), "2.27");
  EXPECT_EQ(value(j["container_tooling"]["docker_default_runtime"]), "runc");
}

TEST(Fixtures, JetsonOrinOnL4T35) {
  const json j = probe_root("jetson-orin-l4t35");
  EXPECT_EQ(value(j["jetson"]["l4t"]), "35.3.1");
  EXPECT_EQ(value(j["jetson"]["soc"]), "t234");
  EXPECT_EQ(value(j["cpu"]["model"]), "Cortex-A78AE");
  EXPECT_EQ(value(j["board"]["compatible"])[1], "nvidia,p3701-0000");
  EXPECT_TRUE(value(j["driver"]["version"]).is_null()) << "JetPack 5 has no nvidia.ko";
}

TEST(Fixtures, JetsonOrinOnL4T36) {
  const json j = probe_root("jetson-orin-l4t36");
  EXPECT_EQ(value(j["jetson"]["l4t"]), "36.4.3");
  EXPECT_EQ(value(j["board"]["model"]), "NVIDIA Jetson Orin Nano Engineering Reference Developer Kit Super");
  EXPECT_EQ(value(j["cpu"]["cores"]), 6);
}

TEST(Fixtures, JetsonThorOnL4T38) {
  const json j = probe_root("jetson-thor-l4t38");
  EXPECT_EQ(value(j["jetson"]["l4t"]), "38.2.1");
  EXPECT_EQ(value(j["jetson"]["soc"]), "t264");
  EXPECT_EQ(value(j["board"]["model"]), "NVIDIA Jetson AGX Thor Developer Kit");
  EXPECT_EQ(value(j["cpu"]["arch"]), "aarch64");
  EXPECT_EQ(value(j["cpu"]["cores"]), 14);
}

TEST(Fixtures, RaspberryPi4) {
  const json j = probe_root("raspberry-pi-4");
  EXPECT_EQ(value(j["cpu"]["arch"]), "aarch64");
  EXPECT_EQ(value(j["cpu"]["model"]), "Cortex-A72");
  EXPECT_EQ(value(j["board"]["compatible"])[0], "raspberrypi,4-model-b");
  EXPECT_TRUE(value(j["jetson"]["l4t"]).is_null());
  EXPECT_TRUE(value(j["gpus"]).empty());
}

TEST(Fixtures, Rk3588BigLittle) {
  const json j = probe_root("rk3588-rock5b");
  EXPECT_EQ(value(j["cpu"]["model"]), "4x Cortex-A55 + 4x Cortex-A76");
  EXPECT_EQ(value(j["board"]["compatible"])[1], "rockchip,rk3588");
  EXPECT_EQ(value(j["cpu"]["shm_bytes"]), 16000000ULL * 1024 / 2);
  EXPECT_EQ(j["cpu"]["shm_bytes"]["note"], "tmpfs default: half of MemTotal");
}

TEST(Fixtures, Wsl2) {
  const json j = probe_root("wsl2");
  EXPECT_EQ(value(j["container"]["wsl"]), true);
  EXPECT_EQ(j["container"]["wsl"]["source"], "file:/proc/sys/kernel/osrelease");
}

TEST(Fixtures, InsideADockerContainerWithSmallShm) {
  const json j = probe_root("inside-container");
  EXPECT_EQ(value(j["container"]["inside"]), true);
  EXPECT_EQ(value(j["container"]["engine"]), "docker");
  EXPECT_EQ(value(j["cpu"]["shm_bytes"]), 64ULL << 20);
}

TEST(Fixtures, InsideAPodmanContainer) {
  const json j = probe_root("podman-container");
  EXPECT_EQ(value(j["container"]["engine"]), "podman");
  EXPECT_EQ(value(j["cpu"]["glibc"]), "2.39");
}

TEST(Fixtures, UnpackedImageWithoutProc) {
  const json j = probe_root("image-no-proc");
  EXPECT_EQ(value(j["cpu"]["arch"]), "x86_64");
  EXPECT_EQ(value(j["cpu"]["glibc"]), "2.35");
  EXPECT_TRUE(value(j["cpu"]["model"]).is_null());
  EXPECT_NE(j["cpu"]["model"]["note"].get<std::string>().find("No such file"), std::string::npos);
  EXPECT_TRUE(value(j["os"]["kernel"]).is_null());
}

TEST(Fixtures, BrokenTreeGivesUnknownFactsAndIssuesNeverACrash) {
  const auto r = run_td({"probe", "--root", fixture_root("broken"), "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_TRUE(value(j["os"]["pretty_name"]).is_null());
  EXPECT_TRUE(value(j["cpu"]["arch"]).is_null());
  EXPECT_TRUE(value(j["cpu"]["memory_bytes"]).is_null());
  EXPECT_TRUE(value(j["cpu"]["shm_bytes"]).is_null());
  EXPECT_TRUE(value(j["cpu"]["glibc"]).is_null());
  EXPECT_TRUE(value(j["driver"]["version"]).is_null());
  EXPECT_TRUE(value(j["jetson"]["l4t"]).is_null());
  EXPECT_TRUE(value(j["board"]["model"]).is_null());
  EXPECT_TRUE(value(j["container_tooling"]["docker_runtimes"]).is_null());
  EXPECT_TRUE(value(value(j["gpus"])[0]["pci_device_id"]).is_null());
  std::set<std::string> detectors;
  for (const auto& issue : j["issues"]) detectors.insert(issue["detector"].get<std::string>());
  for (const char* d : {"os", "cpu", "driver", "jetson", "tooling"}) EXPECT_TRUE(detectors.count(d)) << d;
  const auto text = run_td({"probe", "--root", fixture_root("broken"), "--color", "never"});
  EXPECT_EQ(text.code, 0);
  EXPECT_NE(text.out.find("error: os:"), std::string::npos) << text.out;
}

TEST(Fixtures, EveryRootRendersAsTextAndMarkdown) {
  for (const char* name :
       {"x86-server-nogpu", "x86-nvidia-proprietary", "x86-nvidia-open", "jetson-nano-l4t32", "jetson-orin-l4t35",
        "jetson-orin-l4t36", "jetson-thor-l4t38", "raspberry-pi-4", "rk3588-rock5b", "wsl2", "inside-container",
        "podman-container", "image-no-proc", "broken"}) {
    auto r = run_td({"probe", "--root", fixture_root(name)});
    EXPECT_EQ(r.code, 0) << name << r.err;
    EXPECT_NE(r.out.find("CPU and memory"), std::string::npos) << name;
    EXPECT_EQ(r.out.find("\033["), std::string::npos) << "no colour when stdout is not a terminal";
    r = run_td({"probe", "--root", fixture_root(name), "--format", "markdown"});
    EXPECT_EQ(r.code, 0) << name;
    EXPECT_NE(r.out.find("| Architecture |"), std::string::npos) << name;
  }
}

TEST(Fixtures, ColourIsOnlyForTerminalsOrWhenAskedAndNoColorWins) {
  auto r = run_td({"probe", "--root", fixture_root("x86-server-nogpu"), "--color", "always"});
  EXPECT_NE(r.out.find("\033["), std::string::npos);
  r = run_td({"probe", "--root", fixture_root("x86-server-nogpu"), "--color", "auto"}, "", {"NO_COLOR=1"});
  EXPECT_EQ(r.out.find("\033["), std::string::npos);
}

TEST(Fixtures, RootThatIsNotADirectoryIsAUsageError) {
  const auto r = run_td({"probe", "--root", "/nonexistent/tree"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--root /nonexistent/tree"), std::string::npos) << r.err;
}
