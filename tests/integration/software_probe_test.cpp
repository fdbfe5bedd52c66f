// The toolkit and Python/torch probes through the real binary: fixture roots, a hanging
// interpreter, bad options, and the real venv torch when scripts/setup-python.sh installed it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_binary.hpp"
#include "torchdoctor/probe/probe.hpp"

using nlohmann::json;
using td::test::fixture_root;
using td::test::run_td;

namespace {

json probe_json(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
  std::vector<std::string> all{"probe", "--json"};
  all.insert(all.end(), args.begin(), args.end());
  const auto r = run_td(all, {}, env);
  EXPECT_EQ(r.code, 0) << r.err;
  auto doc = json::parse(r.out, nullptr, false);
  EXPECT_FALSE(doc.is_discarded()) << r.out;
  return doc;
}

std::string issues_of(const json& doc) {
  std::string out;
  for (const auto& i : doc["issues"])
    out += i["detector"].get<std::string>() + ": " + i["message"].get<std::string>() + "\n";
  return out;
}

const json* toolkit_at(const json& doc, const std::string& path) {
  for (const auto& t : doc["toolkits"]["toolkits"]["value"]) {
    if (t["path"] == path) return &t;
  }
  return nullptr;
}

}  // namespace

TEST(ToolkitRoot, VersionJsonAndASymlinkedCuda) {
  const auto doc = probe_json({"--root", fixture_root("toolkit-version-json")});
  ASSERT_EQ(doc["toolkits"]["toolkits"]["value"].size(), 1U) << doc["toolkits"].dump(2);
  const json* t = toolkit_at(doc, "/usr/local/cuda-12.4");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ((*t)["version"]["value"], "12.4.131");
  EXPECT_EQ((*t)["found_by"], json({"/usr/local/cuda", "/usr/local/cuda-12.4"}));
  EXPECT_EQ((*t)["nvcc"]["value"], "/usr/local/cuda-12.4/bin/nvcc");
  EXPECT_EQ(doc["toolkits"]["build_toolkit"]["value"], "/usr/local/cuda-12.4");
  ASSERT_EQ(doc["toolkits"]["libraries"]["value"].size(), 1U);
  EXPECT_EQ(doc["toolkits"]["libraries"]["value"][0]["name"], "cudnn");
  EXPECT_EQ(doc["toolkits"]["libraries"]["value"][0]["version"]["value"], "9.1.0");
}

TEST(ToolkitRoot, VersionTxtAndLibraryNames) {
  const auto doc = probe_json({"--root", fixture_root("toolkit-version-txt")});
  const json* t = toolkit_at(doc, "/usr/local/cuda-10.2");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ((*t)["version"]["value"], "10.2.89");
  EXPECT_EQ((*t)["version"]["source"], "file:/usr/local/cuda-10.2/version.txt");
  std::vector<std::string> libs;
  for (const auto& l : doc["toolkits"]["libraries"]["value"])
    libs.push_back(l["name"].get<std::string>() + " " + l["version"]["value"].get<std::string>());
  EXPECT_EQ(libs, (std::vector<std::string>{"nccl 2.8.4", "tensorrt 7.2.3"}));
  const auto text = run_td({"probe", "--root", fixture_root("toolkit-version-txt")});
  EXPECT_NE(text.out.find("10.2.89 at /usr/local/cuda-10.2"), std::string::npos) << text.out;
}

TEST(ToolkitRoot, CudaHomeVersusPathNvccOnAFixtureTree) {
  // --root probes do not read our environment, so this runs the detector with one.
  const auto fs = td::make_real_file_system(fixture_root("toolkit-home-mismatch"));
  td::MapEnv env;
  env.set("CUDA_HOME", "/usr/local/cuda-11.8").set("PATH", "/usr/local/cuda-12.1/bin:/usr/bin");
  td::HostFacts f;
  td::detect_toolkits(td::ProbeContext{*fs, env}, f);
  ASSERT_EQ(f.toolkits.toolkits.value->size(), 2U);
  ASSERT_EQ(f.issues.size(), 1U);
  EXPECT_EQ(f.issues[0].detector, "toolkit");
  EXPECT_EQ(f.issues[0].message,
            "CUDA_HOME is /usr/local/cuda-11.8 (11.8.89) but nvcc on PATH is /usr/local/cuda-12.1 (12.1.105): "
            "torch extensions build with CUDA_HOME's, other builds with PATH's");
  EXPECT_EQ(*f.toolkits.build_toolkit.value, "/usr/local/cuda-11.8");
}

TEST(PythonRoot, CondaEnvWithTorchAndNvcc) {
  const auto doc = probe_json({"--root", fixture_root("conda-env")});
  const json* t = toolkit_at(doc, "/opt/conda");
  ASSERT_NE(t, nullptr) << doc["toolkits"].dump(2);
  EXPECT_EQ((*t)["version"]["value"], "12.1.105");
  ASSERT_EQ(doc["pythons"]["value"].size(), 1U);
  EXPECT_EQ(doc["pythons"]["value"][0]["kind"], "conda");
  EXPECT_EQ(doc["pythons"]["value"][0]["version"]["value"], "3.11");
  EXPECT_EQ(doc["python_version"]["value"], "3.11");
  ASSERT_EQ(doc["torch"]["value"].size(), 1U);
  const json& torch = doc["torch"]["value"][0];
  EXPECT_EQ(torch["version"]["value"], "2.3.1");
  EXPECT_EQ(torch["cuda"]["value"], "12.1");
  EXPECT_EQ(torch["git_version"]["value"], "63d5e9221bedd1546b7d364b5ce4171547db12a9");
  EXPECT_TRUE(torch["hip"]["value"].is_null());
  EXPECT_EQ(torch["nvidia_packages"]["value"],
            json::parse(R"([{"name": "nvidia-cuda-runtime-cu12", "version": "12.1.105"}])"));
  EXPECT_TRUE(torch["arch_list"]["value"].is_null());
  EXPECT_NE(torch["arch_list"]["note"].get<std::string>().find("arch list unknown: no libtorch_cuda.so"),
            std::string::npos);
}

TEST(PythonRoot, VenvTorchWithADamagedLibtorchCuda) {
  const auto doc = probe_json({"--root", fixture_root("venv-fake-torch"), "--python", "/home/user/venv/bin/python"});
  ASSERT_EQ(doc["torch"]["value"].size(), 1U) << doc["torch"].dump(2);
  const json& torch = doc["torch"]["value"][0];
  EXPECT_EQ(torch["version"]["value"], "2.5.1+cu124");
  EXPECT_EQ(torch["python_version"]["value"], "3.12.3");
  EXPECT_TRUE(torch["arch_list"]["value"].is_null());
  EXPECT_NE(torch["arch_list"]["note"].get<std::string>().find("not an ELF file"), std::string::npos)
      << torch["arch_list"].dump();
  EXPECT_NE(issues_of(doc).find("arch list unknown"), std::string::npos) << issues_of(doc);
  const auto text =
      run_td({"probe", "--root", fixture_root("venv-fake-torch"), "--python", "/home/user/venv/bin/python"});
  EXPECT_NE(text.out.find("2.5.1+cu124, CUDA 12.4"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("cublas-cu12 12.4.5.8"), std::string::npos) << text.out;
}

TEST(PythonLive, AHangingInterpreterIsKilledAtTheTimeout) {
  const auto dir = std::filesystem::temp_directory_path() / ("td-hang-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "bin");
  const auto python = dir / "bin" / "python3";
  { std::ofstream(python) << "#!/bin/sh\nsleep 60\n"; }
  std::filesystem::permissions(python, std::filesystem::perms::owner_all);
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_td({"probe", "--json", "--python", python.string(), "--timeout", "1"});
  const auto took = std::chrono::steady_clock::now() - start;
  std::filesystem::remove_all(dir);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto doc = json::parse(r.out);
  EXPECT_NE(issues_of(doc).find(python.string() + ": did not answer in 1.0 s"), std::string::npos) << issues_of(doc);
  EXPECT_TRUE(doc["pythons"]["value"][0]["version"]["value"].is_null());
  // Killed at the limit, not after the script's 60 s.
  EXPECT_LT(std::chrono::duration_cast<std::chrono::seconds>(took).count(), 30);
}

TEST(PythonLive, BadTimeoutIsAUsageError) {
  for (const char* bad : {"0", "-1", "soon", "1e9"}) {
    const auto r = run_td({"probe", "--no-probe", "--timeout", bad});
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_NE(r.err.find("--timeout"), std::string::npos) << r.err;
  }
}

TEST(PythonLive, RealVenvTorchArchListFromTheBinary) {
  const std::string venv = std::string(TD_SOURCE_DIR) + "/.venv";
  if (!std::filesystem::exists(venv + "/bin/python")) GTEST_SKIP() << "no " << venv << ": run scripts/setup-python.sh";
  const auto doc = probe_json({"--python", venv + "/bin/python"});
  const json* found = nullptr;
  for (const auto& t : doc["torch"]["value"]) {
    if (t["python"]["value"] == venv + "/bin/python") found = &t;
  }
  ASSERT_NE(found, nullptr) << doc["torch"].dump(2);
  EXPECT_EQ((*found)["version"]["value"], "2.6.0+cu124");
  EXPECT_EQ((*found)["cuda"]["value"], "12.4");
  EXPECT_EQ((*found)["arch_list"]["value"], json({"5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0"}));
  EXPECT_NE((*found)["arch_list"]["source"].get<std::string>().find("libtorch_cuda.so"), std::string::npos);
  EXPECT_GE((*found)["nvidia_packages"]["value"].size(), 10U);
}
