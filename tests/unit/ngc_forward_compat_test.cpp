// ngc_forward_compat: the release notes' data-center floors ("470.57 (or later R470)") against a driver.
#include <gtest/gtest.h>

#include "torchdoctor/engine/images.hpp"

namespace td {
namespace {

std::optional<Version> v(const char* s) { return *Version::parse(s); }

TEST(NgcForwardCompat, AListedBranchAtOrAboveItsFloorRuns) {
  const std::vector<std::string> listed{"470.57", "525.85", "535.86", "545.23"};
  EXPECT_EQ(ngc_forward_compat(listed, v("470.57.02")), ForwardCompat::listed);
  EXPECT_EQ(ngc_forward_compat(listed, v("470.57")), ForwardCompat::listed);
  EXPECT_EQ(ngc_forward_compat(listed, v("535.183.01")), ForwardCompat::listed);
}

TEST(NgcForwardCompat, AnOlderBuildOfAListedBranchOrAnotherBranchDoesNot) {
  const std::vector<std::string> listed{"470.57", "525.85"};
  EXPECT_EQ(ngc_forward_compat(listed, v("470.42.01")), ForwardCompat::not_listed);
  EXPECT_EQ(ngc_forward_compat(listed, v("510.108.03")), ForwardCompat::not_listed);
}

TEST(NgcForwardCompat, ABareBranchCoversTheWholeBranch) {
  EXPECT_EQ(ngc_forward_compat({"535"}, v("535.54.03")), ForwardCompat::listed);
}

TEST(NgcForwardCompat, NoListOrNoDriverIsUnknown) {
  EXPECT_EQ(ngc_forward_compat({}, v("470.57.02")), ForwardCompat::unknown);
  EXPECT_EQ(ngc_forward_compat({"470.57"}, std::nullopt), ForwardCompat::unknown);
}

}  // namespace
}  // namespace td
