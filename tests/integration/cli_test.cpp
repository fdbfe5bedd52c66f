// Runs the real torchdoctor binary and checks exit codes, stdout and stderr.
#include <gtest/gtest.h>

#include "run_binary.hpp"

using td::test::run_td;

TEST(Cli, VersionAndHelp) {
  auto r = run_td({"--version"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("torchdoctor "), std::string::npos);
  r = run_td({"--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("probe"), std::string::npos);
  EXPECT_NE(r.out.find("Exit codes"), std::string::npos);
  r = run_td({"probe", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("--root DIR"), std::string::npos);
  EXPECT_NE(r.out.find("--gpu GPU"), std::string::npos);
}

TEST(Cli, UnknownCommandSuggestsTheClosest) {
  auto r = run_td({"prob"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("did you mean 'probe'"), std::string::npos) << r.err;
}

TEST(Cli, UnknownOptionSuggestsTheClosest) {
  auto r = run_td({"probe", "--rot", "/"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("did you mean '--root'"), std::string::npos) << r.err;
}

TEST(Cli, MissingOptionValueIsAUsageError) {
  auto r = run_td({"probe", "--host"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("needs a value FILE"), std::string::npos) << r.err;
}

TEST(Cli, BadFormatIsAUsageError) {
  auto r = run_td({"probe", "--no-probe", "--format", "yaml"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--format 'yaml'"), std::string::npos) << r.err;
}

// One place decides which --format values a command takes (Command::formats): another value is bad
// usage (exit 2) naming the command and its formats, for every command alike; markdown, where a
// command lists it, prints a Markdown report.
TEST(Cli, EveryCommandRefusesAFormatItDoesNotTake) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"run-command", "pytorch/pytorch:latest", "--offline", "--format", "markdown"}, "expected text or json"},
      {{"kb", "show", "cuda", "--format", "yaml"}, "expected text, json or markdown"},
      {{"fleet", "-", "--format", "yaml"}, "expected text, json, jsonl, csv or html"},
      {{"build-env", "--format", "markdown"}, "expected text, sh, cmake, json, github, make or nvcc"},
      {{"doctor", "--format", "html"}, "expected text, json or markdown"},
      {{"image", "pytorch/pytorch:latest", "--format", "csv"}, "expected text, json or markdown"},
  };
  for (const auto& [args, expected] : cases) {
    const auto r = run_td(args);
    EXPECT_EQ(r.code, 2) << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find(expected), std::string::npos) << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find("torchdoctor: " + args[0] + ": --format"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << args[0];
  }
}

TEST(Cli, MarkdownWorksForEveryReportCommandThatListsIt) {
  const std::vector<std::string> what_if{"--no-probe", "--arch",   "x86_64",   "--gpu",
                                         "RTX 4090",   "--driver", "570.86.15"};
  const std::vector<std::vector<std::string>> runs{
      {"doctor"},
      {"probe"},
      {"recommend"},
      {"explain", "CUDA error: no kernel image is available for execution on the device"},
      {"image", "pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime", "--offline"}};
  for (auto args : runs) {
    args.insert(args.end(), what_if.begin(), what_if.end());
    args.insert(args.end(), {"--format", "markdown"});
    const auto r = run_td(args, {}, {"XDG_CACHE_HOME=/nonexistent-td-cache"});
    EXPECT_NE(r.code, 2) << args[0] << ": " << r.err;
    EXPECT_EQ(r.out.rfind("## torchdoctor", 0), 0u) << args[0] << ":\n" << r.out;
    EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << args[0] << ": no colour in Markdown";
  }
}

// An option means the same in every command: k8s affinity's GPU count is --gpu-count, as in
// run-command; the old --gpus is unknown with a suggestion.
TEST(Cli, TheGpuCountOptionIsOneOption) {
  auto r =
      run_td({"k8s", "affinity", "pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime", "--offline", "--gpu-count", "0"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("--gpu-count '0'"), std::string::npos) << r.err;
  r = run_td({"k8s", "affinity", "pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime", "--offline", "--gpus", "2"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("unknown option '--gpus'"), std::string::npos) << r.err;
}
