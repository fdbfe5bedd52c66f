// Inspecting images: reference -> (cached) manifest or index -> the requested platform's manifest ->
// config blob -> ImageFacts. Many references run concurrently on a small pool of threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "torchdoctor/registry/cache.hpp"
#include "torchdoctor/registry/client.hpp"
#include "torchdoctor/registry/image_facts.hpp"

namespace td {

/// How to inspect.
struct InspectOptions {
  Platform platform{"linux", "amd64", {}, {}};  ///< The platform whose config is read.
  bool offline = false;                         ///< Answer from the cache only.
  bool refresh = false;                         ///< Ask the registry even for fresh cached tags.
  std::int64_t tag_ttl_seconds = 600;           ///< How long a cached tag -> digest answer is trusted.
  std::int64_t now = 0;                         ///< Unix seconds, for the TTL.
  bool suggest_tags = true;                     ///< List tags when a tag is missing.
  unsigned jobs = 8;                            ///< Concurrent references.
};

/// The outcome for one reference: facts, or an error that kept us from knowing.
struct ImageInspection {
  ImageFacts facts;
  std::optional<Error> error;
};

/// Inspects one reference with `client` (null when offline) and `cache` (may be null).
ImageInspection inspect_image(RegistryClient* client, const RegistryCache* cache, const ImageRef& ref,
                              const InspectOptions& options);

/// Inspects every reference, `options.jobs` at a time; results keep the input order.
std::vector<ImageInspection> inspect_images(const std::vector<ImageRef>& refs, RegistryShared* shared,
                                            const RegistryCache* cache, const InspectOptions& options);

}  // namespace td
