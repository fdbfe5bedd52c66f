// The one option table (src/app/cli.cpp): every command's options come from it, each name once, and
// every row is taken by some command; --format's values are the command's own (Command::formats).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "torchdoctor/app/app.hpp"
#include "torchdoctor/app/cli.hpp"

namespace td {
namespace {

TEST(OptionTable, EveryCommandTakesRowsOfTheOneTableEachOnce) {
  for (const auto& c : commands()) {
    std::vector<OptionSpec> specs;
    ASSERT_NO_THROW(specs = c.options()) << c.name;
    std::set<std::string> seen;
    for (const auto& s : specs) {
      EXPECT_TRUE(seen.insert(s.name).second) << c.name << " lists --" << s.name << " twice";
      const auto& table = option_table();
      const auto row =
          std::find_if(table.begin(), table.end(), [&](const OptionSpec& o) { return std::string(o.name) == s.name; });
      ASSERT_NE(row, table.end()) << c.name << ": --" << s.name << " is not in the option table";
      // The same row, not a look-alike: one help text, value name and repeatability everywhere.
      EXPECT_EQ(row->help, s.help) << c.name << " --" << s.name;
      EXPECT_EQ(row->metavar, s.metavar) << c.name << " --" << s.name;
      EXPECT_EQ(row->repeatable, s.repeatable) << c.name << " --" << s.name;
    }
  }
}

TEST(OptionTable, EveryRowIsTakenBySomeCommand) {
  std::set<std::string> taken{"help"};  // every command's --help
  for (const auto& c : commands()) {
    for (const auto& s : c.options()) taken.insert(s.name);
  }
  std::set<std::string> names;
  for (const auto& o : option_table()) {
    EXPECT_TRUE(names.insert(o.name).second) << "--" << o.name << " is defined twice";
    EXPECT_TRUE(taken.count(o.name)) << "--" << o.name << " is in the table but no command takes it";
  }
}

TEST(OptionTable, AnUnknownNameIsAProgrammingError) {
  EXPECT_THROW((void)options_named({{"root", "no-such-option"}}), std::logic_error);
}

TEST(OptionTable, FormatIsTakenExactlyByTheCommandsThatDeclareFormats) {
  for (const auto& c : commands()) {
    const auto specs = c.options();
    const bool takes =
        std::any_of(specs.begin(), specs.end(), [](const OptionSpec& s) { return std::string(s.name) == "format"; });
    EXPECT_EQ(takes, !formats_of(c).empty()) << c.name;
    const bool json =
        std::any_of(specs.begin(), specs.end(), [](const OptionSpec& s) { return std::string(s.name) == "json"; });
    if (json) {
      const auto f = formats_of(c);
      EXPECT_NE(std::find(f.begin(), f.end(), "json"), f.end()) << c.name << " takes --json but not --format json";
    }
  }
}

}  // namespace
}  // namespace td
