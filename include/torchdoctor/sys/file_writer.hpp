// Writing files: the few places torchdoctor writes (its cache) go through here.
#pragma once

#include <string>
#include <string_view>

#include "torchdoctor/core/result.hpp"

namespace td {

/// Creates the absolute directory `path` and any missing parents (new ones get mode 0700).
Status make_directories(const std::string& path);

/// Replaces the file at absolute `path` with `contents` atomically: readers see the old file or
/// the whole new one, never a part (a temporary file in the same folder, then rename).
Status write_file_atomic(const std::string& path, std::string_view contents);

}  // namespace td
