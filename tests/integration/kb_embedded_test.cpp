// The embedded knowledge base is td_kbc's binary tree form of data/kb (src/kb/kb_tree.hpp): it must
// read back to exactly what the TOML files say, table by table.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "run_binary.hpp"

using nlohmann::json;
using td::test::run_td;

TEST(KbEmbedded, SameTablesAsTheTomlItWasBuiltFrom) {
  for (const char* topic : {"cuda", "drivers", "toolkits", "compilers", "arch-names", "gpus", "torch", "wheels",
                            "images", "jetson", "jetson-builds", "boards", "codes"}) {
    const auto embedded = run_td({"kb", "show", topic, "--json"});
    const auto toml = run_td({"kb", "show", topic, "--json", "--kb", std::string(TD_SOURCE_DIR) + "/data/kb"});
    ASSERT_EQ(embedded.code, 0) << topic << ": " << embedded.err;
    ASSERT_EQ(toml.code, 0) << topic << ": " << toml.err;
    const json a = json::parse(embedded.out);
    const json b = json::parse(toml.out);
    EXPECT_FALSE(a["rows"].empty()) << topic;
    EXPECT_EQ(a["rows"], b["rows"]) << topic;
    EXPECT_EQ(a["as_of"], b["as_of"]) << topic;
  }
}
