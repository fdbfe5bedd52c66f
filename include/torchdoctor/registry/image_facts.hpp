// ImageFacts: what the registry tells about one image without pulling it: platforms, and from the
// config blob the Env and Labels that carry CUDA, cuDNN, torch, L4T and NVIDIA_REQUIRE_* facts.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "torchdoctor/core/fact.hpp"
#include "torchdoctor/core/result.hpp"
#include "torchdoctor/core/version.hpp"
#include "torchdoctor/registry/image_ref.hpp"

namespace td {

/// The JSON schema name of `torchdoctor image --json`.
inline constexpr const char* k_image_schema = "torchdoctor.image/v1";

/// An OS/architecture/variant triple, with the digest of its manifest when it came from an index.
struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;
  std::string digest;

  /// "linux/arm64/v8" (variant only when set).
  [[nodiscard]] std::string str() const;
};

/// Parses "linux/arm64", "linux/arm64/v8", "arm64" (os linux); errors name the problem.
Result<Platform> parse_platform(std::string_view text);

/// The OCI platform of a machine architecture as uname names it (x86_64 -> amd64, aarch64 -> arm64).
std::optional<Platform> platform_for_machine(const std::string& machine);

/// True when `have` can run where `want` is asked for (same os and architecture; variants compatible).
bool platform_matches(const Platform& want, const Platform& have);

/// A manifest or index after parsing.
struct ParsedManifest {
  bool is_index = false;
  std::vector<Platform> platforms;  ///< Index entries (attestations and unknown/unknown left out).
  std::string config_digest;        ///< Image manifests only.
};

/// Parses a manifest body; `content_type` helps when the body lacks mediaType.
Result<ParsedManifest> parse_manifest(std::string_view body, std::string_view content_type);

/// Everything found about one image reference.
struct ImageFacts {
  ImageRef ref;
  bool found = true;                      ///< False when the tag (or repository) does not exist.
  std::vector<std::string> nearest_tags;  ///< When not found: the closest existing tags.
  std::string digest;                     ///< Digest of the manifest or index the reference names.
  bool is_index = false;
  std::vector<Platform> platforms;            ///< Every platform the image is published for.
  Platform requested;                         ///< The platform asked for (this host's, or --platform).
  std::optional<Platform> selected;           ///< The platform whose config was read.
  bool platform_available = true;             ///< False when no platform matches `requested`.
  bool from_cache = false;                    ///< True when no request was needed.
  std::map<std::string, std::string> env;     ///< Config Env.
  std::map<std::string, std::string> labels;  ///< Config Labels.
  Fact<Version> cuda_version;                 ///< CUDA_VERSION.
  Fact<Version> cudnn_version;               ///< CUDNN_VERSION, NV_CUDNN_VERSION or the com.nvidia.cudnn.version label.
  Fact<Version> torch_version;               ///< PYTORCH_VERSION and friends, or a label.
  Fact<std::string> nvidia_pytorch_version;  ///< NGC container release (NVIDIA_PYTORCH_VERSION=24.05).
  Fact<Version> l4t_version;                 ///< L4T_VERSION, or rXX.Y.Z in the tag.
  Fact<Version> jetpack_version;             ///< JETPACK_VERSION.
  Fact<std::string> require_jetpack;         ///< NVIDIA_REQUIRE_JETPACK (a mount control, not a requirement).
};

/// Fills env, labels and the derived facts of `facts` from a config blob.
Status apply_config(std::string_view config_json, ImageFacts& facts);

/// Fills the derived facts (CUDA, cuDNN, torch, L4T, JetPack) from env, labels and the tag.
void derive_image_facts(ImageFacts& facts);

}  // namespace td
