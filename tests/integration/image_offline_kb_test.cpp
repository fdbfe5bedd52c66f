// `torchdoctor image --offline` judges tags from the knowledge base alone (issue: engine, item 6).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "run_binary.hpp"

using nlohmann::json;
using td::test::run_td;

namespace {

json offline(const std::vector<std::string>& extra) {
  std::vector<std::string> args{"image", "--offline", "--json", "--no-probe"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = run_td(args, "", {"XDG_CACHE_HOME=/tmp/td-offline-kb-test-empty-cache"});
  EXPECT_EQ(r.code, 1) << r.err << r.out;
  const json j = json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
  return j;
}

std::vector<std::string> codes(const json& image) {
  std::vector<std::string> out;
  for (const auto& r : image["reasons"]) out.push_back(r["code"]);
  return out;
}

bool has(const std::vector<std::string>& v, const char* c) { return std::find(v.begin(), v.end(), c) != v.end(); }

}  // namespace

TEST(ImageOfflineKb, NeverPublishedTagGetsTheNearestRealOnes) {
  // The seed article's tag: PyTorch 2.9 was never built with CUDA 11.8 / cuDNN 8.
  const json j = offline({"--arch", "x86_64", "--gpu", "sm_86", "--driver", "570.86.15", "pytorch/pytorch:2.9.0-cuda11.8-cudnn8-devel"});
  const json& img = j["images"][0];
  EXPECT_TRUE(has(codes(img), "TAG_NOT_FOUND"));
  EXPECT_FALSE(img["nearest_tags"].empty());
}

TEST(ImageOfflineKb, X86OnlyImageOnAJetsonIsAnArchMismatch) {
  const json j = offline({"--arch", "aarch64", "--l4t", "36.4.3", "pytorch/pytorch:2.6.0-cuda12.4-cudnn9-runtime"});
  const auto c = codes(j["images"][0]);
  EXPECT_TRUE(has(c, "ARCH_MISMATCH"));
  EXPECT_TRUE(has(c, "NOT_FOR_TEGRA"));
  EXPECT_TRUE(has(c, "INSTEAD"));
}

TEST(ImageOfflineKb, JetsonImageForAnotherL4TLine) {
  const json j = offline({"--arch", "aarch64", "--l4t", "36.4.3", "nvcr.io/nvidia/l4t-pytorch:r35.2.1-pth2.0-py3"});
  EXPECT_TRUE(has(codes(j["images"][0]), "L4T_MISMATCH"));
}

TEST(ImageOfflineKb, TheTorchInsideHasNoKernelsForTheGpu) {
  const json j = offline({"--arch", "x86_64", "--gpu", "sm_120", "--driver", "570.86.15", "pytorch/pytorch:2.6.0-cuda12.4-cudnn9-runtime"});
  EXPECT_TRUE(has(codes(j["images"][0]), "GPU_ARCH_MISSING"));
}
