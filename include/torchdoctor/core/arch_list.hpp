// TORCH_CUDA_ARCH_LIST and the forms a build takes it in: one architecture list, parsed as PyTorch's
// cpp_extension does and written for CMake and nvcc.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "torchdoctor/core/compute_capability.hpp"
#include "torchdoctor/core/result.hpp"

namespace td {

/// One architecture to compile: real machine code (sm_XX) and, when `ptx`, also PTX (compute_XX).
struct BuildArch {
  ComputeCapability cc;  ///< Hardware capability with its a/f suffix; code is always SASS.
  bool ptx = false;      ///< Also embed PTX for it (JIT on newer GPUs).
};

/// Parses TORCH_CUDA_ARCH_LIST as PyTorch's cpp_extension does ("7.5;8.6+PTX", spaces allowed) once
/// architecture names are expanded (they are KB data: parse_arch_list in kb/queries.hpp does both).
/// Errors name the bad entry.
Result<std::vector<BuildArch>> parse_torch_cuda_arch_list(std::string_view text);

/// "7.5;8.6;9.0+PTX": the TORCH_CUDA_ARCH_LIST form.
std::string torch_cuda_arch_list(const std::vector<BuildArch>& archs);
/// "75-real;86-real;90": the CMAKE_CUDA_ARCHITECTURES form.
std::string cmake_cuda_architectures(const std::vector<BuildArch>& archs);
/// "-gencode=arch=compute_75,code=sm_75 ...": nvcc flags.
std::string nvcc_gencode_flags(const std::vector<BuildArch>& archs);

}  // namespace td
