#include <gtest/gtest.h>

#include "torchdoctor/core/compute_capability.hpp"

using td::ComputeCapability;

namespace {
ComputeCapability cc(const char* s) {
  auto r = ComputeCapability::parse(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.ok() ? *r : ComputeCapability{};
}
}  // namespace

TEST(ComputeCapability, ParsesEveryNotation) {
  EXPECT_EQ(cc("8.6"), ComputeCapability(8, 6));
  EXPECT_EQ(cc("sm_86"), ComputeCapability(8, 6));
  EXPECT_EQ(cc("SM_86"), ComputeCapability(8, 6));
  EXPECT_EQ(cc("86"), ComputeCapability(8, 6));
  EXPECT_EQ(cc("sm_90a"), ComputeCapability(9, 0, ComputeCapability::Suffix::arch_specific));
  EXPECT_EQ(cc("compute_90"), ComputeCapability(9, 0, ComputeCapability::Suffix::none, ComputeCapability::Code::ptx));
  EXPECT_EQ(cc("12.0f"), ComputeCapability(12, 0, ComputeCapability::Suffix::family));
  EXPECT_EQ(cc("8.6+PTX"), ComputeCapability(8, 6, ComputeCapability::Suffix::none, ComputeCapability::Code::ptx));
  EXPECT_EQ(cc("sm_120"), ComputeCapability(12, 0));
  EXPECT_EQ(cc("sm_100a"), ComputeCapability(10, 0, ComputeCapability::Suffix::arch_specific));
  EXPECT_EQ(cc("11.0"), ComputeCapability(11, 0));
  EXPECT_EQ(cc(" 7.5 "), ComputeCapability(7, 5));
}

TEST(ComputeCapability, PrintsEveryNotation) {
  EXPECT_EQ(cc("sm_86").str(), "8.6");
  EXPECT_EQ(cc("sm_90a").str(), "9.0a");
  EXPECT_EQ(cc("12.0f").str(), "12.0f");
  EXPECT_EQ(cc("8.6+PTX").str(), "8.6+PTX");
  EXPECT_EQ(cc("8.6").nvcc_name(), "sm_86");
  EXPECT_EQ(cc("compute_90").nvcc_name(), "compute_90");
  EXPECT_EQ(cc("sm_120").digits(), "120");
  EXPECT_EQ(cc("9.0a").digits(), "90a");
  EXPECT_EQ(cc("10.0f").nvcc_name(), "sm_100f");
}

TEST(ComputeCapability, RoundTrips) {
  for (const char* s : {"8.6", "9.0a", "12.0f", "8.6+PTX", "10.3", "11.0", "5.0"})
    EXPECT_EQ(cc(cc(s).str().c_str()).str(), s);
}

TEST(ComputeCapability, CubinRunsOnSameMajorWithEqualOrHigherMinor) {
  EXPECT_TRUE(cc("8.0").runs_on(cc("8.6")));
  EXPECT_TRUE(cc("8.6").runs_on(cc("8.6")));
  EXPECT_TRUE(cc("8.6").runs_on(cc("8.9")));
  EXPECT_FALSE(cc("8.6").runs_on(cc("8.0")));
  EXPECT_FALSE(cc("9.0").runs_on(cc("12.0")));
  EXPECT_FALSE(cc("8.0").runs_on(cc("9.0")));
}

TEST(ComputeCapability, PtxJitsForward) {
  EXPECT_TRUE(cc("9.0+PTX").runs_on(cc("12.0")));
  EXPECT_TRUE(cc("compute_80").runs_on(cc("8.6")));
  EXPECT_FALSE(cc("9.0+PTX").runs_on(cc("8.9")));
}

TEST(ComputeCapability, ArchSpecificRunsOnlyOnThatCapability) {
  EXPECT_TRUE(cc("9.0a").runs_on(cc("9.0")));
  EXPECT_FALSE(cc("10.0a").runs_on(cc("10.3")));
  EXPECT_FALSE(cc("compute_90a").runs_on(cc("10.0")));
}

TEST(ComputeCapability, FamilyRunsOnSameMajor) {
  EXPECT_TRUE(cc("10.0f").runs_on(cc("10.3")));
  EXPECT_TRUE(cc("12.0f").runs_on(cc("12.1")));
  EXPECT_FALSE(cc("10.0f").runs_on(cc("12.0")));
}

TEST(ComputeCapability, OrdersByNumber) {
  EXPECT_LT(cc("8.6"), cc("8.9"));
  EXPECT_LT(cc("9.0"), cc("10.0"));
  EXPECT_LT(cc("10.0"), cc("12.0"));
}

TEST(ComputeCapability, RejectsMalformedInputWithTheExpectedForms) {
  for (const char* s : {"sm_8x", "", "sm_", "8", "8.", ".6", "8.66", "sm_8.6", "compute_", "0.0", "abc", "8.6+ptxx",
                        "sm_1234", "12.0af"}) {
    auto r = ComputeCapability::parse(s);
    EXPECT_FALSE(r.ok()) << s;
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find("expected a form like 8.6"), std::string::npos);
    }
  }
}
