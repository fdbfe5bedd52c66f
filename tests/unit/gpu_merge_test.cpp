// Pure parts of the GPU library probe: bus ids, forward-compat paths, --gpu-timeout, nvidia-smi
// CSV, the answer's JSON form, and merging answers into HostFacts.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "torchdoctor/core/host_json.hpp"
#include "torchdoctor/probe/gpu_libs.hpp"
#include "torchdoctor/sys/dynamic_library.hpp"

using namespace std::chrono_literals;
using td::Fact;
using td::GpuFacts;
using td::GpuLibsAnswer;
using td::VendorAnswer;
using td::VendorGpu;

namespace {

bool has_issue(const td::HostFacts& f, const std::string& needle) {
  for (const auto& i : f.issues) {
    if (i.message.find(needle) != std::string::npos) return true;
  }
  return false;
}

// A host as the PCI detector leaves it: one GPU at 0000:01:00.0, named by the driver's /proc file.
td::HostFacts pci_host() {
  td::HostFacts f;
  GpuFacts g;
  g.pci_bus_id = Fact<std::string>::known("0000:01:00.0", "sysfs:/sys/bus/pci/devices");
  g.pci_device_id = Fact<std::string>::known("0x2684", "file:/sys/bus/pci/devices/0000:01:00.0/device");
  g.integrated = Fact<bool>::known(false, "sysfs:/sys/bus/pci/devices");
  g.name =
      Fact<std::string>::known("NVIDIA GeForce RTX 4090", "file:/proc/driver/nvidia/gpus/0000:01:00.0/information");
  g.compute_capability = Fact<td::ComputeCapability>::unknown("", "needs NVML or the knowledge base");
  f.gpus = Fact<std::vector<GpuFacts>>::known({g}, "sysfs:/sys/bus/pci/devices");
  f.driver.version = Fact<td::Version>::known(*td::Version::parse("550.54.15"), "file:/sys/module/nvidia/version");
  return f;
}

VendorGpu rtx4090(const char* bus = "0000:01:00.0") {
  VendorGpu g;
  g.index = 0;
  g.name = "NVIDIA GeForce RTX 4090";
  g.uuid = "GPU-0123abcd-4567-89ab-cdef-0123456789ab";
  g.pci_bus_id = bus;
  g.compute_capability = td::ComputeCapability(8, 9);
  g.memory_bytes = 25757220864ULL;
  g.mig_mode = "disabled";
  return g;
}

VendorAnswer answered(const char* library, const char* cuda) {
  VendorAnswer a;
  a.status = VendorAnswer::Status::answered;
  a.library = library;
  a.cuda_level = *td::Version::parse(cuda);
  a.device_count = 1;
  return a;
}

}  // namespace

TEST(GpuBusId, NormalisesNvmlAndSysfsForms) {
  EXPECT_EQ(td::normalize_pci_bus_id("00000000:01:00.0"), "0000:01:00.0");
  EXPECT_EQ(td::normalize_pci_bus_id("0000:41:00.0"), "0000:41:00.0");
  EXPECT_EQ(td::normalize_pci_bus_id("00000001:C1:1F.7"), "0001:c1:1f.7");
  EXPECT_EQ(td::normalize_pci_bus_id("01:00.0"), "0000:01:00.0");
  EXPECT_EQ(td::normalize_pci_bus_id(""), std::nullopt);
  EXPECT_EQ(td::normalize_pci_bus_id("0000:01:00.0 junk"), std::nullopt);
  EXPECT_EQ(td::normalize_pci_bus_id("0000:01:20.0"), std::nullopt);  // device is 5 bits
  EXPECT_EQ(td::normalize_pci_bus_id("GPU-1234"), std::nullopt);
}

TEST(GpuForwardCompat, RecognisesCompatFolders) {
  EXPECT_TRUE(td::is_forward_compat_library("/usr/local/cuda-12.8/compat/libcuda.so.1"));
  EXPECT_TRUE(td::is_forward_compat_library("/usr/local/cuda/compat/lib.real/libcuda.so.1"));
  EXPECT_TRUE(td::is_forward_compat_library("/opt/conda/cuda-compat/libcuda.so.1"));
  EXPECT_FALSE(td::is_forward_compat_library("/usr/lib/x86_64-linux-gnu/libcuda.so.1"));
  EXPECT_FALSE(td::is_forward_compat_library("/home/me/compat/libcuda.so.1"));
  EXPECT_FALSE(td::is_forward_compat_library(""));
}

TEST(GpuTimeout, ParsesSecondsAndRejectsNonsense) {
  EXPECT_EQ(*td::parse_gpu_timeout("10"), 10000ms);
  EXPECT_EQ(*td::parse_gpu_timeout("0.5"), 500ms);
  EXPECT_EQ(*td::parse_gpu_timeout(" 600 "), 600000ms);
  for (const char* bad : {"0", "-1", "abc", "601", "", "1s", "nan", "inf"}) {
    auto r = td::parse_gpu_timeout(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind, td::ErrorKind::bad_input);
    EXPECT_NE(r.error().message.find("--gpu-timeout"), std::string::npos);
  }
}

TEST(NvidiaSmiCsv, ParsesFieldsAndNotAvailable) {
  const char* text =
      "550.54.15, NVIDIA GeForce RTX 4090, GPU-0123abcd-4567-89ab-cdef-0123456789ab, 00000000:01:00.0, 8.9, 24564, "
      "[N/A]\n"
      "550.54.15, NVIDIA A100-SXM4-80GB, GPU-aa, 00000000:81:00.0, 8.0, 81920, Enabled\n";
  auto r = td::parse_nvidia_smi_csv(text);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->gpus.size(), 2U);
  EXPECT_EQ(r->driver_version->str(), "550.54.15");
  EXPECT_EQ(r->device_count, 2U);
  EXPECT_EQ(r->gpus[0].pci_bus_id, "0000:01:00.0");
  EXPECT_EQ(r->gpus[0].compute_capability->str(), "8.9");
  EXPECT_EQ(r->gpus[0].memory_bytes, 24564ULL << 20U);
  EXPECT_FALSE(r->gpus[0].mig_mode.has_value());
  EXPECT_EQ(r->gpus[0].unknown_why.at("mig_mode"), "nvidia-smi did not report it");
  EXPECT_EQ(r->gpus[1].mig_mode, "enabled");
  EXPECT_FALSE(r->cuda_level.has_value());
}

TEST(NvidiaSmiCsv, RejectsAWrongFieldCount) {
  auto r = td::parse_nvidia_smi_csv("550.54.15, NVIDIA GeForce RTX 4090\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("expected 7 fields, got 2"), std::string::npos) << r.error().message;
}

TEST(GpuAnswerJson, RoundTrips) {
  GpuLibsAnswer a;
  a.nvml = answered("/usr/lib/libnvidia-ml.so.1", "12.4");
  a.nvml.driver_version = *td::Version::parse("550.54.15");
  a.nvml.gpus.push_back(rtx4090());
  a.nvml.gpus[0].unknown_why["integrated"] = "not asked";
  a.nvml.problems = {"GPU 0: nvmlDeviceGetUUID: Unknown Error (999)"};
  a.libcuda.status = VendorAnswer::Status::failed;
  a.libcuda.error = "libcuda did not answer in 10 s";
  a.libcuda.transient = true;
  a.cuda_visible_devices = "0";
  auto back = td::gpu_answer_from_json(nlohmann::json::parse(td::gpu_answer_to_json(a).dump()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(td::gpu_answer_to_json(*back), td::gpu_answer_to_json(a));
  EXPECT_EQ(back->nvml.gpus[0].compute_capability->str(), "8.9");
  EXPECT_TRUE(back->libcuda.transient);
  EXPECT_EQ(back->nvidia_smi.status, VendorAnswer::Status::not_asked);
}

TEST(GpuAnswerJson, NamesTheBadPath) {
  auto doc = td::gpu_answer_to_json(GpuLibsAnswer{});
  doc["nvml"]["gpus"] = nlohmann::json::array({{{"compute_capability", 86}}});
  auto r = td::gpu_answer_from_json(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("nvml.gpus[0].compute_capability"), std::string::npos) << r.error().message;
  doc = td::gpu_answer_to_json(GpuLibsAnswer{});
  doc["libcuda"]["status"] = "maybe";
  EXPECT_FALSE(td::gpu_answer_from_json(doc).ok());
}

TEST(GpuMerge, NvmlFillsThePciEntryByBusId) {
  auto f = pci_host();
  GpuLibsAnswer a;
  a.nvml = answered("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1", "12.4");
  a.nvml.driver_version = *td::Version::parse("550.54.15");
  a.nvml.gpus.push_back(rtx4090("0000:01:00.0"));
  a.libcuda = answered("/usr/lib/x86_64-linux-gnu/libcuda.so.1", "12.4");
  a.libcuda.gpus.push_back(rtx4090("0000:01:00.0"));
  td::merge_gpu_answer(a, f);
  ASSERT_EQ(f.gpus.value->size(), 1U);
  const auto& g = f.gpus.value->front();
  EXPECT_EQ(g.compute_capability->str(), "8.9");
  EXPECT_EQ(g.compute_capability.source, "nvml");
  EXPECT_EQ(g.name.source, "nvml");  // NVML outranks the /proc file it agrees with
  EXPECT_EQ(g.pci_device_id.source, "file:/sys/bus/pci/devices/0000:01:00.0/device");
  EXPECT_EQ(*g.memory_bytes, 25757220864ULL);
  EXPECT_EQ(*g.mig_mode, "disabled");
  EXPECT_EQ(f.driver.cuda_level->str(), "12.4");
  EXPECT_EQ(f.driver.cuda_level.source, "nvml");
  EXPECT_EQ(f.driver.version.source, "file:/sys/module/nvidia/version");  // the kernel module stays
  EXPECT_EQ(*f.gpu_probe.answered_by, "nvml");
  EXPECT_FALSE(*f.gpu_probe.libcuda_forward_compat);
  EXPECT_EQ(*f.gpu_probe.cuda_device_count, 1U);
  EXPECT_TRUE(f.issues.empty()) << f.issues.front().message;
}

TEST(GpuMerge, DisagreementsBecomeIssues) {
  auto f = pci_host();
  GpuLibsAnswer a;
  a.nvml = answered("/lib/libnvidia-ml.so.1", "12.4");
  a.nvml.driver_version = *td::Version::parse("545.29.16");
  a.nvml.gpus.push_back(rtx4090());
  a.libcuda = answered("/lib/libcuda.so.1", "12.2");
  a.libcuda.gpus.push_back(rtx4090());
  a.libcuda.gpus[0].compute_capability = td::ComputeCapability(8, 6);
  td::merge_gpu_answer(a, f);
  EXPECT_TRUE(has_issue(f, "nvml reports driver 545.29.16 but file:/sys/module/nvidia/version says 550.54.15"));
  EXPECT_TRUE(has_issue(f, "libcuda reports CUDA 12.2 but NVML says 12.4"));
  EXPECT_TRUE(has_issue(f, "compute_capability: libcuda says 8.6, nvml says 8.9"));
  EXPECT_EQ(f.gpus.value->front().compute_capability->str(), "8.9");  // the better source wins
}

TEST(GpuMerge, ForwardCompatLibcudaIsFlaggedAndNotADisagreement) {
  auto f = pci_host();
  GpuLibsAnswer a;
  a.nvml = answered("/lib/libnvidia-ml.so.1", "12.4");
  a.nvml.gpus.push_back(rtx4090());
  a.libcuda = answered("/usr/local/cuda-12.8/compat/libcuda.so.1", "12.8");
  td::merge_gpu_answer(a, f);
  EXPECT_TRUE(*f.gpu_probe.libcuda_forward_compat);
  EXPECT_EQ(f.gpu_probe.libcuda_cuda_level->str(), "12.8");
  EXPECT_EQ(f.driver.cuda_level->str(), "12.4");
  EXPECT_FALSE(has_issue(f, "libcuda reports CUDA"));
}

TEST(GpuMerge, LibcudaFallbackAddsGpusWhenPciIsUnknown) {
  td::HostFacts f;
  f.gpus = Fact<std::vector<GpuFacts>>::unknown("sysfs:/sys/bus/pci/devices", "EACCES");
  GpuLibsAnswer a;
  a.nvml.status = VendorAnswer::Status::absent;
  a.nvml.error = "libnvidia-ml: not found";
  a.libcuda = answered("/lib/libcuda.so.1", "12.6");
  a.libcuda.gpus.push_back(rtx4090("0000:02:00.0"));
  a.libcuda.gpus[0].mig_mode.reset();
  td::merge_gpu_answer(a, f);
  ASSERT_TRUE(f.gpus.has_value());
  EXPECT_EQ(f.gpus.source, "libcuda");
  ASSERT_EQ(f.gpus.value->size(), 1U);
  EXPECT_EQ(*f.gpus.value->front().pci_bus_id, "0000:02:00.0");
  EXPECT_EQ(f.driver.cuda_level.source, "libcuda");
  EXPECT_EQ(*f.gpu_probe.answered_by, "libcuda");
}

TEST(GpuMerge, PciGpuMissingFromNvmlIsNoted) {
  auto f = pci_host();
  GpuLibsAnswer a;
  a.nvml = answered("/lib/libnvidia-ml.so.1", "12.4");
  a.nvml.device_count = 0;
  td::merge_gpu_answer(a, f);
  EXPECT_FALSE(f.gpus.value->front().compute_capability.has_value());
  EXPECT_NE(f.gpus.value->front().compute_capability.note.find("not listed by NVML"), std::string::npos);
  // NVML answered with GPUs but there is no libcuda: CUDA cannot run.
  a.nvml.gpus.push_back(rtx4090());
  a.nvml.device_count = 1;
  a.libcuda.status = VendorAnswer::Status::absent;
  auto g = pci_host();
  td::merge_gpu_answer(a, g);
  EXPECT_TRUE(has_issue(g, "libcuda.so.1 is missing"));
}

TEST(GpuMerge, NothingAnsweredLeavesUnknownWithReasons) {
  auto f = pci_host();
  GpuLibsAnswer a;
  a.nvml.status = VendorAnswer::Status::failed;
  a.nvml.error = "NVML did not answer in 10 s";
  a.nvml.transient = true;
  a.libcuda.status = VendorAnswer::Status::absent;
  a.libcuda.error = "libcuda: not found";
  a.nvidia_smi.status = VendorAnswer::Status::absent;
  a.nvidia_smi.error = "nvidia-smi: not found on PATH";
  td::merge_gpu_answer(a, f);
  EXPECT_FALSE(f.driver.cuda_level.has_value());
  EXPECT_EQ(f.driver.cuda_level.note, "NVML did not answer in 10 s; libcuda: not found; nvidia-smi: not found on PATH");
  EXPECT_FALSE(f.gpu_probe.answered_by.has_value());
  EXPECT_TRUE(has_issue(f, "NVML did not answer in 10 s"));
  EXPECT_EQ(f.gpus.value->size(), 1U);  // the PCI entry stays
}

TEST(GpuMerge, ReportsCudaVisibleDevicesEffect) {
  auto run = [](std::optional<std::string> cvd, std::uint32_t libcuda_count) {
    auto f = pci_host();
    GpuLibsAnswer a;
    a.nvml = answered("/lib/libnvidia-ml.so.1", "12.4");
    a.nvml.device_count = 2;
    a.libcuda = answered("/lib/libcuda.so.1", "12.4");
    a.libcuda.device_count = libcuda_count;
    a.cuda_visible_devices = std::move(cvd);
    td::merge_gpu_answer(a, f);
    return f.gpu_probe.cuda_visible_devices;
  };
  auto unset = run(std::nullopt, 2);
  EXPECT_FALSE(unset.has_value());
  EXPECT_EQ(unset.note, "not set: CUDA sees every GPU");
  auto one = run("1", 1);
  EXPECT_EQ(*one, "1");
  EXPECT_EQ(one.note, "CUDA sees 1 of 2 GPUs");
  EXPECT_EQ(run("", 0).note, "set but empty: CUDA sees no GPU");
}

TEST(GpuMerge, IntegratedGpuMatchesTheJetsonEntry) {
  td::HostFacts f;
  GpuFacts igpu;
  igpu.integrated = Fact<bool>::known(true, "file:/etc/nv_tegra_release");
  igpu.name = Fact<std::string>::known("NVIDIA Jetson AGX Orin", "file:/proc/device-tree/model");
  f.gpus = Fact<std::vector<GpuFacts>>::known({igpu}, "file:/etc/nv_tegra_release");
  GpuLibsAnswer a;
  a.libcuda = answered("/usr/lib/aarch64-linux-gnu/nvidia/libcuda.so.1", "12.6");
  VendorGpu g;
  g.name = "Orin";
  g.integrated = true;
  g.compute_capability = td::ComputeCapability(8, 7);
  a.libcuda.gpus.push_back(g);
  td::merge_gpu_answer(a, f);
  ASSERT_EQ(f.gpus.value->size(), 1U);
  EXPECT_EQ(f.gpus.value->front().compute_capability->str(), "8.7");
  EXPECT_TRUE(f.issues.empty());  // a device-tree name is not a rival source
}

TEST(GpuProbeFactsJson, RoundTripThroughHostJson) {
  auto f = pci_host();
  GpuLibsAnswer a;
  a.nvml = answered("/lib/libnvidia-ml.so.1", "12.4");
  a.nvml.gpus.push_back(rtx4090());
  a.libcuda = answered("/usr/local/cuda-12.8/compat/libcuda.so.1", "12.8");
  a.cuda_visible_devices = "0";
  td::merge_gpu_answer(a, f);
  f.gpu_probe.cache = Fact<std::string>::known("hit", "file:/tmp/x.json");
  const auto doc = td::host_to_json(f);
  auto back = td::host_from_json(doc);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(td::host_to_json(*back), doc);
  EXPECT_EQ(doc["gpu_probe"]["libcuda_forward_compat"]["value"], true);
  EXPECT_EQ(doc["gpu_probe"]["cuda_visible_devices"]["value"], "0");
  EXPECT_EQ(doc["gpus"]["value"][0]["mig_mode"]["value"], "disabled");
}
