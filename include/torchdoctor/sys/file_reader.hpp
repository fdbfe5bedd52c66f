// Reading files that someone else chose: a user's argument, a file inside a folder a user named, an
// entry of torchdoctor's own cache. Every such read goes through here: the file is opened without
// blocking, must be a regular file (or, where the caller allows it, a pipe such as stdin or
// `<(cmd)`), and is read to at most a stated size. The probe reads the machine through FileSystem.
#pragma once

#include <cstddef>
#include <functional>
#include <istream>
#include <string>
#include <string_view>

#include "torchdoctor/core/result.hpp"

namespace td {

/// What a bounded read accepts besides a regular file.
enum class ReadSource {
  regular_file,  ///< Only a regular file (links are followed): folders, devices, FIFOs are refused.
  file_or_pipe,  ///< Also a pipe or FIFO, read to its end (stdin, `<(cmd)`, `/dev/stdin`).
};

/// Reads the whole file at `path`, at most `max_bytes`. Errors are one line that starts with `shown`
/// (for example "--host x.json") and say what was wrong: missing (not_found), a folder, a device
/// or FIFO, larger than the limit, unreadable (bad_input).
Result<std::string> read_bounded(const std::string& path, std::size_t max_bytes, const std::string& shown,
                                 ReadSource source = ReadSource::regular_file);

/// Reads the stream `in` (stdin) to its end, at most `max_bytes` (more is an error naming `shown`).
Result<std::string> read_stream_bounded(std::istream& in, std::size_t max_bytes, const std::string& shown);

/// Called with each line read (without its '\n'; the last line also when it has none).
using LineSink = std::function<void(std::string_view line)>;

/// read_bounded, a line at a time: memory holds one piece of the file and one line, not the file.
/// A line longer than `max_line` is an error naming `shown`, as is more than `max_bytes` in all.
Status read_lines_bounded(const std::string& path, std::size_t max_bytes, std::size_t max_line,
                          const std::string& shown, ReadSource source, const LineSink& line);

/// read_stream_bounded, a line at a time (as read_lines_bounded).
Status read_stream_lines_bounded(std::istream& in, std::size_t max_bytes, std::size_t max_line,
                                 const std::string& shown, const LineSink& line);

/// "64 MiB" for a byte limit, for messages.
std::string limit_text(std::size_t bytes);

}  // namespace td
