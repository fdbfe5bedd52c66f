// The NVIDIA_REQUIRE_* evaluator against a table of requirement strings x host facts, including the
// strings real CUDA base images carry. Sources (mirrors of gitlab.com/nvidia/container-images/cuda):
//   k_cuda_12_4: taehun-kmu/FMCL-Docker dist/12.4.1/ubuntu2204/base/Dockerfile @53a6a109
//   k_cuda_11_8: taehun-kmu/FMCL-Docker dist/11.8.0/ubuntu2204/base/Dockerfile @098adf05 (amd64 stage)
//   k_cuda_11_4: taehun-kmu/FMCL-Docker dist/11.4.3/ubuntu2004/base/Dockerfile @684356f0
// Expected texts follow NVIDIA/libnvidia-container src/cli/dsl.c @5823754b.
#include <gtest/gtest.h>

#include "torchdoctor/registry/require.hpp"

using namespace td;

namespace {

const std::string k_cuda_12_4 =
    "cuda>=12.4 brand=tesla,driver>=470,driver<471 brand=unknown,driver>=470,driver<471 "
    "brand=nvidia,driver>=470,driver<471 "
    "brand=nvidiartx,driver>=470,driver<471 brand=geforce,driver>=470,driver<471 "
    "brand=geforcertx,driver>=470,driver<471 "
    "brand=quadro,driver>=470,driver<471 brand=quadrortx,driver>=470,driver<471 brand=titan,driver>=470,driver<471 "
    "brand=titanrtx,driver>=470,driver<471 brand=tesla,driver>=525,driver<526 brand=unknown,driver>=525,driver<526 "
    "brand=nvidia,driver>=525,driver<526 brand=nvidiartx,driver>=525,driver<526 brand=geforce,driver>=525,driver<526 "
    "brand=geforcertx,driver>=525,driver<526 brand=quadro,driver>=525,driver<526 "
    "brand=quadrortx,driver>=525,driver<526 "
    "brand=titan,driver>=525,driver<526 brand=titanrtx,driver>=525,driver<526 brand=tesla,driver>=535,driver<536 "
    "brand=unknown,driver>=535,driver<536 brand=nvidia,driver>=535,driver<536 brand=nvidiartx,driver>=535,driver<536 "
    "brand=geforce,driver>=535,driver<536 brand=geforcertx,driver>=535,driver<536 brand=quadro,driver>=535,driver<536 "
    "brand=quadrortx,driver>=535,driver<536 brand=titan,driver>=535,driver<536 brand=titanrtx,driver>=535,driver<536";
const std::string k_cuda_11_8 =
    "cuda>=11.8 brand=tesla,driver>=450,driver<451 brand=tesla,driver>=470,driver<471 "
    "brand=unknown,driver>=470,driver<471 "
    "brand=nvidia,driver>=470,driver<471 brand=nvidiartx,driver>=470,driver<471 brand=geforce,driver>=470,driver<471 "
    "brand=geforcertx,driver>=470,driver<471 brand=quadro,driver>=470,driver<471 "
    "brand=quadrortx,driver>=470,driver<471 "
    "brand=titan,driver>=470,driver<471 brand=titanrtx,driver>=470,driver<471";
const std::string k_cuda_11_4 = "cuda>=11.4";
const std::string k_update = ", please update your driver to a newer version, or use an earlier cuda container";

RequireHost host(std::optional<std::string> cuda, std::optional<std::string> driver, std::vector<RequireGpu> gpus) {
  return RequireHost{std::move(cuda), std::move(driver), std::move(gpus)};
}
RequireGpu gpu(const std::string& name, std::optional<std::string> arch) {
  return RequireGpu{"GPU 0 (" + name + ")", std::move(arch), brand_from_gpu_name(name)};
}

struct Row {
  const char* what;
  std::string requirement;
  RequireHost host;
  RequireState state;
  std::string message;
};

}  // namespace

TEST(Require, TableOfRequirementsAndHosts) {
  const auto rtx4090 = gpu("NVIDIA GeForce RTX 4090", "8.9");
  const auto gtx1080 = gpu("NVIDIA GeForce GTX 1080", "6.1");
  const auto t4 = gpu("Tesla T4", "7.5");
  const auto v100 = gpu("Tesla V100-SXM2-16GB", "7.0");
  const auto a100 = gpu("NVIDIA A100-SXM4-80GB", "8.0");
  const RequireGpu mystery{"GPU 0 (?)", "8.6", std::nullopt};
  const std::vector<Row> rows{
      {"12.4 image, 550 driver", k_cuda_12_4, host("12.4", "550.54.15", {rtx4090}), RequireState::satisfied, ""},
      {"12.4 image, 535 branch GeForce RTX", k_cuda_12_4, host("12.2", "535.104.05", {rtx4090}),
       RequireState::satisfied, ""},
      {"12.4 image, 525 branch Tesla", k_cuda_12_4, host("12.0", "525.60.13", {t4}), RequireState::satisfied, ""},
      {"12.4 image, 535 branch A100 (nvidia brand)", k_cuda_12_4, host("12.2", "535.161.08", {a100}),
       RequireState::satisfied, ""},
      {"12.4 image, 530 driver", k_cuda_12_4, host("12.1", "530.30.02", {rtx4090}), RequireState::unsatisfied,
       "unsatisfied condition: cuda>=12.4" + k_update},
      {"12.4 image, 535 driver, brand unknown", k_cuda_12_4, host("12.2", "535.104.05", {mystery}),
       RequireState::unknown, ""},
      {"12.4 image, 530 driver, brand unknown", k_cuda_12_4, host("12.1", "530.30.02", {mystery}),
       RequireState::unsatisfied, "unsatisfied condition: cuda>=12.4" + k_update},
      {"11.8 image, 450 Tesla", k_cuda_11_8, host("11.0", "450.80.02", {v100}), RequireState::satisfied, ""},
      {"11.8 image, 450 GeForce", k_cuda_11_8, host("11.0", "450.80.02", {gtx1080}), RequireState::unsatisfied,
       "unsatisfied condition: cuda>=11.8" + k_update},
      {"11.8 image, 520 driver", k_cuda_11_8, host("11.8", "520.61.05", {gtx1080}), RequireState::satisfied, ""},
      {"11.4 image, 11.3 driver", k_cuda_11_4, host("11.3", "465.19.01", {gtx1080}), RequireState::unsatisfied,
       "unsatisfied condition: cuda>=11.4" + k_update},
      {"11.4 image, 11.4 driver", k_cuda_11_4, host("11.4", "470.57.02", {gtx1080}), RequireState::satisfied, ""},
      {"nothing known", k_cuda_11_4, host(std::nullopt, std::nullopt, {gtx1080}), RequireState::unknown, ""},
      {"arch too old", "arch>=7.0", host("12.4", "550.54.15", {gtx1080}), RequireState::unsatisfied,
       "unsatisfied condition: arch>=7.0"},
      {"arch OR cuda", "arch>=7.0 cuda>=12", host("12.4", "550.54.15", {gtx1080}), RequireState::satisfied, ""},
      {"AND fails on the second factor", "cuda>=12.0,arch>=9.0", host("12.4", "550.54.15", {rtx4090}),
       RequireState::unsatisfied, "unsatisfied condition: cuda>=12.0,arch>=9.0" + k_update},
      {"driver range", "driver>=470,driver<471", host("11.4", "470.57.02", {t4}), RequireState::satisfied, ""},
      {"driver below", "driver>=470.57", host("11.4", "470", {t4}), RequireState::unsatisfied,
       "unsatisfied condition: driver>=470.57"},
      {"equal ignores trailing zeros", "cuda=12.0.0", host("12", "525.60.13", {t4}), RequireState::satisfied, ""},
      {"not equal", "cuda!=12.0", host("12.0", "525.60.13", {t4}), RequireState::unsatisfied,
       "unsatisfied condition: cuda!=12.0"},
      {"upper-case property and brand", "CUDA>=12.0,brand=TESLA", host("12.0", "525.60.13", {t4}),
       RequireState::satisfied, ""},
      {"brand not equal", "brand!=geforce", host("12.0", "525.60.13", {gtx1080}), RequireState::unsatisfied,
       "unsatisfied condition: brand!=geforce"},
      {"unknown property", "foo>=1", host("12.4", "550.54.15", {t4}), RequireState::invalid, "invalid expression"},
      {"bad operator", "cuda=>12", host("12.4", "550.54.15", {t4}), RequireState::invalid, "invalid expression"},
      {"doubled operator", "cuda>>12", host("12.4", "550.54.15", {t4}), RequireState::invalid, "invalid expression"},
      {"non-numeric version", "cuda>=12.x", host("12.4", "550.54.15", {t4}), RequireState::invalid,
       "invalid expression"},
      {"ordering a brand", "brand>tesla", host("12.4", "550.54.15", {t4}), RequireState::invalid, "invalid expression"},
      {"empty value", "cuda>=", host("12.4", "550.54.15", {t4}), RequireState::invalid, "invalid expression"},
      {"satisfied before the bad term", "cuda>=11.0 bogus", host("12.4", "550.54.15", {t4}), RequireState::satisfied,
       ""},
      {"bad term reached", "cuda>=13.0 bogus", host("12.4", "550.54.15", {t4}), RequireState::invalid,
       "invalid expression"},
      {"leading space: the first token is empty", " cuda>=13.0", host("12.4", "550.54.15", {t4}),
       RequireState::unsatisfied, "unsatisfied condition: "},
      {"empty requirement", "", host("12.4", "550.54.15", {t4}), RequireState::satisfied, ""},
  };
  for (const auto& row : rows) {
    const auto& g = row.host.gpus->front();
    const auto out = evaluate_requirement(row.requirement, row.host, &g);
    EXPECT_EQ(out.state, row.state) << row.what << ": got " << require_state_name(out.state) << " " << out.message;
    if (!row.message.empty() || row.state == RequireState::unsatisfied) {
      EXPECT_EQ(out.message, row.message) << row.what;
    }
  }
}

TEST(Require, UnknownPropertiesAreNamed) {
  const RequireGpu mystery{"GPU 0", "8.6", std::nullopt};
  const auto out = evaluate_requirement(k_cuda_12_4, host("12.2", "535.104.05", {mystery}), &mystery);
  ASSERT_EQ(out.state, RequireState::unknown);
  EXPECT_EQ(out.unknown_properties, std::vector<std::string>{"brand"});
}

TEST(Require, NoDeviceAssumesArchAndBrand) {
  const auto h = host("12.4", "550.54.15", {});
  EXPECT_EQ(evaluate_requirement("arch>=9.0", h, nullptr).state, RequireState::satisfied);
  EXPECT_EQ(evaluate_requirement("brand=tesla", h, nullptr).state, RequireState::satisfied);
  EXPECT_EQ(evaluate_requirement("cuda>=12.6", h, nullptr).state, RequireState::unsatisfied);
}

TEST(Require, VersionComparisonFollowsDsl) {
  EXPECT_EQ(require_compare_version("470", "<", "470.57"), true);
  EXPECT_EQ(require_compare_version("12.0", "=", "12"), true);
  EXPECT_EQ(require_compare_version("12.10", ">", "12.9"), true);
  EXPECT_EQ(require_compare_version("11.8", ">=", "11.8.0"), true);
  EXPECT_EQ(require_compare_version("535.104.05", "<", "535.104.12"), true);
  EXPECT_EQ(require_compare_version("12.4", "<=", "12.3"), false);
  EXPECT_EQ(require_compare_version("12.4", "!=", "12.4.0"), false);
  EXPECT_EQ(require_compare_version("12.a", "=", "12"), std::nullopt);
  EXPECT_EQ(require_compare_version(".5", "=", "1"), std::nullopt);
}

TEST(Require, ImageLevelRulesFromTheToolkit) {
  const auto h = host("11.4", "470.57.02", {gpu("NVIDIA GeForce RTX 3090", "8.6")});
  // Legacy image: CUDA_VERSION without NVIDIA_REQUIRE_CUDA means cuda>=major.minor.
  auto out = evaluate_image_requirements({{"CUDA_VERSION", "11.8.0"}}, h);
  EXPECT_EQ(out.state, RequireState::unsatisfied);
  EXPECT_EQ(out.variable, "CUDA_VERSION");
  EXPECT_EQ(out.message, "unsatisfied condition: cuda>=11.8" + k_update);
  // NVIDIA_DISABLE_REQUIRE switches every check off (strconv.ParseBool spellings).
  out = evaluate_image_requirements({{"NVIDIA_REQUIRE_CUDA", "cuda>=13.0"}, {"NVIDIA_DISABLE_REQUIRE", "true"}}, h);
  EXPECT_EQ(out.state, RequireState::disabled);
  out = evaluate_image_requirements({{"NVIDIA_REQUIRE_CUDA", "cuda>=13.0"}, {"NVIDIA_DISABLE_REQUIRE", "yes"}}, h);
  EXPECT_EQ(out.state, RequireState::unsatisfied);
  // The typo does nothing.
  out = evaluate_image_requirements({{"NVIDIA_REQUIRE_CUDA", "cuda>=13.0"}, {"NVIDIA_DISABLE_REQUIRES", "1"}}, h);
  EXPECT_EQ(out.state, RequireState::unsatisfied);
  // NVIDIA_REQUIRE_JETPACK is a mount control, not a requirement (it would be an invalid expression).
  out = evaluate_image_requirements(
      {{"NVIDIA_REQUIRE_JETPACK", "csv-mounts=all"}, {"NVIDIA_REQUIRE_CUDA", "cuda>=11.4"}}, h);
  EXPECT_EQ(out.state, RequireState::satisfied);
  // Every NVIDIA_REQUIRE_* is ANDed, per GPU.
  RequireHost two =
      host("12.4", "550.54.15", {gpu("NVIDIA A100-SXM4-80GB", "8.0"), gpu("Tesla V100-SXM2-16GB", "7.0")});
  (*two.gpus)[1].label = "GPU 1 (Tesla V100)";
  out = evaluate_image_requirements({{"NVIDIA_REQUIRE_CUDA", "cuda>=12.0"}, {"NVIDIA_REQUIRE_ARCH", "arch>=8.0"}}, two);
  EXPECT_EQ(out.state, RequireState::unsatisfied);
  EXPECT_EQ(out.variable, "NVIDIA_REQUIRE_ARCH");
  EXPECT_EQ(out.gpu, "GPU 1 (Tesla V100)");
  EXPECT_EQ(out.message, "unsatisfied condition: arch>=8.0");
  // GPUs not enumerated: arch cannot be judged.
  out = evaluate_image_requirements({{"NVIDIA_REQUIRE_ARCH", "arch>=8.0"}},
                                    RequireHost{"12.4", "550.54.15", std::nullopt});
  EXPECT_EQ(out.state, RequireState::unknown);
}

TEST(Require, LintsLikelyMistakes) {
  auto lints = lint_requirements({{"NVIDIA_DISABLE_REQUIRES", "1"}});
  ASSERT_EQ(lints.size(), 1U);
  EXPECT_NE(lints[0].find("NVIDIA_DISABLE_REQUIRE (no S)"), std::string::npos);
  lints = lint_requirements(
      {{"CUDA_VERSION", "12.4.1"}, {"NVIDIA_REQUIRE_CUDA", "cuda>=12.1 brand=tesla,driver>=470,driver<471"}});
  ASSERT_EQ(lints.size(), 1U);
  EXPECT_NE(lints[0].find("asks for cuda>=12.1 but CUDA_VERSION is 12.4.1"), std::string::npos);
  EXPECT_TRUE(lint_requirements({{"CUDA_VERSION", "12.4.1"}, {"NVIDIA_REQUIRE_CUDA", k_cuda_12_4}}).empty());
  lints = lint_requirements({{"NVIDIA_REQUIRE_ARCH", "arch>=8.x"}});
  ASSERT_EQ(lints.size(), 1U);
  EXPECT_NE(lints[0].find("invalid expression"), std::string::npos);
  lints = lint_requirements({{"NVIDIA_DISABLE_REQUIRE", "yes"}});
  ASSERT_EQ(lints.size(), 1U);
  EXPECT_NE(lints[0].find("not a boolean"), std::string::npos);
}

TEST(Require, BrandsFromGpuNames) {
  EXPECT_EQ(brand_from_gpu_name("NVIDIA GeForce RTX 4090"), "geforcertx");
  EXPECT_EQ(brand_from_gpu_name("NVIDIA GeForce GTX 1080 Ti"), "geforce");
  EXPECT_EQ(brand_from_gpu_name("Tesla T4"), "tesla");
  EXPECT_EQ(brand_from_gpu_name("NVIDIA RTX A6000"), "nvidiartx");
  EXPECT_EQ(brand_from_gpu_name("Quadro RTX 8000"), "quadrortx");
  EXPECT_EQ(brand_from_gpu_name("NVIDIA TITAN RTX"), "titanrtx");
  EXPECT_EQ(brand_from_gpu_name("NVIDIA H100 80GB HBM3"), "nvidia");
  EXPECT_EQ(brand_from_gpu_name("Orin (nvgpu)"), std::nullopt);
}

TEST(Require, HostView) {
  HostFacts f;
  f.driver.version = Fact<Version>::known(*Version::parse("535.104.05"), "test");
  f.driver.cuda_level = Fact<Version>::known(*Version::parse("12.2"), "test");
  GpuFacts g;
  g.name = Fact<std::string>::known("NVIDIA GeForce RTX 3090", "test");
  g.compute_capability = Fact<ComputeCapability>::known(*ComputeCapability::parse("8.6"), "test");
  f.gpus = Fact<std::vector<GpuFacts>>::known({g}, "test");
  const auto h = require_host_from(f);
  EXPECT_EQ(h.cuda, "12.2");
  EXPECT_EQ(h.driver, "535.104.5");
  ASSERT_TRUE(h.gpus);
  EXPECT_EQ((*h.gpus)[0].arch, "8.6");
  EXPECT_EQ((*h.gpus)[0].brand, "geforcertx");
  EXPECT_EQ(evaluate_image_requirements({{"NVIDIA_REQUIRE_CUDA", k_cuda_12_4}}, h).state, RequireState::satisfied);
}
