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
