// The cache is torchdoctor's own state, not the probed machine, so it uses the OS directly
// rather than the read-only FileSystem seam.
#include "torchdoctor/registry/cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <thread>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "torchdoctor/registry/digest.hpp"
#include "torchdoctor/sys/env.hpp"

namespace td {
namespace {

constexpr std::size_t k_max_cached = 32U << 20U;

std::optional<std::string> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string data;
  data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (data.size() > k_max_cached) return std::nullopt;
  return data;
}

Status make_dirs(const std::string& path) {
  std::string cur;
  for (std::size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || (path[i] == '/' && i > 0)) {
      cur = path.substr(0, i);
      if (::mkdir(cur.c_str(), 0700) != 0 && errno != EEXIST) {
        return make_error(ErrorKind::io, "cannot create cache folder " + cur + ": " + std::strerror(errno));
      }
    }
  }
  return Ok{};
}

std::string hex_of(const std::string& digest) { return digest.substr(digest.find(':') + 1); }

}  // namespace

std::optional<std::string> RegistryCache::default_dir(const Env& env) {
  if (auto x = env.get("XDG_CACHE_HOME"); x && !x->empty() && x->front() == '/') return *x + "/torchdoctor/registry";
  if (auto h = env.get("HOME"); h && !h->empty() && h->front() == '/') return *h + "/.cache/torchdoctor/registry";
  return std::nullopt;
}

Status RegistryCache::write_atomic(const std::string& path, std::string_view data) const {
  const auto slash = path.rfind('/');
  if (auto s = make_dirs(path.substr(0, slash)); !s) return s;
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." +
                          std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id())) + "." +
                          std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(ErrorKind::io, "cannot write the cache file " + tmp + ": " + std::strerror(errno));
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      return make_error(ErrorKind::io, "cannot write the cache file " + tmp);
    }
    off += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return make_error(ErrorKind::io, "cannot rename into the cache: " + path);
  }
  return Ok{};
}

std::optional<std::string> RegistryCache::blob(const std::string& digest) const {
  if (digest.rfind("sha256:", 0) != 0 || digest.size() != 71) return std::nullopt;
  auto data = read_all(m_dir + "/blobs/sha256/" + hex_of(digest));
  if (!data || !digest_matches(digest, *data)) return std::nullopt;
  return data;
}

Status RegistryCache::store_blob(const std::string& digest, std::string_view data) const {
  if (digest.rfind("sha256:", 0) != 0 || digest.size() != 71) return Ok{};
  return write_atomic(m_dir + "/blobs/sha256/" + hex_of(digest), data);
}

std::optional<CachedTag> RegistryCache::tag(const ImageRef& ref) const {
  const auto text = read_all(m_dir + "/tags/" + hex_of(sha256_digest(ref.name() + ":" + ref.tag)) + ".json");
  if (!text) return std::nullopt;
  const auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  const auto digest = doc.find("digest");
  const auto at = doc.find("fetched_at");
  const auto name = doc.find("ref");
  if (digest == doc.end() || at == doc.end() || name == doc.end() || !digest->is_string() || !at->is_number_integer() ||
      !name->is_string() || name->get<std::string>() != ref.name() + ":" + ref.tag) {
    return std::nullopt;
  }
  return CachedTag{digest->get<std::string>(), at->get<std::int64_t>()};
}

Status RegistryCache::store_tag(const ImageRef& ref, const CachedTag& entry) const {
  const nlohmann::json doc{{"ref", ref.name() + ":" + ref.tag}, {"digest", entry.digest}, {"fetched_at", entry.fetched_at}};
  return write_atomic(m_dir + "/tags/" + hex_of(sha256_digest(ref.name() + ":" + ref.tag)) + ".json",
                      doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace td
