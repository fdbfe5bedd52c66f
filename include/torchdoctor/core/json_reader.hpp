// JsonReader: a strict JSON pull reader over text in memory, for the readers that must be fast on
// large inputs (a fleet of 100,000 snapshots) and build no document tree. It accepts what
// nlohmann::json::parse accepts (RFC 8259, UTF-8 checked, a leading BOM skipped, no comments), so a
// document is valid or not the same way everywhere in torchdoctor, with one exception: nlohmann
// takes a NUL byte between tokens for the end of the text, we read the whole text.
// tests/fuzz/fuzz_host_json.cpp and tests/unit/json_reader_test.cpp check that agreement.
//
// Use: peek() says what comes next; begin_object() then `while (next_key(k)) { read k's value }`,
// begin_array() then `while (next_item()) { read the item }`; every loop runs until it returns
// false. The first syntax error stops the reader: every later call returns false/Kind::error, and
// error() says what and where.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace td {

class JsonReader {
 public:
  enum class Kind { object, array, string, number, boolean, null, end, error };

  /// A number token: `is_u64` when it is a non-negative integer that fits 64 bits.
  struct Number {
    bool is_u64 = false;
    std::uint64_t u64 = 0;
  };

  explicit JsonReader(std::string_view text);

  /// What the next value is (after whitespace); `end` at the end of the text.
  Kind peek();
  bool begin_object();
  /// The next member's key (valid until the next call), with its ':' consumed; false after the
  /// closing '}' or on an error.
  bool next_key(std::string_view& key);
  bool begin_array();
  /// True when another item follows (its ',' consumed); false after the closing ']' or on an error.
  bool next_item();
  bool read_string(std::string& out);
  bool read_number(Number& out);
  bool read_bool(bool& out);
  bool read_null();
  /// Skips one value of any kind, checking its syntax (no recursion: any depth is safe).
  bool skip();
  /// True when only whitespace remains.
  bool finish();

  [[nodiscard]] bool failed() const { return m_failed; }
  /// "line 3, byte 42: expected ',' or '}'" (line and byte 1-based).
  [[nodiscard]] std::string error() const;
  [[nodiscard]] std::size_t error_line() const;

 private:
  bool fail(const char* what);
  void skip_ws();
  bool expect(char c, const char* what);
  bool scan_string(std::string* out);  // at '"'; decodes into *out when non-null
  bool literal(std::string_view word);

  std::string_view m_text;
  std::size_t m_pos = 0;
  bool m_first = false;  // the container just opened has had no member yet
  bool m_failed = false;
  std::size_t m_error_pos = 0;
  const char* m_error_what = "";
  std::string m_key;  // a key that needed unescaping
};

}  // namespace td
