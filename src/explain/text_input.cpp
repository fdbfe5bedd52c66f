// Decoding and line indexing of explain's input. UTF-16 arrives from Windows shells (PowerShell's
// `>` writes UTF-16LE with a byte-order mark); everything else is taken as bytes, where invalid
// UTF-8 and control bytes only count towards the "binary" verdict.
#include "torchdoctor/explain/text_input.hpp"

#include <algorithm>
#include <cstring>

namespace td {
namespace {

// Bytes looked at to decide whether the input is text at all.
constexpr std::size_t k_sniff_bytes = 1 << 20;

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string decode_utf16(std::string_view raw, bool little) {
  std::string out;
  out.reserve(raw.size() / 2);
  std::uint32_t pending_high = 0;
  for (std::size_t i = 0; i + 1 < raw.size(); i += 2) {
    const auto a = static_cast<unsigned char>(raw[i]);
    const auto b = static_cast<unsigned char>(raw[i + 1]);
    const std::uint32_t unit = little ? (a | (b << 8U)) : ((a << 8U) | b);
    if (unit >= 0xD800 && unit < 0xDC00) {
      pending_high = unit;
      continue;
    }
    if (unit >= 0xDC00 && unit < 0xE000) {
      if (pending_high != 0)
        append_utf8(out, 0x10000 + ((pending_high - 0xD800) << 10U) + (unit - 0xDC00));
      else
        out += '?';
      pending_high = 0;
      continue;
    }
    pending_high = 0;
    append_utf8(out, unit);
  }
  return out;
}

// UTF-16 without a byte-order mark: text whose every other byte is NUL.
int utf16_guess(std::string_view raw) {
  const std::size_t n = std::min<std::size_t>(raw.size(), 4096) & ~std::size_t{1};
  if (n < 8) return 0;
  std::size_t even_nul = 0;
  std::size_t odd_nul = 0;
  for (std::size_t i = 0; i < n; i += 2) {
    even_nul += raw[i] == '\0' ? 1 : 0;
    odd_nul += raw[i + 1] == '\0' ? 1 : 0;
  }
  const std::size_t half = n / 2;
  if (odd_nul * 10 >= half * 9 && even_nul * 10 < half) return 1;   // little endian
  if (even_nul * 10 >= half * 9 && odd_nul * 10 < half) return -1;  // big endian
  return 0;
}

// Counts bytes that are neither printable, white space nor part of valid UTF-8.
std::size_t count_non_text(std::string_view s) {
  std::size_t bad = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1B) || c == 0x7F) ++bad;
      ++i;
      continue;
    }
    std::size_t len = 0;
    if ((c & 0xE0) == 0xC0)
      len = 2;
    else if ((c & 0xF0) == 0xE0)
      len = 3;
    else if ((c & 0xF8) == 0xF0)
      len = 4;
    bool ok = len != 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (ok) {
      i += len;
    } else {
      ++bad;
      ++i;
    }
  }
  return bad;
}

}  // namespace

TextInput::TextInput(std::string input, const InputLimits& limits)
    : m_owned(std::move(input)), m_max_line(limits.max_line) {
  if (m_owned.size() > limits.max_total) {
    m_owned.resize(limits.max_total);
    m_stats.truncated = true;
  }
  const std::string_view raw = m_owned;
  m_stats.bytes = raw.size();
  const auto* u = reinterpret_cast<const unsigned char*>(raw.data());
  int utf16 = 0;
  if (raw.size() >= 2 && u[0] == 0xFF && u[1] == 0xFE)
    utf16 = 2;
  else if (raw.size() >= 2 && u[0] == 0xFE && u[1] == 0xFF)
    utf16 = -2;
  else
    utf16 = utf16_guess(raw);
  if (utf16 != 0) {
    const std::string_view body = (utf16 == 2 || utf16 == -2) ? raw.substr(2) : raw;
    std::string decoded = decode_utf16(body, utf16 > 0);
    m_owned = std::move(decoded);
    m_text = m_owned;
    m_stats.encoding = utf16 > 0 ? "utf-16le" : "utf-16be";
  } else {
    m_text = raw;
    if (m_text.size() >= 3 && m_text.compare(0, 3, "\xEF\xBB\xBF") == 0) m_text.remove_prefix(3);
  }
  const std::string_view sniff = m_text.substr(0, k_sniff_bytes);
  m_stats.non_text = count_non_text(sniff);
  m_stats.binary = !sniff.empty() && m_stats.non_text * 10 > sniff.size();

  std::size_t start = 0;
  const char* base = m_text.data();
  while (start < m_text.size()) {
    const void* nl = std::memchr(base + start, '\n', m_text.size() - start);
    std::size_t end = nl != nullptr ? static_cast<std::size_t>(static_cast<const char*>(nl) - base) : m_text.size();
    std::size_t stop = end;
    if (stop > start && base[stop - 1] == '\r') --stop;
    if (stop - start > m_max_line) {
      ++m_stats.long_lines;
      stop = start + m_max_line;
    }
    m_starts.push_back(start);
    m_ends.push_back(stop);
    start = end + 1;
  }
  m_stats.lines = m_starts.size();
}

std::string_view TextInput::line(std::size_t i) const {
  if (i >= m_starts.size()) return {};
  return m_text.substr(m_starts[i], m_ends[i] - m_starts[i]);
}

std::size_t TextInput::line_of(std::size_t offset) const {
  const auto it = std::upper_bound(m_starts.begin(), m_starts.end(), offset);
  return it == m_starts.begin() ? 0 : static_cast<std::size_t>(it - m_starts.begin()) - 1;
}

bool TextInput::in_capped_part(std::size_t offset) const {
  const std::size_t i = line_of(offset);
  return i < m_starts.size() && offset >= m_starts[i] && offset < m_ends[i];
}

}  // namespace td
