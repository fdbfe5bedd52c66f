// Every finding code the program can emit is in the one code table (reason_codes(), `kb show codes`), and every entry
// of the table is emitted somewhere. The codes are collected from the source mechanically, the way findings are built:
// a code-shaped string literal ("NO_DRIVER") that is an argument of a braced list or a call which also holds a
// `Severity::` at the same level
// ({"X", Severity::...}, note("X", Severity::...), ImageReason{"X", message, Severity::...},
// Diagnosis{"facts", "X", Severity::...}); a code compared with `code == "X"`; and the KB's
// signature records (`code = "X"`).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#if __has_include("torchdoctor/core/finding.hpp")
#include "torchdoctor/core/finding.hpp"
#else
#include "torchdoctor/engine/verdict.hpp"
#endif

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool code_shaped(const std::string& s) {
  static const std::regex k_code("[A-Z][A-Z0-9]*(_[A-Z0-9]+)+");
  return std::regex_match(s, k_code);
}

// Codes built in one C++ file: string literals at the same nesting level as a `Severity::`.
void collect_built(const std::string& text, const std::string& file,
                   std::map<std::string, std::set<std::string>>& out) {
  struct Group {
    bool severity = false;
    std::vector<std::string> literals;
  };
  std::vector<Group> stack{Group{}};
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      i = text.find('\n', i);
      if (i == std::string::npos) break;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      i = text.find("*/", i + 2);
      if (i == std::string::npos) break;
      ++i;
    } else if (c == 'R' && i + 2 < text.size() && text[i + 1] == '"' && text[i + 2] == '(') {
      i = text.find(")\"", i + 3);  // raw strings here use no delimiter
      if (i == std::string::npos) break;
      ++i;
    } else if (c == '\'') {
      for (++i; i < text.size() && text[i] != '\''; ++i) {
        if (text[i] == '\\') ++i;
      }
    } else if (c == '"') {
      std::string lit;
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
        lit += text[i];
      }
      if (code_shaped(lit)) stack.back().literals.push_back(lit);
    } else if (c == '{' || c == '(' || c == '[') {
      stack.emplace_back();
    } else if ((c == '}' || c == ')' || c == ']') && stack.size() > 1) {
      const Group g = stack.back();
      stack.pop_back();
      if (g.severity) {
        for (const auto& l : g.literals) out[l].insert(file);
      }
    } else if (text.compare(i, 10, "Severity::") == 0 &&
               (i == 0 || (std::isalnum(static_cast<unsigned char>(text[i - 1])) == 0 && text[i - 1] != '_'))) {
      stack.back().severity = true;
      i += 9;
    }
  }
  static const std::regex k_compared(R"(\bcode\s*[!=]=\s*"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\")");
  for (std::sregex_iterator it(text.begin(), text.end(), k_compared), end; it != end; ++it)
    out[(*it)[1].str()].insert(file);
}

std::map<std::string, std::set<std::string>> emitted_codes() {
  std::map<std::string, std::set<std::string>> out;
  const fs::path root(TD_SOURCE_DIR);
  for (const char* dir : {"src", "include"}) {
    for (const auto& e : fs::recursive_directory_iterator(root / dir)) {
      const auto ext = e.path().extension();
      if (!e.is_regular_file() || (ext != ".cpp" && ext != ".hpp")) continue;
      const std::string text = slurp(e.path());
      if (text.find("reason_codes() {") != std::string::npos) continue;  // the table itself
      collect_built(text, fs::relative(e.path(), root).string(), out);
    }
  }
  static const std::regex k_kb_code(R"(^\s*code\s*=\s*"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\")");
  for (const auto& e : fs::directory_iterator(root / "data/kb")) {
    if (e.path().extension() != ".toml") continue;
    std::istringstream in(slurp(e.path()));
    for (std::string line; std::getline(in, line);) {
      std::smatch m;
      if (std::regex_search(line, m, k_kb_code)) out[m[1].str()].insert(fs::relative(e.path(), root).string());
    }
  }
  return out;
}

std::set<std::string> table() {
  std::set<std::string> out;
  for (const auto& c : td::reason_codes()) out.insert(c.code);
  return out;
}

}  // namespace

TEST(CodeTable, TheCollectorFindsEachWayACodeIsBuilt) {
  std::map<std::string, std::set<std::string>> found;
  collect_built(R"x(
    out.push_back({"AAA_ONE", Severity::warn, "a; b {c}", ""});
    r.notes.push_back(note("AAA_TWO", Severity::info, f("x", g(y))));
    v.reasons.push_back({"AAA_THREE", msg + "(", Severity::error});
    Diagnosis d{"facts",
                "AAA_FOUR",
                Severity::warn, "m"};
    if (r.code == "AAA_FIVE") {}
    const std::map<std::string, int> env{{"CUDA_HOME", 1}, {"NOT_A_CODE", 2}};
    // {"AAA_COMMENT", Severity::warn}
  )x",
                "t.cpp", found);
  std::set<std::string> names;
  for (const auto& [k, v] : found) names.insert(k);
  EXPECT_EQ(names, (std::set<std::string>{"AAA_ONE", "AAA_TWO", "AAA_THREE", "AAA_FOUR", "AAA_FIVE"}));
}

TEST(CodeTable, EveryCodeTheProgramCanEmitIsInTheTable) {
  const auto codes = table();
  const auto found = emitted_codes();
  ASSERT_GT(found.size(), 30U) << "the collector found too few codes: has the way findings are built changed?";
  for (const auto& [code, files] : found) {
    std::string where;
    for (const auto& f : files) where += " " + f;
    EXPECT_TRUE(codes.count(code)) << code << " is emitted (" << where
                                   << " ) but missing from the code table (reason_codes())";
  }
}

TEST(CodeTable, EveryTableEntryIsEmittedSomewhere) {
  const auto found = emitted_codes();
  for (const auto& code : table())
    EXPECT_TRUE(found.count(code)) << code << " is in the code table but nothing emits it";
}

TEST(CodeTable, CodesAreUniqueAndExplained) {
  std::set<std::string> seen;
  for (const auto& c : td::reason_codes()) {
    EXPECT_TRUE(seen.insert(c.code).second) << c.code << " twice";
    EXPECT_TRUE(code_shaped(c.code)) << c.code << ": the collector above finds only WORD_WORD codes";
    EXPECT_GT(std::string(c.meaning).size(), 10U) << c.code;
  }
}
