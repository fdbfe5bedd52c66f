// `torchdoctor explain` judges the images the text names, and --image, with the image machinery
// (issue 18, item 2). Offline: the knowledge base and an empty cache, no network.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "run_binary.hpp"

using nlohmann::json;
using td::test::run_td;

namespace {

const std::vector<std::string> k_env{"XDG_CACHE_HOME=/tmp/td-explain-images-test-empty-cache"};

json explain_json(std::vector<std::string> args, const std::string& input, int want) {
  args.insert(args.begin(), {"explain", "--offline", "--json", "--no-probe"});
  const auto r = run_td(args, input, k_env);
  EXPECT_EQ(r.code, want) << r.err << r.out;
  const json j = json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
  return j;
}

bool has_code(const json& image, const char* code) {
  return std::any_of(image["reasons"].begin(), image["reasons"].end(),
                     [&](const json& r) { return r["code"] == code; });
}

}  // namespace

TEST(ExplainImages, ManifestNotFoundIsJudgedWithTheNearestTags) {
  const json j = explain_json({"--arch", "x86_64", "--gpu", "sm_86", "--driver", "570.86.15"},
                              "docker: Error response from daemon: manifest for "
                              "pytorch/pytorch:2.9.0-cuda11.8-cudnn8-devel not found: manifest unknown",
                              1);
  ASSERT_EQ(j["images"].size(), 1U) << j.dump();
  const json& img = j["images"][0];
  EXPECT_EQ(img["ref"], "pytorch/pytorch:2.9.0-cuda11.8-cudnn8-devel");
  EXPECT_EQ(img["line"], 1);
  EXPECT_EQ(img["found_by"], "manifest");
  EXPECT_EQ(img["status"], "problem");
  EXPECT_TRUE(has_code(img, "TAG_NOT_FOUND")) << img.dump();
  EXPECT_FALSE(img["nearest_tags"].empty());
}

TEST(ExplainImages, DockerfileFromOnAJetsonOfAnotherL4T) {
  const json j =
      explain_json({"--arch", "aarch64", "--l4t", "36.4.3"},
                   "FROM nvcr.io/nvidia/l4t-pytorch:r35.2.1-pth2.0-py3 AS base\nRUN python3 -c 'import torch'\n", 1);
  ASSERT_EQ(j["images"].size(), 1U) << j.dump();
  EXPECT_EQ(j["images"][0]["found_by"], "from");
  EXPECT_TRUE(has_code(j["images"][0], "L4T_MISMATCH")) << j.dump();
}

TEST(ExplainImages, ImageOptionSaysWhereTheFailureHappened) {
  const json j =
      explain_json({"--arch", "aarch64", "--l4t", "36.4.3", "--image", "pytorch/pytorch:2.6.0-cuda12.4-cudnn9-runtime"},
                   "RuntimeError: CUDA error: no kernel image is available for execution on the device", 1);
  ASSERT_EQ(j["images"].size(), 1U) << j.dump();
  const json& img = j["images"][0];
  EXPECT_EQ(img["failed_here"], true);
  EXPECT_EQ(img["found_by"], "--image");
  EXPECT_TRUE(img["line"].is_null());
  EXPECT_TRUE(has_code(img, "NOT_FOR_TEGRA")) << img.dump();
}

TEST(ExplainImages, TextOutputListsTheImagesAfterTheDiagnoses) {
  const auto r =
      run_td({"explain", "--offline", "--no-probe", "--arch", "x86_64", "--gpu", "sm_86", "--driver", "570.86.15",
              "$ docker run --rm --gpus all pytorch/pytorch:2.9.0-cuda11.8-cudnn8-devel python -c 'import torch'"},
             "", k_env);
  EXPECT_EQ(r.code, 1) << r.err << r.out;
  EXPECT_NE(r.out.find("judged for this host"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PROBLEM  pytorch/pytorch:2.9.0-cuda11.8-cudnn8-devel  (line 1)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("TAG_NOT_FOUND"), std::string::npos) << r.out;
}

TEST(ExplainImages, NoImageNoSectionAndABadImageOptionIsBadInput) {
  const json j = explain_json({"--arch", "x86_64"}, "RuntimeError: CUDA error: invalid device ordinal", 1);
  EXPECT_TRUE(j["images"].empty()) << j.dump();
  const auto bad = run_td(
      {"explain", "--offline", "--no-probe", "--image", "Not A Ref!", "CUDA error: invalid device ordinal"}, "", k_env);
  EXPECT_EQ(bad.code, 2) << bad.err << bad.out;
  EXPECT_NE(bad.err.find("--image"), std::string::npos) << bad.err;
}
