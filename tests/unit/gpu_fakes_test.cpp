// The GPU library probe against the test doubles in tests/fakes (loaded by absolute path, asked in
// a child process): DynamicLibrary, the NVML and libcuda queries, hangs, crashes and the cache.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "torchdoctor/probe/gpu_libs.hpp"
#include "torchdoctor/probe/probe.hpp"
#include "torchdoctor/sys/dynamic_library.hpp"
#include "torchdoctor/sys/file_system.hpp"

using namespace std::chrono_literals;
using td::VendorAnswer;

namespace {

const std::string k_fakes = TD_FAKES_DIR;

std::vector<std::string> lib(const std::string& folder, const std::string& soname) {
  return {k_fakes + "/" + folder + "/" + soname};
}

// A scratch folder removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "td-gpu-XXXXXX").string();
    m_path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(m_path); }
  [[nodiscard]] const std::string& path() const { return m_path; }
  [[nodiscard]] std::string write(const std::string& name, const std::string& text) const {
    const std::string p = m_path + "/" + name;
    std::ofstream(p) << text;
    return p;
  }

 private:
  std::string m_path;
};

nlohmann::json two_gpus() {
  return nlohmann::json::parse(R"({
    "driver": "550.54.15", "cuda": "12.4",
    "gpus": [
      {"name": "NVIDIA GeForce RTX 4090", "uuid": "GPU-0123abcd-4567-89ab-cdef-0123456789ab",
       "bus_id": "00000000:01:00.0", "cc": "8.9", "memory": 25757220864},
      {"name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-fedcba98-7654-3210-fedc-ba9876543210",
       "bus_id": "00000000:41:00.0", "cc": "9.0", "memory": 85520809984, "mig": "enabled"}]})");
}

td::GpuProbeOptions options_for(const std::string& config, const std::string& nvml = "nvml",
                                const std::string& cuda = "cuda") {
  td::GpuProbeOptions o;
  o.timeout = 5s;
  o.nvml_candidates = lib(nvml, "libnvidia-ml.so.1");
  o.libcuda_candidates = lib(cuda, "libcuda.so.1");
  o.child_env["TD_FAKE_GPU_CONFIG"] = config;
  return o;
}

VendorAnswer ask_nvml(const td::GpuProbeOptions& o) {
  const auto c = o.nvml_candidates;
  return td::run_isolated(
      "NVML", [&c] { return td::query_nvml(c); }, o, std::nullopt);
}

VendorAnswer ask_libcuda(const td::GpuProbeOptions& o, const std::optional<std::string>& cvd = std::nullopt) {
  const auto c = o.libcuda_candidates;
  return td::run_isolated(
      "libcuda", [&c] { return td::query_libcuda(c); }, o, cvd);
}

}  // namespace

TEST(DynamicLibrary, ReportsEveryCandidateWhenNoneLoads) {
  const std::vector<std::string> names{"/nonexistent/libnope.so.1", "libtorchdoctor-nope.so.7"};
  auto r = td::DynamicLibrary::open_first(names);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, td::ErrorKind::not_found);
  EXPECT_NE(r.error().message.find("/nonexistent/libnope.so.1, libtorchdoctor-nope.so.7"), std::string::npos)
      << r.error().message;
}

TEST(DynamicLibrary, NamesTheFileThatLoadedAndFindsVersionedSymbols) {
  const auto path = lib("nvml", "libnvidia-ml.so.1");
  auto l = td::DynamicLibrary::open_first(path);
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_EQ(l->path(), path[0]);
  std::string used;
  EXPECT_TRUE(l->versioned_symbol<int()>("nvmlInit", 2, &used).ok());
  EXPECT_EQ(used, "nvmlInit_v2");
  EXPECT_TRUE(l->versioned_symbol<int()>("nvmlDeviceGetPciInfo", 3, &used).ok());
  EXPECT_EQ(used, "nvmlDeviceGetPciInfo_v3");
  auto missing = l->symbol<int()>("nvmlDeviceGetPowerUsage");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("nvmlDeviceGetPowerUsage is missing in " + path[0]), std::string::npos);
}

TEST(DynamicLibrary, FallsBackToTheUnversionedSymbol) {
  auto l = td::DynamicLibrary::open_first(lib("nvml_legacy", "libnvidia-ml.so.1"));
  ASSERT_TRUE(l.ok()) << l.error().message;
  std::string used;
  EXPECT_TRUE(l->versioned_symbol<int()>("nvmlInit", 2, &used).ok());
  EXPECT_EQ(used, "nvmlInit");
  EXPECT_TRUE(l->versioned_symbol<int()>("nvmlDeviceGetPciInfo", 3, &used).ok());
  EXPECT_EQ(used, "nvmlDeviceGetPciInfo_v2");
  EXPECT_EQ(td::DynamicLibrary::versioned_names("f", 3), (std::vector<std::string>{"f_v3", "f_v2", "f"}));
  EXPECT_FALSE(l->versioned_symbol<int()>("nvmlSystemGetCudaDriverVersion").ok());
}

TEST(FakeNvml, ReportsDriverCudaLevelAndEveryGpu) {
  TempDir tmp;
  auto a = ask_nvml(options_for(tmp.write("gpu.json", two_gpus().dump())));
  ASSERT_EQ(a.status, VendorAnswer::Status::answered) << a.error;
  EXPECT_EQ(a.library, lib("nvml", "libnvidia-ml.so.1")[0]);
  EXPECT_EQ(a.driver_version->str(), "550.54.15");
  EXPECT_EQ(a.cuda_level->str(), "12.4");
  ASSERT_EQ(a.gpus.size(), 2U);
  EXPECT_EQ(*a.gpus[0].name, "NVIDIA GeForce RTX 4090");
  EXPECT_EQ(*a.gpus[0].pci_bus_id, "0000:01:00.0");
  EXPECT_EQ(a.gpus[0].compute_capability->str(), "8.9");
  EXPECT_EQ(*a.gpus[0].memory_bytes, 25757220864ULL);
  EXPECT_EQ(*a.gpus[0].mig_mode, "disabled");  // NOT_SUPPORTED: a GPU without MIG
  EXPECT_EQ(*a.gpus[1].mig_mode, "enabled");
  EXPECT_EQ(*a.gpus[1].uuid, "GPU-fedcba98-7654-3210-fedc-ba9876543210");
  EXPECT_TRUE(a.problems.empty());
}

TEST(FakeNvml, InitErrorAndPerCallErrorsAreReported) {
  TempDir tmp;
  auto cfg = two_gpus();
  cfg["nvml"]["errors"]["nvmlInit"] = 18;
  auto a = ask_nvml(options_for(tmp.write("a.json", cfg.dump())));
  EXPECT_EQ(a.status, VendorAnswer::Status::failed);
  EXPECT_EQ(a.error, "nvmlInit_v2: Driver/library version mismatch (18)");
  cfg = two_gpus();
  cfg["nvml"]["errors"]["nvmlDeviceGetUUID"] = 15;
  a = ask_nvml(options_for(tmp.write("b.json", cfg.dump())));
  ASSERT_EQ(a.status, VendorAnswer::Status::answered);
  EXPECT_FALSE(a.gpus[0].uuid.has_value());
  EXPECT_EQ(a.gpus[0].unknown_why.at("uuid"), "nvmlDeviceGetUUID: GPU is lost (15)");
  ASSERT_EQ(a.problems.size(), 2U);
  EXPECT_EQ(a.problems[0], "GPU 0: nvmlDeviceGetUUID: GPU is lost (15)");
}

TEST(FakeNvml, LegacyLibraryUsesPlainNamesAndNotesMissingSymbols) {
  TempDir tmp;
  auto a = ask_nvml(options_for(tmp.write("gpu.json", two_gpus().dump()), "nvml_legacy"));
  ASSERT_EQ(a.status, VendorAnswer::Status::answered) << a.error;
  EXPECT_EQ(a.gpus.size(), 2U);
  EXPECT_EQ(*a.gpus[1].pci_bus_id, "0000:41:00.0");
  EXPECT_FALSE(a.cuda_level.has_value());
  EXPECT_FALSE(a.gpus[0].mig_mode.has_value());
  EXPECT_NE(a.gpus[0].unknown_why.at("mig_mode").find("nvmlDeviceGetMigMode is missing"), std::string::npos);
}

TEST(FakeNvml, AHangIsKilledAtTheTimeout) {
  TempDir tmp;
  auto cfg = two_gpus();
  cfg["nvml"]["mode"] = "hang";
  auto o = options_for(tmp.write("gpu.json", cfg.dump()));
  o.timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  auto a = ask_nvml(o);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1300ms);
  EXPECT_EQ(a.status, VendorAnswer::Status::failed);
  EXPECT_TRUE(a.transient);
  EXPECT_EQ(a.error, "NVML did not answer in 0.3 s");
}

TEST(FakeLibcuda, ACrashIsContained) {
  TempDir tmp;
  auto cfg = two_gpus();
  cfg["libcuda"]["mode"] = "crash";
  auto a = ask_libcuda(options_for(tmp.write("gpu.json", cfg.dump())));
  EXPECT_EQ(a.status, VendorAnswer::Status::failed);
  EXPECT_TRUE(a.transient);
  EXPECT_EQ(a.error.rfind("libcuda crashed (signal 11", 0), 0U) << a.error;
}

TEST(FakeLibcuda, ReportsDevicesAfterCudaVisibleDevices) {
  TempDir tmp;
  const auto o = options_for(tmp.write("gpu.json", two_gpus().dump()));
  auto all = ask_libcuda(o);
  ASSERT_EQ(all.status, VendorAnswer::Status::answered) << all.error;
  EXPECT_EQ(all.cuda_level->str(), "12.4");
  ASSERT_EQ(all.gpus.size(), 2U);
  EXPECT_EQ(*all.gpus[1].pci_bus_id, "0000:41:00.0");
  EXPECT_EQ(all.gpus[1].compute_capability->str(), "9.0");
  EXPECT_EQ(*all.gpus[1].uuid, "GPU-fedcba98-7654-3210-fedc-ba9876543210");
  EXPECT_EQ(*all.gpus[1].memory_bytes, 85520809984ULL);
  auto one = ask_libcuda(o, "1");
  ASSERT_EQ(one.device_count, 1U);
  EXPECT_EQ(*one.gpus[0].name, "NVIDIA H100 80GB HBM3");
  auto none = ask_libcuda(o, "");
  EXPECT_EQ(none.status, VendorAnswer::Status::answered);  // CUDA_ERROR_NO_DEVICE is an answer
  EXPECT_EQ(none.device_count, 0U);
}

TEST(FakeLibcuda, LegacyLibraryNeverUsesThe32BitMemoryCall) {
  TempDir tmp;
  auto a = ask_libcuda(options_for(tmp.write("gpu.json", two_gpus().dump()), "nvml", "cuda_legacy"));
  ASSERT_EQ(a.status, VendorAnswer::Status::answered) << a.error;
  EXPECT_FALSE(a.gpus[1].memory_bytes.has_value());
  EXPECT_NE(a.gpus[1].unknown_why.at("memory_bytes").find("cuDeviceTotalMem_v2 is missing"), std::string::npos);
  EXPECT_EQ(*a.gpus[1].uuid, "GPU-fedcba98-7654-3210-fedc-ba9876543210");  // plain cuDeviceGetUuid
}

TEST(FakeLibcuda, InitFailureKeepsTheVersion) {
  TempDir tmp;
  auto cfg = two_gpus();
  cfg["libcuda"]["errors"]["cuInit"] = 803;
  auto a = ask_libcuda(options_for(tmp.write("gpu.json", cfg.dump())));
  EXPECT_EQ(a.status, VendorAnswer::Status::failed);
  EXPECT_EQ(a.error, "cuInit: CUDA_ERROR_SYSTEM_DRIVER_MISMATCH (803)");
  EXPECT_EQ(a.cuda_level->str(), "12.4");
}
