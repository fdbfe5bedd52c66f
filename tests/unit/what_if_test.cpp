#include <gtest/gtest.h>

#include "torchdoctor/core/arch.hpp"
#include "torchdoctor/core/what_if.hpp"

using namespace td;

TEST(WhatIf, OverridesSingleFactsWithSourceOverride) {
  HostFacts f;
  WhatIf w;
  w.arch = "arm64";
  w.driver = "550.54.15";
  w.cuda_driver = "12.4";
  w.l4t = "r36.4.3";
  w.glibc = "2.35";
  w.python_version = "3.12.1";
  w.gpus = {"sm_86", "9.0"};
  ASSERT_TRUE(apply_what_if(w, f).ok());
  EXPECT_EQ(*f.cpu.arch.value, "aarch64");
  EXPECT_EQ(f.cpu.arch.source, "override");
  EXPECT_EQ(f.driver.version.value->str(), "550.54.15");
  EXPECT_EQ(f.driver.cuda_level.value->str(), "12.4");
  EXPECT_EQ(f.jetson.l4t.value->str(), "36.4.3");
  EXPECT_EQ(f.python_version.value->str(), "3.12");
  ASSERT_EQ(f.gpus.value->size(), 2U);
  EXPECT_EQ((*f.gpus.value)[0].compute_capability.value->str(), "8.6");
  EXPECT_EQ(f.gpus.source, "override");
}

TEST(WhatIf, TorchVariantGivesTheCudaVersion) {
  HostFacts f;
  WhatIf w;
  w.torch = "2.6.0+cu124";
  ASSERT_TRUE(apply_what_if(w, f).ok());
  EXPECT_EQ((*f.torch.value)[0].cuda.value->str(), "12.4");
  w.torch = "2.7.0+cpu";
  ASSERT_TRUE(apply_what_if(w, f).ok());
  EXPECT_FALSE((*f.torch.value)[0].cuda.has_value());
  EXPECT_EQ(cuda_of_variant("cu118")->str(), "11.8");
  EXPECT_EQ(cuda_of_variant("cu130")->str(), "13.0");
  EXPECT_FALSE(cuda_of_variant("rocm6.2").has_value());
}

TEST(WhatIf, InvalidValuesNameTheFlagAndTheExpectedForm) {
  const auto fails_with = [](WhatIf w, const std::string& text) {
    HostFacts f;
    auto s = apply_what_if(w, f);
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_EQ(s.error().kind, ErrorKind::bad_input);
    EXPECT_NE(s.error().message.find(text), std::string::npos) << s.error().message;
  };
  WhatIf w;
  w.gpus = {"sm_8x"};
  fails_with(w, "--gpu 'sm_8x': expected a GPU name known to the knowledge base, or a compute capability like 8.6");
  w = {};
  w.driver = "banana";
  fails_with(w, "--driver 'banana': expected a driver version like 550.54.15");
  w = {};
  w.arch = "sparc";
  fails_with(w, "--arch 'sparc': expected x86_64, aarch64 or armv7l");
  w = {};
  w.torch = "2.6.0+cu";
  fails_with(w, "--torch '2.6.0+cu': expected a variant suffix");
  w = {};
  w.cuda_driver = "12";
  fails_with(w, "--cuda-driver '12'");
  w = {};
  w.python_version = "three";
  fails_with(w, "--python-version 'three'");
}

TEST(WhatIf, GpuNamesUseTheResolver) {
  HostFacts f;
  WhatIf w;
  w.gpus = {"RTX 4090"};
  const GpuNameResolver resolver = [](const std::string& name) -> std::optional<NamedGpu> {
    if (name == "RTX 4090") return NamedGpu{"NVIDIA GeForce RTX 4090", ComputeCapability(8, 9), false};
    return std::nullopt;
  };
  ASSERT_TRUE(apply_what_if(w, f, resolver).ok());
  EXPECT_EQ(*(*f.gpus.value)[0].name.value, "NVIDIA GeForce RTX 4090");
  EXPECT_EQ((*f.gpus.value)[0].compute_capability.value->str(), "8.9");
}

// One mapping of architecture spellings (core/arch.hpp), used by the probe, the what-if flags,
// image platforms and Kubernetes labels alike.
TEST(ArchNames, EverySpellingMapsToOneMachineAndOnePlatformName) {
  for (const char* s : {"x86_64", "amd64", "AMD64", "x86-64"}) {
    EXPECT_EQ(td::machine_name(s), "x86_64") << s;
    EXPECT_EQ(td::oci_arch(s), "amd64") << s;
  }
  for (const char* s : {"aarch64", "arm64", "ARM64", "arm64v8"}) {
    EXPECT_EQ(td::machine_name(s), "aarch64") << s;
    EXPECT_EQ(td::oci_arch(s), "arm64") << s;
  }
  for (const char* s : {"armv7l", "armhf", "arm", "armv7"}) {
    EXPECT_EQ(td::machine_name(s), "armv7l") << s;
    EXPECT_EQ(td::oci_arch(s), "arm") << s;
  }
  EXPECT_EQ(td::machine_name("ppc64le"), "ppc64le");
  EXPECT_EQ(td::oci_arch("riscv64"), "riscv64");
}
