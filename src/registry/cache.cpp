// The cache is torchdoctor's own state, not the probed machine, so it uses the OS directly
// rather than the read-only FileSystem seam.
#include "torchdoctor/registry/cache.hpp"

#include <sys/stat.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "torchdoctor/registry/digest.hpp"
#include "torchdoctor/sys/env.hpp"
#include "torchdoctor/sys/file_reader.hpp"
#include "torchdoctor/sys/file_writer.hpp"

namespace td {
namespace {

constexpr std::size_t k_max_cached = 32U << 20U;
// A temporary younger than this may belong to a run still writing it.
constexpr std::chrono::seconds k_stale_temporary{600};
// How often a run looks for temporaries left by killed runs (a stamp file's age says when it last did).
constexpr std::chrono::seconds k_sweep_every{3600};

// Cache entries are read only as regular files of bounded size: a link to a device, a FIFO or a
// folder planted in the cache is a miss, never a hang or an unbounded read.
std::optional<std::string> read_entry(const std::string& path) {
  auto data = read_bounded(path, k_max_cached, path);
  if (!data) return std::nullopt;
  return std::move(*data);
}

std::string hex_of(const std::string& digest) { return digest.substr(digest.find(':') + 1); }

std::string tag_file(const std::string& dir, const ImageRef& ref) {
  return dir + "/tags/" + hex_of(sha256_digest(ref.name() + ":" + ref.tag)) + ".json";
}

}  // namespace

std::optional<std::string> RegistryCache::default_dir(const Env& env) {
  if (auto x = env.get("XDG_CACHE_HOME"); x && !x->empty() && x->front() == '/') return *x + "/torchdoctor/registry";
  if (auto h = env.get("HOME"); h && !h->empty() && h->front() == '/') return *h + "/.cache/torchdoctor/registry";
  return std::nullopt;
}

Status RegistryCache::write_entry(const std::string& path, std::string_view data) const {
  const auto folder = path.substr(0, path.rfind('/'));
  if (auto s = make_directories(folder); !s) return s;
  sweep_once();
  return write_file_atomic(path, data);
}

void RegistryCache::sweep_once() const {
  if (m_swept.exchange(true)) return;
  const std::string stamp = m_dir + "/.swept";
  struct stat st {};
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  if (::stat(stamp.c_str(), &st) == 0 && now - st.st_mtime < k_sweep_every.count()) return;
  // Before 0.1.1 the cache named its temporaries "<hex>.tmp.<pid>.<thread>.<time>".
  const auto old_naming = [](std::string_view name) { return name.find(".tmp.") != std::string_view::npos; };
  remove_stale_temporaries(m_dir + "/blobs/sha256", k_stale_temporary, old_naming);
  remove_stale_temporaries(m_dir + "/tags", k_stale_temporary, old_naming);
  (void)write_file_atomic(stamp, "");
}

std::optional<std::string> RegistryCache::blob(const std::string& digest) const {
  if (!is_sha256_digest(digest)) return std::nullopt;
  auto data = read_entry(m_dir + "/blobs/sha256/" + hex_of(digest));
  if (!data || !digest_matches(digest, *data)) return std::nullopt;
  return data;
}

Status RegistryCache::store_blob(const std::string& digest, std::string_view data) const {
  if (!is_sha256_digest(digest)) return Ok{};
  return write_entry(m_dir + "/blobs/sha256/" + hex_of(digest), data);
}

std::optional<CachedTag> RegistryCache::tag(const ImageRef& ref) const {
  const auto text = read_entry(tag_file(m_dir, ref));
  if (!text) return std::nullopt;
  const auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  const auto digest = doc.find("digest");
  const auto at = doc.find("fetched_at");
  const auto name = doc.find("ref");
  if (digest == doc.end() || at == doc.end() || name == doc.end() || !digest->is_string() || !at->is_number_integer() ||
      !name->is_string() || name->get<std::string>() != ref.name() + ":" + ref.tag ||
      !is_sha256_digest(digest->get<std::string>())) {
    return std::nullopt;
  }
  return CachedTag{digest->get<std::string>(), at->get<std::int64_t>()};
}

Status RegistryCache::store_tag(const ImageRef& ref, const CachedTag& entry) const {
  if (!is_sha256_digest(entry.digest)) return Ok{};
  const nlohmann::json doc{
      {"ref", ref.name() + ":" + ref.tag}, {"digest", entry.digest}, {"fetched_at", entry.fetched_at}};
  return write_entry(tag_file(m_dir, ref), doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace td
