// The torch arch-list scan is cached by the CUDA libraries' identities: a repeated probe reads the
// answer back, and a damaged cache entry is scanned again (issue: probes, cached probe target).
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_binary.hpp"

using nlohmann::json;
using td::test::run_td;
namespace fs = std::filesystem;

namespace {

json arch_list(const td::test::RunResult& r) {
  const json j = json::parse(r.out, nullptr, false);
  if (j.is_discarded() || !j["torch"]["value"].is_array() || j["torch"]["value"].empty()) return nullptr;
  return j["torch"]["value"][0]["arch_list"];
}

}  // namespace

TEST(TorchArchCache, RepeatedProbeReadsTheScanBackAndSurvivesDamage) {
  const std::string python = std::string(TD_SOURCE_DIR) + "/.venv/bin/python";
  if (!fs::exists(python)) GTEST_SKIP() << "no .venv with a CUDA torch (scripts/setup-python.sh makes one)";
  const fs::path cache = fs::path(::testing::TempDir()) / ("td-arch-cache-" + std::to_string(::getpid()));
  fs::remove_all(cache);
  const std::vector<std::string> env{"XDG_CACHE_HOME=" + cache.string()};
  const std::vector<std::string> args{"probe", "--json", "--python", python};
  const json first = arch_list(run_td(args, "", env));
  ASSERT_TRUE(first.is_object() && first["value"].is_array()) << first;
  const fs::path file = cache / "torchdoctor/torch-archs.json";
  ASSERT_TRUE(fs::exists(file));
  json stored = json::parse(std::ifstream(file));
  ASSERT_EQ(stored["answers"].size(), 1U);
  EXPECT_NE(stored["answers"].begin().key().find("libtorch_cuda.so|"), std::string::npos)
      << "keyed on the library's identity";
  const json second = arch_list(run_td(args, "", env));
  EXPECT_EQ(second["value"], first["value"]);
  EXPECT_EQ(second["source"], first["source"]);
  for (auto& [k, v] : stored["answers"].items()) v = "{damaged";
  std::ofstream(file) << stored.dump();
  const json third = arch_list(run_td(args, "", env));
  EXPECT_EQ(third["value"], first["value"]) << "a damaged entry is scanned again";
  // --no-cache scans again and leaves the cache alone.
  fs::remove_all(cache);
  const json fresh = arch_list(run_td({"probe", "--json", "--python", python, "--no-cache"}, "", env));
  EXPECT_EQ(fresh["value"], first["value"]);
  EXPECT_FALSE(fs::exists(file));
  fs::remove_all(cache);
}
