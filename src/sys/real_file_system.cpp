// The real file system: POSIX calls on root + path.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "torchdoctor/sys/file_system.hpp"

namespace td {
namespace {

Error errno_error(const std::string& shown, int err) {
  return make_error(err == ENOENT || err == ENOTDIR ? ErrorKind::not_found : ErrorKind::io,
                    shown + ": " + std::strerror(err));
}

// The root as an absolute, symlink-free path (so links inside the tree resolve against it).
std::string absolute_root(const std::string& root) {
  char* real = ::realpath(root.c_str(), nullptr);
  if (real != nullptr) {
    std::string out(real);
    std::free(real);  // NOLINT(cppcoreguidelines-no-malloc): realpath allocates with malloc
    return out;
  }
  if (!root.empty() && root.front() == '/') return normalize_path(root);
  char cwd[4096];
  return normalize_path(std::string(::getcwd(cwd, sizeof cwd) != nullptr ? cwd : "/") + "/" + root);
}
// An open descriptor read with pread: only the bytes asked for are read.
class FdFile final : public RandomAccessFile {
 public:
  FdFile(int fd, std::uint64_t size, std::string shown) : m_fd(fd), m_size(size), m_shown(std::move(shown)) {}
  FdFile(const FdFile&) = delete;
  FdFile& operator=(const FdFile&) = delete;
  ~FdFile() override { ::close(m_fd); }

  [[nodiscard]] std::uint64_t size() const override { return m_size; }

  [[nodiscard]] Result<std::string> read_at(std::uint64_t offset, std::size_t length) const override {
    std::string out;
    if (offset >= m_size) return out;
    length = static_cast<std::size_t>(std::min<std::uint64_t>(length, m_size - offset));
    out.resize(length);
    std::size_t done = 0;
    while (done < length) {
      const ssize_t n = ::pread(m_fd, out.data() + done, length - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno_error(m_shown, errno);
      }
      if (n == 0) break;  // the file shrank since it was opened
      done += static_cast<std::size_t>(n);
    }
    out.resize(done);
    return out;
  }

 private:
  int m_fd;
  std::uint64_t m_size;
  std::string m_shown;
};

class RealFileSystem final : public FileSystem {
 public:
  RealFileSystem(const std::string& root, bool live) : m_root(absolute_root(root)), m_live(live) {
    if (m_root == "/") m_root.clear();
  }

  Result<std::uint64_t> filesystem_size(std::string_view path) const override {
    struct statvfs vfs {};
    auto resolved = resolve(path);
    if (!resolved) return resolved.error();
    const std::string real = host_path(*resolved);
    if (::statvfs(real.c_str(), &vfs) != 0) return errno_error(display(path), errno);
    return static_cast<std::uint64_t>(vfs.f_blocks) * vfs.f_frsize;
  }

  std::string display(std::string_view path) const override { return m_root + std::string(path); }

  Result<std::string> real_path(std::string_view path) const override {
    if (!m_root.empty()) return walk_links(path);
    // lstat_raw follows links on the live root, so ask the OS.
    const std::string p = normalize_path(path);
    char* real = ::realpath(p.c_str(), nullptr);
    if (real == nullptr) return errno_error(p, errno);
    std::string out(real);
    std::free(real);  // NOLINT(cppcoreguidelines-no-malloc): realpath allocates with malloc
    return out;
  }
  bool is_live_root() const override { return m_root.empty() || m_live; }

 protected:
  bool resolves_natively() const override { return m_root.empty(); }

  FileInfo lstat_raw(const std::string& path) const override {
    struct stat st {};
    if (::lstat(host_path(path).c_str(), &st) != 0) return {};
    FileType type = FileType::other;
    if (S_ISREG(st.st_mode))
      type = FileType::regular;
    else if (S_ISDIR(st.st_mode))
      type = FileType::directory;
    else if (S_ISLNK(st.st_mode))
      type = FileType::symlink;
    // On the live root we follow links ourselves via stat() semantics.
    if (type == FileType::symlink && m_root.empty()) {
      struct stat target {};
      if (::stat(path.c_str(), &target) != 0) return {};
      type = S_ISREG(target.st_mode)   ? FileType::regular
             : S_ISDIR(target.st_mode) ? FileType::directory
                                       : FileType::other;
      return {type, static_cast<std::uint64_t>(target.st_size)};
    }
    return {type, static_cast<std::uint64_t>(st.st_size)};
  }

  Result<std::string> read_link_raw(const std::string& path) const override {
    char buf[4096];
    const ssize_t n = ::readlink(host_path(path).c_str(), buf, sizeof buf);
    if (n < 0) return errno_error(display(path), errno);
    return std::string(buf, static_cast<std::size_t>(n));
  }

  Result<std::string> read_raw(const std::string& path, std::size_t max_bytes) const override {
    const int fd = ::open(host_path(path).c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return errno_error(display(path), errno);
    std::string out;
    char buf[65536];
    while (out.size() < max_bytes) {
      const std::size_t want = std::min(sizeof buf, max_bytes - out.size());
      const ssize_t n = ::read(fd, buf, want);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        ::close(fd);
        return errno_error(display(path), err);
      }
      if (n == 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return out;
  }

  Result<std::unique_ptr<RandomAccessFile>> open_raw(const std::string& path) const override {
    const int fd = ::open(host_path(path).c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return errno_error(display(path), errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return make_error(ErrorKind::io, display(path) + ": not a regular file");
    }
    return std::unique_ptr<RandomAccessFile>(
        std::make_unique<FdFile>(fd, static_cast<std::uint64_t>(st.st_size), display(path)));
  }

  Result<std::vector<std::string>> list_raw(const std::string& path, const NameFilter& keep) const override {
    DIR* d = ::opendir(host_path(path).c_str());
    if (d == nullptr) return errno_error(display(path), errno);
    std::vector<std::string> names;
    while (const dirent* e = ::readdir(d)) {
      const std::string_view name = e->d_name;
      if (name != "." && name != ".." && (!keep || keep(name))) names.emplace_back(name);
    }
    ::closedir(d);
    return names;
  }

 private:
  std::string host_path(const std::string& path) const { return m_root + path; }
  std::string m_root;   // empty for "/"
  bool m_live = false;  // this machine's own root, mounted at m_root (a DaemonSet's /host)
};

}  // namespace

std::unique_ptr<FileSystem> make_real_file_system(const std::string& root, bool live) {
  return std::make_unique<RealFileSystem>(root, live);
}

}  // namespace td
