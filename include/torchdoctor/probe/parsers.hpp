// Pure parsers for the files the detectors read; each takes text and never throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "torchdoctor/core/result.hpp"
#include "torchdoctor/core/version.hpp"

namespace td {

/// Fields of /etc/os-release.
struct OsRelease {
  std::string id, version_id, pretty_name;
};
/// Parses os-release text; fails when no known key is present.
Result<OsRelease> parse_os_release(std::string_view text);

/// What /proc/driver/nvidia/version says.
struct NvidiaProcVersion {
  Version version;
  bool open_module = false;  ///< "Open Kernel Module" in the NVRM line.
  std::string arch;          ///< x86_64, aarch64 (from the NVRM line).
};
/// Parses /proc/driver/nvidia/version.
Result<NvidiaProcVersion> parse_nvidia_proc_version(std::string_view text);

/// Parses /etc/nv_tegra_release ("# R35 (release), REVISION: 3.1, ...") into 35.3.1.
Result<Version> parse_nv_tegra_release(std::string_view text);
/// Reads the L4T version of the nvidia-l4t-core package from a dpkg status file.
Result<Version> parse_dpkg_l4t_core(std::string_view status);

/// What /proc/cpuinfo tells.
struct CpuInfo {
  std::string model;
  std::uint32_t processors = 0;
  std::vector<std::string> flags;  ///< All flags / Features of the first processor.
};
/// Parses /proc/cpuinfo (x86 "model name", ARM "CPU implementer/part", "Hardware", "Model").
Result<CpuInfo> parse_cpuinfo(std::string_view text);

/// Reads MemTotal from /proc/meminfo in bytes.
Result<std::uint64_t> parse_meminfo_total(std::string_view text);
/// Reads the size= option of the /dev/shm mount from /proc/mounts text, in bytes.
Result<std::uint64_t> parse_shm_size_from_mounts(std::string_view text);
/// Finds the glibc version in the bytes of libc.so.6 ("release version 2.36").
Result<Version> parse_glibc_banner(std::string_view bytes);
/// Reads the machine of an ELF header (x86_64, aarch64, ...).
Result<std::string> parse_elf_machine(std::string_view bytes);
/// Splits a NUL-separated device-tree string list.
std::vector<std::string> parse_dt_strings(std::string_view bytes);
/// Container engine named by /proc/1/cgroup or /proc/self/mountinfo text, if any.
std::optional<std::string> parse_cgroup_engine(std::string_view text);

}  // namespace td
