// The run plan's pure parts: shell quoting and /dev/shm sizing (issue: container images, item 5).
#include <gtest/gtest.h>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/engine/run_plan.hpp"

using namespace td;

TEST(ShellQuote, SafeWordsStayAndTheRestIsSingleQuoted) {
  EXPECT_EQ(shell_quote("--shm-size=8g"), "--shm-size=8g");
  EXPECT_EQ(shell_quote("nvcr.io/nvidia/pytorch:25.12-py3"), "nvcr.io/nvidia/pytorch:25.12-py3");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("$HOME"), "'$HOME'");
  EXPECT_EQ(shell_quote("~"), "'~'");
  EXPECT_EQ(shell_quote("=x"), "'=x'");
  EXPECT_EQ(shell_join({"echo", "a b", "c"}), "echo 'a b' c");
}

TEST(ShmSize, AQuarterOfRamBetweenOneAndSixteenGib) {
  constexpr std::uint64_t gib = 1ULL << 30U;
  EXPECT_EQ(shm_size_for_ram(std::nullopt), 8 * gib);
  EXPECT_EQ(shm_size_for_ram(2 * gib), gib);
  EXPECT_EQ(shm_size_for_ram(31 * gib), 7 * gib);  // rounded down to whole GiB
  EXPECT_EQ(shm_size_for_ram(512 * gib), 16 * gib);
  EXPECT_EQ(shm_size_for_ram(0), gib);
}

TEST(RunEngine, NamesRoundTrip) {
  for (RunEngine e : {RunEngine::docker, RunEngine::podman, RunEngine::compose, RunEngine::k8s}) {
    EXPECT_EQ(parse_run_engine(run_engine_name(e)), e);
  }
  EXPECT_EQ(parse_run_engine("kubernetes"), RunEngine::k8s);
  EXPECT_FALSE(parse_run_engine("lxc"));
}
