// Internal to the toolkit detector: cuDNN, NCCL and TensorRT versions.
#pragma once

#include <string>
#include <vector>

#include "torchdoctor/probe/probe.hpp"

namespace td {

/// Finds cuDNN, NCCL and TensorRT in `toolkits`, the system folders (Jetson's L4T ones included)
/// and pip's nvidia/* folders in `sites`; fills facts.toolkits.libraries.
void detect_cuda_libraries(const ProbeContext& ctx, const std::vector<CudaToolkit>& toolkits,
                           const std::vector<std::string>& sites, HostFacts& facts);

}  // namespace td
