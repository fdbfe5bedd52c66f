// Does code compiled for a list of targets run on a GPU? (cubin, PTX JIT, too old, missing)
#include "torchdoctor/engine/gpu_rules.hpp"

#include <algorithm>

namespace td {

std::string arch_list_text(const std::vector<ComputeCapability>& sass, const std::vector<ComputeCapability>& ptx) {
  std::string out;
  for (const auto& c : sass) out += (out.empty() ? "sm_" : " sm_") + c.digits();
  for (const auto& c : ptx) out += (out.empty() ? "compute_" : " compute_") + c.digits();
  return out.empty() ? "none" : out;
}

GpuFit fit_gpu(const std::vector<ComputeCapability>& sass, const std::vector<ComputeCapability>& ptx,
               const ComputeCapability& gpu) {
  for (const auto& c : sass) {
    if (c.runs_on(gpu)) return GpuFit::native;
  }
  for (const auto& c : ptx) {
    if (c.as_ptx().runs_on(gpu)) return GpuFit::ptx_jit;
  }
  if (sass.empty() && ptx.empty()) return GpuFit::missing;
  ComputeCapability lowest = sass.empty() ? ptx.front() : sass.front();
  for (const auto& c : sass) lowest = std::min(lowest, c.hardware());
  for (const auto& c : ptx) lowest = std::min(lowest, c.hardware());
  return gpu.hardware() < lowest.hardware() ? GpuFit::too_old : GpuFit::missing;
}

}  // namespace td
