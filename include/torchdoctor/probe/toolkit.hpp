// The CUDA toolkit probe: every toolkit folder found, its version from files (nvcc only when no
// file tells), and the cuDNN, NCCL and TensorRT versions from headers or library file names.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "torchdoctor/core/result.hpp"
#include "torchdoctor/core/version.hpp"

namespace td {

/// Reads version.json (CUDA 11.1+): cuda_nvcc.version, else cuda.version.
Result<Version> parse_cuda_version_json(std::string_view text);
/// Reads version.txt ("CUDA Version 11.0.228").
Result<Version> parse_cuda_version_txt(std::string_view text);
/// Reads `#define CUDA_VERSION 12040` from cuda.h as 12.4.
Result<Version> parse_cuda_h_version(std::string_view text);
/// Reads `nvcc --version` output ("release 12.4, V12.4.131") as 12.4.131.
Result<Version> parse_nvcc_version_output(std::string_view text);

/// The object-like `#define NAME VALUE` lines of a C header (comments dropped).
std::map<std::string, std::string> parse_c_defines(std::string_view text);
/// Joins the numeric values of `names` (major, minor, patch...) from a header's defines, following
/// one define naming another (TensorRT 10: NV_TENSORRT_MAJOR -> TRT_MAJOR_ENTERPRISE).
Result<Version> version_from_defines(std::string_view header, std::initializer_list<const char*> names);

/// The version in a versioned library file name: ("libcudnn.so.8.9.4", "libcudnn") -> 8.9.4.
std::optional<Version> version_from_library_name(std::string_view file, std::string_view stem);

}  // namespace td
