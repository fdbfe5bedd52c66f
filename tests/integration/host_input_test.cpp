// --host snapshots and what-if flags through the real binary: good input, bad input, exit codes.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_binary.hpp"

using nlohmann::json;
using td::test::fixture_root;
using td::test::run_td;

namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = "/tmp/td-host-test-" + std::to_string(::getpid()) + "-" + name;
  std::ofstream(path) << text;
  return path;
}

int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n' ? 1 : 0;
  return n;
}

}  // namespace

TEST(HostInput, SnapshotRoundTripsThroughProbe) {
  const auto first = run_td({"probe", "--root", fixture_root("x86-nvidia-proprietary"), "--json"});
  ASSERT_EQ(first.code, 0);
  const std::string path = write_temp("snap.json", first.out);
  const auto again = run_td({"probe", "--host", path, "--json"});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(json::parse(again.out), json::parse(first.out));
  const auto from_stdin = run_td({"probe", "--host", "-", "--json"}, first.out);
  EXPECT_EQ(from_stdin.code, 0) << from_stdin.err;
  EXPECT_EQ(json::parse(from_stdin.out), json::parse(first.out));
  std::remove(path.c_str());
}

TEST(HostInput, WhatIfFlagsOverrideSingleFacts) {
  const auto snap = run_td({"probe", "--root", fixture_root("x86-nvidia-proprietary"), "--json"});
  const auto r = run_td({"probe",         "--host",  "-",         "--json",      "--driver",
                         "570.86.15",     "--gpu",   "sm_120",    "--gpu",       "8.9",
                         "--cuda-driver", "12.8",    "--torch",   "2.7.0+cu128", "--python-version",
                         "3.12",          "--glibc", "2.31",      "--arch",      "aarch64",
                         "--l4t",         "36.4.3",  "--jetpack", "6.2"},
                        snap.out);
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["driver"]["version"]["value"], "570.86.15");
  EXPECT_EQ(j["driver"]["version"]["source"], "override");
  EXPECT_EQ(j["driver"]["cuda_level"]["value"], "12.8");
  EXPECT_EQ(j["gpus"]["value"].size(), 2U);
  EXPECT_EQ(j["gpus"]["value"][0]["compute_capability"]["value"], "12.0");
  EXPECT_EQ(j["torch"]["value"][0]["cuda"]["value"], "12.8");
  EXPECT_EQ(j["cpu"]["glibc"]["value"], "2.31");
  EXPECT_EQ(j["cpu"]["arch"]["value"], "aarch64");
  EXPECT_EQ(j["jetson"]["l4t"]["value"], "36.4.3");
  EXPECT_EQ(j["jetson"]["jetpack"]["value"], "6.2");
  EXPECT_EQ(j["python_version"]["value"], "3.12");
  // Untouched facts keep their source.
  EXPECT_EQ(j["os"]["id"]["source"], "file:/etc/os-release");
}

TEST(HostInput, NoProbeStartsFromNothing) {
  const auto r = run_td({"probe", "--no-probe", "--json", "--gpu", "sm_86"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_TRUE(j["cpu"]["arch"]["value"].is_null());
  EXPECT_EQ(j["gpus"]["value"][0]["compute_capability"]["value"], "8.6");
}

TEST(HostInput, BadSnapshotsExitTwoWithOneLineNamingTheProblem) {
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::vector<Case> cases{
      {"{ not json", "malformed JSON"},
      {R"({"schema": "torchdoctor.host/v9"})", "schema: expected \"torchdoctor.host/v1\""},
      {R"({"schema": "torchdoctor.host/v1", "cpu": {"cores": {"value": -3}}})",
       "cpu.cores.value: expected a non-negative integer"},
      {R"({"schema": "torchdoctor.host/v1", "gpus": {"value": "many"}})", "gpus.value: expected an array"},
      {R"({"schema": "torchdoctor.host/v1", "driver": {"version": {"value": "banana"}}})",
       "driver.version.value: invalid version"},
      {"", "malformed JSON"},
  };
  for (const auto& c : cases) {
    const std::string path = write_temp("bad.json", c.text);
    const auto r = run_td({"probe", "--host", path});
    EXPECT_EQ(r.code, 2) << c.text;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(path), std::string::npos) << "the message names the file: " << r.err;
    EXPECT_TRUE(r.out.empty());
    std::remove(path.c_str());
  }
  const auto missing = run_td({"probe", "--host", "/nonexistent.json"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("--host /nonexistent.json: No such file or directory"), std::string::npos);
}

TEST(HostInput, BadWhatIfValuesExitTwoNamingTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"--gpu", "sm_8x"}, "--gpu 'sm_8x': expected"},
      {{"--driver", "banana"}, "--driver 'banana': expected a driver version like 550.54.15"},
      {{"--arch", "mips"}, "--arch 'mips': expected x86_64, aarch64 or armv7l"},
      {{"--cuda-driver", "x"}, "--cuda-driver 'x'"},
      {{"--torch", "latest"}, "--torch 'latest'"},
      {{"--l4t", "thirty-six"}, "--l4t 'thirty-six'"},
      {{"--glibc", "2"}, "--glibc '2'"},
  };
  for (const auto& [flags, expected] : cases) {
    std::vector<std::string> args{"probe", "--no-probe"};
    args.insert(args.end(), flags.begin(), flags.end());
    const auto r = run_td(args);
    EXPECT_EQ(r.code, 2) << expected;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
  }
}

TEST(HostInput, HostAndRootTogetherIsAUsageError) {
  const auto r = run_td({"probe", "--host", "x.json", "--root", "/"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("cannot be used together"), std::string::npos);
}

TEST(HostInput, LiveProbeOfThisMachineWorks) {
  const auto r = run_td({"probe", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_FALSE(j["cpu"]["arch"]["value"].is_null());
  EXPECT_EQ(j["cpu"]["arch"]["source"], "uname");
  EXPECT_FALSE(j["cpu"]["memory_bytes"]["value"].is_null());
}
