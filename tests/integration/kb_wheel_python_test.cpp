// A wheel's own Python list (torch_wheel `python`, wheel_supports_python) decides, not only its
// release's: torch 2.5.0 has cp313 wheels on x86_64 but none on aarch64 (issue 17).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "run_binary.hpp"

using nlohmann::json;
using td::test::run_td;

namespace {

std::vector<std::string> codes_of_cpu_wheel(const std::string& arch, bool& found) {
  found = false;
  const auto r = run_td({"recommend", "--no-probe", "--arch", arch, "--gpu", "none", "--python-version", "3.13",
                         "--torch", "2.5.0", "--all", "--json"});
  const json j = json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
  std::vector<std::string> codes;
  for (const auto& c : j["candidates"]) {
    if (c["torch"] != "2.5.0" || c["variant"] != "cpu") continue;
    bool for_arch = true;  // the candidate built for this platform: no ARCH_MISMATCH
    std::vector<std::string> these;
    for (const auto& reason : c["reasons"]) {
      these.push_back(reason["code"]);
      if (reason["code"] == "ARCH_MISMATCH") for_arch = false;
    }
    if (for_arch) {
      codes = these;
      found = true;
    }
  }
  return codes;
}

}  // namespace

TEST(KbWheelPython, Torch250HasNoCp313WheelForAarch64) {
  bool found = false;
  const auto codes = codes_of_cpu_wheel("aarch64", found);
  ASSERT_TRUE(found);
  EXPECT_NE(std::find(codes.begin(), codes.end(), "PYTHON_UNSUPPORTED"), codes.end());
  const auto r = run_td({"recommend", "--no-probe", "--arch", "aarch64", "--gpu", "none", "--python-version", "3.13",
                         "--torch", "2.5.0", "--json"});
  const json j = json::parse(r.out, nullptr, false);
  EXPECT_TRUE(j["best"]["wheel"].is_null()) << r.out;  // was: torch 2.5.0+cpu, which pip cannot install there
}

TEST(KbWheelPython, Torch250HasACp313WheelForX86) {
  bool found = false;
  const auto codes = codes_of_cpu_wheel("x86_64", found);
  ASSERT_TRUE(found);
  EXPECT_EQ(std::find(codes.begin(), codes.end(), "PYTHON_UNSUPPORTED"), codes.end());
}
