#include "torchdoctor/core/what_if.hpp"

#include "torchdoctor/core/arch.hpp"
#include "torchdoctor/core/strings.hpp"

namespace td {
namespace {

Error flag_error(const char* flag, const std::string& value, const char* expected) {
  return make_error(ErrorKind::bad_input,
                    std::string("--") + flag + " '" + sanitize(value, 60) + "': expected " + expected);
}

Result<Version> version_flag(const char* flag, const std::string& value, std::size_t min_parts, const char* expected) {
  auto v = Version::parse(value);
  if (!v || v->release().size() < min_parts || !v->local().empty()) return flag_error(flag, value, expected);
  return v;
}

Result<GpuFacts> gpu_flag(const std::string& value, const GpuNameResolver& resolve) {
  GpuFacts gpu;
  if (auto cc = ComputeCapability::parse(value)) {
    gpu.compute_capability = Fact<ComputeCapability>::known(cc->hardware(), "override");
    gpu.name = Fact<std::string>::known("GPU with compute capability " + cc->hardware().str(), "override");
    gpu.integrated = Fact<bool>::unknown("override", "not given");
    return gpu;
  }
  if (resolve) {
    if (auto named = resolve(value)) {
      gpu.compute_capability = Fact<ComputeCapability>::known(named->cc, "override");
      gpu.name = Fact<std::string>::known(named->name, "override");
      gpu.integrated = Fact<bool>::known(named->integrated, "override");
      return gpu;
    }
  }
  return flag_error("gpu", value, "a GPU name known to the knowledge base, or a compute capability like 8.6 or sm_86");
}

}  // namespace

std::optional<Version> cuda_of_variant(const std::string& variant) {
  if (variant.size() < 5 || variant.rfind("cu", 0) != 0) return std::nullopt;
  const auto digits = parse_uint(variant.substr(2));
  if (!digits || variant.size() > 6) return std::nullopt;
  // The last digit is the minor: cu118 -> 11.8, cu124 -> 12.4, cu130 -> 13.0.
  return Version::of({static_cast<std::uint32_t>(*digits / 10), static_cast<std::uint32_t>(*digits % 10)});
}

Status apply_what_if(const WhatIf& w, HostFacts& facts, const GpuNameResolver& resolve_gpu) {
  if (w.arch) {
    const std::string a = machine_name(*w.arch);
    // armv7l: a 32-bit ARM userland (a Raspberry Pi on the 32-bit OS), which the rules must be able to judge.
    if (a != "x86_64" && a != "aarch64" && a != "armv7l")
      return flag_error("arch", *w.arch, "x86_64, aarch64 or armv7l");
    facts.cpu.arch.override_with(a);
  }
  if (w.driver) {
    auto v = version_flag("driver", *w.driver, 2, "a driver version like 550.54.15");
    if (!v) return v.error();
    facts.driver.version.override_with(*v);
  }
  if (w.cuda_driver) {
    auto v = version_flag("cuda-driver", *w.cuda_driver, 2, "a CUDA version like 12.4");
    if (!v) return v.error();
    facts.driver.cuda_level.override_with(v->truncated(2));
  }
  if (w.l4t) {
    auto v = version_flag("l4t", *w.l4t, 2, "an L4T release like 36.4.3 or r35.3.1");
    if (!v) return v.error();
    facts.jetson.l4t.override_with(v->public_version());
  }
  if (w.jetpack) {
    auto v = version_flag("jetpack", *w.jetpack, 1, "a JetPack release like 6.2");
    if (!v) return v.error();
    facts.jetson.jetpack.override_with(*v);
  }
  if (w.glibc) {
    auto v = version_flag("glibc", *w.glibc, 2, "a glibc version like 2.35");
    if (!v) return v.error();
    facts.cpu.glibc.override_with(*v);
  }
  if (w.python_version) {
    auto v = version_flag("python-version", *w.python_version, 2, "a Python version like 3.11");
    if (!v) return v.error();
    facts.python_version.override_with(v->truncated(2));
  }
  if (w.gpus.size() == 1 && to_lower(w.gpus.front()) == "none") {
    facts.gpus.override_with({});  // --gpu none: a machine without an NVIDIA GPU
  } else if (!w.gpus.empty()) {
    std::vector<GpuFacts> gpus;
    for (const auto& g : w.gpus) {
      auto gpu = gpu_flag(g, resolve_gpu);
      if (!gpu) return gpu.error();
      gpus.push_back(std::move(*gpu));
    }
    facts.gpus.override_with(std::move(gpus));
  }
  if (w.torch) {
    auto v = Version::parse(*w.torch);
    if (!v || v->release().size() < 2)
      return flag_error("torch", *w.torch, "a torch version like 2.6.0 or 2.6.0+cu124");
    TorchInstall t;
    t.version = Fact<Version>::known(*v, "override");
    const std::string& variant = v->local();
    if (variant.empty()) {
      t.cuda = Fact<Version>::unknown("override", "variant not given");
    } else if (variant == "cpu") {
      t.cuda = Fact<Version>::unknown("override", "CPU-only build");
    } else if (auto cuda = cuda_of_variant(variant)) {
      t.cuda = Fact<Version>::known(*cuda, "override");
    } else {
      return flag_error("torch", *w.torch, "a variant suffix like +cpu, +cu118 or +cu124");
    }
    if (facts.python_version) t.python_version = facts.python_version;
    facts.torch.override_with({std::move(t)});
  }
  return Ok{};
}

}  // namespace td
