// verify: one check of a suite and its result (the native suite, the torch suite, verify --image).
#pragma once

#include <optional>
#include <string>

namespace td {

/// One check: pass, fail or skip (with the reason), how long it took, and an optional measured value.
struct CheckResult {
  std::string suite;            ///< native or torch
  std::string name;             ///< vector_add, sgemm, h2d_bandwidth, ...
  std::string device;           ///< "0: NVIDIA H100" for per-device checks; empty otherwise.
  std::string status;           ///< pass, fail or skip
  std::string detail;           ///< One line: what was seen, or why it failed or was skipped.
  double ms = 0.0;              ///< Wall time of the check.
  std::optional<double> value;  ///< A measurement (bandwidth in GB/s, ...).
  std::string unit;
};

}  // namespace td
