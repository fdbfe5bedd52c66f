// NGC nvcr.io/nvidia/pytorch records (issue 17), judged offline from the knowledge base alone: the
// platforms a month is published for, the driver its CUDA needs, and forward compatibility, which
// runs an NGC image on a data-center GPU with an older driver only on the branches its release
// notes list (24.06: R470 from 470.57, R525 from 525.85, R535 from 535.86, R545 from 545.23).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "run_binary.hpp"

using nlohmann::json;
using td::test::offline_image;
using td::test::run_td;

namespace {

const json* reason(const json& image, const std::string& code) {
  for (const auto& r : image["reasons"]) {
    if (r["code"] == code) return &r;
  }
  return nullptr;
}

}  // namespace

TEST(KbNgc, Gh200RunsTheArm64Build) {
  // 25.01 was seen running on an aarch64 Grace Blackwell host: the tag has a linux/arm64 image.
  const json j = offline_image(
      {"--arch", "aarch64", "--gpu", "GH200", "--driver", "570.124.06", "nvcr.io/nvidia/pytorch:25.01-py3"}, 0);
  ASSERT_FALSE(j["images"].empty());
  const json& img = j["images"][0];
  EXPECT_EQ(reason(img, "ARCH_MISMATCH"), nullptr) << img.dump(1);
  EXPECT_EQ(reason(img, "TAG_UNKNOWN"), nullptr) << img.dump(1);
  EXPECT_EQ(reason(img, "DRIVER_TOO_OLD"), nullptr) << img.dump(1);
  EXPECT_NE(reason(img, "KB_UNCONFIRMED"), nullptr) << img.dump(1);  // read in run logs, not NVIDIA's page
}

TEST(KbNgc, ThorTakesTheSbsaImage) {
  // JetPack 7 (L4T r38) uses the SBSA stack; NVIDIA's Jetson table maps container 25.08 to JetPack 7.0.
  const json j = offline_image(
      {"--arch", "aarch64", "--l4t", "38.2.0", "--gpu", "NVIDIA Thor", "nvcr.io/nvidia/pytorch:25.08-py3"}, -1);
  ASSERT_FALSE(j["images"].empty());
  const json& img = j["images"][0];
  EXPECT_EQ(reason(img, "ARCH_MISMATCH"), nullptr) << img.dump(1);
  EXPECT_EQ(reason(img, "NOT_FOR_TEGRA"), nullptr) << img.dump(1);
  EXPECT_EQ(reason(img, "DRIVER_TOO_OLD"), nullptr) << img.dump(1);
  EXPECT_NE(img["status"], "problem") << img.dump(1);
}

TEST(KbNgc, OldDriverOnAGeForceDoesNotRunANewNgcImage) {
  // 24.06 is CUDA 12.5: R470 is below the CUDA 12 floor, and forward compatibility is for data-center GPUs.
  const json j = offline_image(
      {"--arch", "x86_64", "--gpu", "RTX 4090", "--driver", "470.199.02", "nvcr.io/nvidia/pytorch:24.06-py3"}, 1);
  const json* r = reason(j["images"][0], "DRIVER_TOO_OLD");
  ASSERT_NE(r, nullptr) << j.dump(1);
  EXPECT_NE((*r)["message"].get<std::string>().find("data-center GPUs only"), std::string::npos) << r->dump();
}

TEST(KbNgc, ForwardCompatRunsOnAListedBranchOfADataCenterGpu) {
  // 470.199.02 is R470 at or after 470.57: listed by 24.06's release notes.
  const json j = offline_image(
      {"--arch", "x86_64", "--gpu", "A100", "--driver", "470.199.02", "nvcr.io/nvidia/pytorch:24.06-py3"}, 0);
  const json* r = reason(j["images"][0], "FORWARD_COMPAT");
  ASSERT_NE(r, nullptr) << j.dump(1);
  EXPECT_EQ((*r)["severity"], "warn") << r->dump();
  EXPECT_EQ(reason(j["images"][0], "DRIVER_TOO_OLD"), nullptr) << j.dump(1);
}

TEST(KbNgc, ForwardCompatDoesNotCoverAnUnlistedBranchOrAnOlderBuild) {
  // R510 is not listed for 24.06; 470.42 is R470 but before 470.57.
  for (const char* driver : {"510.108.03", "470.42.01"}) {
    const json j =
        offline_image({"--arch", "x86_64", "--gpu", "A100", "--driver", driver, "nvcr.io/nvidia/pytorch:24.06-py3"}, 1);
    const json* r = reason(j["images"][0], "DRIVER_TOO_OLD");
    ASSERT_NE(r, nullptr) << driver << ": " << j.dump(1);
    EXPECT_NE((*r)["message"].get<std::string>().find("470.57"), std::string::npos) << r->dump();
  }
}

TEST(KbNgc, ForwardCompatIsUndeterminedWhereTheKbListsNoBranches) {
  // 24.10's forward-compatibility branches were not read: undetermined on a data-center GPU, never "runs".
  const json j = offline_image(
      {"--arch", "x86_64", "--gpu", "A100", "--driver", "470.199.02", "nvcr.io/nvidia/pytorch:24.10-py3"}, 3);
  const json* r = reason(j["images"][0], "FORWARD_COMPAT");
  ASSERT_NE(r, nullptr) << j.dump(1);
  EXPECT_EQ((*r)["severity"], "unknown") << r->dump();
}

TEST(KbNgc, ARecordedMonthIsKnownAndAnUnrecordedOneIsUnknown) {
  const json known = offline_image(
      {"--arch", "x86_64", "--gpu", "RTX 4090", "--driver", "550.54.15", "nvcr.io/nvidia/pytorch:24.05-py3"}, 0);
  EXPECT_EQ(reason(known["images"][0], "TAG_UNKNOWN"), nullptr) << known.dump(1);
  // 23.02 was not sourced: not in the KB, so offline it is TAG_UNKNOWN (ask the registry), never "never published".
  const json unknown = offline_image(
      {"--arch", "x86_64", "--gpu", "RTX 4090", "--driver", "550.54.15", "nvcr.io/nvidia/pytorch:23.02-py3"}, 3);
  EXPECT_NE(reason(unknown["images"][0], "TAG_UNKNOWN"), nullptr) << unknown.dump(1);
  EXPECT_EQ(reason(unknown["images"][0], "TAG_NOT_FOUND"), nullptr) << unknown.dump(1);
}

TEST(KbNgc, KbShowImagesListsTheDriverFloorAndCompatBranches) {
  const auto r = run_td({"kb", "show", "images"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto line_of = [&r](const std::string& ref) {
    const auto at = r.out.find(ref);
    return at == std::string::npos ? std::string() : r.out.substr(at, r.out.find('\n', at) - at);
  };
  EXPECT_NE(line_of("nvcr.io/nvidia/pytorch:24.06-py3").find("555+; data-center: 470.57 525.85 535.86 545.23"),
            std::string::npos)
      << r.out;
  EXPECT_NE(line_of("nvcr.io/nvidia/pytorch:25.01-py3").find("linux/amd64 linux/arm64"), std::string::npos) << r.out;
}

TEST(KbNgc, MonthsReadInThirdPartyCopiesAreKnownAndJudgedByTheirCuda) {
  // 23.05 (CUDA 12.1.1, recorded 2026-12-05) was TAG_UNKNOWN offline; on a GeForce with driver 470
  // (CUDA 11.4) it cannot run: NGC's forward compatibility is for data-center GPUs only.
  const json j = offline_image(
      {"--arch", "x86_64", "--gpu", "RTX 4090", "--driver", "470.82.01", "nvcr.io/nvidia/pytorch:23.05-py3"}, 1);
  ASSERT_FALSE(j["images"].empty());
  const json& img = j["images"][0];
  EXPECT_EQ(reason(img, "TAG_UNKNOWN"), nullptr) << img.dump(1);
  EXPECT_NE(reason(img, "DRIVER_TOO_OLD"), nullptr) << img.dump(1);
  EXPECT_NE(reason(img, "KB_UNCONFIRMED"), nullptr) << img.dump(1);
}

TEST(KbNgc, AnImageWithoutAnArchListIsBoundedByItsCudaToolkit) {
  // 25.12 is CUDA 13.1, whose toolkit compiles nothing older than sm_75: a GTX 1080 Ti (sm_61) has no
  // kernels in it (it was "OK"). 23.05 (CUDA 12.1) compiles nothing for an RTX 5090 (sm_120): only
  // PTX could run there, and which PTX the image ships is not known (it was "OK").
  const json pascal = offline_image(
      {"--arch", "x86_64", "--gpu", "GTX 1080 Ti", "--driver", "580.95.05", "nvcr.io/nvidia/pytorch:25.12-py3"}, 1);
  EXPECT_NE(reason(pascal["images"][0], "GPU_TOO_OLD"), nullptr) << pascal.dump(1);
  const json blackwell = offline_image(
      {"--arch", "x86_64", "--gpu", "RTX 5090", "--driver", "580.95.05", "nvcr.io/nvidia/pytorch:23.05-py3"}, 3);
  EXPECT_NE(reason(blackwell["images"][0], "ARCH_LIST_UNKNOWN"), nullptr) << blackwell.dump(1);
  const json ada = offline_image(
      {"--arch", "x86_64", "--gpu", "RTX 4090", "--driver", "580.95.05", "nvcr.io/nvidia/pytorch:23.05-py3"}, 0);
  EXPECT_EQ(reason(ada["images"][0], "ARCH_LIST_UNKNOWN"), nullptr) << ada.dump(1);
}

namespace {

json recommend(const std::vector<std::string>& host) {
  std::vector<std::string> args{"recommend", "--json", "--all", "--no-probe"};
  args.insert(args.end(), host.begin(), host.end());
  const auto r = run_td(args);
  return json::parse(r.out);
}

const json* candidate(const json& rec, const std::string& ref) {
  for (const auto& c : rec["candidates"]) {
    if (c.contains("ref") && c["ref"] == ref) return &c;
  }
  return nullptr;
}

}  // namespace

TEST(KbNgcRecommend, Gh200OnACurrentDriverGetsAnNgcImage) {
  // No pytorch/pytorch image has a CUDA torch for linux/arm64; 25.10's arm64 arch list has sm_90.
  const json rec = recommend({"--arch", "aarch64", "--gpu", "GH200", "--driver", "580.95.05"});
  ASSERT_TRUE(rec["best"]["image"].is_object()) << rec["best"].dump(1);
  const json& img = rec["best"]["image"];
  EXPECT_EQ(img["ref"], "nvcr.io/nvidia/pytorch:25.10-py3") << img.dump(1);
  EXPECT_EQ(img["platform"], "linux/arm64");
  EXPECT_NE(reason(img, "KB_UNCONFIRMED"), nullptr) << img.dump(1);  // a third-party copy of its arch list
  const json* c = candidate(rec, "nvcr.io/nvidia/pytorch:25.10-py3");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ((*c)["install"], "docker pull nvcr.io/nvidia/pytorch:25.10-py3");
  const auto check = offline_image(
      {"--arch", "aarch64", "--gpu", "GH200", "--driver", "580.95.05", "nvcr.io/nvidia/pytorch:25.10-py3"}, 0);
  EXPECT_NE(check["images"][0]["status"], "problem") << check.dump(1);
}

TEST(KbNgcRecommend, Gh200OnAnOlderDriverGetsNoNgcImageThatNeedsANewerOne) {
  // 25.10 is CUDA 13.0; R570 is CUDA 12.8 and the KB lists no forward-compatibility branch for 25.10.
  const json rec = recommend({"--arch", "aarch64", "--gpu", "GH200", "--driver", "570.86.15"});
  EXPECT_FALSE(rec["best"]["image"].is_object()) << rec["best"].dump(1);
  const json* c = candidate(rec, "nvcr.io/nvidia/pytorch:25.10-py3");
  ASSERT_NE(c, nullptr) << rec.dump(1);
  EXPECT_NE(reason(*c, "FORWARD_COMPAT"), nullptr) << c->dump(1);
}

TEST(KbNgcRecommend, Rtx4090KeepsThePytorchImageOfTheBestWheel) {
  // x86: 25.10's list was read for linux/arm64 only, and the image carrying the best wheel wins anyway.
  const json rec = recommend({"--arch", "x86_64", "--gpu", "RTX 4090", "--driver", "580.95.05"});
  ASSERT_TRUE(rec["best"]["image"].is_object()) << rec["best"].dump(1);
  EXPECT_EQ(rec["best"]["image"]["ref"].get<std::string>().rfind("pytorch/pytorch:", 0), 0U)
      << rec["best"]["image"].dump(1);
  EXPECT_EQ(candidate(rec, "nvcr.io/nvidia/pytorch:25.10-py3"), nullptr);  // no arch list for amd64: no candidate
  // 26.07's amd64 list (sm_86 SASS runs on sm_89) makes it a candidate, behind the best wheel's image.
  const json* c = candidate(rec, "nvcr.io/nvidia/pytorch:26.07-py3");
  ASSERT_NE(c, nullptr) << rec["best"].dump(1);
  EXPECT_NE(reason(*c, "MINOR_VERSION_COMPAT"), nullptr) << c->dump(1);  // CUDA 13.3 on an R580 (13.0) driver
}

TEST(KbNgcRecommend, AnOldDriverGetsNoNgcMonthThatNeedsANewerOne) {
  // R570 is CUDA 12.8: 26.07 (CUDA 13.3) does not run on a GeForce, which has no forward compatibility.
  const json rec = recommend({"--arch", "x86_64", "--gpu", "RTX 4090", "--driver", "570.86.15"});
  const json* c = candidate(rec, "nvcr.io/nvidia/pytorch:26.07-py3");
  ASSERT_NE(c, nullptr) << rec.dump(1);
  EXPECT_NE(reason(*c, "DRIVER_TOO_OLD"), nullptr) << c->dump(1);
  EXPECT_EQ(rec["best"]["image"]["ref"].get<std::string>().rfind("pytorch/pytorch:", 0), 0U);
}

TEST(KbNgcRecommend, AnNgcImageWithoutAnArchListIsNoCandidate) {
  // 25.08 is CUDA 13.0 too, and runs on this driver, but its GPU targets were not read.
  const json rec = recommend({"--arch", "aarch64", "--gpu", "GH200", "--driver", "580.95.05"});
  EXPECT_EQ(candidate(rec, "nvcr.io/nvidia/pytorch:25.08-py3"), nullptr) << rec["best"].dump(1);
}

TEST(KbNgcRecommend, ThorGetsTheSbsaNgcImageOfItsJetPack) {
  // JetPack 7.0 runs the SBSA image (NVIDIA's Jetson table: containers 25.08-25.11); 25.10's arm64
  // list has sm_110, and no L4T image of r38 is in the knowledge base.
  const json rec = recommend({"--arch", "aarch64", "--l4t", "38.2.0", "--gpu", "NVIDIA Thor"});
  ASSERT_TRUE(rec["best"]["image"].is_object()) << rec["best"].dump(1);
  EXPECT_EQ(rec["best"]["image"]["ref"], "nvcr.io/nvidia/pytorch:25.10-py3");
  EXPECT_EQ(rec["best"]["image"]["platform"], "linux/arm64");
}
