// probe: the only code that reads the machine. Each detector fills its part of HostFacts.
#pragma once

#include <span>
#include <string>

#include "torchdoctor/core/host_facts.hpp"
#include "torchdoctor/probe/gpu_libs.hpp"
#include "torchdoctor/sys/env.hpp"
#include "torchdoctor/sys/file_system.hpp"

namespace td {

/// What a detector may touch: the file tree and the environment, and how to ask the GPU libraries.
struct ProbeContext {
  const FileSystem& fs;
  const Env& env;
  GpuProbeOptions gpu{};
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
void add_issue(HostFacts& facts, const char* detector, std::string message);

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
void detect_gpu_libs(const ProbeContext& ctx, HostFacts& facts);

}  // namespace td
