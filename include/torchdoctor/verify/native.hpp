// verify's native suite: our CUDA kernels through libcuda in a time-boxed child, no Python.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "torchdoctor/core/result.hpp"
#include "torchdoctor/verify/check_result.hpp"

namespace td {

/// How to run the native suite.
struct NativeOptions {
  std::vector<std::string> libcuda_candidates;   ///< Empty: libcuda_library_candidates().
  std::vector<std::string> nvrtc_candidates;     ///< Empty: nvrtc_library_candidates().
  std::chrono::milliseconds timeout{30000};      ///< For the whole suite (it runs in one child).
  std::map<std::string, std::string> child_env;  ///< Set in the child before loading (test doubles).
  bool force_nvrtc = false;                      ///< Compile the embedded source even when a fatbinary exists.
  std::size_t bandwidth_bytes = 64U << 20U;      ///< Size of each copy in the bandwidth checks.
};

/// Runs the native suite in a time-boxed child: libcuda init, per device a context, our kernels
/// (the embedded fatbinary, else NVRTC on the embedded source), vector add, tiled SGEMM and the
/// positional-encoding table against CPU references, pinned H2D/D2H and D2D bandwidth. A missing
/// driver or kernels is a skip with the reason; a hang or crash is a failed check, never ours.
std::vector<CheckResult> run_native_suite(const NativeOptions& options);

/// The fatbinary of kernels/verify_kernels.cu built at build time; empty when nvcc was missing.
std::span<const unsigned char> embedded_kernels_fatbin();
/// The source of kernels/verify_kernels.cu (for NVRTC).
std::string_view embedded_kernels_source();
/// libnvrtc sonames to try, newest first.
std::vector<std::string> nvrtc_library_candidates();

}  // namespace td
