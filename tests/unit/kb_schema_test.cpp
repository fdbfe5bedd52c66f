// The KB's field tables (kb/schema.hpp) drive the loader: types, required keys, allowed values and
// unknown keys are checked from the table, and every table the table names is read; docs/kb.md's
// field reference is generated from them.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "torchdoctor/kb/kb.hpp"
#include "torchdoctor/kb/schema.hpp"
#include "torchdoctor/report/kb_tables.hpp"

using namespace td;

namespace {

Result<Kb> parse(const std::string& body) {
  return parse_kb({{"kb/meta.toml", "as_of = \"2026-11-22\"\n"}, {"kb/data.toml", body}}, "test");
}

std::string problems_of(const std::string& body) {
  auto kb = parse(body);
  return kb ? "" : kb.error().message;
}

}  // namespace

TEST(KbSchema, EveryTableIsDeclaredOnceAndEveryFieldOnce) {
  std::set<std::string_view> tables;
  for (const auto& t : kb_schema()) {
    EXPECT_TRUE(tables.insert(t.name).second) << t.name;
    EXPECT_FALSE(t.description.empty()) << t.name;
    std::set<std::string_view> fields;
    for (const auto& f : t.fields) {
      EXPECT_TRUE(fields.insert(f.name).second) << t.name << "." << f.name;
      EXPECT_FALSE(f.description.empty()) << t.name << "." << f.name;
      if (f.type == KbType::tables) {
        EXPECT_NE(kb_table_spec(f.nested), nullptr) << t.name << "." << f.name;
      }
    }
  }
}

TEST(KbSchema, EveryDeclaredTableHasAReaderThatReadsOnlyDeclaredKeys) {
  for (const auto& t : kb_schema()) {
    if (t.nested || t.top_level) continue;
    const std::string message = problems_of("[[" + std::string(t.name) + "]]\n");
    EXPECT_EQ(message.find("unknown table"), std::string::npos) << t.name << ": " << message;
    // A reader reads only keys its field table declares (a key added to one needs the other).
    EXPECT_EQ(message.find("not declared in the field table"), std::string::npos) << t.name << ": " << message;
    // An empty record misses exactly the table's required keys.
    for (const auto& f : t.fields) {
      const bool said =
          message.find(std::string(t.name) + "." + std::string(f.name) + ": missing") != std::string::npos;
      if (f.required) {
        EXPECT_TRUE(said) << t.name << "." << f.name << ": " << message;
      }
    }
  }
}

TEST(KbSchema, KeysAreCheckedAgainstTheFieldTable) {
  const std::string gpu = "[[gpu]]\nname = \"A\"\ncc = \"8.0\"\nsource = \"x\"\n";
  EXPECT_NE(problems_of(gpu + "segment = \"gaming\"\n")
                .find("kb/data.toml:5: gpu.segment: 'gaming': expected geforce, "
                      "workstation, datacenter or tegra"),
            std::string::npos);
  EXPECT_NE(problems_of(gpu + "memory_gib = \"24\"\n").find("gpu.memory_gib: expected a number"), std::string::npos);
  EXPECT_NE(problems_of(gpu + "aliases = [1]\n").find("gpu.aliases: expected a list of strings"), std::string::npos);
  EXPECT_NE(problems_of(gpu + "confirmed = \"no\"\n").find("gpu.confirmed: expected true or false"), std::string::npos);
  EXPECT_NE(problems_of(gpu + "sm = \"8.0\"\n").find("gpu.sm: unknown key"), std::string::npos);
  EXPECT_EQ(problems_of(gpu + "segment = \"tegra\"\nmemory_gib = 24\n"), "");
  // A prefix value: cuXYZ variants.
  const std::string wheel =
      "[[torch_release]]\nversion = \"2.6.0\"\npython = [\"3.12\"]\nsource = \"x\"\n"
      "[[torch_wheel]]\ntorch = \"2.6.0\"\nplatforms = [\"linux-x86_64\"]\nsource = \"x\"\n";
  EXPECT_NE(
      problems_of(wheel + "variant = \"rocm6.2\"\n").find("torch_wheel.variant: 'rocm6.2': expected cpu or cu..."),
      std::string::npos);
  EXPECT_EQ(problems_of(wheel + "variant = \"cu124\"\ncuda = \"12.4\"\narch = [\"9.0\"]\n"), "");
  std::string riscv = wheel + "variant = \"cpu\"\n";
  riscv.replace(riscv.find("linux-x86_64"), 12, "linux-riscv64");
  EXPECT_NE(problems_of(riscv).find("torch_wheel.platforms: 'linux-riscv64': expected linux-x86_64, linux-aarch64 or "
                                    "windows-x86_64"),
            std::string::npos);
  // Nested records are held to their own table.
  EXPECT_NE(problems_of("[[signature]]\nid = \"a\"\npattern = \"abc\"\nkind = \"fact\"\nsource = \"x\"\n"
                        "  [[signature.refine]]\n  when = [\"gpu\"]\n  severity = \"fatal\"\n  colour = \"red\"\n")
                .find("signature.refine.colour: unknown key"),
            std::string::npos);
}

TEST(KbSchema, MetaIsHeldToItsTable) {
  auto kb = parse_kb({{"kb/meta.toml", "as_of = \"22.11.2026\"\n"}}, "test");
  ASSERT_FALSE(kb.ok());
  EXPECT_NE(kb.error().message.find("kb/meta.toml:1: meta.as_of: expected YYYY-MM-DD"), std::string::npos)
      << kb.error().message;
  kb = parse_kb({{"kb/meta.toml", "schema = \"torchdoctor.kb/v1\"\n"}}, "test");
  ASSERT_FALSE(kb.ok());
  EXPECT_NE(kb.error().message.find("meta.as_of: missing"), std::string::npos) << kb.error().message;
}

TEST(KbSchema, ToolkitArchNamesItsListsByTheRule) {
  auto kb = parse(
      "[[toolkit_arch]]\ncuda = \"12.9\"\narch = [\"9.0\", \"12.0\"]\narch_specific = [\"12.0a\"]\n"
      "family_specific = [\"12.0f\"]\ndeprecated = []\nsource = \"x\"\n");
  ASSERT_TRUE(kb.ok()) << kb.error().message;
  ASSERT_EQ(kb->toolkit_archs.size(), 1U);
  EXPECT_EQ(kb->toolkit_archs[0].arch.size(), 2U);
  EXPECT_EQ(kb->toolkit_archs[0].family_specific.front().str(), "12.0f");
}

TEST(KbSchemaDocs, DocsKbMdFieldReferenceIsWhatTheFieldTablesSay) {
  std::ifstream in(std::string(TD_SOURCE_DIR) + "/docs/kb.md");
  ASSERT_TRUE(in.good());
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string text = doc.str();
  const std::string begin = "<!-- kb-schema:begin -->\n";
  const auto from = text.find(begin);
  const auto to = text.find("<!-- kb-schema:end -->");
  ASSERT_NE(from, std::string::npos);
  ASSERT_NE(to, std::string::npos);
  std::vector<const KbTableSpec*> all;
  for (const auto& t : kb_schema()) all.push_back(&t);
  EXPECT_EQ(text.substr(from + begin.size(), to - from - begin.size()), kb_schema_markdown(all))
      << "docs/kb.md's field reference is out of date: run scripts/kb-schema-docs.py";
}
