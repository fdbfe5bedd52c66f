// `torchdoctor verify`: the native suite's control flow against the fake libcuda (whose launches
// run CPU twins of our kernels), and the torch suite for real with the CPU-only machine's torches.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_binary.hpp"

namespace {

using nlohmann::json;
using td::test::run_td;
namespace fs = std::filesystem;

const std::string k_fakes = TD_FAKES_DIR;
const std::string k_venv = std::string(TD_SOURCE_DIR) + "/.venv";

// Whether the loader finds `soname`. The library stays loaded: libnvrtc keeps a static C++
// runtime whose emergency pool LeakSanitizer reports as leaked once the library is unloaded.
bool loadable(const char* soname) { return ::dlopen(soname, RTLD_LAZY | RTLD_LOCAL) != nullptr; }

class Verify : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "td-verify-XXXXXX").string();
    m_dir = ::mkdtemp(tmpl.data());
  }
  void TearDown() override { fs::remove_all(m_dir); }

  // The fake's configuration: one RTX 4090 and `libcuda` settings.
  [[nodiscard]] std::vector<std::string> fake(const json& libcuda = json::object()) const {
    json cfg = json::parse(R"({"driver": "550.54.15", "cuda": "12.4", "gpus": [{"name": "NVIDIA GeForce RTX 4090",
        "uuid": "GPU-0123abcd-4567-89ab-cdef-0123456789ab", "bus_id": "00000000:01:00.0", "cc": "8.9", "memory": 25757220864}]})");
    cfg["libcuda"] = libcuda;
    std::ofstream(m_dir + "/gpu.json") << cfg.dump();
    return {"TD_FAKE_GPU_CONFIG=" + m_dir + "/gpu.json", "LD_LIBRARY_PATH=" + k_fakes + "/cuda",
            "XDG_CACHE_HOME=" + m_dir};
  }

  static json verify(const std::vector<std::string>& args, const std::vector<std::string>& env, int want) {
    std::vector<std::string> a{"verify", "--json"};
    a.insert(a.end(), args.begin(), args.end());
    auto r = run_td(a, {}, env);
    EXPECT_EQ(r.code, want) << r.out << r.err;
    auto doc = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << r.out << r.err;
    return doc;
  }

  static json check(const json& doc, const std::string& name) {
    for (const auto& c : doc["checks"]) {
      if (c["name"] == name) return c;
    }
    ADD_FAILURE() << "no check " << name << " in " << doc.dump(2);
    return json::object();
  }

  std::string m_dir;
};

TEST_F(Verify, NativeSuitePassesEveryCheckAgainstTheFake) {
  auto doc = verify({"--suite", "native"}, fake(), 0);
  EXPECT_EQ(doc["schema"], "torchdoctor.verify/v1");
  for (const char* name : {"init", "context", "load_kernels", "vector_add", "sgemm_tiled", "positional_encoding",
                           "h2d_bandwidth", "d2h_bandwidth", "d2d_bandwidth"}) {
    EXPECT_EQ(check(doc, name)["status"], "pass") << name << ": " << check(doc, name).dump();
  }
  EXPECT_EQ(doc["summary"]["pass"], 9);
  EXPECT_EQ(check(doc, "vector_add")["device"], "0: NVIDIA GeForce RTX 4090 (sm_89)");
  EXPECT_GT(check(doc, "h2d_bandwidth")["value"].get<double>(), 0.0);
  EXPECT_EQ(check(doc, "h2d_bandwidth")["unit"], "GB/s");
}

TEST_F(Verify, WrongResultsFailEachKernelCheckWithTheDifference) {
  auto doc = verify({"--suite", "native"}, fake({{"kernels", "wrong"}}), 1);
  for (const char* name : {"vector_add", "sgemm_tiled", "positional_encoding"}) {
    EXPECT_EQ(check(doc, name)["status"], "fail") << name;
    EXPECT_NE(check(doc, name)["detail"].get<std::string>().find("largest difference from the CPU reference 1 at 1"),
              std::string::npos);
  }
  EXPECT_EQ(check(doc, "d2d_bandwidth")["status"], "pass");  // the suite goes on
}

TEST_F(Verify, AHangingLaunchIsKilledAtTheTimeout) {
  const auto t0 = std::chrono::steady_clock::now();
  auto doc = verify({"--suite", "native", "--timeout", "1"}, fake({{"kernels", "hang"}}), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  EXPECT_NE(check(doc, "suite")["detail"].get<std::string>().find("did not finish in 1 s"), std::string::npos);
}

TEST_F(Verify, ACrashInTheDriverIsContained) {
  auto doc = verify({"--suite", "native"}, fake({{"kernels", "crash"}}), 1);
  EXPECT_NE(check(doc, "suite")["detail"].get<std::string>().find("signal 11"), std::string::npos) << doc.dump(2);
}

TEST_F(Verify, AModuleWithoutCodeForTheGpuIsExplained) {
  auto doc = verify({"--suite", "native"}, fake({{"errors", {{"cuModuleLoadData", 209}}}}), 1);
  const auto c = check(doc, "load_kernels");
  EXPECT_EQ(c["status"], "fail");
  EXPECT_NE(c["detail"].get<std::string>().find("CUDA_ERROR_NO_BINARY_FOR_GPU"), std::string::npos) << c.dump();
  EXPECT_NE(c["detail"].get<std::string>().find("no code this GPU can run"), std::string::npos) << c.dump();
  EXPECT_EQ(check(doc, "h2d_bandwidth")["status"], "pass");
}

TEST_F(Verify, NvrtcCompilesTheEmbeddedSource) {
  if (!loadable("libnvrtc.so") && !loadable("libnvrtc.so.13") && !loadable("libnvrtc.so.12")) {
    GTEST_SKIP() << "no libnvrtc on the loader path: the NVRTC path cannot run here";
  }
  auto doc = verify({"--suite", "native", "--nvrtc"}, fake(), 0);
  EXPECT_NE(check(doc, "load_kernels")["detail"].get<std::string>().find("PTX from NVRTC"), std::string::npos);
  EXPECT_EQ(check(doc, "positional_encoding")["status"], "pass");
}

TEST_F(Verify, NoDriverSkipsTheNativeSuiteWithTheReason) {
  if (loadable("libcuda.so.1")) GTEST_SKIP() << "this machine has a libcuda.so.1: the no-driver case cannot be staged";
  auto doc = verify({"--suite", "native"}, {"XDG_CACHE_HOME=" + m_dir}, 0);
  EXPECT_EQ(check(doc, "init")["status"], "skip");
  EXPECT_NE(check(doc, "init")["detail"].get<std::string>().find("no NVIDIA driver library"), std::string::npos);
}

TEST_F(Verify, TorchSuiteRunsForRealOnTheCudaWheelWithoutAGpu) {
  if (!fs::exists(k_venv + "/bin/python")) GTEST_SKIP() << "no " << k_venv << ": run scripts/setup-python.sh";
  const fs::path tmp = fs::path(m_dir) / "tmp";
  fs::create_directory(tmp);
  auto r = run_td({"verify", "--json", "--suite", "torch", "--python", k_venv + "/bin/python"}, {},
                  {"XDG_CACHE_HOME=" + m_dir, "TMPDIR=" + tmp.string()});
  auto doc = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << r.out << r.err;
  // torch's temporary folders and torch.compile's cache went into a folder of the run's own, now gone.
  EXPECT_TRUE(fs::is_empty(tmp)) << fs::directory_iterator(tmp)->path();
  EXPECT_EQ(check(doc, "import")["status"], "pass");
  const bool gpu = check(doc, "cuda_available")["status"] == "pass";
  if (!gpu) {
    EXPECT_EQ(check(doc, "cuda_available")["status"], "skip") << "no GPU here, and the suite says why";
    EXPECT_EQ(check(doc, "matmul_gpu_vs_cpu")["status"], "skip");
  }
  for (const char* name :
       {"pe_in_state_dict_and_round_trips", "pe_forward_on_device", "pe_longer_than_max_len_fails_clearly",
        "compile_matches_eager", "amp_bf16_matmul", "scaled_dot_product_attention", "dataloader_shm"}) {
    EXPECT_EQ(check(doc, name)["status"], "pass") << name << ": " << check(doc, name).dump();
  }
  EXPECT_NE(check(doc, "compile_matches_eager")["detail"].get<std::string>().find("lengths 7,13,32"),
            std::string::npos);
  EXPECT_EQ(r.code, doc["summary"]["fail"] == 0 ? 0 : 1);
}

TEST_F(Verify, DebiansCpuOnlyTorchSaysWhyAndSkipsWhatNeedsNewerTorch) {
  if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
  auto probe = run_td({"verify", "--json", "--suite", "torch", "--python", "/usr/bin/python3", "--no-compile"}, {},
                      {"XDG_CACHE_HOME=" + m_dir});
  auto doc = json::parse(probe.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << probe.out << probe.err;
  if (check(doc, "import")["status"] != "pass")
    GTEST_SKIP() << "Debian's python3-torch is not installed: " << check(doc, "import")["detail"];
  EXPECT_EQ(check(doc, "cuda_available")["status"], "skip");
  EXPECT_NE(check(doc, "cuda_available")["detail"].get<std::string>().find("CPU-only build"), std::string::npos);
  const std::string version = check(doc, "import")["detail"].get<std::string>();
  if (version.rfind("torch 1.", 0) == 0) {
    EXPECT_EQ(check(doc, "scaled_dot_product_attention")["status"], "skip");
    auto full = verify({"--suite", "torch", "--python", "/usr/bin/python3"}, {"XDG_CACHE_HOME=" + m_dir}, 0);
    EXPECT_NE(check(full, "compile_matches_eager")["detail"].get<std::string>().find("needs torch 2.0"),
              std::string::npos);
  }
}

TEST_F(Verify, APythonThatHangsIsKilledAtTheTimeout) {
  const std::string py = m_dir + "/python";
  std::ofstream(py) << "#!/bin/sh\nexec sleep 100\n";
  fs::permissions(py, fs::perms::owner_all);
  const auto t0 = std::chrono::steady_clock::now();
  auto doc = verify({"--suite", "torch", "--python", py, "--timeout", "1"}, {}, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(4));
  EXPECT_NE(check(doc, "suite")["detail"].get<std::string>().find("did not finish in 1 s"), std::string::npos)
      << doc.dump(2);
}

TEST_F(Verify, BadOptionsAreUsageErrors) {
  EXPECT_EQ(run_td({"verify", "--suite", "gpu"}).code, 2);
  EXPECT_EQ(run_td({"verify", "--timeout", "soon"}).code, 2);
}

}  // namespace
