// The real binary against the fake GPU libraries, chosen with LD_LIBRARY_PATH and PATH as a user's
// machine would: facts, the NVML -> libcuda -> nvidia-smi fallbacks, hangs, crashes, the cache and
// CUDA_VISIBLE_DEVICES.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_binary.hpp"

using nlohmann::json;
using td::test::run_td;

namespace {

const std::string k_fakes = TD_FAKES_DIR;

// True when the loader finds a real `soname` without our fakes: then "missing" cannot be staged.
bool system_has(const char* soname) {
  void* h = ::dlopen(soname, RTLD_LAZY | RTLD_LOCAL);
  if (h != nullptr) ::dlclose(h);
  return h != nullptr;
}

class GpuProbe : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "td-gpuprobe-XXXXXX").string();
    m_dir = ::mkdtemp(tmpl.data());
    config(base_config());
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }

  static json base_config() {
    return json::parse(R"({
      "driver": "550.54.15", "cuda": "12.4",
      "gpus": [
        {"name": "NVIDIA GeForce RTX 4090", "uuid": "GPU-0123abcd-4567-89ab-cdef-0123456789ab",
         "bus_id": "00000000:01:00.0", "cc": "8.9", "memory": 25757220864},
        {"name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-fedcba98-7654-3210-fedc-ba9876543210",
         "bus_id": "00000000:41:00.0", "cc": "9.0", "memory": 85520809984, "mig": "enabled"}]})");
  }
  void config(const json& doc) const { std::ofstream(m_dir + "/gpu.json") << doc.dump(); }

  // The environment for a run: which fake folders are on the library path, plus `extra`.
  [[nodiscard]] std::vector<std::string> env(const std::string& lib_path, std::vector<std::string> extra = {}) const {
    std::vector<std::string> e{"TD_FAKE_GPU_CONFIG=" + m_dir + "/gpu.json", "XDG_CACHE_HOME=" + m_dir + "/cache"};
    if (!lib_path.empty()) e.push_back("LD_LIBRARY_PATH=" + lib_path);
    e.insert(e.end(), extra.begin(), extra.end());
    return e;
  }
  [[nodiscard]] std::string both() const { return k_fakes + "/nvml:" + k_fakes + "/cuda"; }

  // Runs `probe --json` and parses it.
  static json probe(const std::vector<std::string>& environment, std::vector<std::string> args = {}) {
    args.insert(args.begin(), {"probe", "--json"});
    auto r = run_td(args, {}, environment);
    EXPECT_EQ(r.code, 0) << r.err;
    auto doc = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << r.out;
    return doc;
  }
  static std::string issues(const json& doc) {
    std::string out;
    for (const auto& i : doc["issues"])
      out += i["detector"].get<std::string>() + ": " + i["message"].get<std::string>() + "\n";
    return out;
  }
  // The GPU entry at `bus`, or null.
  static json gpu_at(const json& doc, const std::string& bus) {
    for (const auto& g : doc["gpus"]["value"]) {
      if (g["pci_bus_id"]["value"] == bus) return g;
    }
    return nullptr;
  }

  std::string m_dir;
};

}  // namespace

TEST_F(GpuProbe, NvmlAnswersEveryFact) {
  auto doc = probe(env(both()));
  EXPECT_EQ(doc["driver"]["cuda_level"]["value"], "12.4");
  EXPECT_EQ(doc["driver"]["cuda_level"]["source"], "nvml");
  EXPECT_EQ(doc["gpu_probe"]["answered_by"]["value"], "nvml");
  EXPECT_EQ(doc["gpu_probe"]["nvml_library"]["value"], k_fakes + "/nvml/libnvidia-ml.so.1");
  EXPECT_EQ(doc["gpu_probe"]["libcuda_library"]["value"], k_fakes + "/cuda/libcuda.so.1");
  EXPECT_EQ(doc["gpu_probe"]["libcuda_forward_compat"]["value"], false);
  auto h100 = gpu_at(doc, "0000:41:00.0");
  ASSERT_FALSE(h100.is_null()) << doc["gpus"].dump();
  EXPECT_EQ(h100["compute_capability"]["value"], "9.0");
  EXPECT_EQ(h100["compute_capability"]["source"], "nvml");
  EXPECT_EQ(h100["name"]["value"], "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(h100["uuid"]["value"], "GPU-fedcba98-7654-3210-fedc-ba9876543210");
  EXPECT_EQ(h100["memory_bytes"]["value"], 85520809984ULL);
  EXPECT_EQ(h100["mig_mode"]["value"], "enabled");
  if (!doc["driver"]["version"]["value"].is_null() && doc["driver"]["version"]["source"] != "nvml") {
    GTEST_SKIP() << "this machine has an NVIDIA kernel module; the fake's driver version is not the one shown";
  }
  EXPECT_EQ(doc["driver"]["version"]["value"], "550.54.15");
  EXPECT_TRUE(issues(doc).empty()) << issues(doc);
}

TEST_F(GpuProbe, TextReportShowsTheLibrariesAndTheCache) {
  auto r = run_td({"probe"}, {}, env(both()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("compute capability 9.0, 79.6 GiB, MIG enabled"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("GPU libraries answered    nvml"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Probe cache               miss"), std::string::npos) << r.out;
}

TEST_F(GpuProbe, WithoutNvmlLibcudaAnswers) {
  if (system_has("libnvidia-ml.so.1"))
    GTEST_SKIP() << "a real libnvidia-ml.so.1 is installed; NVML cannot be made missing";
  auto doc = probe(env(k_fakes + "/cuda"));
  EXPECT_EQ(doc["gpu_probe"]["answered_by"]["value"], "libcuda");
  EXPECT_EQ(doc["driver"]["cuda_level"]["value"], "12.4");
  EXPECT_EQ(doc["driver"]["cuda_level"]["source"], "libcuda");
  EXPECT_NE(doc["gpu_probe"]["nvml_library"]["note"].get<std::string>().find("libnvidia-ml.so.1"), std::string::npos);
  auto rtx = gpu_at(doc, "0000:01:00.0");
  ASSERT_FALSE(rtx.is_null()) << doc["gpus"].dump();
  EXPECT_EQ(rtx["compute_capability"]["value"], "8.9");
  EXPECT_EQ(rtx["compute_capability"]["source"], "libcuda");
  EXPECT_TRUE(rtx["mig_mode"]["value"].is_null());  // libcuda cannot tell
}

TEST_F(GpuProbe, WithoutBothLibrariesNvidiaSmiIsTheLastResort) {
  if (system_has("libnvidia-ml.so.1") || system_has("libcuda.so.1")) {
    GTEST_SKIP() << "real NVIDIA libraries are installed; they cannot be made missing";
  }
  std::ofstream(m_dir + "/smi.csv")
      << "550.54.15, NVIDIA A100-SXM4-80GB, GPU-aa, 00000000:81:00.0, 8.0, 81920, Disabled\n";
  const std::string log = m_dir + "/smi.log";
  auto doc = probe(env("", {"PATH=" + k_fakes + "/bin:/usr/bin:/bin", "TD_FAKE_SMI_CSV=" + m_dir + "/smi.csv",
                            "TD_FAKE_SMI_LOG=" + log}));
  EXPECT_EQ(doc["gpu_probe"]["answered_by"]["value"], "nvidia-smi");
  auto a100 = gpu_at(doc, "0000:81:00.0");
  ASSERT_FALSE(a100.is_null()) << doc["gpus"].dump();
  EXPECT_EQ(a100["compute_capability"]["value"], "8.0");
  EXPECT_EQ(a100["compute_capability"]["source"], "nvidia-smi");
  EXPECT_EQ(a100["memory_bytes"]["value"], 81920ULL << 20U);
  EXPECT_TRUE(doc["driver"]["cuda_level"]["value"].is_null());  // nvidia-smi's CSV cannot tell
  EXPECT_TRUE(std::filesystem::exists(log));
}

TEST_F(GpuProbe, NvidiaSmiIsNotRunWhenALibraryAnswered) {
  const std::string log = m_dir + "/smi.log";
  auto doc = probe(env(both(), {"PATH=" + k_fakes + "/bin:/usr/bin:/bin", "TD_FAKE_SMI_LOG=" + log}));
  EXPECT_EQ(doc["gpu_probe"]["answered_by"]["value"], "nvml");
  EXPECT_FALSE(std::filesystem::exists(log));
}

TEST_F(GpuProbe, NothingAnswersAndTheReasonsAreGiven) {
  if (system_has("libnvidia-ml.so.1") || system_has("libcuda.so.1")) {
    GTEST_SKIP() << "real NVIDIA libraries are installed; they cannot be made missing";
  }
  auto doc = probe(env("", {"PATH=" + k_fakes + "/bin:/usr/bin:/bin", "TD_FAKE_SMI_MODE=fail"}));
  EXPECT_TRUE(doc["driver"]["cuda_level"]["value"].is_null());
  const std::string note = doc["driver"]["cuda_level"]["note"];
  EXPECT_NE(note.find("libnvidia-ml: not found"), std::string::npos) << note;
  EXPECT_NE(note.find("libcuda: not found"), std::string::npos) << note;
  EXPECT_NE(note.find("nvidia-smi exited with status 9: NVIDIA-SMI has failed"), std::string::npos) << note;
  EXPECT_TRUE(doc["gpu_probe"]["answered_by"]["value"].is_null());
}

TEST_F(GpuProbe, AHungNvmlReturnsWithinTheTimeoutPlusASecond) {
  auto cfg = base_config();
  cfg["nvml"]["mode"] = "hang";
  config(cfg);
  const auto start = std::chrono::steady_clock::now();
  auto doc = probe(env(both()), {"--gpu-timeout", "1"});
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(2));
  EXPECT_NE(issues(doc).find("gpu_libs: NVML did not answer in 1 s"), std::string::npos) << issues(doc);
  EXPECT_EQ(doc["gpu_probe"]["answered_by"]["value"], "libcuda");  // the report goes on
  EXPECT_EQ(doc["driver"]["cuda_level"]["value"], "12.4");
}

TEST_F(GpuProbe, ACrashingLibcudaIsContained) {
  auto cfg = base_config();
  cfg["libcuda"]["mode"] = "crash";
  config(cfg);
  auto doc = probe(env(both()));
  EXPECT_NE(issues(doc).find("gpu_libs: libcuda crashed (signal 11"), std::string::npos) << issues(doc);
  EXPECT_EQ(doc["gpu_probe"]["answered_by"]["value"], "nvml");
  EXPECT_EQ(gpu_at(doc, "0000:01:00.0")["compute_capability"]["value"], "8.9");
}

TEST_F(GpuProbe, CacheHitMissCorruptionAndNoCache) {
  EXPECT_EQ(probe(env(both()))["gpu_probe"]["cache"]["value"], "miss");
  auto cfg = base_config();
  cfg["cuda"] = "12.8";
  config(cfg);  // the driver "changed" without a reboot or module change: the cache still answers
  auto hit = probe(env(both()));
  EXPECT_EQ(hit["gpu_probe"]["cache"]["value"], "hit");
  EXPECT_EQ(hit["driver"]["cuda_level"]["value"], "12.4");
  EXPECT_EQ(hit["gpu_probe"]["cache"]["source"], "file:" + m_dir + "/cache/torchdoctor/gpu-probe.json");
  auto fresh = probe(env(both()), {"--no-cache"});
  EXPECT_EQ(fresh["gpu_probe"]["cache"]["value"], "disabled");
  EXPECT_EQ(fresh["driver"]["cuda_level"]["value"], "12.8");
  std::ofstream(m_dir + "/cache/torchdoctor/gpu-probe.json") << "{\"schema\": 3";
  auto corrupt = probe(env(both()));
  EXPECT_EQ(corrupt["gpu_probe"]["cache"]["value"], "corrupt");
  EXPECT_EQ(corrupt["driver"]["cuda_level"]["value"], "12.8");
  EXPECT_EQ(probe(env(both()))["gpu_probe"]["cache"]["value"], "hit");
  // Another library path is another answer.
  EXPECT_EQ(probe(env(k_fakes + "/cuda:" + k_fakes + "/nvml"))["gpu_probe"]["cache"]["value"], "miss");
}

TEST_F(GpuProbe, AHangIsNotCached) {
  auto cfg = base_config();
  cfg["libcuda"]["mode"] = "hang";
  config(cfg);
  auto first = probe(env(both()), {"--gpu-timeout", "0.3"});
  EXPECT_NE(first["gpu_probe"]["cache"]["note"].get<std::string>().find("not written"), std::string::npos);
  config(base_config());
  auto second = probe(env(both()), {"--gpu-timeout", "0.3"});
  EXPECT_EQ(second["gpu_probe"]["cache"]["value"], "miss");
  // Not the hang again (on a machine with a real NVIDIA module, the fake's driver version also
  // differs from the kernel module's, which is reported and is not what this test is about).
  EXPECT_EQ(issues(second).find("did not answer"), std::string::npos) << issues(second);
  EXPECT_EQ(second["gpu_probe"]["answered_by"]["value"], "nvml");
}

TEST_F(GpuProbe, CudaVisibleDevicesAndItsEffect) {
  auto doc = probe(env(both(), {"CUDA_VISIBLE_DEVICES=1"}));
  EXPECT_EQ(doc["gpu_probe"]["cuda_visible_devices"]["value"], "1");
  EXPECT_EQ(doc["gpu_probe"]["cuda_visible_devices"]["note"], "CUDA sees 1 of 2 GPUs");
  EXPECT_EQ(doc["gpu_probe"]["cuda_device_count"]["value"], 1);
  std::size_t from_nvml = 0;  // NVML still lists both (a real GPU on the PCI bus may add itself)
  for (const auto& g : doc["gpus"]["value"]) from_nvml += g["name"]["source"] == "nvml" ? 1U : 0U;
  EXPECT_EQ(from_nvml, 2U) << doc["gpus"].dump(2);
  auto hidden = probe(env(both(), {"CUDA_VISIBLE_DEVICES="}));
  EXPECT_EQ(hidden["gpu_probe"]["cuda_visible_devices"]["note"], "set but empty: CUDA sees no GPU");
  EXPECT_EQ(hidden["gpu_probe"]["cuda_device_count"]["value"], 0);
  auto unset = probe(env(both()));
  EXPECT_TRUE(unset["gpu_probe"]["cuda_visible_devices"]["value"].is_null());
  EXPECT_EQ(unset["gpu_probe"]["cuda_device_count"]["value"], 2);
}

TEST_F(GpuProbe, ForwardCompatLibcudaIsFlagged) {
  const std::string compat = m_dir + "/usr/local/cuda-12.8/compat";
  std::filesystem::create_directories(compat);
  std::filesystem::copy_file(k_fakes + "/cuda/libcuda.so.1", compat + "/libcuda.so.1");
  auto cfg = base_config();
  cfg["libcuda_cuda"] = "12.8";
  config(cfg);
  auto doc = probe(env(k_fakes + "/nvml:" + compat));
  EXPECT_EQ(doc["gpu_probe"]["libcuda_library"]["value"], compat + "/libcuda.so.1");
  EXPECT_EQ(doc["gpu_probe"]["libcuda_forward_compat"]["value"], true);
  EXPECT_EQ(doc["gpu_probe"]["libcuda_cuda_level"]["value"], "12.8");
  EXPECT_EQ(doc["driver"]["cuda_level"]["value"], "12.4");
  EXPECT_EQ(issues(doc).find("libcuda reports CUDA"), std::string::npos) << issues(doc);
}

TEST_F(GpuProbe, ARootTreeIsNotGpuProbed) {
  std::filesystem::create_directories(m_dir + "/root/etc");
  std::ofstream(m_dir + "/root/etc/os-release") << "ID=debian\n";
  auto doc = probe(env(both()), {"--root", m_dir + "/root"});
  EXPECT_TRUE(doc["gpu_probe"]["answered_by"]["value"].is_null());
  EXPECT_NE(doc["gpu_probe"]["answered_by"]["note"].get<std::string>().find("not probed: --root"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(m_dir + "/cache"));
}

TEST_F(GpuProbe, ABadTimeoutIsAUsageError) {
  auto r = run_td({"probe", "--gpu-timeout", "soon"}, {}, env(both()));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--gpu-timeout 'soon'"), std::string::npos) << r.err;
}
