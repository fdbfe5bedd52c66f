// The cubin/PTX rules applied to a build's target list and one GPU.
#pragma once

#include <string>
#include <vector>

#include "torchdoctor/core/compute_capability.hpp"

namespace td {

/// How a GPU fits a build.
enum class GpuFit {
  native,   ///< A cubin runs on it (same major, equal or lower minor).
  ptx_jit,  ///< Only PTX that JIT-compiles forward.
  too_old,  ///< Older than every target.
  missing,  ///< Newer than the cubins and no PTX can cover it.
};

/// Fits `gpu` against SASS targets `sass` and PTX targets `ptx`.
GpuFit fit_gpu(const std::vector<ComputeCapability>& sass, const std::vector<ComputeCapability>& ptx,
               const ComputeCapability& gpu);

/// "sm_50 sm_60 ... compute_90" for messages.
std::string arch_list_text(const std::vector<ComputeCapability>& sass, const std::vector<ComputeCapability>& ptx);

}  // namespace td
