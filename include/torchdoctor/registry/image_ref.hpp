// ImageRef: a container image reference (docker.io/library/ubuntu:22.04, ghcr.io/o/r@sha256:...), parsed
// and normalised the way docker does, with one-line errors for malformed input.
#pragma once

#include <string>
#include <string_view>

#include "torchdoctor/core/result.hpp"

namespace td {

/// Docker Hub's canonical registry name.
inline constexpr const char* k_docker_hub = "docker.io";

/// A normalised image reference.
struct ImageRef {
  std::string original;    ///< The text as given.
  std::string registry;    ///< docker.io, nvcr.io, 127.0.0.1:5000 ...
  std::string repository;  ///< library/ubuntu, nvidia/pytorch ...
  std::string tag;         ///< Tag; "latest" when neither tag nor digest was given.
  std::string digest;      ///< sha256:... when given.

  /// registry/repository.
  [[nodiscard]] std::string name() const { return registry + "/" + repository; }
  /// The tag or, when present, the digest: what the manifest endpoint is asked for.
  [[nodiscard]] const std::string& reference() const { return digest.empty() ? tag : digest; }
  /// Canonical text: registry/repository[:tag][@digest].
  [[nodiscard]] std::string str() const;
  /// The host:port the API lives on (docker.io's API host for Docker Hub).
  [[nodiscard]] std::string api_host() const;
};

/// Parses and normalises `text`; errors name the reference and what is wrong with it.
Result<ImageRef> parse_image_ref(std::string_view text);

/// True for NVIDIA's NGC framework images (nvcr.io/nvidia/...), which ask for memlock and stack ulimits.
bool is_ngc_image(const ImageRef& ref);

/// True when `tag` is a valid tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}).
bool is_valid_tag(std::string_view tag);

/// True when `digest` is algorithm:hex with a known length for sha256/sha512.
bool is_valid_digest(std::string_view digest);

}  // namespace td
