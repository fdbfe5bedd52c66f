#include "torchdoctor/sys/file_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace td {
namespace {

Error read_error(const std::string& shown, int err) {
  return make_error(err == ENOENT || err == ENOTDIR ? ErrorKind::not_found : ErrorKind::bad_input,
                    shown + ": " + std::strerror(err));
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// Reads fd to EOF into out, failing past max_bytes.
Status read_all(int fd, std::size_t max_bytes, const std::string& shown, std::string& out) {
  char buf[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return read_error(shown, errno);
    }
    if (n == 0) return Ok{};
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      return make_error(ErrorKind::bad_input, shown + ": larger than " + limit_text(max_bytes) + "; not read");
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace

std::string limit_text(std::size_t bytes) {
  if (bytes >= (1U << 20U) && bytes % (1U << 20U) == 0) return std::to_string(bytes >> 20U) + " MiB";
  if (bytes >= (1U << 10U) && bytes % (1U << 10U) == 0) return std::to_string(bytes >> 10U) + " KiB";
  return std::to_string(bytes) + " bytes";
}

Result<std::string> read_stream_bounded(std::istream& in, std::size_t max_bytes, const std::string& shown) {
  std::string out;
  char buf[1 << 16];
  while (in) {
    in.read(buf, sizeof buf);
    const auto n = static_cast<std::size_t>(in.gcount());
    if (n == 0) break;
    if (out.size() + n > max_bytes) {
      return make_error(ErrorKind::bad_input, shown + ": larger than " + limit_text(max_bytes) + "; not read");
    }
    out.append(buf, n);
  }
  if (in.bad()) return make_error(ErrorKind::bad_input, shown + ": cannot be read");
  return out;
}

Result<std::string> read_bounded(const std::string& path, std::size_t max_bytes, const std::string& shown,
                                 ReadSource source) {
  // O_NONBLOCK: opening a FIFO with no writer must not wait for one.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return read_error(shown, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return read_error(shown, err);
  }
  const bool pipe = S_ISFIFO(st.st_mode);
  if (!S_ISREG(st.st_mode) && !(pipe && source == ReadSource::file_or_pipe)) {
    ::close(fd);
    return make_error(ErrorKind::bad_input, shown + ": " + kind_of(st.st_mode) + ", not a regular file; not read");
  }
  if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return make_error(ErrorKind::bad_input, shown + ": larger than " + limit_text(max_bytes) + "; not read");
  }
  // A pipe is read blocking, to its end: a writer that is there is waited for, none means EOF.
  if (pipe) (void)::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  std::string out;
  if (S_ISREG(st.st_mode)) out.reserve(static_cast<std::size_t>(st.st_size));
  const Status s = read_all(fd, max_bytes, shown, out);
  ::close(fd);
  if (!s) return s.error();
  return out;
}

}  // namespace td
