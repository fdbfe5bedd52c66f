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

Error too_large(const std::string& shown, std::size_t max_bytes) {
  return make_error(ErrorKind::bad_input, shown + ": larger than " + limit_text(max_bytes) + "; not read");
}

// Hands `read(buf, size)`'s pieces to `piece` until EOF (read returns 0) or until `piece` returns
// false, failing past max_bytes.
template <typename Read>
Status read_pieces(Read&& read, std::size_t max_bytes, const std::string& shown,
                   const std::function<bool(std::string_view)>& piece) {
  char buf[1 << 16];
  std::size_t total = 0;
  while (true) {
    auto n = read(buf, sizeof buf);
    if (!n) return n.error();
    if (*n == 0) return Ok{};
    total += *n;
    if (total > max_bytes) return too_large(shown, max_bytes);
    if (!piece(std::string_view(buf, *n))) return Ok{};
  }
}

Result<std::size_t> read_fd(int fd, char* buf, std::size_t size, const std::string& shown) {
  while (true) {
    const ssize_t n = ::read(fd, buf, size);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) return read_error(shown, errno);
  }
}

Result<std::size_t> read_stream(std::istream& in, char* buf, std::size_t size, const std::string& shown) {
  if (!in)
    return in.bad() ? Result<std::size_t>(make_error(ErrorKind::bad_input, shown + ": cannot be read"))
                    : Result<std::size_t>(std::size_t{0});
  in.read(buf, static_cast<std::streamsize>(size));
  if (in.bad()) return make_error(ErrorKind::bad_input, shown + ": cannot be read");
  return static_cast<std::size_t>(in.gcount());
}

// Opens `path` as read_bounded does: without blocking, a regular file (or a pipe where allowed) no
// larger than max_bytes; a pipe is then switched to blocking reads. The caller closes the fd.
Result<int> open_bounded(const std::string& path, std::size_t max_bytes, const std::string& shown, ReadSource source,
                         std::size_t* size) {
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
    return too_large(shown, max_bytes);
  }
  // A pipe is read blocking, to its end: a writer that is there is waited for, none means EOF.
  if (pipe) (void)::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  *size = S_ISREG(st.st_mode) ? static_cast<std::size_t>(st.st_size) : 0;
  return fd;
}

// Splits pieces into lines: a line wholly inside a piece is handed on from it, one that spans
// pieces is gathered in `carry` (at most max_line bytes).
class LineSplitter {
 public:
  LineSplitter(std::size_t max_line, const std::string& shown, const LineSink& sink)
      : max_line_(max_line), shown_(shown), sink_(sink) {}
  bool piece(std::string_view p) {
    while (!p.empty()) {
      const auto nl = p.find('\n');
      const auto part = p.substr(0, nl);
      if (carry_.size() + part.size() > max_line_) {
        failed_ = true;
        return false;
      }
      if (nl == std::string_view::npos) {
        carry_.append(part);
        return true;
      }
      if (carry_.empty()) {
        sink_(part);
      } else {
        carry_.append(part);
        sink_(carry_);
        carry_.clear();
      }
      p.remove_prefix(nl + 1);
    }
    return true;
  }
  Status finish() {
    if (failed_)
      return make_error(ErrorKind::bad_input, shown_ + ": a line longer than " + limit_text(max_line_) + "; not read");
    if (!carry_.empty()) sink_(carry_);
    return Ok{};
  }

 private:
  std::size_t max_line_;
  const std::string& shown_;
  const LineSink& sink_;
  std::string carry_;
  bool failed_ = false;
};

}  // namespace

std::string limit_text(std::size_t bytes) {
  if (bytes >= (1U << 20U) && bytes % (1U << 20U) == 0) return std::to_string(bytes >> 20U) + " MiB";
  if (bytes >= (1U << 10U) && bytes % (1U << 10U) == 0) return std::to_string(bytes >> 10U) + " KiB";
  return std::to_string(bytes) + " bytes";
}

Result<std::string> read_stream_bounded(std::istream& in, std::size_t max_bytes, const std::string& shown) {
  std::string out;
  const auto read = [&](char* buf, std::size_t size) { return read_stream(in, buf, size, shown); };
  if (auto s = read_pieces(read, max_bytes, shown,
                           [&out](std::string_view p) {
                             out.append(p);
                             return true;
                           });
      !s)
    return s.error();
  return out;
}

Result<std::string> read_bounded(const std::string& path, std::size_t max_bytes, const std::string& shown,
                                 ReadSource source) {
  std::size_t size = 0;
  const auto fd = open_bounded(path, max_bytes, shown, source, &size);
  if (!fd) return fd.error();
  std::string out;
  out.reserve(size);
  const auto read = [&](char* buf, std::size_t n) { return read_fd(*fd, buf, n, shown); };
  const Status s = read_pieces(read, max_bytes, shown, [&out](std::string_view p) {
    out.append(p);
    return true;
  });
  ::close(*fd);
  if (!s) return s.error();
  return out;
}

Status read_lines_bounded(const std::string& path, std::size_t max_bytes, std::size_t max_line,
                          const std::string& shown, ReadSource source, const LineSink& line) {
  std::size_t size = 0;
  const auto fd = open_bounded(path, max_bytes, shown, source, &size);
  if (!fd) return fd.error();
  LineSplitter lines(max_line, shown, line);
  const auto read = [&](char* buf, std::size_t n) { return read_fd(*fd, buf, n, shown); };
  Status s = read_pieces(read, max_bytes, shown, [&lines](std::string_view p) { return lines.piece(p); });
  ::close(*fd);
  if (!s) return s;
  return lines.finish();
}

Status read_stream_lines_bounded(std::istream& in, std::size_t max_bytes, std::size_t max_line,
                                 const std::string& shown, const LineSink& line) {
  LineSplitter lines(max_line, shown, line);
  const auto read = [&](char* buf, std::size_t n) { return read_stream(in, buf, n, shown); };
  if (auto s = read_pieces(read, max_bytes, shown, [&lines](std::string_view p) { return lines.piece(p); }); !s)
    return s;
  return lines.finish();
}

}  // namespace td
