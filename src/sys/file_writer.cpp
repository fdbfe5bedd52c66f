#include "torchdoctor/sys/file_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace td {
namespace {

Error io_error(const std::string& what, const std::string& path) {
  return make_error(ErrorKind::io, what + " " + path + ": " + std::strerror(errno));
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
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return make_error(ErrorKind::io, "not a directory: " + path);
  return Ok{};
}

Status write_file_atomic(const std::string& path, std::string_view contents) {
  std::string tmpl = path + ".XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return io_error("cannot create a temporary file next to", path);
  const std::string tmp(name.data());
  std::size_t off = 0;
  while (off < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + off, contents.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const Error e = io_error("cannot write", tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return e;
    }
    off += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const Error e = io_error("cannot replace", path);
    ::unlink(tmp.c_str());
    return e;
  }
  return Ok{};
}

}  // namespace td
