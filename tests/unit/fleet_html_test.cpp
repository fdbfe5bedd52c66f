// The placement picture's escaping: node and GPU names are untrusted, so no string put on the page
// may open a tag, close an attribute or carry a control character.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "torchdoctor/report/fleet_html.hpp"

namespace {

std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    bool hit = false;
    for (const auto& [e, c] :
         {std::pair<std::string, char>{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}}) {
      if (s.compare(i, e.size(), e) == 0) {
        out += c;
        i += e.size();
        hit = true;
        break;
      }
    }
    if (!hit) out += s[i++];
  }
  return out;
}

TEST(FleetHtml, EscapeProperty) {
  std::mt19937 rng(20);
  const std::string alphabet = "<>&\"'=/ ;#abc\x01\x1b\x7f\n\t\xc3\xa9\xff";
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const int len = static_cast<int>(rng() % 24);
    for (int k = 0; k < len; ++k) s += alphabet[rng() % alphabet.size()];
    const std::string e = td::html_escape(s);
    for (const char c : {'<', '>', '"', '\''}) ASSERT_EQ(e.find(c), std::string::npos) << s;
    for (const unsigned char c : e) ASSERT_TRUE(c >= 0x20 || c == '\n' || c == '\t') << s;
    ASSERT_EQ(e.find(static_cast<char>(0x7f)), std::string::npos) << s;
    // What is kept is kept exactly: unescaping gives the input less its control characters.
    std::string kept;
    for (const char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if ((u >= 0x20 && u != 0x7f) || c == '\n' || c == '\t') kept += c;
    }
    ASSERT_EQ(unescape(e), kept) << s;
  }
}

TEST(FleetHtml, HostileNamesStayText) {
  td::FleetPicture p;
  p.images = {"img\"><script>alert(1)</script>"};
  p.reasons = {{"NO_GPU", "the node '<b>' has no GPU"}};
  p.profiles = {{"amd64 <i>", {"<img src=x onerror=alert(1)>", "a'b"}, {{'n', {0}}}}};
  const std::string page = td::render_fleet_html(p);
  EXPECT_EQ(page.find("<img src=x"), std::string::npos);
  EXPECT_EQ(page.find("<script>alert"), std::string::npos);
  EXPECT_EQ(page.find("<b>"), std::string::npos);
  EXPECT_EQ(page.find("<i>"), std::string::npos);
  EXPECT_NE(page.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  // One script, the page's own, and nothing fetched.
  EXPECT_EQ(page.find("<script"), page.rfind("<script"));
  EXPECT_EQ(page.find("src="), page.find("src=x"));
  EXPECT_EQ(page.find("http"), page.find("http-equiv"));
}

}  // namespace
