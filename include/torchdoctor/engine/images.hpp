// Images judged from the knowledge base: known tags, their platforms, the torch inside, the L4T
// line; and, for a tag the KB's repositories never published, the nearest real tags.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "torchdoctor/engine/engine.hpp"

namespace td {

/// What the knowledge base says about one image reference.
struct KbImageJudgement {
  bool known_repository = false;  ///< The KB tracks this repository's tags.
  bool known_tag = false;         ///< The tag is in the KB.
  std::vector<Reason> reasons;    ///< ARCH_MISMATCH, NOT_FOR_TEGRA, L4T_MISMATCH, GPU_ARCH_MISSING, TAG_NOT_FOUND...
  std::vector<std::string> nearest_tags;  ///< For TAG_NOT_FOUND: the closest published tags.
};

/// Judges `registry/repository:tag` (normalised, e.g. "docker.io/pytorch/pytorch", "2.6.0-...")
/// for the host from the KB alone.
KbImageJudgement judge_image_from_kb(const JudgedHost& host, const Kb& kb, const std::string& registry,
                                     const std::string& repository, const std::string& tag);

/// The image recommend picks for this host (a full recommendation: call it once per host).
std::optional<std::string> recommended_image(const JudgedHost& host, const Kb& kb);

/// What the knowledge base records about one image tag, for fleet placement.
struct KbImageInfo {
  std::vector<std::string> platforms;  ///< linux/amd64, linux/arm64.
  std::optional<Version> cuda;         ///< The CUDA inside (null for CPU images).
  std::optional<Version> torch;        ///< The torch release inside (pytorch/pytorch images).
  std::optional<Version> l4t;          ///< L4T images: the L4T release they are built for.
  bool jetson = false;                 ///< Built for Jetson (L4T or NGC -igpu).
  bool ngc = false;                    ///< An NGC framework image (carries the CUDA forward-compatibility package).
  std::vector<std::string> compat_drivers;    ///< NGC: the forward-compatible driver floors its release notes list.
  std::vector<ComputeCapability> kernels;     ///< NGC: its SASS and PTX targets (PTX as_ptx); empty: unknown.
  std::vector<std::string> kernel_platforms;  ///< NGC: the platforms `kernels` was read for; empty: every one.
};

/// Whether the CUDA forward-compatibility package of an NGC release runs on `driver` (a data-center
/// GPU whose driver is older than the image's CUDA major). `compat_drivers` holds the floors the
/// release notes list ("535.86" reads "535.86 or later R535"; a bare "535" any R535 driver).
enum class ForwardCompat { listed, not_listed, unknown };
ForwardCompat ngc_forward_compat(const std::vector<std::string>& compat_drivers, const std::optional<Version>& driver);

/// True when the KB holds the compiled GPU targets of NGC image `img` for OCI platform `docker_platform`
/// ("linux/arm64"): a list was read, for every platform of the image or for this one.
bool ngc_arch_known(const NgcImage& img, const std::string& docker_platform);

/// True when the KB lists images of `registry/repository` and none is a Jetson (L4T or iGPU)
/// build: no tag of it, listed or not, uses a Jetson's GPU (pytorch/pytorch).
bool repository_is_discrete_only(const Kb& kb, const std::string& registry, const std::string& repository);

/// The KB's record of `registry/repository:tag`, when it has one.
std::optional<KbImageInfo> kb_image_info(const Kb& kb, const std::string& registry, const std::string& repository,
                                         const std::string& tag);

}  // namespace td
