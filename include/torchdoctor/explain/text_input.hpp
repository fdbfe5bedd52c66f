// The text `explain` reads: decoded (UTF-16 from Windows shells becomes UTF-8), indexed by line,
// with long lines capped and binary input recognised. Pure: no I/O here.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace td {

/// Limits on what `explain` reads.
struct InputLimits {
  std::size_t max_line = 64 * 1024;          ///< Bytes of one line that are looked at.
  std::size_t max_total = 64 * 1024 * 1024;  ///< Bytes read in all (the reader stops there).
};

/// What was read, for the report ("read N lines, N bytes").
struct InputStats {
  std::size_t bytes = 0;  ///< Bytes given (after the total cap).
  std::size_t lines = 0;
  std::size_t long_lines = 0;      ///< Lines longer than max_line (only their start is looked at).
  std::size_t non_text = 0;        ///< Bytes that are neither printable nor white space (NUL, controls, bad UTF-8).
  bool truncated = false;          ///< The input was longer than max_total (set by the reader).
  std::size_t left_out = 0;        ///< Bytes the reader left out between the kept start and end.
  bool binary = false;             ///< Mostly non-text: not a log.
  std::string encoding = "utf-8";  ///< "utf-8", "utf-16le", "utf-16be" (decoded to UTF-8).
};

/// The decoded text and where each line starts and (capped) ends.
class TextInput {
 public:
  /// Takes, decodes and indexes `raw` (moved in: the text is owned, views into it stay valid).
  explicit TextInput(std::string raw, const InputLimits& limits = {});
  TextInput(const TextInput&) = delete;
  TextInput& operator=(const TextInput&) = delete;

  [[nodiscard]] std::string_view text() const { return m_text; }
  [[nodiscard]] std::size_t line_count() const { return m_starts.size(); }
  /// Line `i` (0-based) without its newline, cut at max_line bytes.
  [[nodiscard]] std::string_view line(std::size_t i) const;
  /// The 0-based line holding byte `offset`.
  [[nodiscard]] std::size_t line_of(std::size_t offset) const;
  /// True when `offset` lies in the looked-at part of its line.
  [[nodiscard]] bool in_capped_part(std::size_t offset) const;
  [[nodiscard]] const InputStats& stats() const { return m_stats; }
  /// Marks the input as cut at the reader's total limit, `left_out` bytes between its start and end.
  void set_truncated(std::size_t left_out) {
    m_stats.truncated = true;
    m_stats.left_out = left_out;
  }

 private:
  std::string m_owned;  // the input, or its UTF-8 decoding when it was UTF-16
  std::string_view m_text;
  std::vector<std::size_t> m_starts, m_ends;
  InputStats m_stats;
  std::size_t m_max_line;
};

}  // namespace td
