// The platform rules of "one host, one policy" that need no binary: L4T container compatibility.
#include <gtest/gtest.h>

#include "torchdoctor/engine/engine.hpp"

namespace {

td::Version v(const char* s) { return *td::Version::parse(s); }

}  // namespace

// jetson-containers' l4t_version_compatible(), case by case.
TEST(L4tRule, ContainersRunWhereJetsonContainersSaysTheyDo) {
  struct Case {
    const char* container;
    const char* host;
    bool runs;
  };
  const Case cases[] = {
      {"35.2.1", "35.4.1", true},  {"35.4.1", "35.2.1", true},  {"34.1.1", "35.4.1", false},
      {"34.1.0", "34.1.1", true},  {"36.2.0", "36.3.0", true},  {"36.3.0", "36.4.3", false},
      {"36.4.0", "36.4.3", true},  {"36.4.3", "36.2.0", false}, {"32.7.1", "32.7.4", true},
      {"32.6.1", "32.7.4", false}, {"32.4.4", "32.4.4", true},  {"32.4.3", "32.4.4", false},
      {"35.4.1", "36.4.3", false}, {"36.4.0", "35.4.1", false}, {"38.2.0", "38.2.1", true},
      {"36.4.3", "38.2.0", false},
  };
  for (const auto& c : cases)
    EXPECT_EQ(td::l4t_runs_on(v(c.container), v(c.host)), c.runs) << c.container << " on " << c.host;
}
