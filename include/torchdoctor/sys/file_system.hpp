// FileSystem: the OS seam for files. Every path is absolute *within the probed root*, so the same
// detector reads "/proc/cpuinfo" from the live machine, a mounted image or a test fixture.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "torchdoctor/core/result.hpp"

namespace td {

/// What lstat saw at a path.
enum class FileType : std::uint8_t { missing, regular, directory, symlink, other };

/// Type and size of a directory entry (size is 0 for most /proc and /sys files).
struct FileInfo {
  FileType type = FileType::missing;
  std::uint64_t size = 0;
};

/// Random access to one open file, for files too large to read whole (libtorch_cuda.so is ~1 GB).
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  /// The file's size in bytes when it was opened.
  [[nodiscard]] virtual std::uint64_t size() const = 0;
  /// Reads up to `length` bytes at `offset`; fewer only at the end of the file, none past it.
  [[nodiscard]] virtual Result<std::string> read_at(std::uint64_t offset, std::size_t length) const = 0;
};

/// A RandomAccessFile over bytes in memory; `name` appears in error messages.
std::unique_ptr<RandomAccessFile> make_memory_file(std::string bytes, std::string name);

/// Read-only access to a tree of files rooted somewhere; symlinks resolve inside the root.
class FileSystem {
 public:
  /// The default cap on how much of one file we read.
  static constexpr std::size_t k_default_max_bytes = 4U << 20U;

  virtual ~FileSystem() = default;

  /// Reads at most `max_bytes` of the file at `path` (following symlinks within the root).
  [[nodiscard]] Result<std::string> read_file(std::string_view path, std::size_t max_bytes = k_default_max_bytes) const;
  /// Which names of a directory to keep; an empty filter keeps every name.
  using NameFilter = std::function<bool(std::string_view)>;
  /// Lists the names in directory `path` that `keep` accepts, sorted. Filtering while reading
  /// spares copying and sorting the thousands of names of a folder such as /usr/lib/x86_64-linux-gnu.
  [[nodiscard]] Result<std::vector<std::string>> list_dir(std::string_view path, const NameFilter& keep = {}) const;
  /// Type and size of `path` after following symlinks; FileType::missing when absent.
  [[nodiscard]] FileInfo stat(std::string_view path) const;
  /// True when `path` exists after following symlinks.
  [[nodiscard]] bool exists(std::string_view path) const { return stat(path).type != FileType::missing; }
  /// Opens the regular file at `path` for random access (following symlinks within the root).
  [[nodiscard]] Result<std::unique_ptr<RandomAccessFile>> open_file(std::string_view path) const;
  /// The path with every symlink resolved inside the root, or an error for loops and dangling links.
  [[nodiscard]] Result<std::string> resolve(std::string_view path) const;
  /// Like resolve, but always the canonical path, also on the live root where resolve leaves
  /// symlinks to the OS: for telling whether two paths name the same file or folder.
  [[nodiscard]] virtual Result<std::string> real_path(std::string_view path) const { return walk_links(path); }
  /// The size in bytes of the file system holding `path` (statvfs), when the implementation knows.
  [[nodiscard]] virtual Result<std::uint64_t> filesystem_size(std::string_view path) const = 0;
  /// How to show `path` to a user: with the root prepended when the root is not "/".
  [[nodiscard]] virtual std::string display(std::string_view path) const = 0;
  /// True when this is the live machine's own root ("/"), where uname() and statvfs() apply.
  [[nodiscard]] virtual bool is_live_root() const = 0;

 protected:
  /// lstat without following the last component.
  [[nodiscard]] virtual FileInfo lstat_raw(const std::string& path) const = 0;
  /// readlink of `path`.
  [[nodiscard]] virtual Result<std::string> read_link_raw(const std::string& path) const = 0;
  /// Reads a file whose path is already resolved.
  [[nodiscard]] virtual Result<std::string> read_raw(const std::string& path, std::size_t max_bytes) const = 0;
  /// Lists a directory whose path is already resolved.
  [[nodiscard]] virtual Result<std::vector<std::string>> list_raw(const std::string& path,
                                                                  const NameFilter& keep) const = 0;
  /// Opens a resolved path for random access; this default reads the whole file into memory.
  [[nodiscard]] virtual Result<std::unique_ptr<RandomAccessFile>> open_raw(const std::string& path) const;
  /// True when the OS may resolve symlinks itself (the live root).
  [[nodiscard]] virtual bool resolves_natively() const { return false; }
  /// Resolves every symlink of `path` with lstat_raw and read_link_raw.
  [[nodiscard]] Result<std::string> walk_links(std::string_view path) const;
};

/// The real file system under `root` ("/" for the live machine).
std::unique_ptr<FileSystem> make_real_file_system(const std::string& root, bool live = false);

/// An in-memory tree for tests: files, directories, symlinks and unreadable entries.
class MemoryFileSystem final : public FileSystem {
 public:
  /// Adds a regular file (parents are created).
  MemoryFileSystem& file(const std::string& path, std::string contents);
  /// Adds a directory.
  MemoryFileSystem& dir(const std::string& path);
  /// Adds a symlink at `path` pointing to `target`.
  MemoryFileSystem& symlink(const std::string& path, std::string target);
  /// Adds a file that exists but cannot be read (EACCES).
  MemoryFileSystem& unreadable(const std::string& path);
  /// Sets the size filesystem_size reports for paths under `mount`.
  MemoryFileSystem& mount_size(const std::string& mount, std::uint64_t bytes);

  [[nodiscard]] Result<std::uint64_t> filesystem_size(std::string_view path) const override;
  [[nodiscard]] std::string display(std::string_view path) const override { return "memory:" + std::string(path); }
  [[nodiscard]] bool is_live_root() const override { return false; }

 protected:
  [[nodiscard]] FileInfo lstat_raw(const std::string& path) const override;
  [[nodiscard]] Result<std::string> read_link_raw(const std::string& path) const override;
  [[nodiscard]] Result<std::string> read_raw(const std::string& path, std::size_t max_bytes) const override;
  [[nodiscard]] Result<std::vector<std::string>> list_raw(const std::string& path,
                                                          const NameFilter& keep) const override;

 private:
  struct Entry {
    FileType type = FileType::regular;
    std::string data;  // contents or link target
    bool readable = true;
  };
  void add_parents(const std::string& path);
  std::map<std::string, Entry> m_entries;
  std::map<std::string, std::uint64_t> m_mounts;
};

/// Joins and normalises an absolute path ("/a/./b/../c" -> "/a/c"); ".." never leaves "/".
std::string normalize_path(std::string_view path);
/// `name` inside `dir`, normalised ("/usr/lib" + "../bin" -> "/usr/bin").
std::string path_join(std::string_view dir, std::string_view name);

}  // namespace td
