// Internal to the report: the sections for CUDA toolkits and for Python and torch.
#pragma once

#include "torchdoctor/report/sections.hpp"

namespace td {

/// "CUDA toolkits": each toolkit, CUDA_HOME, nvcc on PATH, the build's toolkit, cuDNN/NCCL/TensorRT.
Section toolkit_section(const HostFacts& facts);
/// "Python and torch": each interpreter and each torch install with its arch list.
Section python_torch_section(const HostFacts& facts);

}  // namespace td
