#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "torchdoctor/core/host_json.hpp"

using namespace td;

namespace {

HostFacts sample() {
  HostFacts f;
  f.tool_version = "0.1.0";
  f.hostname = Fact<std::string>::known("gpu-01", "file:/etc/hostname");
  f.os.id = Fact<std::string>::known("ubuntu", "file:/etc/os-release");
  f.cpu.arch = Fact<std::string>::known("x86_64", "uname");
  f.cpu.cores = Fact<std::uint32_t>::known(16, "file:/proc/cpuinfo");
  f.cpu.flags = Fact<std::vector<std::string>>::known({"avx2", "fma"}, "file:/proc/cpuinfo");
  f.cpu.glibc = Fact<Version>::known(*Version::parse("2.35"), "file:/lib/libc.so.6");
  f.cpu.memory_bytes = Fact<std::uint64_t>::known(1ULL << 40U, "file:/proc/meminfo");
  f.driver.version = Fact<Version>::known(*Version::parse("550.54.15"), "file:/sys/module/nvidia/version");
  f.driver.cuda_level = Fact<Version>::unknown("nvml", "needs NVML");
  GpuFacts g;
  g.pci_bus_id = Fact<std::string>::known("0000:01:00.0", "sysfs");
  g.compute_capability = Fact<ComputeCapability>::known(ComputeCapability(8, 9), "nvml");
  g.integrated = Fact<bool>::known(false, "sysfs");
  f.gpus = Fact<std::vector<GpuFacts>>::known({g}, "sysfs");
  TorchInstall t;
  t.version = Fact<Version>::known(*Version::parse("2.6.0+cu124"), "file:torch/version.py");
  t.arch_list = Fact<std::vector<ComputeCapability>>::known({ComputeCapability(8, 0), ComputeCapability(9, 0).as_ptx()},
                                                            "fatbin");
  f.torch = Fact<std::vector<TorchInstall>>::known({t}, "site-packages");
  f.issues.push_back({"cpu", "something odd"});
  return f;
}

}  // namespace

TEST(HostJson, RoundTripsEveryKindOfFact) {
  const HostFacts f = sample();
  const auto j = host_to_json(f);
  EXPECT_EQ(j["schema"], "torchdoctor.host/v1");
  auto back = host_from_json(j);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(host_to_json(*back), j);
  EXPECT_EQ(back->driver.version.value->str(), "550.54.15");
  EXPECT_EQ((*back->torch.value)[0].arch_list.value->at(1).str(), "9.0+PTX");
  EXPECT_EQ(back->issues.size(), 1U);
}

TEST(HostJson, UnknownFactsAreNullWithTheirReason) {
  const auto j = host_to_json(sample());
  EXPECT_TRUE(j["driver"]["cuda_level"]["value"].is_null());
  EXPECT_EQ(j["driver"]["cuda_level"]["note"], "needs NVML");
  EXPECT_TRUE(j["jetson"]["l4t"]["value"].is_null());
}

TEST(HostJson, MissingSectionsAreUnknownNotErrors) {
  auto r = host_from_text(R"({"schema": "torchdoctor.host/v1"})", "snap.json");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->cpu.arch.has_value());
  EXPECT_FALSE(r->gpus.has_value());
}

TEST(HostJson, MalformedJsonNamesTheLine) {
  auto r = host_from_text("{\n  \"schema\": \"torchdoctor.host/v1\",\n  \"cpu\": {,\n}", "snap.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::bad_input);
  EXPECT_NE(r.error().message.find("snap.json:3: malformed JSON"), std::string::npos) << r.error().message;
}

TEST(HostJson, WrongSchemaIsRejected) {
  auto r = host_from_text(R"({"schema": "torchdoctor.host/v2"})", "snap.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("schema: expected \"torchdoctor.host/v1\", got \"torchdoctor.host/v2\""),
            std::string::npos)
      << r.error().message;
  EXPECT_FALSE(host_from_text(R"({"cpu": {}})", "s").ok());
  EXPECT_FALSE(host_from_text("[]", "s").ok());
}

TEST(HostJson, WrongTypesNameTheField) {
  auto r = host_from_text(R"({"schema": "torchdoctor.host/v1", "cpu": {"cores": {"value": "many"}}})", "s");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("cpu.cores.value: expected a non-negative integer"), std::string::npos)
      << r.error().message;
  r = host_from_text(R"({"schema": "torchdoctor.host/v1", "driver": {"version": {"value": "banana"}}})", "s");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("driver.version.value: invalid version 'banana'"), std::string::npos)
      << r.error().message;
  r = host_from_text(
      R"({"schema": "torchdoctor.host/v1", "gpus": {"value": [{"compute_capability": {"value": "sm_8x"}}]}})", "s");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("gpus.value[0].compute_capability.value"), std::string::npos) << r.error().message;
  r = host_from_text(R"({"schema": "torchdoctor.host/v1", "os": []})", "s");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("os: expected an object"), std::string::npos);
}

// Found by fuzz_host_json (tests/fuzz/regressions/host_json-number-overflow): a number too large for
// a double is not a parse_error but an out_of_range, which escaped and aborted.
TEST(HostJson, NumberTooLargeIsMalformedNotACrash) {
  const std::string fuzzed(
      "\x20"
      "111111111e111111n\x8f!!\0\0\0\0\0\0\0c",
      29);
  auto r = host_from_text(fuzzed, "snapshot.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("snapshot.json"), std::string::npos) << r.error().message;
  auto big =
      host_from_text(R"({"schema": "torchdoctor.host/v1", "cpu": {"memory_bytes": {"value": 1e999999}}})", "big.json");
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message.find("malformed JSON"), std::string::npos) << big.error().message;
}

// The reader is one pass in text order; the answer must not depend on where the schema sits.
TEST(HostJson, SyntaxThenSchemaThenFieldWhateverTheOrder) {
  auto r = host_from_text(R"({"cpu": {"cores": {"value": "many"}}, "schema": "torchdoctor.host/v2"})", "s");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "s: schema: expected \"torchdoctor.host/v1\", got \"torchdoctor.host/v2\"");
  r = host_from_text(R"({"cpu": {"cores": {"value": "many"}}, "schema": "torchdoctor.host/v1"})", "s");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "s: cpu.cores.value: expected a non-negative integer");
  r = host_from_text(R"({"cpu": {"cores": {"value": "many"}}, "schema": "torchdoctor.host/v1", "x": [1,]})", "s");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "s:1: malformed JSON (byte 80: expected a value)");
  // The later of two same-named sections wins whole, as in a JSON object.
  r = host_from_text(
      R"({"schema": "torchdoctor.host/v1", "os": {"id": {"value": "a"}, "kernel": {"value": "6.1"}}, "os": {"id": {"value": "b"}}})",
      "s");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r->os.id, "b");
  EXPECT_FALSE(r->os.kernel.has_value());
}

TEST(HostJson, ReadOptionsKeepOnlyWhatIsAskedFor) {
  const std::string text = R"({"schema": "torchdoctor.host/v1", "hostname": {"value": "n1", "source": "uname"},
    "cpu": {"arch": {"value": "x86_64", "source": "uname", "note": "n"}}, "os": {"id": {"value": "debian"}},
    "torch": {"value": [{"version": {"value": "2.6.0"}}]}, "issues": [{"detector": "d", "message": "m"}]})";
  HostReadOptions only;
  only.sections = k_host_hostname | k_host_cpu;
  only.sources = false;
  auto r = host_from_text(text, "s", only);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r->hostname, "n1");
  EXPECT_EQ(*r->cpu.arch, "x86_64");
  EXPECT_TRUE(r->cpu.arch.source.empty());
  EXPECT_TRUE(r->cpu.arch.note.empty());
  EXPECT_FALSE(r->os.id.has_value());
  EXPECT_FALSE(r->torch.has_value());
  EXPECT_TRUE(r->issues.empty());
  auto all = host_from_text(text, "s");
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(all->cpu.arch.source, "uname");
  EXPECT_EQ(all->cpu.arch.note, "n");
  EXPECT_EQ(*all->os.id, "debian");
  ASSERT_TRUE(all->torch.has_value());
  EXPECT_EQ(all->issues.size(), 1U);
  // Skipped sections are still checked for syntax, not for shape.
  EXPECT_TRUE(host_from_text(R"({"schema": "torchdoctor.host/v1", "os": 7})", "s", only));
  EXPECT_FALSE(host_from_text(R"({"schema": "torchdoctor.host/v1", "os": [7,]})", "s", only));
}
