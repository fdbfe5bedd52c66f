// Engine rules against a small, hand-written knowledge base (the real KB's scenarios live in
// tests/scenarios/). Values here are illustrative and self-consistent, not the KB's facts.
#include <gtest/gtest.h>

#include <algorithm>

#include "torchdoctor/engine/engine.hpp"
#include "torchdoctor/report/verdicts.hpp"

using namespace td;

namespace {

const char* k_kb = R"(
[[cuda_release]]
version = "12.4.0"
min_driver_linux = "550.54.14"
source = "fixture"
[[cuda_release]]
version = "12.8.0"
min_driver_linux = "570.26"
source = "fixture"
[[cuda_release]]
version = "13.0.0"
min_driver_linux = "580.65.06"
source = "fixture"
[[cuda_major]]
major = 12
min_driver_linux = "525.60.13"
source = "fixture"
[[cuda_major]]
major = 13
min_driver_linux = "580.65.06"
source = "fixture"

[[gpu]]
name = "NVIDIA GeForce RTX 5090"
pci_ids = ["0x2b85"]
cc = "12.0"
source = "fixture"
[[gpu]]
name = "NVIDIA GeForce GTX 1080 Ti"
pci_ids = ["0x1b06"]
cc = "6.1"
source = "fixture"
[[gpu]]
name = "NVIDIA A100-SXM4-80GB"
aliases = ["A100"]
pci_ids = ["0x20b2"]
cc = "8.0"
source = "fixture"

[[torch_release]]
version = "2.6.0"
python = ["3.9", "3.10", "3.11", "3.12", "3.13"]
source = "fixture"
[[torch_release]]
version = "2.8.0"
python = ["3.9", "3.10", "3.11", "3.12", "3.13"]
source = "fixture"
[[torch_release]]
version = "2.9.0"
python = ["3.10", "3.11", "3.12", "3.13"]
source = "fixture"

[[torch_wheel]]
torch = "2.6.0"
variant = "cu124"
cuda = "12.4"
arch = ["5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0"]
ptx = ["9.0"]
platforms = ["linux-x86_64"]
glibc = "2.28"
index = "pypi"
source = "fixture"
[[torch_wheel]]
torch = "2.6.0"
variant = "cpu"
platforms = ["linux-x86_64", "linux-aarch64"]
index = "pytorch"
source = "fixture"
[[torch_wheel]]
torch = "2.8.0"
variant = "cu128"
cuda = "12.8"
arch = ["7.0", "7.5", "8.0", "8.6", "9.0", "10.0", "12.0"]
platforms = ["linux-x86_64", "linux-aarch64"]
glibc = "2.28"
index = "pypi"
source = "fixture"
[[torch_wheel]]
torch = "2.8.0"
variant = "cu126"
cuda = "12.6"
arch = ["5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0"]
ptx = ["9.0"]
platforms = ["linux-x86_64"]
glibc = "2.28"
index = "pytorch"
source = "fixture"
[[torch_wheel]]
torch = "2.9.0"
variant = "cu130"
cuda = "13.0"
arch = ["7.5", "8.0", "8.6", "9.0", "10.0", "11.0", "12.0"]
ptx = ["12.0"]
platforms = ["linux-x86_64", "linux-aarch64"]
glibc = "2.28"
index = "pytorch"
source = "fixture"
[[torch_wheel]]
torch = "2.9.0"
variant = "cpu"
platforms = ["linux-x86_64", "linux-aarch64"]
index = "pytorch"
source = "fixture"

[[jetson_module]]
id = "agx-orin"
name = "Jetson AGX Orin"
soc = "t234"
cc = "8.7"
dt_compatible = ["nvidia,p3701-0000", "nvidia,tegra234"]
source = "fixture"
[[jetpack]]
jetpack = "6.2"
l4t = "36.4.3"
cuda = "12.6"
modules = ["agx-orin"]
source = "fixture"
[[jetson_wheel]]
jetpack = "6.2"
torch = "2.7.0"
cuda = "12.6"
python = ["3.10"]
index = "jetson-ai-lab"
source = "fixture"
[[l4t_image]]
ref = "dustynv/l4t-pytorch:r36.4.0"
l4t = "36.4.0"
torch = "2.4"
source = "fixture"
[[l4t_image]]
ref = "nvcr.io/nvidia/l4t-pytorch:r35.2.1-pth2.0-py3"
l4t = "35.2.1"
torch = "2.0"
source = "fixture"
)";

const Kb& kb() {
  static const Kb k = [] {
    auto r = parse_kb({{"meta.toml", "as_of = \"2026-11-22\"\n"}, {"engine.toml", k_kb}}, "fixture");
    if (!r) ADD_FAILURE() << r.error().message;
    return r.ok() ? *r : Kb{};
  }();
  return k;
}

HostFacts enriched(HostFacts f) {
  enrich_host(f, kb());
  return f;
}

// The host as the app hands it to the engine: enriched and classified once.
JudgedHost judged(HostFacts f) { return judge_host(std::move(f), kb()); }

HostFacts x86(const char* driver, std::vector<ComputeCapability> gpus) {
  HostFacts f;
  f.cpu.arch = Fact<std::string>::known("x86_64", "test");
  f.cpu.glibc = Fact<Version>::known(*Version::parse("2.35"), "test");
  f.python_version = Fact<Version>::known(*Version::parse("3.11"), "test");
  if (driver != nullptr)
    f.driver.version = Fact<Version>::known(*Version::parse(driver), "test");
  else
    f.driver.version = Fact<Version>::unknown("test", "no NVIDIA kernel module loaded");
  std::vector<GpuFacts> list;
  for (const auto& cc : gpus) {
    GpuFacts g;
    g.compute_capability = Fact<ComputeCapability>::known(cc, "test");
    g.integrated = Fact<bool>::known(false, "test");
    list.push_back(g);
  }
  f.gpus = Fact<std::vector<GpuFacts>>::known(list, "test");
  return f;
}

std::vector<std::string> codes(const HostFacts& facts, const std::string& torch, const std::string& variant) {
  const HostFacts f = enriched(facts);
  const HostClass h = classify(f, kb());
  for (const auto& w : kb().torch_wheels) {
    if (w.torch.str() == torch && w.variant == variant) {
      std::vector<std::string> out;
      for (const auto& r : judge_wheel(f, h, kb(), w)) out.push_back(r.code);
      return out;
    }
  }
  ADD_FAILURE() << "no wheel " << torch << "+" << variant;
  return {};
}

bool has(const std::vector<std::string>& v, const char* code) { return std::find(v.begin(), v.end(), code) != v.end(); }

}  // namespace

TEST(Engine, CubinForTheSameMajorRunsNatively) {
  EXPECT_TRUE(codes(x86("570.86.15", {ComputeCapability(8, 9)}), "2.8.0", "cu128").empty());
}

TEST(Engine, NewestGpuOnAnOldWheelHasNoKernels) {
  const auto c = codes(x86("570.86.15", {ComputeCapability(12, 0)}), "2.6.0", "cu124");
  EXPECT_TRUE(has(c, "PTX_JIT")) << "9.0 PTX JIT-compiles forward to 12.0";
  const auto c2 = codes(x86("570.86.15", {ComputeCapability(12, 0)}), "2.8.0", "cu126");
  EXPECT_TRUE(has(c2, "PTX_JIT"));
}

TEST(Engine, PascalOnAWheelWithoutSm6xIsTooOld) {
  const auto c = codes(x86("570.86.15", {ComputeCapability(6, 1)}), "2.8.0", "cu128");
  EXPECT_TRUE(has(c, "GPU_TOO_OLD"));
}

TEST(Engine, DriverTooOldForTheWheelsCuda) {
  const auto c = codes(x86("570.86.15", {ComputeCapability(8, 0)}), "2.9.0", "cu130");
  EXPECT_TRUE(has(c, "DRIVER_TOO_OLD"));
}

TEST(Engine, MinorVersionCompatibilityIsAWarningNotAnError) {
  const auto c = codes(x86("535.104.05", {ComputeCapability(8, 0)}), "2.8.0", "cu128");
  EXPECT_TRUE(has(c, "MINOR_VERSION_COMPAT"));
  EXPECT_FALSE(has(c, "DRIVER_TOO_OLD"));
}

TEST(Engine, NoDriverWithAGpu) {
  EXPECT_TRUE(has(codes(x86(nullptr, {ComputeCapability(8, 0)}), "2.8.0", "cu128"), "NO_DRIVER"));
}

TEST(Engine, CudaWheelWithoutGpuRunsOnCpuOnly) {
  const auto c = codes(x86(nullptr, {}), "2.8.0", "cu128");
  EXPECT_TRUE(has(c, "NO_GPU"));
  EXPECT_FALSE(has(c, "NO_DRIVER")) << "no GPU: a missing driver is not the problem";
}

TEST(Engine, ArchMismatchOnAarch64) {
  HostFacts f = x86("570.86.15", {ComputeCapability(9, 0)});
  f.cpu.arch = Fact<std::string>::known("aarch64", "test");
  EXPECT_TRUE(has(codes(f, "2.6.0", "cu124"), "ARCH_MISMATCH"));
  EXPECT_FALSE(has(codes(f, "2.8.0", "cu128"), "ARCH_MISMATCH"));
}

TEST(Engine, PythonAndGlibcChecks) {
  HostFacts f = x86("570.86.15", {ComputeCapability(8, 0)});
  f.python_version = Fact<Version>::known(*Version::parse("3.9"), "test");
  f.cpu.glibc = Fact<Version>::known(*Version::parse("2.17"), "test");
  const auto c = codes(f, "2.9.0", "cu130");
  EXPECT_TRUE(has(c, "PYTHON_UNSUPPORTED"));
  EXPECT_TRUE(has(c, "GLIBC_TOO_OLD"));
}

TEST(Engine, UnknownGpuIsExplicit) {
  HostFacts f = x86("570.86.15", {});
  GpuFacts g;
  g.pci_device_id = Fact<std::string>::known("0xffff", "test");
  f.gpus.value->push_back(g);
  EXPECT_TRUE(has(codes(f, "2.8.0", "cu128"), "UNKNOWN_GPU"));
}

TEST(Engine, EnrichmentNamesGpusAndDerivesTheDriverCudaLevel) {
  HostFacts f = x86("570.86.15", {});
  GpuFacts g;
  g.pci_device_id = Fact<std::string>::known("0x2B85", "sysfs");
  f.gpus.value->push_back(g);
  const HostFacts e = enriched(f);
  EXPECT_EQ((*e.gpus.value)[0].compute_capability.value->str(), "12.0");
  EXPECT_EQ((*e.gpus.value)[0].compute_capability.source, "kb");
  EXPECT_EQ(e.driver.cuda_level.value->str(), "12.8");
  EXPECT_EQ(e.driver.cuda_level.source, "kb");
}

TEST(Engine, RecommendPicksTheNewestNativeBuildAndExplainsNewerOnes) {
  const Recommendation r = recommend(judged(x86("570.86.15", {ComputeCapability(12, 0)})), kb());
  ASSERT_TRUE(r.best_wheel.has_value());
  EXPECT_EQ(r.best_wheel->torch, "2.8.0");
  EXPECT_EQ(r.best_wheel->variant, "cu128");
  EXPECT_EQ(r.best_wheel->install, "pip install torch==2.8.0");
  bool saw_cu130 = false;
  for (const auto& c : r.rejected_newer) {
    if (c.variant == "cu130") {
      saw_cu130 = true;
      EXPECT_EQ(c.reasons.front().code, "DRIVER_TOO_OLD");
    }
  }
  EXPECT_TRUE(saw_cu130);
}

TEST(Engine, AnUnconfirmedRecordIsStillChosenButSaysSo) {
  // The same knowledge base with the 2.9.0 CPU wheel marked unconfirmed.
  std::string text = k_kb;
  const std::string cpu29 =
      "torch = \"2.9.0\"\nvariant = \"cpu\"\nplatforms = [\"linux-x86_64\", \"linux-aarch64\"]\nindex = "
      "\"pytorch\"\nsource = \"fixture\"\n";
  const auto at = text.find(cpu29);
  ASSERT_NE(at, std::string::npos);
  text.insert(at + cpu29.size(),
              "confirmed = false\nnote = \"Derived from the build matrix. Not seen on the index.\"\n");
  auto unconfirmed = parse_kb({{"meta.toml", "as_of = \"2026-11-22\"\n"}, {"engine.toml", text}}, "fixture");
  ASSERT_TRUE(unconfirmed) << unconfirmed.error().message;

  const Recommendation r = recommend(judge_host(x86(nullptr, {}), *unconfirmed), *unconfirmed);
  ASSERT_TRUE(r.best_wheel.has_value());
  EXPECT_EQ(r.best_wheel->torch, "2.9.0");  // info only: the choice is the same
  EXPECT_EQ(r.best_wheel->variant, "cpu");
  const auto it = std::find_if(r.best_wheel->reasons.begin(), r.best_wheel->reasons.end(),
                               [](const Reason& x) { return x.code == "KB_UNCONFIRMED"; });
  ASSERT_NE(it, r.best_wheel->reasons.end());
  EXPECT_EQ(it->severity, Severity::info);
  EXPECT_NE(it->message.find("torch 2.9.0+cpu is not confirmed at a primary source (engine.toml:"), std::string::npos)
      << it->message;
  EXPECT_NE(it->message.find(": Derived from the build matrix."), std::string::npos) << it->message;
  EXPECT_EQ(it->message.find("Not seen"), std::string::npos) << "only the note's first sentence: " << it->message;

  // Text: the best pick marks it in one line, --verbose says it in full; in the list of every
  // candidate it is a tag on the line.
  const std::string shown = render_recommendation(r, *unconfirmed, true, false, false);
  EXPECT_EQ(shown.find("KB_UNCONFIRMED"), std::string::npos) << "the sourcing note only with --verbose: " << shown;
  EXPECT_NE(shown.find("  torch 2.9.0+cpu  (linux/amd64)\n"), std::string::npos) << shown;
  EXPECT_NE(shown.find("    (its knowledge-base record is unconfirmed: --verbose says why)\n"), std::string::npos)
      << shown;
  EXPECT_NE(shown.find("  torch 2.9.0+cpu  (linux/amd64)  ok  (knowledge-base record unconfirmed)\n"),
            std::string::npos)
      << shown;
  const std::string verbose = render_recommendation(r, *unconfirmed, false, true, false);
  EXPECT_NE(verbose.find("    KB_UNCONFIRMED — torch 2.9.0+cpu is not confirmed"), std::string::npos) << verbose;
  EXPECT_EQ(verbose.find("KB_UNCONFIRMED"), verbose.rfind("KB_UNCONFIRMED")) << "said in full once: " << verbose;

  const Recommendation confirmed = recommend(judged(x86(nullptr, {})), kb());
  ASSERT_TRUE(confirmed.best_wheel.has_value());
  EXPECT_TRUE(confirmed.best_wheel->reasons.empty());
}

TEST(Engine, RecommendForPascalChoosesAWheelThatStillHasSm6x) {
  const Recommendation r = recommend(judged(x86("570.86.15", {ComputeCapability(6, 1)})), kb());
  ASSERT_TRUE(r.best_wheel.has_value());
  EXPECT_EQ(r.best_wheel->torch, "2.8.0");
  EXPECT_EQ(r.best_wheel->variant, "cu126");
  EXPECT_NE(r.best_wheel->install_uv.find("--torch-backend=cu126"), std::string::npos);
}

TEST(Engine, RecommendWithoutGpuChoosesCpu) {
  const Recommendation r = recommend(judged(x86(nullptr, {})), kb());
  ASSERT_TRUE(r.best_wheel.has_value());
  EXPECT_EQ(r.best_wheel->variant, "cpu");
  EXPECT_EQ(r.best_wheel->torch, "2.9.0");
}

TEST(Engine, RecommendPinsARelease) {
  RecommendOptions o;
  o.torch = *Version::parse("2.6");
  const Recommendation r = recommend(judged(x86("570.86.15", {ComputeCapability(8, 0)})), kb(), o);
  ASSERT_TRUE(r.best_wheel.has_value());
  EXPECT_EQ(r.best_wheel->torch, "2.6.0");
}

TEST(Engine, JetsonGetsJetsonBuildsAndNotPypiCudaWheels) {
  HostFacts f;
  f.cpu.arch = Fact<std::string>::known("aarch64", "test");
  f.jetson.l4t = Fact<Version>::known(*Version::parse("36.4.3"), "test");
  f.board.compatible = Fact<std::vector<std::string>>::known({"nvidia,p3701-0000", "nvidia,tegra234"}, "test");
  GpuFacts igpu;
  igpu.integrated = Fact<bool>::known(true, "test");
  f.gpus = Fact<std::vector<GpuFacts>>::known({igpu}, "test");
  const HostFacts e = enriched(f);
  EXPECT_EQ((*e.gpus.value)[0].compute_capability.value->str(), "8.7");
  EXPECT_EQ(e.jetson.jetpack.value->str(), "6.2");
  EXPECT_TRUE(has(codes(f, "2.8.0", "cu128"), "NOT_FOR_TEGRA"));
  const Recommendation r = recommend(judged(e), kb());
  ASSERT_TRUE(r.best_wheel.has_value());
  EXPECT_EQ(r.best_wheel->torch, "2.7.0");
  ASSERT_TRUE(r.best_image.has_value());
  EXPECT_EQ(r.best_image->ref, "dustynv/l4t-pytorch:r36.4.0");
  bool mismatch = false;
  for (const auto& c : r.all) {
    for (const auto& reason : c.reasons) mismatch = mismatch || reason.code == "L4T_MISMATCH";
  }
  EXPECT_TRUE(mismatch) << "the r35 image is judged and rejected";
}

TEST(Engine, UnknownL4TIsExplicitNeverADefault) {
  HostFacts f;
  f.cpu.arch = Fact<std::string>::known("aarch64", "test");
  f.jetson.l4t = Fact<Version>::known(*Version::parse("39.1.0"), "test");
  const Recommendation r = recommend(judged(f), kb());
  EXPECT_FALSE(r.best_wheel.has_value());
  ASSERT_FALSE(r.notes.empty());
  EXPECT_EQ(r.notes.front().code, "UNKNOWN_L4T");
  EXPECT_NE(r.notes.front().message.find("as of 2026-11-22"), std::string::npos);
}

TEST(Engine, InstalledCpuOnlyTorchOnAGpuMachine) {
  HostFacts f = enriched(x86("570.86.15", {ComputeCapability(8, 6)}));
  TorchInstall t;
  t.version = Fact<Version>::known(*Version::parse("2.6.0+cpu"), "test");
  t.cuda = Fact<Version>::unknown("test", "CPU-only build");
  const auto reasons = judge_installed(f, classify(f, kb()), kb(), t);
  ASSERT_FALSE(reasons.empty());
  EXPECT_EQ(reasons.back().code, "CPU_ONLY_BUILD");
  EXPECT_EQ(reasons.back().severity, Severity::error);
}

TEST(Engine, InstalledTorchUsesItsProbedArchListAndFlagsAStaleKb) {
  HostFacts f = enriched(x86("580.95.05", {ComputeCapability(12, 0)}));
  TorchInstall t;
  t.version = Fact<Version>::known(*Version::parse("2.11.0+cu130"), "test");
  t.cuda = Fact<Version>::known(*Version::parse("13.0"), "test");
  t.arch_list =
      Fact<std::vector<ComputeCapability>>::known({ComputeCapability(8, 0), ComputeCapability(9, 0)}, "fatbin");
  const auto reasons = judge_installed(f, classify(f, kb()), kb(), t);
  std::vector<std::string> c;
  for (const auto& r : reasons) c.push_back(r.code);
  EXPECT_TRUE(has(c, "KB_STALE"));
  EXPECT_TRUE(has(c, "GPU_ARCH_MISSING"));
}

TEST(Engine, ContainerFindings) {
  HostFacts f = x86("570.86.15", {ComputeCapability(8, 0)});
  f.cpu.shm_bytes = Fact<std::uint64_t>::known(64ULL << 20U, "test");
  f.container.inside = Fact<bool>::known(false, "test");
  f.tooling.docker = Fact<std::string>::known("/usr/bin/docker", "test");
  f.tooling.docker_runtimes = Fact<std::vector<std::string>>::known({}, "test");
  f.tooling.cdi_specs = Fact<std::vector<std::string>>::known({}, "test");
  const auto reasons = container_findings(f, classify(f, kb()));
  std::vector<std::string> c;
  for (const auto& r : reasons) c.push_back(r.code);
  EXPECT_TRUE(has(c, "SHM_TOO_SMALL"));
  EXPECT_TRUE(has(c, "NO_CONTAINER_GPU_RUNTIME"));
}
