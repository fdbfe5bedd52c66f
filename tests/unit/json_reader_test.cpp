// JsonReader accepts exactly what nlohmann::json accepts (the reference every other reader in
// torchdoctor uses), decodes strings the same way, and stops at the first syntax error with its place.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "torchdoctor/core/json_reader.hpp"

namespace {

using td::JsonReader;

bool reader_accepts(std::string_view text) {
  JsonReader r(text);
  return r.skip() && r.finish();
}

// Valid and invalid texts, each judged by nlohmann too.
const std::vector<std::string>& cases() {
  static const std::vector<std::string> k = {
      "{}",
      "[]",
      "0",
      "-0",
      "1.5e10",
      "-1E-3",
      "true",
      "false",
      "null",
      "\"\"",
      " \t\r\n{ } ",
      R"({"a": [1, 2, {"b": null}], "c": "d\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"})",
      "\xEF\xBB\xBF{\"bom\": 1}",
      "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"",
      "18446744073709551615",
      "18446744073709551616",
      "-9223372036854775808",
      "123456789012345678901234567890",
      "[[[[[[[[[[]]]]]]]]]]",
      "1e308",
      "\"\\u0000\"",
      // invalid
      "",
      " ",
      "{",
      "}",
      "[1,]",
      "{\"a\":1,}",
      "{\"a\" 1}",
      "{a:1}",
      "[1 2]",
      "01",
      "1.",
      ".5",
      "+1",
      "-",
      "1e",
      "1e+",
      "tru",
      "nul",
      "falsey",
      "\"abc",
      "\"\\x\"",
      "\"\\u12\"",
      "\"\\ud800\"",
      "\"\\udc00\"",
      "\"\\ud800\\u0041\"",
      "\"\x01\"",
      "\"\xC0\xAF\"",
      "\"\xED\xA0\x80\"",
      "\"\xF4\x90\x80\x80\"",
      "\"\xE2\x82\"",
      "\"\x80\"",
      "1e999999",
      "-1e999999",
      "{} {}",
      "[] x",
      "// c\n{}",
      "{\"a\":1}/",
      "\xEF\xBB{}",
      "[1,2",
      "{\"a\":",
  };
  return k;
}

TEST(JsonReader, AcceptsExactlyWhatNlohmannAccepts) {
  for (const auto& text : cases()) {
    EXPECT_EQ(reader_accepts(text), nlohmann::json::accept(text)) << "text: " << text;
  }
}

TEST(JsonReader, RandomMutationsAgreeWithNlohmann) {
  std::mt19937 rng(7);
  const std::string alphabet = "{}[]:,\"\\u0123456789abcdefeE.+-ntrl \n\x80\xC3\xA9\xED";
  std::size_t valid = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text = cases()[rng() % cases().size()];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      const std::size_t pos = text.empty() ? 0 : rng() % (text.size() + 1);
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          text.insert(pos, 1, c);
          break;
        case 1:
          if (pos < text.size()) text.erase(pos, 1);
          break;
        default:
          if (pos < text.size()) text[pos] = c;
          break;
      }
    }
    const bool ours = reader_accepts(text);
    valid += ours ? 1 : 0;
    ASSERT_EQ(ours, nlohmann::json::accept(text)) << "case " << i << ": " << text;
  }
  EXPECT_GT(valid, 1000U);  // the mutations exercise both answers
}

// The one difference, found by fuzz_host_json: nlohmann takes a NUL byte between tokens for the end
// of the text and ignores what follows; we read the whole text.
TEST(JsonReader, TextAfterANulByteIsNotIgnored) {
  const std::string text("9\0\0\0\xf5", 5);
  EXPECT_TRUE(nlohmann::json::accept(text));
  EXPECT_FALSE(reader_accepts(text));
  EXPECT_FALSE(reader_accepts(std::string("{}\0", 3)));
  EXPECT_FALSE(reader_accepts(std::string("\"a\0b\"", 5)));
}

TEST(JsonReader, StringsDecodeLikeNlohmann) {
  const std::string text = R"(["plain", "esc\"\\\/\b\f\n\r\t", "\u00e9\u20ac\ud83d\ude00", "\u0000x", "é€😀"])";
  const auto ref = nlohmann::json::parse(text);
  JsonReader r(text);
  ASSERT_TRUE(r.begin_array());
  std::size_t i = 0;
  std::string s;
  while (r.next_item()) {
    ASSERT_TRUE(r.read_string(s));
    EXPECT_EQ(s, ref[i].get<std::string>()) << i;
    ++i;
  }
  EXPECT_EQ(i, ref.size());
  EXPECT_TRUE(r.finish());
}

TEST(JsonReader, KeysAndNumbers) {
  JsonReader r(R"({"a": 42, "b\n": 18446744073709551615, "c": -1, "d": 1.0, "e": 18446744073709551616})");
  ASSERT_TRUE(r.begin_object());
  std::string_view key;
  std::vector<std::pair<std::string, JsonReader::Number>> got;
  while (r.next_key(key)) {
    std::string k(key);
    JsonReader::Number n;
    ASSERT_TRUE(r.read_number(n)) << k;
    got.emplace_back(k, n);
  }
  ASSERT_TRUE(r.finish());
  ASSERT_EQ(got.size(), 5U);
  EXPECT_TRUE(got[0].second.is_u64);
  EXPECT_EQ(got[0].second.u64, 42U);
  EXPECT_EQ(got[1].first, "b\n");
  EXPECT_TRUE(got[1].second.is_u64);
  EXPECT_EQ(got[1].second.u64, 18446744073709551615ULL);
  EXPECT_FALSE(got[2].second.is_u64);  // negative
  EXPECT_FALSE(got[3].second.is_u64);  // not an integer token
  EXPECT_FALSE(got[4].second.is_u64);  // too large
}

TEST(JsonReader, ErrorsSayWhereAndWhat) {
  JsonReader r("{\n  \"a\": 1,\n  \"b\" 2\n}");
  EXPECT_FALSE(r.skip());
  EXPECT_TRUE(r.failed());
  EXPECT_EQ(r.error_line(), 3U);
  EXPECT_EQ(r.error(), "line 3, byte 19: expected ':' after the key");
  // Once failed, everything fails.
  EXPECT_EQ(r.peek(), JsonReader::Kind::error);
  EXPECT_FALSE(r.finish());

  JsonReader cut("[\"abc");
  EXPECT_FALSE(cut.skip());
  EXPECT_EQ(cut.error(), "line 1, byte 6: unterminated string");
}

TEST(JsonReader, DeepNestingIsNotRecursion) {
  const std::string deep = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  EXPECT_TRUE(reader_accepts(deep));
  EXPECT_FALSE(reader_accepts(std::string(1'000'000, '[')));
}

}  // namespace
