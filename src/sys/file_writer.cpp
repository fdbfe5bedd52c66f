#include "torchdoctor/sys/file_writer.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

namespace td {
namespace {

constexpr std::string_view k_tmp_marker = ".tmp.";
constexpr std::size_t k_tmp_suffix = 6;  // mkostemp's XXXXXX

Error io_error(const std::string& what, const std::string& path) {
  return make_error(ErrorKind::io, what + " " + path + ": " + std::strerror(errno));
}

// True for ".NAME.tmp.XXXXXX", the temporaries this file makes.
bool is_temporary_name(std::string_view name) {
  if (name.size() < 2 + k_tmp_marker.size() + k_tmp_suffix || name.front() != '.') return false;
  return name.substr(name.size() - k_tmp_suffix - k_tmp_marker.size(), k_tmp_marker.size()) == k_tmp_marker;
}

mode_t current_umask() {
  const mode_t m = ::umask(0);
  ::umask(m);
  return m;
}

}  // namespace

Status make_directories(const std::string& path) {
  if (path.empty() || path[0] != '/') return make_error(ErrorKind::internal, "make_directories: not absolute: " + path);
  std::string partial;
  std::size_t pos = 1;
  while (pos <= path.size()) {
    const std::size_t slash = path.find('/', pos);
    const std::size_t end = slash == std::string::npos ? path.size() : slash;
    partial = path.substr(0, end);
    pos = end + 1;
    if (partial.size() <= 1 || partial.back() == '/') continue;
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) return io_error("cannot create", partial);
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return make_error(ErrorKind::io, "not a directory: " + path);
  return Ok{};
}

Status write_file_atomic(const std::string& path, std::string_view contents, FileMode mode) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty()) return make_error(ErrorKind::bad_input, path + ": names a folder, not a file");
  mode_t file_mode = mode == FileMode::owner_only ? 0600 : (0666 & ~current_umask());
  struct stat old {};
  if (::lstat(path.c_str(), &old) == 0) {
    if (!S_ISREG(old.st_mode)) {
      const char* what = S_ISDIR(old.st_mode)   ? "a folder"
                         : S_ISLNK(old.st_mode) ? "a symbolic link"
                                                : "a device, FIFO or socket";
      return make_error(ErrorKind::bad_input, path + ": is " + std::string(what) + "; only a regular file is replaced");
    }
    if (mode == FileMode::shared) file_mode = old.st_mode & 07777;
  }
  std::string tmpl = (dir == "/" ? "" : dir) + "/." + base + std::string(k_tmp_marker) + "XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return io_error("cannot create a temporary file next to", path);
  const std::string tmp(name.data());
  const auto fail = [&](const char* what, const std::string& where) {
    Error e = io_error(what, where);
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  };
  std::size_t off = 0;
  while (off < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + off, contents.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("cannot write", tmp);
    off += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, file_mode) != 0) return fail("cannot set the mode of", tmp);
  if (::fsync(fd) != 0) return fail("cannot sync", tmp);
  if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const Error e = io_error("cannot replace", path);
    ::unlink(tmp.c_str());
    return e;
  }
  return Ok{};
}

void remove_stale_temporaries(const std::string& dir, std::chrono::seconds age,
                              const std::function<bool(std::string_view)>& also) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  const std::time_t now = std::time(nullptr);
  while (const dirent* e = ::readdir(d)) {
    if (!is_temporary_name(e->d_name) && !(also && also(e->d_name))) continue;
    const std::string p = dir + "/" + e->d_name;
    struct stat st {};
    if (::lstat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && now - st.st_mtime >= age.count()) ::unlink(p.c_str());
  }
  ::closedir(d);
}

}  // namespace td
