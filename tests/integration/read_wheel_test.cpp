// scripts/read-torch-wheel.sh on the real torch wheel that scripts/setup-python.sh caches, and what
// it reads held against the knowledge base's record of that wheel: the KB keeps the facts of the
// artifact users install.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "torchdoctor/core/strings.hpp"

#include "run_binary.hpp"

using td::test::capture;
using td::test::run_td;
namespace fs = std::filesystem;

namespace {

// The CUDA torch wheel in setup-python's cache, or "" when there is none.
std::string cached_torch_wheel() {
  const char* home = std::getenv("HOME");
  if (home == nullptr) return {};
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(home) / ".cache/torchdoctor-ci/wheels", ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("torch-", 0) == 0 && name.ends_with("x86_64.whl")) return e.path().string();
  }
  return {};
}

}  // namespace

TEST(ReadTorchWheel, ReadsTheCachedWheelAndTheKbAgrees) {
  if (const char* emu = std::getenv("TD_EMULATOR"); emu != nullptr && *emu != '\0') {
    GTEST_SKIP() << "the script runs the binary directly, which is another architecture here";
  }
  if (capture("command -v unzip").empty()) GTEST_SKIP() << "unzip is not installed (scripts/test.sh installs it)";
  const std::string wheel = cached_torch_wheel();
  if (wheel.empty()) GTEST_SKIP() << "no torch wheel in ~/.cache/torchdoctor-ci/wheels: run scripts/setup-python.sh";

  const std::string out = capture("TORCHDOCTOR='" + std::string(TD_BINARY) + "' '" + std::string(TD_SOURCE_DIR) +
                                  "/scripts/read-torch-wheel.sh' '" + wheel + "' 2>&1");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(torch ([0-9.]+)\+(cu[0-9]+), CUDA ([0-9.]+))"))) << out;
  const std::string version = m[1];
  const std::string variant = m[2];
  const std::string cuda = m[3];
  std::smatch a;
  ASSERT_TRUE(std::regex_search(out, a, std::regex(R"(arch list: ([0-9a-zA-Z+. ]+)\n)"))) << out;
  const std::string arch = a[1];

  const auto shown = run_td({"kb", "show", "wheels", "--json"});
  ASSERT_EQ(shown.code, 0) << shown.err;
  const auto rows = nlohmann::json::parse(shown.out)["rows"];
  bool found = false;
  for (const auto& row : rows) {
    if (row["torch"] != version || row["variant"] != variant || row["index"] != "pypi") continue;
    if (row["platforms"].get<std::string>().find("linux-x86_64") == std::string::npos) continue;
    found = true;
    EXPECT_EQ(row["cuda"], cuda);
    // The KB lists SASS and PTX apart ("9.0" and "9.0"); the reader writes PTX as "9.0+PTX".
    std::set<std::string> kb;
    for (const auto& t : td::split(row["sass"].get<std::string>(), ' '))
      if (!t.empty()) kb.insert(t);
    for (const auto& t : td::split(row["ptx"].get<std::string>(), ' '))
      if (!t.empty()) kb.insert(t + "+PTX");
    std::set<std::string> read;
    for (const auto& t : td::split(arch, ' '))
      if (!t.empty()) read.insert(t);
    EXPECT_EQ(kb, read) << "torch " << version << "+" << variant
                        << ": the knowledge base and the wheel disagree on its architectures (" << arch
                        << " in the wheel)";
  }
  EXPECT_TRUE(found) << "the knowledge base has no PyPI linux-x86_64 record of torch " << version << "+" << variant;
}
