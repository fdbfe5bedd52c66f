// Records of the embedded knowledge base that issue 17 found wrong or missing, read through the
// KB queries: each test names the fact and where it was read (data/kb/SOURCES-*.md says more).
#include <gtest/gtest.h>

#include <algorithm>

#include "torchdoctor/kb/kb.hpp"
#include "torchdoctor/kb/queries.hpp"

namespace td {
namespace {

const Kb& kb() {
  static const Kb k = load_embedded_kb().value();
  return k;
}

Version v(const char* s) { return Version::parse(s).value(); }

bool has_cc(const std::vector<ComputeCapability>& list, const char* cc) {
  const auto want = ComputeCapability::parse(cc).value();
  return std::find(list.begin(), list.end(), want) != list.end();
}

bool has(const std::vector<std::string>& list, const char* s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

TEST(KbRecords, DriverBranchesLastForEachOldGpuFamily) {
  // NVIDIA: 470.239.06 is the legacy release for Kepler; R580 is the last for Maxwell, Pascal, Volta.
  ASSERT_NE(last_driver_branch_for(kb(), "Kepler"), nullptr);
  EXPECT_EQ(last_driver_branch_for(kb(), "Kepler")->branch, "470");
  for (const char* family : {"Maxwell", "Pascal", "Volta"}) {
    ASSERT_NE(last_driver_branch_for(kb(), family), nullptr) << family;
    EXPECT_EQ(last_driver_branch_for(kb(), family)->branch, "580") << family;
  }
  for (const char* family : {"Turing", "Ampere", "Hopper", "Blackwell"})
    EXPECT_EQ(last_driver_branch_for(kb(), family), nullptr) << family;
}

TEST(KbRecords, PytorchImages21To23AreNotCudaOnArm64) {
  // The Dockerfile installs the CPU-only torch on linux/arm64: no CUDA tag of 2.1-2.3 serves arm64.
  int seen = 0;
  for (const auto& img : kb().pytorch_images) {
    if (!img.cuda || !(img.torch >= v("2.1.0")) || !(img.torch < v("2.4.0"))) continue;
    ++seen;
    EXPECT_FALSE(has(img.platforms, "linux/arm64")) << img.ref;
  }
  EXPECT_GE(seen, 14);
}

TEST(KbRecords, PythonOfTorch113And25DiffersByPlatform) {
  for (const char* ver : {"2.5.0", "2.5.1"}) {
    const auto* rel = find_torch_release(kb(), v(ver));
    ASSERT_NE(rel, nullptr) << ver;
    EXPECT_TRUE(release_supports_python(*rel, v("3.13"))) << ver << ": PyPI has cp313 x86_64 wheels";
    const auto* arm = find_wheel(kb(), v(ver), "cpu", "linux-aarch64");
    ASSERT_NE(arm, nullptr) << ver;
    EXPECT_FALSE(wheel_supports_python(*rel, *arm, v("3.13"))) << ver << ": no cp313 aarch64 wheel";
    EXPECT_TRUE(wheel_supports_python(*rel, *arm, v("3.12"))) << ver;
    const auto* x86 = find_wheel(kb(), v(ver), "cu124", "linux-x86_64");
    ASSERT_NE(x86, nullptr) << ver;
    EXPECT_TRUE(wheel_supports_python(*rel, *x86, v("3.13"))) << ver;
  }
  for (const char* ver : {"1.13.0", "1.13.1"}) {
    const auto* rel = find_torch_release(kb(), v(ver));
    ASSERT_NE(rel, nullptr) << ver;
    EXPECT_TRUE(release_supports_python(*rel, v("3.11"))) << ver;
    const auto* arm = find_wheel(kb(), v(ver), "cpu", "linux-aarch64");
    ASSERT_NE(arm, nullptr) << ver;
    EXPECT_FALSE(wheel_supports_python(*rel, *arm, v("3.11"))) << ver;
  }
}

TEST(KbRecords, Torch26CpuAarch64IsManylinux228) {
  const auto* arm = find_wheel(kb(), v("2.6.0"), "cpu", "linux-aarch64");
  ASSERT_NE(arm, nullptr);
  ASSERT_TRUE(arm->glibc.has_value());
  EXPECT_EQ(arm->glibc->str(), "2.28");
  const auto* x86 = find_wheel(kb(), v("2.6.0"), "cpu", "linux-x86_64");
  ASSERT_NE(x86, nullptr);
  EXPECT_EQ(x86->glibc->str(), "2.17");
  const auto* last = find_wheel(kb(), v("2.5.1"), "cpu", "linux-aarch64");
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->glibc->str(), "2.17") << "2.5.1 is the last glibc-2.17 aarch64 release";
}

TEST(KbRecords, Torch27Cu128ShipsCompute120Ptx) {
  for (const char* ver : {"2.7.0", "2.7.1"}) {
    const auto* w = find_wheel(kb(), v(ver), "cu128", "linux-x86_64");
    ASSERT_NE(w, nullptr) << ver;
    EXPECT_TRUE(has_cc(w->ptx, "12.0")) << ver;
    EXPECT_FALSE(has_cc(w->arch, "7.0")) << ver << ": sm_70 was dropped from 12.8 before 2.7";
  }
}

TEST(KbRecords, L4t362IsJetPack60DeveloperPreview) {
  const auto* jp = jetpack_for_l4t(kb(), v("36.2.0"));
  ASSERT_NE(jp, nullptr);
  EXPECT_EQ(jp->jetpack.str(), "6.0");
  EXPECT_EQ(jp->stage, "DP");
  const auto* ga = jetpack_for_l4t(kb(), v("36.3.0"));
  ASSERT_NE(ga, nullptr);
  EXPECT_EQ(ga->stage, "");
  const auto* r3642 = jetpack_for_l4t(kb(), v("36.4.2"));
  ASSERT_NE(r3642, nullptr);
  EXPECT_EQ(r3642->jetpack.str(), "6.1");
}

TEST(KbRecords, NvmlNameNvidiaThorIsJetsonThor) {
  const auto* g = find_gpu_by_name(kb(), "NVIDIA Thor");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->name, "Jetson AGX Thor");
  EXPECT_EQ(g->cc.str(), "11.0");
}

TEST(KbRecords, GpuNamesMatchByWordsWithoutTheVendorsWord) {
  // The Jetson probe names the iGPU as the board does ("NVIDIA Jetson AGX Orin"); the KB as NVIDIA's
  // CUDA GPUs page does ("Jetson AGX Orin").
  const auto* orin = find_gpu_by_name(kb(), "NVIDIA Jetson AGX Orin");
  ASSERT_NE(orin, nullptr);
  EXPECT_EQ(orin->cc.str(), "8.7");
  const auto* nano = find_gpu_by_name(kb(), "NVIDIA Jetson Nano");
  ASSERT_NE(nano, nullptr);
  EXPECT_EQ(nano->cc.str(), "5.3");
  const auto* rtx = find_gpu_by_name(kb(), "rtx 4090");
  ASSERT_NE(rtx, nullptr);
  EXPECT_EQ(rtx->cc.str(), "8.9");
  EXPECT_EQ(find_gpu_by_name(kb(), "nvidia"), nullptr);  // the vendor alone names no model
  EXPECT_EQ(find_gpu_by_name(kb(), "nan"), nullptr);     // a word is matched whole
}

TEST(KbRecords, PciDeviceIdsAreReadAsNumbers) {
  EXPECT_EQ(pci_device_id("0x2684"), 0x2684);
  EXPECT_EQ(pci_device_id("0X2B85"), 0x2b85);
  EXPECT_EQ(pci_device_id_str(0x2b85), "0x2b85");
  for (const char* bad : {"2684", "0x268", "0x26845", "0x26g4", "", "10de:2684"})
    EXPECT_FALSE(pci_device_id(bad).has_value()) << bad;
  const auto* g = find_gpu_by_pci(kb(), "0x2684");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->cc.str(), "8.9");
  EXPECT_EQ(find_gpu_by_pci(kb(), "0x0000"), nullptr);
}

TEST(KbRecords, NoCuda129WheelClaimsSm110) {
  // nvcc 12.9 has no sm_110 (Thor was sm_101 until CUDA 13.0): no CUDA 12.x wheel may list 11.0.
  for (const auto& w : kb().torch_wheels) {
    if (!w.cuda || w.cuda->major() != 12) continue;
    EXPECT_FALSE(has_cc(w.arch, "11.0")) << w.torch.str() << "+" << w.variant << " " << w.from.file << ":"
                                         << w.from.line;
  }
}

TEST(KbRecords, Cu129WheelsOf29To213) {
  for (const char* ver : {"2.9.0", "2.9.1", "2.10.0", "2.11.0", "2.12.1", "2.13.0"}) {
    for (const char* platform : {"linux-x86_64", "linux-aarch64"}) {
      const auto* w = find_wheel(kb(), v(ver), "cu129", platform);
      ASSERT_NE(w, nullptr) << ver << " " << platform;
      EXPECT_TRUE(has_cc(w->arch, "12.0")) << ver << " " << platform;
      EXPECT_TRUE(has_cc(w->ptx, "12.0")) << ver << " " << platform;
    }
  }
}

TEST(KbRecords, L4tImageNeedsMajorMinor) {
  const std::string meta = "as_of = \"2026-11-22\"\n";
  const std::string bare = "[[l4t_image]]\nref = \"x/y:1\"\nl4t = \"36\"\nsource = \"test\"\n";
  const auto bad = parse_kb({{"meta.toml", meta, {}}, {"jetson.toml", bare, {}}}, "test");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("major.minor"), std::string::npos) << bad.error().message;
  std::string good = bare;
  good.replace(good.find("\"36\""), 4, "\"36.4\"");
  EXPECT_TRUE(parse_kb({{"meta.toml", meta, {}}, {"jetson.toml", good, {}}}, "test").ok());
}

}  // namespace
}  // namespace td
