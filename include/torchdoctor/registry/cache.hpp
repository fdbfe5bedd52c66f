// RegistryCache: manifests and config blobs by digest (immutable, verified on read) and tag ->
// digest answers with the time they were fetched (for a TTL), under $XDG_CACHE_HOME/torchdoctor/registry.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "torchdoctor/core/result.hpp"
#include "torchdoctor/registry/image_ref.hpp"

namespace td {

class Env;

/// What a tag pointed to when last asked.
struct CachedTag {
  std::string digest;
  std::int64_t fetched_at = 0;  ///< Unix seconds.
};

/// A best-effort disk cache: read failures are misses, write failures are reported but harmless.
/// Paths are built only from validated sha256 digests; entries are read only as regular files of
/// bounded size; the temporaries of killed runs are removed (checked at most once an hour).
class RegistryCache {
 public:
  /// A cache rooted at `dir` (created on first write, mode 0700).
  explicit RegistryCache(std::string dir) : m_dir(std::move(dir)) {}

  /// $XDG_CACHE_HOME/torchdoctor/registry, else $HOME/.cache/torchdoctor/registry; nullopt without either.
  static std::optional<std::string> default_dir(const Env& env);

  [[nodiscard]] const std::string& dir() const { return m_dir; }
  /// The content stored for `digest`, only when it still hashes to that digest.
  [[nodiscard]] std::optional<std::string> blob(const std::string& digest) const;
  /// Stores `data` under `digest` (which the caller has verified).
  Status store_blob(const std::string& digest, std::string_view data) const;
  /// What `ref`'s tag pointed to, if cached.
  [[nodiscard]] std::optional<CachedTag> tag(const ImageRef& ref) const;
  /// Records that `ref`'s tag points to `entry.digest`.
  Status store_tag(const ImageRef& ref, const CachedTag& entry) const;

 private:
  Status write_entry(const std::string& path, std::string_view data) const;
  void sweep_once() const;
  std::string m_dir;
  mutable std::atomic<bool> m_swept{false};  // this object looked for stale temporaries already (threads share it)
};

}  // namespace td
