// `torchdoctor image --offline` judges tags from the knowledge base alone (issue: engine, item 6).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "run_binary.hpp"

using nlohmann::json;
using td::test::run_td;

namespace {

// `want`: the exit code expected, or -1 for any verdict's (0 or 1).
json offline(const std::vector<std::string>& extra, int want = 1) {
  std::vector<std::string> args{"image", "--offline", "--json", "--no-probe"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = run_td(args, "", {"XDG_CACHE_HOME=/tmp/td-offline-kb-test-empty-cache"});
  if (want >= 0)
    EXPECT_EQ(r.code, want) << r.err << r.out;
  else
    EXPECT_TRUE(r.code == 0 || r.code == 1) << r.err << r.out;
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
  const json j = offline(
      {"--arch", "x86_64", "--gpu", "sm_86", "--driver", "570.86.15", "pytorch/pytorch:2.9.0-cuda11.8-cudnn8-devel"});
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
  const json j = offline({"--arch", "x86_64", "--gpu", "sm_120", "--driver", "570.86.15",
                          "pytorch/pytorch:2.6.0-cuda12.4-cudnn9-runtime"});
  EXPECT_TRUE(has(codes(j["images"][0]), "GPU_ARCH_MISSING"));
}

// Checked against whatever the knowledge base marks unconfirmed, so the test outlives any one record.
TEST(ImageOfflineKb, AnUnconfirmedTagSaysSoAndItsReleaseNeverClaimsATagIsMissing) {
  const auto shown = run_td({"kb", "show", "images", "--json"});
  ASSERT_EQ(shown.code, 0) << shown.err;
  const json rows = json::parse(shown.out)["rows"];
  std::string ref;
  std::string release;
  for (const auto& row : rows) {
    const std::string r = row["ref"];
    if (r.rfind("pytorch/pytorch:", 0) == 0 && row["source"].get<std::string>().rfind("UNCONFIRMED", 0) == 0) {
      ref = r;
      release = row["torch"];
      break;
    }
  }
  if (ref.empty()) GTEST_SKIP() << "the knowledge base has no unconfirmed pytorch/pytorch tag to check";
  const json known = offline({"--arch", "x86_64", "--gpu", "sm_90", "--driver", "600.10", ref}, -1);
  EXPECT_TRUE(has(codes(known["images"][0]), "KB_UNCONFIRMED")) << known.dump();

  // A tag of the same release that the knowledge base does not list: it may exist (the list was derived).
  const json other = offline({"--arch", "x86_64", "--gpu", "sm_90", "--driver", "600.10",
                              "pytorch/pytorch:" + release + "-cuda9.9-cudnn9-runtime"},
                             3);
  EXPECT_EQ(other["images"][0]["status"], "undetermined") << other.dump();
  const auto c = codes(other["images"][0]);
  EXPECT_TRUE(has(c, "TAG_UNKNOWN")) << other.dump();
  EXPECT_FALSE(has(c, "TAG_NOT_FOUND")) << other.dump();
}

TEST(ImageOfflineKb, AnImageThatRunsIsNotToldToUseAnother) {
  // JetPack 5.1.1 (L4T 35.3.1): the recommended image runs, and an r35 image that runs is not sent
  // elsewhere either; INSTEAD is for images that do not run or are undetermined.
  for (const char* ref : {"dustynv/l4t-pytorch:2.2-r35.4.1", "nvcr.io/nvidia/l4t-pytorch:r35.2.1-pth2.0-py3"}) {
    const json j = offline({"--arch", "aarch64", "--l4t", "35.3.1", "--gpu", "NVIDIA Jetson AGX Orin", ref}, 0);
    const json& img = j["images"][0];
    EXPECT_EQ(img["status"], "ok") << img.dump(2);
    EXPECT_FALSE(has(codes(img), "INSTEAD")) << ref << ": " << img.dump(2);
  }
}
