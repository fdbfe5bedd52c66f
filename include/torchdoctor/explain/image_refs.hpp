// Container image references mentioned in pasted text: `manifest for X not found`, `Unable to find
// image 'X' locally`, `pull access denied for X`, `docker run ... X`, `FROM X`, `image: X`.
// Pure: extraction only; judging the images for a host is the app layer's (check_images).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace td {

/// One image reference found in the text.
struct ImageMention {
  std::string ref;   ///< As written (docker.io/... not added); never holds variables ($X, ${X}).
  std::size_t line;  ///< 1-based input line of its first mention.
  std::string how;   ///< "manifest", "unable_to_find", "pull_denied", "docker_run", "from", "compose_image".
};

/// The distinct image references of `text`, in order of first mention (at most `limit`).
std::vector<ImageMention> extract_image_refs(std::string_view text, std::size_t limit = 16);

}  // namespace td
