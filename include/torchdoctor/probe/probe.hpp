// probe: the only code that reads the machine. Each detector fills its part of HostFacts.
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <vector>

#include "torchdoctor/core/host_facts.hpp"
#include "torchdoctor/probe/gpu_libs.hpp"
#include "torchdoctor/sys/env.hpp"
#include "torchdoctor/sys/file_system.hpp"

namespace td {

/// Choices from the command line that change what detectors do.
struct ProbeOptions {
  std::vector<std::string> pythons;          ///< --python PATH: more interpreters to probe, first is the default.
  bool import_torch = false;                 ///< --import-torch: also import torch in each interpreter.
  std::chrono::milliseconds timeout{10000};  ///< Limit for every child process (nvcc, python).
  std::chrono::milliseconds import_timeout{60000};  ///< Limit for importing torch (seconds on a cold disk).
  std::vector<std::string> detectors;               ///< Only these detectors (by name); empty: all of them.
};

/// What a detector may touch: the file tree, the environment and the options.
struct ProbeContext {
  const FileSystem& fs;
  const Env& env;
  ProbeOptions options = {};
  GpuProbeOptions gpu{};  ///< How to ask the GPU libraries (timeout, cache).
};

/// A detector: fills facts from the context; records a ProbeIssue instead of failing.
using DetectorFn = void (*)(const ProbeContext&, HostFacts&);

/// One row of the detector table.
struct Detector {
  const char* name;     ///< Short name shown in reports ("os", "cpu", ...).
  const char* summary;  ///< One line for --help and docs.
  DetectorFn run;
};

/// The detectors, in the order they run.
std::span<const Detector> detectors();

/// Runs every detector against `ctx` and returns the facts.
HostFacts probe_host(const ProbeContext& ctx);

/// Records that `detector` could not do its job because of `message`.
void add_issue(HostFacts& facts, const char* detector, const std::string& message);

// The detectors (one folder each under src/probe/).
void detect_os(const ProbeContext& ctx, HostFacts& facts);
void detect_cpu(const ProbeContext& ctx, HostFacts& facts);
void detect_memory(const ProbeContext& ctx, HostFacts& facts);
void detect_glibc(const ProbeContext& ctx, HostFacts& facts);
void detect_container(const ProbeContext& ctx, HostFacts& facts);
void detect_driver(const ProbeContext& ctx, HostFacts& facts);
void detect_gpu_pci(const ProbeContext& ctx, HostFacts& facts);
void detect_board(const ProbeContext& ctx, HostFacts& facts);
void detect_jetson(const ProbeContext& ctx, HostFacts& facts);
void detect_tooling(const ProbeContext& ctx, HostFacts& facts);
void detect_toolkits(const ProbeContext& ctx, HostFacts& facts);
void detect_cuda_libs(const ProbeContext& ctx, HostFacts& facts);
void detect_python_torch(const ProbeContext& ctx, HostFacts& facts);
void detect_gpu_libs(const ProbeContext& ctx, HostFacts& facts);

}  // namespace td
