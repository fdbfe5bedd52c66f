// `torchdoctor kb show schema [TABLE]`: the field tables the loader checks records against, as text,
// JSON or Markdown; other topics refuse a table, and print Markdown too.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "run_binary.hpp"

using nlohmann::json;
using td::test::run_td;

TEST(KbShowSchema, PrintsEveryTableOrOne) {
  const auto all = run_td({"kb", "show", "schema"});
  ASSERT_EQ(all.code, 0) << all.err;
  EXPECT_NE(all.out.find("[[toolkit_arch]] in data/kb/cuda.toml"), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("top-level keys in data/kb/meta.toml"), std::string::npos) << all.out;
  const auto one = run_td({"kb", "show", "schema", "gpu", "--json"});
  ASSERT_EQ(one.code, 0) << one.err;
  const json doc = json::parse(one.out);
  EXPECT_EQ(doc["schema"], "torchdoctor.kb-schema/v1");
  ASSERT_EQ(doc["tables"].size(), 1U);
  EXPECT_EQ(doc["tables"][0]["table"], "gpu");
  bool cc = false;
  for (const auto& f : doc["tables"][0]["fields"]) {
    if (f["key"] != "cc") continue;
    cc = true;
    EXPECT_EQ(f["type"], "compute capability");
    EXPECT_EQ(f["required"], true);
  }
  EXPECT_TRUE(cc) << one.out;
  const auto md = run_td({"kb", "show", "schema", "torch_wheel", "--format", "markdown"});
  ASSERT_EQ(md.code, 0) << md.err;
  EXPECT_NE(md.out.find("| `variant` | string | yes | cpu or cu... |"), std::string::npos) << md.out;
}

TEST(KbShowSchema, RefusesWhatItDoesNotKnow) {
  const auto table = run_td({"kb", "show", "schema", "gpus"});
  EXPECT_EQ(table.code, 2);
  EXPECT_NE(table.err.find("unknown table 'gpus'; tables: cuda_release"), std::string::npos) << table.err;
  const auto extra = run_td({"kb", "show", "cuda", "gpu"});
  EXPECT_EQ(extra.code, 2);
  EXPECT_NE(extra.err.find("unexpected argument 'gpu'"), std::string::npos) << extra.err;
  const auto extra_table = run_td({"kb", "show", "schema", "gpu", "cc"});
  EXPECT_EQ(extra_table.code, 2);
  EXPECT_NE(extra_table.err.find("unexpected argument 'cc'"), std::string::npos) << extra_table.err;
  const auto markdown = run_td({"kb", "show", "drivers", "--format", "markdown"});
  EXPECT_EQ(markdown.code, 0) << markdown.err;
  EXPECT_EQ(markdown.out.rfind("| branch | kind | max cuda | eol | source |\n|---|---|---|---|---|\n", 0), 0U)
      << markdown.out;
}
