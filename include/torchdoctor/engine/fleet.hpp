// Fleets: each node reduced to the few facts that decide where an image runs (NodeProfile), each
// image to what it needs (ImageNeeds), and one fast judgement between them. The same two halves
// become Kubernetes node labels and the nodeAffinity that selects those labels (engine/k8s.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "torchdoctor/core/host_facts.hpp"
#include "torchdoctor/engine/engine.hpp"
#include "torchdoctor/kb/kb.hpp"
#include "torchdoctor/registry/image_facts.hpp"

namespace td {

/// The facts about one node that placement needs.
struct NodeProfile {
  std::string name;  ///< Hostname, else the snapshot's file name and line.
  std::string arch;  ///< Kubernetes arch: amd64, arm64; empty when unknown.
  bool gpus_known = false;
  std::vector<ComputeCapability> ccs;  ///< Each GPU's compute capability (hardware form); one per GPU.
  bool cc_unknown = false;             ///< A GPU whose capability is unknown.
  std::vector<std::string> gpu_names;
  std::optional<Version> driver;
  std::optional<Version> cuda_level;  ///< The driver's CUDA level.
  bool tegra = false;
  bool tegra_sbsa = false;  ///< A Jetson on the SBSA CUDA stack (JetPack 7+): discrete-GPU images run.
  std::optional<Version> l4t;
  std::optional<Version> jetpack;
  std::string family;       ///< KB family of the first GPU (ampere, ada, hopper, blackwell ...).
  bool datacenter = false;  ///< Every GPU is a data-center part (forward compatibility applies).
};

/// Reduces a judged host to a profile.
NodeProfile node_profile(const JudgedHost& host, const Kb& kb);

/// What an image needs from a node.
struct ImageNeeds {
  std::string ref;
  std::vector<std::string> archs;   ///< Kubernetes archs it is published for; empty: unknown.
  bool needs_gpu = false;           ///< A CUDA image.
  std::optional<Version> min_cuda;  ///< The driver CUDA level it needs (major.minor).
  /// The driver that runs `min_cuda` through CUDA minor-version compatibility, when the need comes
  /// from the image's CUDA (the rule judge_driver_for applies); unset when the image states its
  /// need in NVIDIA_REQUIRE_CUDA, which the container runtime enforces as written.
  std::optional<Version> minor_compat_driver;
  bool tag_unknown = false;  ///< Offline and not in the KB: whether it exists is unknown.
  /// An NGC image: it carries the CUDA forward-compatibility package, so on a data-center GPU a
  /// driver older than its CUDA may still run it (which branches, the KB may not say).
  bool forward_compat = false;
  std::vector<std::string> compat_drivers;  ///< The branches it lists (ngc_forward_compat); empty: not known.
  std::optional<std::vector<ComputeCapability>> kernels;  ///< torch's SASS and PTX targets; null: unknown.
  /// Where `kernels` is unknown: the targets its CUDA toolkit compiles (toolkit_arch), which bound
  /// them (judge_gpus_by_toolkit's rule); null: not known either.
  std::optional<std::vector<ComputeCapability>> toolkit_targets;
  std::vector<std::string>
      kernel_archs;  ///< The archs `kernels` holds for (an NGC list read for one); empty: every one.
  enum class Tegra { any, required, forbidden } tegra = Tegra::any;
  std::optional<Version> l4t;         ///< Jetson images: the L4T release (major.minor must match).
  std::vector<std::string> unknowns;  ///< What could not be learnt about the image.
};

/// Builds the needs from what the registry said (may be null) and the KB's record of the tag.
ImageNeeds image_needs(const ImageRef& ref, const ImageFacts* registry, const Kb& kb);

/// Why an image does not (or may not) run on a node: one bit per reason.
enum FitBit : std::uint32_t {
  k_fit_arch = 1U << 0U,             ///< ARCH_MISMATCH
  k_fit_not_tegra = 1U << 1U,        ///< ARCH_MISMATCH: a Jetson image on a node that is not a Jetson
  k_fit_for_tegra = 1U << 2U,        ///< NOT_FOR_TEGRA
  k_fit_l4t = 1U << 3U,              ///< L4T_MISMATCH
  k_fit_no_gpu = 1U << 4U,           ///< NO_GPU
  k_fit_driver = 1U << 5U,           ///< DRIVER_TOO_OLD
  k_fit_kernels = 1U << 6U,          ///< GPU_ARCH_MISSING
  k_fit_gpu_too_old = 1U << 7U,      ///< GPU_TOO_OLD: older than every architecture the torch is built for
  k_fit_unknown_arch = 1U << 8U,     ///< the node's architecture is unknown
  k_fit_unknown_gpu = 1U << 9U,      ///< a GPU's capability is unknown
  k_fit_unknown_driver = 1U << 10U,  ///< UNKNOWN_DRIVER: the node's driver CUDA level is unknown
  k_fit_unknown_l4t = 1U << 11U,     ///< the Jetson's L4T is unknown
  k_fit_unknown_tag = 1U << 12U,     ///< TAG_UNKNOWN: offline, the KB does not list the tag
  k_fit_forward_compat = 1U << 13U,  ///< FORWARD_COMPAT: the driver is too old unless forward compatibility applies
  k_fit_jetson_minor = 1U << 14U,  ///< MINOR_VERSION_COMPAT: a newer CUDA minor than the JetPack's (not known to hold)
  k_fit_unknown_kernels = 1U << 15U,  ///< ARCH_LIST_UNKNOWN: a GPU newer than its toolkit; its PTX is not known
};
/// The bits that mean "could not determine" rather than "does not run".
inline constexpr std::uint32_t k_fit_unknown_mask = k_fit_unknown_arch | k_fit_unknown_gpu | k_fit_unknown_driver |
                                                    k_fit_unknown_l4t | k_fit_unknown_tag | k_fit_forward_compat |
                                                    k_fit_jetson_minor | k_fit_unknown_kernels;

/// Judges one image on one node (no allocation): 0 when it runs.
std::uint32_t judge_fit(const ImageNeeds& image, const NodeProfile& node);

/// The reason code of one bit (ARCH_MISMATCH, ..., UNKNOWN_GPU).
const char* fit_code(FitBit bit);
/// One sentence per set bit, with the facts.
std::vector<std::pair<std::string, std::string>> describe_fit(const ImageNeeds& image, const NodeProfile& node,
                                                              std::uint32_t bits);

/// Kubernetes' name for a machine architecture (x86_64 -> amd64, aarch64 -> arm64).
std::string k8s_arch(const std::string& machine);

}  // namespace td
