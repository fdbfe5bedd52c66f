// Tag helpers: pagination links, nearest-tag suggestions, versions hidden in tags.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace td {

/// The API path (after /v2) of the rel="next" page in a Link header; nullopt when there is none.
std::optional<std::string> next_page_path(const std::string& link_header);

/// Up to `max` tags closest to `wanted`: by edit distance, then by how close their leading
/// versions are (same major.minor first, then nearer, newer first).
std::vector<std::string> nearest_tags(const std::string& wanted, const std::vector<std::string>& tags,
                                      std::size_t max = 5);

/// The L4T release named in a tag (r35.2.1 in "r35.2.1-pth2.0-py3", "2.1-r36.4.0-cu128"), as text.
std::optional<std::string> l4t_from_tag(const std::string& tag);

}  // namespace td
