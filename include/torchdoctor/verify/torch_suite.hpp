// verify's torch suite: an embedded Python script run with each interpreter that has torch.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "torchdoctor/verify/check_result.hpp"

namespace td {

/// How to run the torch suite.
struct TorchSuiteOptions {
  std::chrono::milliseconds timeout{600000};  ///< For the whole script (torch.compile takes seconds).
  bool expect_gpu = false;                    ///< The machine has an NVIDIA GPU: CUDA unavailable is a failure.
  bool no_compile = false;                    ///< Skip the torch.compile check.
};

/// Runs the embedded torch suite with `python` in a child with a timeout. A hang, a crash or an
/// unreadable answer is one failed check naming what happened.
std::vector<CheckResult> run_torch_suite(const std::string& python, const TorchSuiteOptions& options);

/// The torch suite's Python script (src/verify/torch_suite.py).
std::string_view embedded_torch_suite();

}  // namespace td
