// The Python and torch probe: interpreters, their site-packages, and each torch install read from
// its files (version.py, the fatbinary of libtorch_cuda.so) without importing torch.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
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

/// One entry of an interpreter's sys.path as worked out from files, in import order.
struct SysPathEntry {
  std::string path;    ///< Folder (root-relative).
  std::string origin;  ///< PYTHONPATH, site, user site, pth:<file>, egg-link:<file>, pip build overlay, ...
};

/// A torch package found on a sys.path: its folder and the entry that holds it.
struct TorchOnPath {
  std::string torch_dir;  ///< The folder holding torch/__init__.py or torch/version.py.
  std::string entry;      ///< The sys.path entry (or the editable finder's mapping) it was found through.
  std::string origin;     ///< That entry's origin.
};

/// A Python environment found on the machine.
struct PythonEnvironment {
  std::string interpreter;                 ///< Path as found (root-relative).
  std::string prefix;                      ///< sys.prefix as derived from the files.
  std::string kind;                        ///< venv, conda or system.
  std::vector<std::string> found_by;       ///< "--python", "VIRTUAL_ENV", "CONDA_PREFIX", "PATH", ...
  Fact<Version> version;                   ///< From pyvenv.cfg, names, or by running it.
  std::vector<std::string> site_packages;  ///< Existing site-packages / dist-packages folders, in sys.path order.
  std::string user_site;                   ///< The user site-packages folder when enabled and present.
  bool system_site_packages = false;       ///< A venv that also sees its base interpreter's site-packages.
};

/// The interpreter's sys.path from files: PYTHONPATH (or pip's build-isolation overlay), the user site,
/// the site folders, each followed by the folders its `.pth` files add (sorted by name; `import`
/// lines are not run and are returned in `skipped`).
std::vector<SysPathEntry> python_sys_path(const FileSystem& fs, const Env& env, const PythonEnvironment& python,
                                          std::vector<std::string>& skipped);

/// Every torch that `import torch` could load with `path`, the one it loads first: a folder `torch`
/// with `__init__.py` or `version.py` in each entry, then the editable installs' finders
/// (`__editable___*_finder.py` MAPPING), which Python consults after sys.path.
std::vector<TorchOnPath> torch_on_sys_path(const FileSystem& fs, const std::vector<SysPathEntry>& path);

/// The `MAPPING` of a setuptools editable finder (`{'torch': '/src/pytorch/torch'}`): name, folder pairs.
std::vector<std::pair<std::string, std::string>> parse_editable_finder_mapping(std::string_view text);

/// What a version manager's shim on PATH (pyenv, asdf, mise) stands for, worked out from the manager's
/// files and variables without running the shim (a bash script that re-executes the manager).
struct ShimResolution {
  bool is_shim = false;                    ///< The file is a version manager's shim.
  std::string manager;                     ///< pyenv, asdf or mise.
  std::optional<std::string> interpreter;  ///< The real interpreter it would run (root-relative).
  std::string how;      ///< Where the version came from ("PYENV_VERSION=3.11", "file:/p/.python-version").
  std::string problem;  ///< Why it could not be resolved (empty when resolved).
};
/// Resolves `path` (a `name` such as python3 found on PATH) when it is a pyenv, asdf or mise shim:
/// the manager's version variable, its version files from $PWD upward, its global version file;
/// "system" means the next `name` on PATH after the shims folder.
ShimResolution resolve_python_shim(const FileSystem& fs, const Env& env, const std::string& path,
                                   const std::string& name);

/// The interpreter of a project's `.venv` (uv, poetry in-project) in $PWD or a folder above it.
std::optional<std::string> project_venv_python(const FileSystem& fs, const Env& env);

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
