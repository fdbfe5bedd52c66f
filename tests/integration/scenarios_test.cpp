// The table-driven scenarios of tests/scenarios/*.json: host facts (as what-if flags) -> the best
// choice and the reason codes, through the real binary and the embedded knowledge base. Each
// scenario names the KB facts it relies on, so a KB change that breaks one says which fact moved.
// An expectation that means "the newest release" says so with a placeholder, filled from the
// embedded KB, so adding a release edits no scenario: {newest_torch} (the newest torch release,
// 2.15.0), {newest_torch_pypi_x86_64} and {newest_torch_pypi_aarch64} (its PyPI default variants).
#include <gtest/gtest.h>

#include <dirent.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "run_binary.hpp"
#include "torchdoctor/kb/kb.hpp"
#include "torchdoctor/kb/queries.hpp"

using nlohmann::json;
using td::test::run_td;

namespace {

std::vector<json> load_scenarios() {
  std::vector<json> out;
  const std::string dir = std::string(TD_SOURCE_DIR) + "/tests/scenarios";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n.size() > 5 && n.compare(n.size() - 5, 5, ".json") == 0) names.push_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    std::ifstream in(dir + "/" + n);
    const json doc = json::parse(in, nullptr, false);
    if (doc.is_discarded() || !doc.is_array()) {
      ADD_FAILURE() << n << ": not a JSON array";
      continue;
    }
    for (auto s : doc) {
      s["file"] = n;
      out.push_back(s);
    }
  }
  return out;
}

// Every reason code anywhere in a document.
void collect_codes(const json& j, std::set<std::string>& codes) {
  if (j.is_object()) {
    if (j.contains("code") && j["code"].is_string()) codes.insert(j["code"].get<std::string>());
    for (const auto& [k, v] : j.items()) collect_codes(v, codes);
  } else if (j.is_array()) {
    for (const auto& v : j) collect_codes(v, codes);
  }
}

// The placeholders' values, from the embedded KB.
std::vector<std::pair<std::string, std::string>> placeholders() {
  const auto kb = td::load_embedded_kb();
  const td::TorchRelease* newest = kb ? td::newest_torch_release(*kb) : nullptr;
  if (newest == nullptr) return {};
  return {{"{newest_torch}", newest->version.str()},
          {"{newest_torch_pypi_x86_64}", newest->pypi_default_linux_x86_64},
          {"{newest_torch_pypi_aarch64}", newest->pypi_default_linux_aarch64}};
}

// `j` with every placeholder in its strings filled in.
json expand(const json& j, const std::vector<std::pair<std::string, std::string>>& values) {
  if (j.is_string()) {
    std::string s = j.get<std::string>();
    for (const auto& [name, value] : values) {
      for (auto at = s.find(name); at != std::string::npos; at = s.find(name, at + value.size()))
        s.replace(at, name.size(), value);
    }
    EXPECT_EQ(s.find("{newest_"), std::string::npos) << "unknown placeholder in " << s;
    return s;
  }
  json out = j;
  if (j.is_object() || j.is_array()) {
    for (auto it = out.begin(); it != out.end(); ++it) *it = expand(*it, values);
  }
  return out;
}

class Scenario : public testing::TestWithParam<json> {};

TEST_P(Scenario, MatchesExpectations) {
  const json& s = GetParam();
  ASSERT_TRUE(s.contains("kb_facts") && !s["kb_facts"].empty()) << "every scenario names the KB facts it relies on";
  std::vector<std::string> args{s.value("command", "recommend"), "--json"};
  bool has_source = false;
  for (const auto& a : s["args"]) {
    std::string arg = a.get<std::string>();
    if (arg == "--root" || arg == "--host") has_source = true;
    if (const auto at = arg.find("{fixtures}"); at != std::string::npos) {
      arg.replace(at, 10, std::string(TD_SOURCE_DIR) + "/tests/fixtures/roots");
    }
    args.push_back(arg);
  }
  if (!has_source) args.push_back("--no-probe");
  const auto r = run_td(args);
  const json e = expand(s["expect"], placeholders());
  EXPECT_EQ(r.code, e.value("exit", 0)) << r.err << r.out;
  const json doc = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << r.out << r.err;
  const json rec = doc.contains("recommendation") ? doc["recommendation"] : doc;
  if (e.contains("best_wheel")) {
    if (e["best_wheel"].is_null()) {
      EXPECT_TRUE(rec["best"]["wheel"].is_null()) << rec["best"].dump();
    } else {
      ASSERT_FALSE(rec["best"]["wheel"].is_null()) << doc.dump(1);
      const json& w = rec["best"]["wheel"];
      if (e["best_wheel"].contains("torch")) {
        const std::string want = e["best_wheel"]["torch"];
        EXPECT_EQ(w["torch"].get<std::string>().rfind(want, 0), 0U) << w.dump();
      }
      if (e["best_wheel"].contains("variant")) {
        EXPECT_EQ(w["variant"], e["best_wheel"]["variant"]) << w.dump();
      }
      if (e["best_wheel"].contains("install_contains")) {
        EXPECT_NE((w["install"].get<std::string>() + " " + w["install_uv"].get<std::string>())
                      .find(e["best_wheel"]["install_contains"].get<std::string>()),
                  std::string::npos)
            << w.dump();
      }
    }
  }
  if (e.contains("best_image_contains")) {
    ASSERT_FALSE(rec["best"]["image"].is_null()) << rec["best"].dump();
    EXPECT_NE(rec["best"]["image"]["ref"].get<std::string>().find(e["best_image_contains"].get<std::string>()),
              std::string::npos)
        << rec["best"]["image"].dump();
  }
  std::set<std::string> codes;
  collect_codes(doc, codes);
  for (const auto& c : e.value("codes", json::array()))
    EXPECT_TRUE(codes.count(c.get<std::string>())) << c << " missing in " << r.out.substr(0, 4000);
  for (const auto& c : e.value("absent_codes", json::array()))
    EXPECT_FALSE(codes.count(c.get<std::string>())) << c << " present";
}

std::string scenario_name(const testing::TestParamInfo<json>& info) {
  std::string n = info.param.value("id", "s" + std::to_string(info.index));
  for (char& c : n) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) c = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Kb, Scenario, testing::ValuesIn(load_scenarios()), scenario_name);

TEST(Scenarios, AtLeastFortyCoverEveryReasonCode) {
  const auto all = load_scenarios();
  EXPECT_GE(all.size(), 40U);
  std::set<std::string> covered;
  for (const auto& s : all) {
    for (const auto& c : s["expect"].value("codes", json::array())) covered.insert(c.get<std::string>());
  }
  for (const char* code :
       {"ARCH_MISMATCH", "NOT_FOR_TEGRA", "L4T_MISMATCH", "UNKNOWN_L4T", "NO_DRIVER", "DRIVER_TOO_OLD", "NO_GPU",
        "GPU_ARCH_MISSING", "PTX_JIT", "GPU_TOO_OLD", "UNKNOWN_GPU", "CPU_ONLY_BUILD", "PYTHON_UNSUPPORTED",
        "GLIBC_TOO_OLD", "SHM_TOO_SMALL", "KB_STALE", "MINOR_VERSION_COMPAT"}) {
    EXPECT_TRUE(covered.count(code)) << "no scenario covers " << code;
  }
}

}  // namespace
