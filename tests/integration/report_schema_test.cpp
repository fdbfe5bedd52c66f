// docs/report-schema.md documents the doctor and recommend JSON: the fields it lists are the fields
// the program prints (top level, a check, a candidate, a reason), and every check carries its name.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "run_binary.hpp"

using nlohmann::json;
using td::test::run_td;

namespace {

const std::string k_cache = "XDG_CACHE_HOME=/tmp/td-report-schema-empty-cache";

// The field names of each table of the document, by the table's context: "doctor", "check",
// "recommend", "candidate", "reason".
std::map<std::string, std::set<std::string>> documented() {
  std::ifstream in(std::string(TD_SOURCE_DIR) + "/docs/report-schema.md");
  std::map<std::string, std::set<std::string>> out;
  std::string context;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("## A reason", 0) == 0)
      context = "reason";
    else if (line.rfind("## doctor", 0) == 0)
      context = "doctor";
    else if (line.rfind("## recommend", 0) == 0)
      context = "recommend";
    else if (line == "A check:")
      context = "check";
    else if (line == "A candidate:")
      context = "candidate";
    else if (line.rfind("| `", 0) == 0)
      out[context].insert(line.substr(3, line.find('`', 3) - 3));
  }
  return out;
}

std::set<std::string> keys(const json& j) {
  std::set<std::string> out;
  for (const auto& [k, v] : j.items()) out.insert(k);
  return out;
}

json parse(const td::test::RunResult& r) {
  auto j = json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
  return j;
}

void collect_reasons(const json& j, std::set<std::string>& out) {
  if (j.is_object()) {
    if (j.contains("code") && j.contains("severity")) {
      for (const auto& k : keys(j)) out.insert(k);
    }
    for (const auto& [k, v] : j.items()) collect_reasons(v, out);
  } else if (j.is_array()) {
    for (const auto& v : j) collect_reasons(v, out);
  }
}

}  // namespace

TEST(ReportSchema, DoctorJsonHasTheDocumentedFieldsAndEveryCheckANameAndCodes) {
  const auto doc = documented();
  ASSERT_FALSE(doc.at("doctor").empty());
  // A host with findings of several severities: an RTX 4090 on driver 550 (minor-version compatibility).
  const auto j =
      parse(run_td({"doctor", "--json", "--no-probe", "--arch", "x86_64", "--gpu", "RTX 4090", "--driver", "550.54.15"},
                   "", {k_cache}));
  EXPECT_EQ(keys(j), doc.at("doctor"));
  std::set<std::string> check_fields;
  for (const auto& c : j["checks"]) {
    for (const auto& k : keys(c)) check_fields.insert(k);
    EXPECT_FALSE(c["check"].get<std::string>().empty()) << c.dump();
    for (const auto& r : c["reasons"]) EXPECT_FALSE(r["code"].get<std::string>().empty()) << c.dump();
  }
  EXPECT_EQ(check_fields, doc.at("check"));
}

TEST(ReportSchema, RecommendJsonHasTheDocumentedFields) {
  const auto doc = documented();
  const auto j = parse(run_td(
      {"recommend", "--json", "--all", "--no-probe", "--arch", "x86_64", "--gpu", "RTX 4090", "--driver", "550.54.15"},
      "", {k_cache}));
  EXPECT_EQ(keys(j), doc.at("recommend"));
  std::set<std::string> candidate_fields;
  for (const auto& c : j["candidates"]) {
    for (const auto& k : keys(c)) candidate_fields.insert(k);
    EXPECT_FALSE(c["platform"].get<std::string>().empty()) << c.dump();
  }
  EXPECT_EQ(candidate_fields, doc.at("candidate"));
  std::set<std::string> reason_fields;
  collect_reasons(j, reason_fields);
  EXPECT_EQ(reason_fields, doc.at("reason"));
}
