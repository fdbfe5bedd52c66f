#include "torchdoctor/sys/file_system.hpp"

#include <algorithm>

namespace td {
namespace {

constexpr int k_max_symlinks = 40;

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    std::size_t j = i;
    while (j < path.size() && path[j] != '/') ++j;
    if (j > i) parts.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return parts;
}

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

// Bytes held in memory.
class MemoryFile final : public RandomAccessFile {
 public:
  MemoryFile(std::string bytes, std::string name) : m_bytes(std::move(bytes)), m_name(std::move(name)) {}
  [[nodiscard]] std::uint64_t size() const override { return m_bytes.size(); }
  [[nodiscard]] Result<std::string> read_at(std::uint64_t offset, std::size_t length) const override {
    if (offset >= m_bytes.size()) return std::string();
    return m_bytes.substr(static_cast<std::size_t>(offset), length);
  }

 private:
  std::string m_bytes;
  std::string m_name;
};

}  // namespace

std::unique_ptr<RandomAccessFile> make_memory_file(std::string bytes, std::string name) {
  return std::make_unique<MemoryFile>(std::move(bytes), std::move(name));
}

std::string normalize_path(std::string_view path) {
  std::vector<std::string> out;
  for (auto& part : split_path(path)) {
    if (part == ".") continue;
    if (part == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.push_back(std::move(part));
  }
  std::string result;
  for (const auto& p : out) result += "/" + p;
  return result.empty() ? "/" : result;
}

Result<std::string> FileSystem::resolve(std::string_view path) const {
  if (resolves_natively()) return normalize_path(path);
  return walk_links(path);
}

Result<std::string> FileSystem::walk_links(std::string_view path) const {
  std::vector<std::string> pending = split_path(path);
  std::reverse(pending.begin(), pending.end());
  std::string current;  // resolved prefix, "" means "/"
  int links = 0;
  while (!pending.empty()) {
    std::string part = std::move(pending.back());
    pending.pop_back();
    if (part == ".") continue;
    if (part == "..") {
      current = current.empty() ? "" : parent_of(current);
      if (current == "/") current.clear();
      continue;
    }
    std::string next = current + "/" + part;
    const FileInfo info = lstat_raw(next);
    if (info.type == FileType::symlink) {
      if (++links > k_max_symlinks) {
        return make_error(ErrorKind::io, display(path) + ": too many levels of symbolic links");
      }
      auto target = read_link_raw(next);
      if (!target) return target.error();
      auto parts = split_path(*target);
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) pending.push_back(*it);
      if (!target->empty() && target->front() == '/') current.clear();
      continue;
    }
    current = std::move(next);
  }
  return current.empty() ? std::string("/") : current;
}

Result<std::string> FileSystem::read_file(std::string_view path, std::size_t max_bytes) const {
  auto resolved = resolve(path);
  if (!resolved) return resolved.error();
  return read_raw(*resolved, max_bytes);
}

Result<std::unique_ptr<RandomAccessFile>> FileSystem::open_file(std::string_view path) const {
  auto resolved = resolve(path);
  if (!resolved) return resolved.error();
  return open_raw(*resolved);
}

Result<std::unique_ptr<RandomAccessFile>> FileSystem::open_raw(const std::string& path) const {
  auto bytes = read_raw(path, std::string::npos);
  if (!bytes) return bytes.error();
  return make_memory_file(std::move(*bytes), display(path));
}

Result<std::vector<std::string>> FileSystem::list_dir(std::string_view path, const NameFilter& keep) const {
  auto resolved = resolve(path);
  if (!resolved) return resolved.error();
  auto names = list_raw(*resolved, keep);
  if (names) std::sort(names->begin(), names->end());
  return names;
}

FileInfo FileSystem::stat(std::string_view path) const {
  auto resolved = resolve(path);
  if (!resolved) return {};
  return lstat_raw(*resolved);
}

// ---- MemoryFileSystem ---------------------------------------------------------------------------

void MemoryFileSystem::add_parents(const std::string& path) {
  std::string p = parent_of(path);
  while (p != "/" && !m_entries.count(p)) {
    m_entries[p] = Entry{FileType::directory, {}, true};
    p = parent_of(p);
  }
}

MemoryFileSystem& MemoryFileSystem::file(const std::string& path, std::string contents) {
  const std::string p = normalize_path(path);
  add_parents(p);
  m_entries[p] = Entry{FileType::regular, std::move(contents), true};
  return *this;
}

MemoryFileSystem& MemoryFileSystem::dir(const std::string& path) {
  const std::string p = normalize_path(path);
  add_parents(p);
  m_entries[p] = Entry{FileType::directory, {}, true};
  return *this;
}

MemoryFileSystem& MemoryFileSystem::symlink(const std::string& path, std::string target) {
  const std::string p = normalize_path(path);
  add_parents(p);
  m_entries[p] = Entry{FileType::symlink, std::move(target), true};
  return *this;
}

MemoryFileSystem& MemoryFileSystem::unreadable(const std::string& path) {
  const std::string p = normalize_path(path);
  add_parents(p);
  m_entries[p] = Entry{FileType::regular, {}, false};
  return *this;
}

MemoryFileSystem& MemoryFileSystem::mount_size(const std::string& mount, std::uint64_t bytes) {
  m_mounts[normalize_path(mount)] = bytes;
  return *this;
}

Result<std::uint64_t> MemoryFileSystem::filesystem_size(std::string_view path) const {
  const std::string p = normalize_path(path);
  for (const auto& [mount, bytes] : m_mounts) {
    if (p == mount || p.rfind(mount + "/", 0) == 0) return bytes;
  }
  return make_error(ErrorKind::not_found, display(path) + ": no file system size known");
}

FileInfo MemoryFileSystem::lstat_raw(const std::string& path) const {
  if (path == "/") return {FileType::directory, 0};
  const auto it = m_entries.find(path);
  if (it == m_entries.end()) return {};
  return {it->second.type, it->second.data.size()};
}

Result<std::string> MemoryFileSystem::read_link_raw(const std::string& path) const {
  const auto it = m_entries.find(path);
  if (it == m_entries.end() || it->second.type != FileType::symlink) {
    return make_error(ErrorKind::io, display(path) + ": not a symbolic link");
  }
  return it->second.data;
}

Result<std::string> MemoryFileSystem::read_raw(const std::string& path, std::size_t max_bytes) const {
  const auto it = m_entries.find(path);
  if (it == m_entries.end()) return make_error(ErrorKind::not_found, display(path) + ": No such file or directory");
  if (it->second.type == FileType::directory) return make_error(ErrorKind::io, display(path) + ": Is a directory");
  if (!it->second.readable) return make_error(ErrorKind::io, display(path) + ": Permission denied");
  return it->second.data.substr(0, max_bytes);
}

Result<std::vector<std::string>> MemoryFileSystem::list_raw(const std::string& path, const NameFilter& keep) const {
  if (path != "/") {
    const auto it = m_entries.find(path);
    if (it == m_entries.end()) return make_error(ErrorKind::not_found, display(path) + ": No such file or directory");
    if (it->second.type != FileType::directory) return make_error(ErrorKind::io, display(path) + ": Not a directory");
  }
  const std::string prefix = path == "/" ? "/" : path + "/";
  std::vector<std::string> names;
  for (auto it = m_entries.lower_bound(prefix); it != m_entries.end() && it->first.rfind(prefix, 0) == 0; ++it) {
    const std::string rest = it->first.substr(prefix.size());
    if (!rest.empty() && rest.find('/') == std::string::npos && (!keep || keep(rest))) names.push_back(rest);
  }
  return names;
}

std::string path_join(std::string_view dir, std::string_view name) {
  return normalize_path(std::string(dir) + "/" + std::string(name));
}

}  // namespace td
