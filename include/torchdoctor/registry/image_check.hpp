// The registry half of an image verdict: facts the registry can settle before a pull (does it
// exist, is there a build for this platform, do its NVIDIA_REQUIRE_* hold here). The engine adds its
// own reasons (GPU_ARCH_MISSING, L4T_MISMATCH, alternatives) by appending to ImageVerdict::reasons.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "torchdoctor/core/finding.hpp"
#include "torchdoctor/core/host_facts.hpp"
#include "torchdoctor/registry/image_facts.hpp"
#include "torchdoctor/registry/inspect.hpp"
#include "torchdoctor/registry/require.hpp"

namespace td {

/// One finding about an image, with a stable code (the code table, src/core/finding.cpp).
struct ImageReason {
  std::string code;     ///< TAG_NOT_FOUND, ARCH_MISMATCH, REQUIRE_UNSATISFIED, ...
  std::string message;  ///< One or two sentences for a person.
  Severity severity = Severity::error;
};

/// Everything the registry half concluded about one image on one host.
struct ImageVerdict {
  std::vector<ImageReason> reasons;  ///< In the order found; the engine may append.
  RequireOutcome requirements;       ///< The NVIDIA_REQUIRE_* evaluation.
  std::vector<std::string> lints;    ///< Likely mistakes in the image's NVIDIA environment.

  /// True when any reason is an error.
  [[nodiscard]] bool problem() const;
  /// True when no reason is an error but one is unknown: whether it runs here is undetermined.
  [[nodiscard]] bool undetermined() const;
};

/// One image: what the registry (or cache) said, and the verdict when there is one.
struct CheckedImage {
  ImageInspection inspection;
  std::optional<ImageVerdict> verdict;  ///< None when the image could not be checked (see inspection.error).
};

/// Turns what the registry told about an image and what we know about the host into reasons.
ImageVerdict check_image(const ImageFacts& image, const HostFacts& host);

}  // namespace td
