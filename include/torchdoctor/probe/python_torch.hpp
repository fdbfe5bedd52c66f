// The Python and torch probe: interpreters, their site-packages, and each torch install read from
// its files (version.py, the fatbinary of libtorch_cuda.so) without importing torch.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "torchdoctor/core/host_facts.hpp"
#include "torchdoctor/core/result.hpp"
#include "torchdoctor/probe/fatbin.hpp"
#include "torchdoctor/probe/probe.hpp"

namespace td {

/// What torch/version.py says (torch.version.*), read as text.
struct TorchVersionPy {
  std::optional<std::string> version;  ///< __version__, "2.6.0+cu124".
  std::optional<std::string> cuda;     ///< cuda, "12.4"; nullopt when None.
  std::optional<std::string> hip;      ///< hip; nullopt when None.
  std::optional<std::string> git;      ///< git_version.
};
/// Parses torch/version.py; fails when it has no __version__.
Result<TorchVersionPy> parse_torch_version_py(std::string_view text);

/// The values of a pyvenv.cfg (key = value lines).
struct PyvenvCfg {
  std::optional<std::string> home;     ///< Directory of the base interpreter.
  std::optional<std::string> version;  ///< "version" or "version_info", 3.11.7.
  bool system_site_packages = false;   ///< include-system-site-packages = true.
};
/// Parses pyvenv.cfg text.
PyvenvCfg parse_pyvenv_cfg(std::string_view text);

/// Splits a dist-info folder name ("nvidia_cublas_cu12-12.4.5.8.dist-info") into a package name
/// with dashes ("nvidia-cublas-cu12") and a version; nullopt for other names.
std::optional<PythonPackage> parse_dist_info_name(std::string_view folder);

/// The GPU architectures compiled into a torch install, from its CUDA libraries' fatbinaries.
struct TorchArchScan {
  FatbinSummary summary;
  std::vector<std::string> libraries;  ///< The files read (root-relative).
};
/// Reads torch/lib/libtorch_cuda.so, libtorch_cuda_*.so and libc10_cuda.so under `torch_dir`;
/// fails when none exists or one is malformed.
Result<TorchArchScan> scan_torch_arch_list(const FileSystem& fs, const std::string& torch_dir);

/// Parses the output of torch._C._cuda_getArchFlags() ("sm_50 sm_60 ... compute_90").
Result<std::vector<ComputeCapability>> parse_arch_flags(std::string_view text);

/// A Python environment found on the machine.
struct PythonEnvironment {
  std::string interpreter;                 ///< Path as found (root-relative).
  std::string prefix;                      ///< sys.prefix as derived from the files.
  std::string kind;                        ///< venv, conda or system.
  std::vector<std::string> found_by;       ///< "--python", "VIRTUAL_ENV", "CONDA_PREFIX", "PATH", ...
  Fact<Version> version;                   ///< From pyvenv.cfg, names, or by running it.
  std::vector<std::string> site_packages;  ///< Existing site-packages / dist-packages folders.
};

/// Finds interpreters (--python paths, $VIRTUAL_ENV, $CONDA_PREFIX, PATH python3/python) and their
/// site-packages from files; runs an interpreter (with `ctx.options.timeout`) only when its files
/// do not tell its version, and only on the live root. Problems become issues in `facts`.
std::vector<PythonEnvironment> find_python_environments(const ProbeContext& ctx, HostFacts& facts);

/// The site-packages folders of the interpreters found, from files only (never runs Python).
std::vector<std::string> site_packages_from_files(const ProbeContext& ctx);

/// The embedded script `--import-torch` runs; prints one line "TORCHDOCTOR-JSON {...}".
std::string_view import_torch_script();
/// Applies the script's output to `install` and cross-checks the parsed arch list; disagreements
/// and failures are returned as messages.
std::vector<std::string> apply_import_report(std::string_view output, TorchInstall& install);

}  // namespace td
