// Writing files: the few places torchdoctor writes (its caches, a labels file a user named) go
// through here.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "torchdoctor/core/result.hpp"

namespace td {

/// Creates the absolute directory `path` and any missing parents (new ones get mode 0700).
Status make_directories(const std::string& path);

/// Who may read a file written by write_file_atomic.
enum class FileMode {
  owner_only,  ///< 0600: torchdoctor's own caches.
  shared,      ///< The replaced file's mode, or 0666 less the umask for a new file (a user's output).
};

/// Replaces the file at absolute `path` with `contents` atomically: readers see the old file or
/// the whole new one, never a part. The temporary file is hidden (".NAME.tmp.XXXXXX", which
/// folder watchers such as Node Feature Discovery skip) in the same folder, synced before the
/// rename. A folder, link, FIFO or device at `path` is refused (bad_input), never replaced.
Status write_file_atomic(const std::string& path, std::string_view contents, FileMode mode = FileMode::owner_only);

/// Removes the temporaries that write_file_atomic left in `dir` when its process was killed, once
/// they are older than `age` (younger ones may belong to a writer still running), and the regular
/// files `also` names (an older naming). Best effort.
void remove_stale_temporaries(const std::string& dir, std::chrono::seconds age,
                              const std::function<bool(std::string_view)>& also = {});

}  // namespace td
