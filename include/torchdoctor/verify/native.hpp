// verify: the suites that prove a stack works by running real work, and their results.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "torchdoctor/core/result.hpp"

namespace td {

/// One check: pass, fail or skip (with the reason), how long it took, and an optional measured value.
struct CheckResult {
  std::string suite;    ///< native or torch
  std::string name;     ///< vector_add, sgemm, h2d_bandwidth, ...
  std::string device;   ///< "0: NVIDIA H100" for per-device checks; empty otherwise.
  std::string status;   ///< pass, fail or skip
  std::string detail;   ///< One line: what was seen, or why it failed or was skipped.
  double ms = 0.0;      ///< Wall time of the check.
  std::optional<double> value;  ///< A measurement (bandwidth in GB/s, ...).
  std::string unit;
};

/// How to run the native suite.
struct NativeOptions {
  std::vector<std::string> libcuda_candidates;  ///< Empty: libcuda_library_candidates().
  std::vector<std::string> nvrtc_candidates;    ///< Empty: nvrtc_library_candidates().
  std::chrono::milliseconds timeout{30000};     ///< For the whole suite (it runs in one child).
  std::map<std::string, std::string> child_env; ///< Set in the child before loading (test doubles).
  bool force_nvrtc = false;                     ///< Compile the embedded source even when a fatbinary exists.
  std::size_t bandwidth_bytes = 64U << 20U;     ///< Size of each copy in the bandwidth checks.
};

/// Runs the native suite in a time-boxed child: libcuda init, per device a context, our kernels
/// (the embedded fatbinary, else NVRTC on the embedded source), vector add, tiled SGEMM and the
/// positional-encoding table against CPU references, pinned H2D/D2H and D2D bandwidth. A missing
/// driver or kernels is a skip with the reason; a hang or crash is a failed check, never ours.
std::vector<CheckResult> run_native_suite(const NativeOptions& options);

/// How to run the torch suite.
struct TorchSuiteOptions {
  std::chrono::milliseconds timeout{600000};  ///< For the whole script (torch.compile takes seconds).
  bool expect_gpu = false;                    ///< The machine has an NVIDIA GPU: CUDA unavailable is a failure.
  bool no_compile = false;                    ///< Skip the torch.compile check.
};

/// Runs the embedded torch suite with `python` in a child with a timeout. A hang, a crash or an
/// unreadable answer is one failed check naming what happened.
std::vector<CheckResult> run_torch_suite(const std::string& python, const TorchSuiteOptions& options);

/// The fatbinary of kernels/verify_kernels.cu built at build time; empty when nvcc was missing.
std::span<const unsigned char> embedded_kernels_fatbin();
/// The source of kernels/verify_kernels.cu (for NVRTC).
std::string_view embedded_kernels_source();
/// The torch suite's Python script (src/verify/torch_suite.py).
std::string_view embedded_torch_suite();
/// libnvrtc sonames to try, newest first.
std::vector<std::string> nvrtc_library_candidates();

}  // namespace td
