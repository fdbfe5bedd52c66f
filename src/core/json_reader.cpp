#include "torchdoctor/core/json_reader.hpp"

#include <cmath>
#include <cstdlib>
#include <vector>

namespace td {
namespace {

bool is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6U));
    out += static_cast<char>(0x80 | (cp & 0x3FU));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12U));
    out += static_cast<char>(0x80 | ((cp >> 6U) & 0x3FU));
    out += static_cast<char>(0x80 | (cp & 0x3FU));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18U));
    out += static_cast<char>(0x80 | ((cp >> 12U) & 0x3FU));
    out += static_cast<char>(0x80 | ((cp >> 6U) & 0x3FU));
    out += static_cast<char>(0x80 | (cp & 0x3FU));
  }
}

// Length of the well-formed UTF-8 sequence (RFC 3629) starting a multi-byte character at `p`, or 0.
std::size_t utf8_length(const unsigned char* p, const unsigned char* end) {
  const unsigned char c = p[0];
  std::size_t n = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (static_cast<std::size_t>(end - p) < n) return 0;
  if (p[1] < lo || p[1] > hi) return 0;
  for (std::size_t i = 2; i < n; ++i) {
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  }
  return n;
}

}  // namespace

JsonReader::JsonReader(std::string_view text) : m_text(text) {
  if (m_text.size() >= 3 && m_text.substr(0, 3) == "\xEF\xBB\xBF") m_pos = 3;
}

bool JsonReader::fail(const char* what) {
  if (!m_failed) {
    m_failed = true;
    m_error_pos = m_pos;
    m_error_what = what;
  }
  return false;
}

std::size_t JsonReader::error_line() const {
  std::size_t line = 1;
  for (std::size_t i = 0; i < m_error_pos && i < m_text.size(); ++i) line += m_text[i] == '\n' ? 1 : 0;
  return line;
}

std::string JsonReader::error() const {
  if (!m_failed) return {};
  return "line " + std::to_string(error_line()) + ", byte " + std::to_string(m_error_pos + 1) + ": " + m_error_what;
}

void JsonReader::skip_ws() {
  while (m_pos < m_text.size() && is_ws(m_text[m_pos])) ++m_pos;
}

bool JsonReader::expect(char c, const char* what) {
  skip_ws();
  if (m_pos < m_text.size() && m_text[m_pos] == c) {
    ++m_pos;
    return true;
  }
  return fail(what);
}

JsonReader::Kind JsonReader::peek() {
  if (m_failed) return Kind::error;
  skip_ws();
  if (m_pos >= m_text.size()) return Kind::end;
  switch (m_text[m_pos]) {
    case '{':
      return Kind::object;
    case '[':
      return Kind::array;
    case '"':
      return Kind::string;
    case 't':
    case 'f':
      return Kind::boolean;
    case 'n':
      return Kind::null;
    default:
      if (m_text[m_pos] == '-' || is_digit(m_text[m_pos])) return Kind::number;
      fail("expected a value");
      return Kind::error;
  }
}

bool JsonReader::begin_object() {
  if (m_failed || !expect('{', "expected '{'")) return false;
  m_first = true;
  return true;
}

bool JsonReader::next_key(std::string_view& key) {
  if (m_failed) return false;
  skip_ws();
  if (m_pos < m_text.size() && m_text[m_pos] == '}') {
    ++m_pos;
    m_first = false;
    return false;
  }
  if (!m_first && !expect(',', "expected ',' or '}'")) return false;
  m_first = false;
  skip_ws();
  if (m_pos >= m_text.size() || m_text[m_pos] != '"') return fail("expected a string key");
  const std::size_t start = m_pos + 1;
  // Keys are short and rarely escaped: view them in place unless they hold a backslash.
  std::size_t end = start;
  while (end < m_text.size() && m_text[end] != '"' && m_text[end] != '\\' &&
         static_cast<unsigned char>(m_text[end]) >= 0x20 && static_cast<unsigned char>(m_text[end]) < 0x80) {
    ++end;
  }
  if (end < m_text.size() && m_text[end] == '"') {
    key = m_text.substr(start, end - start);
    m_pos = end + 1;
  } else {
    m_key.clear();
    if (!scan_string(&m_key)) return false;
    key = m_key;
  }
  return expect(':', "expected ':' after the key");
}

bool JsonReader::begin_array() {
  if (m_failed || !expect('[', "expected '['")) return false;
  m_first = true;
  return true;
}

bool JsonReader::next_item() {
  if (m_failed) return false;
  skip_ws();
  if (m_pos < m_text.size() && m_text[m_pos] == ']') {
    ++m_pos;
    m_first = false;
    return false;
  }
  if (!m_first && !expect(',', "expected ',' or ']'")) return false;
  m_first = false;
  return true;
}

bool JsonReader::scan_string(std::string* out) {
  ++m_pos;  // the opening quote
  const auto* p = reinterpret_cast<const unsigned char*>(m_text.data());
  const std::size_t n = m_text.size();
  std::size_t run = m_pos;  // start of bytes not yet copied to *out
  while (true) {
    while (m_pos < n && p[m_pos] >= 0x20 && p[m_pos] != '"' && p[m_pos] != '\\' && p[m_pos] < 0x80) ++m_pos;
    if (m_pos >= n) return fail("unterminated string");
    const unsigned char c = p[m_pos];
    if (c == '"') {
      if (out != nullptr) out->append(m_text.data() + run, m_pos - run);
      ++m_pos;
      return true;
    }
    if (c < 0x20) return fail("control character in a string");
    if (c >= 0x80) {
      const std::size_t len = utf8_length(p + m_pos, p + n);
      if (len == 0) return fail("invalid UTF-8 in a string");
      m_pos += len;
      continue;
    }
    // A backslash escape.
    if (out != nullptr) out->append(m_text.data() + run, m_pos - run);
    if (m_pos + 1 >= n) return fail("unterminated string");
    const char e = m_text[m_pos + 1];
    m_pos += 2;
    char plain = 0;
    switch (e) {
      case '"':
        plain = '"';
        break;
      case '\\':
        plain = '\\';
        break;
      case '/':
        plain = '/';
        break;
      case 'b':
        plain = '\b';
        break;
      case 'f':
        plain = '\f';
        break;
      case 'n':
        plain = '\n';
        break;
      case 'r':
        plain = '\r';
        break;
      case 't':
        plain = '\t';
        break;
      case 'u':
        break;
      default:
        m_pos -= 1;
        return fail("invalid escape in a string");
    }
    if (e != 'u') {
      if (out != nullptr) *out += plain;
      run = m_pos;
      continue;
    }
    auto hex4 = [&](std::uint32_t& v) {
      if (m_pos + 4 > n) return false;
      v = 0;
      for (std::size_t i = 0; i < 4; ++i) {
        const int h = hex_value(m_text[m_pos + i]);
        if (h < 0) return false;
        v = (v << 4U) | static_cast<std::uint32_t>(h);
      }
      m_pos += 4;
      return true;
    };
    std::uint32_t cp = 0;
    if (!hex4(cp)) return fail("\\u needs four hex digits");
    if (cp >= 0xDC00 && cp <= 0xDFFF) return fail("a lone UTF-16 low surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      std::uint32_t low = 0;
      if (m_pos + 2 > n || m_text[m_pos] != '\\' || m_text[m_pos + 1] != 'u')
        return fail("a UTF-16 high surrogate without its low half");
      m_pos += 2;
      if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return fail("a UTF-16 high surrogate without its low half");
      cp = 0x10000 + ((cp - 0xD800) << 10U) + (low - 0xDC00);
    }
    if (out != nullptr) append_utf8(*out, cp);
    run = m_pos;
  }
}

bool JsonReader::read_string(std::string& out) {
  out.clear();
  if (peek() != Kind::string) return m_failed ? false : fail("expected a string");
  return scan_string(&out);
}

bool JsonReader::read_number(Number& out) {
  if (peek() != Kind::number) return m_failed ? false : fail("expected a number");
  const std::size_t start = m_pos;
  const std::size_t n = m_text.size();
  const bool negative = m_text[m_pos] == '-';
  if (negative) ++m_pos;
  if (m_pos >= n || !is_digit(m_text[m_pos])) return fail("expected a digit");
  out = Number{};
  bool fits = !negative;
  std::uint64_t v = 0;
  if (m_text[m_pos] == '0') {
    ++m_pos;
  } else {
    while (m_pos < n && is_digit(m_text[m_pos])) {
      const auto d = static_cast<std::uint64_t>(m_text[m_pos] - '0');
      if (v > (UINT64_MAX - d) / 10)
        fits = false;
      else
        v = v * 10 + d;
      ++m_pos;
    }
  }
  bool integer = true;
  if (m_pos < n && m_text[m_pos] == '.') {
    integer = false;
    ++m_pos;
    if (m_pos >= n || !is_digit(m_text[m_pos])) return fail("expected a digit after '.'");
    while (m_pos < n && is_digit(m_text[m_pos])) ++m_pos;
  }
  if (m_pos < n && (m_text[m_pos] == 'e' || m_text[m_pos] == 'E')) {
    integer = false;
    ++m_pos;
    if (m_pos < n && (m_text[m_pos] == '+' || m_text[m_pos] == '-')) ++m_pos;
    if (m_pos >= n || !is_digit(m_text[m_pos])) return fail("expected a digit in the exponent");
    while (m_pos < n && is_digit(m_text[m_pos])) ++m_pos;
  }
  if (integer && fits) {
    out.is_u64 = true;
    out.u64 = v;
    return true;
  }
  // Anything else is a double to nlohmann, which refuses one that overflows (1e999999).
  // Signed integers within 64 bits are exact there and always finite.
  if (integer && negative && m_pos - start <= 19) return true;
  const std::string copy(m_text.substr(start, m_pos - start));
  if (!std::isfinite(std::strtod(copy.c_str(), nullptr))) {
    m_pos = start;
    return fail("number out of range");
  }
  return true;
}

bool JsonReader::literal(std::string_view word) {
  if (m_text.substr(m_pos, word.size()) != word) return fail("expected true, false or null");
  m_pos += word.size();
  return true;
}

bool JsonReader::read_bool(bool& out) {
  if (peek() != Kind::boolean) return m_failed ? false : fail("expected true or false");
  out = m_text[m_pos] == 't';
  return literal(out ? "true" : "false");
}

bool JsonReader::read_null() {
  if (peek() != Kind::null) return m_failed ? false : fail("expected null");
  return literal("null");
}

bool JsonReader::skip() {
  std::vector<char> open;  // the containers we are inside, innermost last
  std::string_view key;
  while (true) {
    // At a value.
    switch (peek()) {
      case Kind::object:
        begin_object();
        if (next_key(key)) {
          open.push_back('{');
          continue;
        }
        break;
      case Kind::array:
        begin_array();
        if (next_item()) {
          open.push_back('[');
          continue;
        }
        break;
      case Kind::string:
        scan_string(nullptr);
        break;
      case Kind::number: {
        Number ignored;
        read_number(ignored);
        break;
      }
      case Kind::boolean: {
        bool ignored = false;
        read_bool(ignored);
        break;
      }
      case Kind::null:
        read_null();
        break;
      case Kind::end:
        fail("expected a value, not the end of the text");
        break;
      case Kind::error:
        break;
    }
    if (m_failed) return false;
    // After a value: close finished containers until one has another member.
    while (!open.empty()) {
      const bool more = open.back() == '{' ? next_key(key) : next_item();
      if (m_failed) return false;
      if (more) break;
      open.pop_back();
    }
    if (open.empty()) return true;
  }
}

bool JsonReader::finish() {
  if (m_failed) return false;
  skip_ws();
  return m_pos >= m_text.size() || fail("unexpected text after the JSON value");
}

}  // namespace td
