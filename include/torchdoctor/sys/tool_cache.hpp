// Answers of tools asked for their version (`g++ --version`, `nvcc --version`), remembered on disk
// and keyed on the tool file itself: its real path, size, modification time and inode. A tool that
// is replaced or upgraded is asked again; one that is not costs a file read instead of a process.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "torchdoctor/sys/env.hpp"
#include "torchdoctor/sys/subprocess.hpp"

namespace td {

/// The cache file `name` under $XDG_CACHE_HOME/torchdoctor (else ~/.cache/torchdoctor); nullopt when
/// neither variable is an absolute path.
std::optional<std::string> cache_file_path(const Env& env, const std::string& name);
/// The file that holds the tools' answers (cache_file_path "tools.json").
std::optional<std::string> tool_cache_path(const Env& env);

/// The answer remembered for `key` in the cache file at `path` (a small JSON map, bounded in size).
std::optional<std::string> cached_answer(const std::string& path, const std::string& key);
/// Remembers `answer` for `key` (the file is rewritten atomically; failing to write is not an error).
void remember_answer(const std::string& path, const std::string& key, const std::string& answer);

/// The identity of the file at `path` ("real-path|size|mtime-ns|inode"); nullopt when it cannot be stat'ed.
std::optional<std::string> file_identity(const std::string& path);

/// The standard output of `argv` (argv[0] an absolute path): from the cache at `cache_path` when the
/// tool and the arguments are unchanged, else by running it (kept only when it exits 0). Nullopt when
/// it cannot be run or fails; `cache_path` empty: never cached.
std::optional<std::string> cached_tool_output(const std::string& cache_path, const std::vector<std::string>& argv,
                                              const SpawnOptions& options);

}  // namespace td
