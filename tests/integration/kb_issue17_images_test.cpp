// Issue 17's wrong image records, judged offline from the knowledge base alone: a pytorch/pytorch
// 2.1-2.3 CUDA runtime tag on an arm64 GPU host (GH200-like) does not give a CUDA torch, because
// the Dockerfile installs the CPU-only torch on linux/arm64.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "run_binary.hpp"

using nlohmann::json;
using td::test::offline_image;

namespace {

bool has_code(const json& image, const std::string& code) {
  for (const auto& r : image["reasons"]) {
    if (r["code"] == code) return true;
  }
  return false;
}

}  // namespace

TEST(KbIssue17Images, Cuda23RuntimeTagIsNoCudaImageOnArm64) {
  for (const char* ref :
       {"pytorch/pytorch:2.3.0-cuda12.1-cudnn8-runtime", "pytorch/pytorch:2.1.0-cuda11.8-cudnn8-runtime",
        "pytorch/pytorch:2.2.2-cuda12.1-cudnn8-runtime"}) {
    const json j = offline_image({"--arch", "aarch64", "--gpu", "sm_90", "--driver", "550.54.15", ref}, 1);
    ASSERT_FALSE(j["images"].empty()) << ref;
    EXPECT_TRUE(has_code(j["images"][0], "ARCH_MISMATCH")) << ref << ": " << j.dump(1);
  }
}

TEST(KbIssue17Images, Cuda23RuntimeTagStillRunsOnAmd64) {
  const json j = offline_image(
      {"--arch", "x86_64", "--gpu", "sm_90", "--driver", "550.54.15", "pytorch/pytorch:2.3.0-cuda12.1-cudnn8-runtime"},
      0);
  ASSERT_FALSE(j["images"].empty());
  EXPECT_FALSE(has_code(j["images"][0], "ARCH_MISMATCH")) << j.dump(1);
}

TEST(KbIssue17Images, Cuda129TagOf291IsNotCalledNeverPublished) {
  // Sources conflict (test-infra's Docker matrix has no 12.9; an official GHCR 2.9.1-cuda12.9 image is
  // reported): the 2.9.1 tags are recorded unconfirmed, so offline they are not TAG_NOT_FOUND.
  const json j = offline_image(
      {"--arch", "x86_64", "--gpu", "sm_90", "--driver", "575.57.08", "pytorch/pytorch:2.9.1-cuda12.9-cudnn9-devel"},
      0);
  ASSERT_FALSE(j["images"].empty());
  EXPECT_FALSE(has_code(j["images"][0], "TAG_NOT_FOUND")) << j.dump(1);
  EXPECT_TRUE(has_code(j["images"][0], "KB_UNCONFIRMED")) << j.dump(1);
  // 2.11+ push Docker Hub from test-infra's matrix, which has no 12.9.
  const json k = offline_image(
      {"--arch", "x86_64", "--gpu", "sm_90", "--driver", "575.57.08", "pytorch/pytorch:2.11.0-cuda12.9-cudnn9-runtime"},
      1);
  ASSERT_FALSE(k["images"].empty());
  EXPECT_TRUE(has_code(k["images"][0], "TAG_NOT_FOUND")) << k.dump(1);
}

TEST(KbIssue17Images, IgpuContainersServeTheirJetPack6Line) {
  // NVIDIA's PyTorch-for-Jetson table: 24.09-25.01 -> JetPack 6.1 (L4T 36.4.0), 25.02-25.06 -> 6.2 (36.4.3).
  // They were stored with l4t "36", which the L4T major.minor check read as 36.0: a mismatch on every JetPack 6.1/6.2
  // Orin.
  for (const char* ref : {"nvcr.io/nvidia/pytorch:25.01-py3-igpu", "nvcr.io/nvidia/pytorch:25.06-py3-igpu"}) {
    const json j = offline_image({"--arch", "aarch64", "--l4t", "36.4.3", ref}, 0);
    ASSERT_FALSE(j["images"].empty()) << ref;
    EXPECT_FALSE(has_code(j["images"][0], "L4T_MISMATCH")) << ref << ": " << j.dump(1);
  }
  const json old = offline_image({"--arch", "aarch64", "--l4t", "35.4.1", "nvcr.io/nvidia/pytorch:25.01-py3-igpu"}, 1);
  ASSERT_FALSE(old["images"].empty());
  EXPECT_TRUE(has_code(old["images"][0], "L4T_MISMATCH")) << old.dump(1);
}
