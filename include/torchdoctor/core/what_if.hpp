// What-if flags: single facts that override the probed or loaded ones (source "override").
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "torchdoctor/core/host_facts.hpp"
#include "torchdoctor/core/result.hpp"

namespace td {

/// The what-if values given on the command line, still as text.
struct WhatIf {
  std::optional<std::string> arch, driver, cuda_driver, l4t, jetpack, torch, python_version, glibc;
  std::vector<std::string> gpus;  ///< Each NAME, sm_XX or X.Y; replaces the GPU list.

  [[nodiscard]] bool empty() const {
    return !arch && !driver && !cuda_driver && !l4t && !jetpack && !torch && !python_version && !glibc && gpus.empty();
  }
};

/// A GPU looked up by name (from the knowledge base).
struct NamedGpu {
  std::string name;
  ComputeCapability cc;
  bool integrated = false;
};

/// Resolves a GPU name such as "RTX 4090" or "H100"; nullopt when unknown.
using GpuNameResolver = std::function<std::optional<NamedGpu>(const std::string&)>;

/// Parses a torch variant suffix (cu124 -> 12.4, cu118 -> 11.8, cu130 -> 13.0); nullopt for cpu/rocm.
std::optional<Version> cuda_of_variant(const std::string& variant);

/// Applies `what_if` to `facts`; fails with a message naming the flag and what it expects.
Status apply_what_if(const WhatIf& what_if, HostFacts& facts, const GpuNameResolver& resolve_gpu = {});

}  // namespace td
