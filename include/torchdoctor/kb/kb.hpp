// The knowledge base: sourced facts about CUDA, drivers, GPUs, torch wheels, images, Jetson and
// boards, loaded from data/kb/*.toml (embedded at build time, or --kb DIR). Schema: docs/kb.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "torchdoctor/core/compute_capability.hpp"
#include "torchdoctor/core/result.hpp"
#include "torchdoctor/core/version.hpp"

namespace td {

/// Where a record came from and how sure we are of it.
struct Provenance {
  std::vector<std::string> sources;  ///< URLs or owner/repo:path@commit that were read.
  bool confirmed = true;             ///< False when a value could not be confirmed at a source.
  std::string note;                  ///< Why unconfirmed, or where sources disagree.
  std::string file;                  ///< data/kb file the record is in.
  std::uint32_t line = 0;            ///< Its line there.
};

/// A CUDA toolkit release and the driver it needs.
struct CudaRelease {
  Version version;
  std::optional<Version> min_driver_linux, min_driver_windows;
  std::string released;
  Provenance from;
};

/// Minor-version compatibility: the oldest driver that runs anything built with CUDA `major`.x.
struct CudaMajor {
  std::uint32_t major = 0;
  Version min_driver_linux;
  std::optional<Version> min_driver_windows;
  Provenance from;
};

/// A data-center driver branch.
struct DriverBranch {
  std::string branch, kind, eol;
  std::optional<Version> max_cuda;
  std::vector<std::string> last_for;  ///< GPU families (gpus.toml `family`) whose last supporting branch this is.
  Provenance from;
};

/// The targets nvcc of one CUDA minor can compile for.
struct ToolkitArch {
  Version cuda;
  std::vector<ComputeCapability> arch;             ///< Plain targets (sm_XY).
  std::vector<ComputeCapability> arch_specific;    ///< 'a' targets (9.0a).
  std::vector<ComputeCapability> family_specific;  ///< 'f' targets (10.0f).
  std::vector<ComputeCapability> deprecated;       ///< Targets that compile with a deprecation warning.
  Provenance from;
};

/// A name TORCH_CUDA_ARCH_LIST may hold for a list of architectures ("Ampere" = "8.0;8.6+PTX"), as
/// PyTorch's cpp_extension expands it; in the KB's order (combined names such as "Ampere+Tegra" first).
struct ArchName {
  std::string name;
  std::string archs;
  Provenance from;
};

/// nvcc's supported host compilers for one CUDA minor.
struct HostCompiler {
  Version cuda;
  std::optional<Version> gcc_min, gcc_max, clang_min, clang_max;
  Provenance from;
};

/// A GPU model.
struct GpuModel {
  std::string name;
  std::vector<std::string> aliases;
  std::vector<std::string> lookup_names;               ///< name and aliases in lower case (filled by the loader).
  std::vector<std::vector<std::string>> lookup_words;  ///< gpu_name_words of each lookup name (filled by the loader).
  std::vector<std::uint16_t> pci_ids;                  ///< PCI device ids (0x2684), parsed by pci_device_id.
  ComputeCapability cc;
  std::optional<double> memory_gib;
  std::string family, segment;
  Provenance from;
};

/// A PyTorch release.
struct TorchRelease {
  Version version;
  std::string released;
  std::vector<std::string> python;  ///< "3.12", and "3.13t" for free-threaded builds.
  std::string pypi_default_linux_x86_64, pypi_default_linux_aarch64;
  Provenance from;
};

/// One wheel variant of a release (cpu, cu124, ...).
struct TorchWheel {
  Version torch;
  std::string variant;
  std::optional<Version> cuda;
  std::vector<ComputeCapability> arch;  ///< SASS targets; empty when unknown (then confirmed = false).
  std::vector<ComputeCapability> ptx;   ///< Targets also shipped as PTX.
  std::vector<std::string> platforms;   ///< linux-x86_64, linux-aarch64, windows-x86_64.
  std::optional<Version> glibc;
  std::string index;                ///< pypi | pytorch
  std::vector<std::string> python;  ///< This wheel's CPython versions when they differ from the release's; else empty.
  Provenance from;
};

/// A pytorch/pytorch Docker Hub image.
struct PytorchImage {
  std::string ref;
  Version torch;
  std::optional<Version> cuda;
  std::string cudnn, flavor;
  std::vector<std::string> platforms;  ///< linux/amd64, linux/arm64.
  Provenance from;
};

/// An nvcr.io/nvidia/pytorch image.
struct NgcImage {
  std::string ref;
  std::string torch;  ///< As NVIDIA prints it (2.6.0a0+df5bbc09d1).
  std::optional<Version> cuda;
  std::optional<Version> min_driver;
  std::vector<std::string> compat_drivers;
  std::vector<std::string> platforms;
  std::vector<ComputeCapability> arch;      ///< SASS targets (its TORCH_CUDA_ARCH_LIST); empty when not read.
  std::vector<ComputeCapability> ptx;       ///< Targets also shipped as PTX.
  std::vector<std::string> arch_platforms;  ///< The platforms the list was read for; empty: every one of `platforms`.
  bool igpu = false;
  std::string python, ubuntu;
  Provenance from;
};

/// A JetPack release.
struct JetPackRelease {
  Version jetpack, l4t;
  std::string stage;  ///< "" for production, "DP" (developer preview) or "EA" (early access).
  std::optional<Version> cuda;
  std::string cudnn, tensorrt, ubuntu, released;
  std::vector<std::string> modules;
  /// "tegra": CUDA for the iGPU only (JetPack builds, L4T/-igpu images); "sbsa": the Arm server
  /// (SBSA) CUDA stack, which runs the aarch64 wheels and images (JetPack 7).
  std::string cuda_stack = "tegra";
  Provenance from;
};

/// A Jetson module.
struct JetsonModule {
  std::string id, name, soc;
  ComputeCapability cc;
  std::vector<std::string> dt_compatible;
  std::vector<std::string> p_numbers;  ///< Module part numbers (p3701, p3767).
  std::vector<std::string> l4t_major;
  Provenance from;
};

/// An L4T container image (l4t-pytorch, dustynv).
struct L4tImage {
  std::string ref;
  Version l4t;
  std::string torch;
  std::vector<std::string> platforms;
  Provenance from;
};

/// A PyTorch wheel built for a JetPack.
struct JetsonWheel {
  Version jetpack;
  std::string torch;
  std::optional<Version> cuda;
  std::vector<Version> python;
  std::string index;
  /// For index "nvidia-redist": the wheel's path under NVIDIA's compute/redist/ download folder
  /// (jp/v512/pytorch/torch-...-cp38-cp38-linux_aarch64.whl). For "nvidia-box": the file name the
  /// download must be saved as (pip takes only a wheel's own name).
  std::string wheel;
  /// For index "nvidia-box": the forum post's per-wheel link (https://nvidia.box.com/shared/static/<id>.whl).
  std::string url;
  Provenance from;
};

/// An ARM board without an NVIDIA GPU.
struct Board {
  std::string id, name, soc, accelerator, path, advice;
  std::vector<std::string> dt_compatible;
  Provenance from;
};

/// A condition that changes or rejects a signature's diagnosis when the facts say so.
struct SignatureRefinement {
  std::vector<std::string> when;  ///< Predicates that must all hold (docs/kb.md, "[[signature]]").
  std::string code;               ///< Replacement reason code; empty keeps the signature's.
  std::string severity;           ///< Replacement severity (error, warn, info); empty keeps it.
  std::string cause;              ///< Replacement cause; empty keeps it.
  std::string fix;                ///< Replacement fix; empty keeps it.
  bool reject = false;            ///< The facts rule this diagnosis out.
};

/// An error message torchdoctor recognises in logs, and what it means.
struct Signature {
  std::string id;
  std::vector<std::string> patterns;  ///< Plain substrings; a line holding any of them matches.
  std::string regex;                  ///< Optional ECMAScript regex run on the matching line(s).
  std::vector<std::string> captures;  ///< Names of the regex's groups, in order.
  std::uint32_t lines = 1;            ///< Lines the regex sees (the matching one and those after it).
  std::string kind = "problem";       ///< "problem" (a diagnosis) or "fact" (only supplies facts).
  std::string code;                   ///< Reason code (src/core/finding.cpp) of the diagnosis.
  std::string severity = "error";     ///< error, warn or info.
  std::string cause;                  ///< One sentence; {name} and {name|fallback} are filled in.
  std::string fix;                    ///< Commands; "; " separates steps.
  std::int64_t priority = 50;         ///< Higher ranks first among diagnoses of equal weight.
  std::vector<SignatureRefinement> refine;
  Provenance from;
};

/// The whole knowledge base.
struct Kb {
  std::string as_of;        ///< Date the facts were last checked (YYYY-MM-DD).
  std::string origin;       ///< "embedded" or the --kb directory.
  std::size_t records = 0;  ///< Every record read, of every table (signatures and their refinements' parents included).
  std::vector<CudaRelease> cuda_releases;
  std::vector<CudaMajor> cuda_majors;
  std::vector<DriverBranch> driver_branches;
  std::vector<ToolkitArch> toolkit_archs;
  std::vector<HostCompiler> host_compilers;
  std::vector<ArchName> arch_names;
  std::vector<GpuModel> gpus;
  std::vector<TorchRelease> torch_releases;
  std::vector<TorchWheel> torch_wheels;
  std::vector<PytorchImage> pytorch_images;
  std::vector<NgcImage> ngc_images;
  std::vector<JetPackRelease> jetpacks;
  std::vector<JetsonModule> jetson_modules;
  std::vector<L4tImage> l4t_images;
  std::vector<JetsonWheel> jetson_wheels;
  std::vector<Board> boards;
  std::vector<Signature> signatures;
};

/// One KB file's name and text.
struct KbFile {
  std::string name;
  std::string text;  ///< TOML.
  std::string
      tree{};  ///< Or the document in td_kbc's binary form (what the binary embeds); read instead of text when set.
};

/// The Python tag of a Jetson wheel's file name ("cp38"); empty when there is no wheel file.
std::string jetson_wheel_python_tag(const JetsonWheel& w);
/// Where NVIDIA's Jetson wheels are downloaded from; a JetsonWheel's `wheel` path is under it.
inline constexpr const char* k_nvidia_redist_url = "https://developer.download.nvidia.com/compute/redist/";

/// Parses and validates KB files; the error names file, line and problem.
Result<Kb> parse_kb(const std::vector<KbFile>& files, const std::string& origin);
/// Reads every *.toml in `dir`, sorted by name (names are "DIR/file.toml").
Result<std::vector<KbFile>> read_kb_files(const std::string& dir);
/// Loads every *.toml in `dir`.
Result<Kb> load_kb_dir(const std::string& dir);
/// The knowledge base embedded in the binary at build time.
Result<Kb> load_embedded_kb();
/// The files embedded at build time (empty in tools built without them).
const std::vector<KbFile>& embedded_kb_files();

}  // namespace td
