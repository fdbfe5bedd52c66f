#include <gtest/gtest.h>

#include "torchdoctor/probe/probe.hpp"

using namespace td;

TEST(Probe, EveryDetectorRunsOnAnEmptyTreeWithoutCrashing) {
  MemoryFileSystem fs;
  MapEnv env;
  const HostFacts f = probe_host(ProbeContext{fs, env});
  EXPECT_FALSE(f.cpu.arch.has_value());
  EXPECT_FALSE(f.os.pretty_name.has_value());
  EXPECT_FALSE(f.driver.version.has_value());
  EXPECT_EQ(f.driver.version.note, "no NVIDIA kernel module loaded");
}

TEST(Probe, UnreadableFilesBecomeUnknownFactsWithTheReason) {
  MemoryFileSystem fs;
  fs.unreadable("/etc/os-release").unreadable("/proc/cpuinfo").unreadable("/proc/meminfo");
  MapEnv env;
  const HostFacts f = probe_host(ProbeContext{fs, env});
  EXPECT_FALSE(f.os.pretty_name.has_value());
  EXPECT_NE(f.os.pretty_name.note.find("Permission denied"), std::string::npos);
  EXPECT_NE(f.cpu.model.note.find("Permission denied"), std::string::npos);
  EXPECT_NE(f.cpu.memory_bytes.note.find("Permission denied"), std::string::npos);
  ASSERT_FALSE(f.issues.empty());
  EXPECT_EQ(f.issues[0].detector, "os");
}

TEST(Probe, KubernetesFromTheEnvironment) {
  MemoryFileSystem fs;
  MapEnv env;
  env.set("KUBERNETES_SERVICE_HOST", "10.0.0.1");
  const HostFacts f = probe_host(ProbeContext{fs, env});
  EXPECT_TRUE(*f.container.kubernetes.value);
  EXPECT_TRUE(*f.container.inside.value);
  EXPECT_EQ(*f.container.engine.value, "kubernetes");
}

TEST(Probe, DriverPrefersSysfsAndReadsTheModuleFlavour) {
  MemoryFileSystem fs;
  fs.file("/sys/module/nvidia/version", "570.86.15\n")
      .file("/proc/driver/nvidia/version",
            "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  570.86.15  Release Build\n");
  MapEnv env;
  const HostFacts f = probe_host(ProbeContext{fs, env});
  EXPECT_EQ(f.driver.version.value->str(), "570.86.15");
  EXPECT_EQ(f.driver.version.source, "file:/sys/module/nvidia/version");
  EXPECT_EQ(*f.driver.kernel_module.value, "open");
}

TEST(Probe, PciGpusSkipAudioFunctionsAndOtherVendors) {
  MemoryFileSystem fs;
  const auto dev = [&](const std::string& bus, const char* vendor, const char* device, const char* cls) {
    fs.file("/sys/bus/pci/devices/" + bus + "/vendor", vendor)
        .file("/sys/bus/pci/devices/" + bus + "/device", device)
        .file("/sys/bus/pci/devices/" + bus + "/class", cls);
  };
  dev("0000:01:00.0", "0x10de\n", "0x2684\n", "0x030000\n");
  dev("0000:01:00.1", "0x10de\n", "0x22ba\n", "0x040300\n");
  dev("0000:02:00.0", "0x10de\n", "0x2330\n", "0x030200\n");
  dev("0000:03:00.0", "0x8086\n", "0x56a0\n", "0x030000\n");
  MapEnv env;
  const HostFacts f = probe_host(ProbeContext{fs, env});
  ASSERT_EQ(f.gpus.value->size(), 2U);
  EXPECT_EQ(*(*f.gpus.value)[0].pci_device_id.value, "0x2684");
  EXPECT_EQ(*(*f.gpus.value)[1].pci_device_id.value, "0x2330");
}

TEST(Probe, DetectorTableNamesEveryDetector) {
  EXPECT_GE(detectors().size(), 10U);
  for (const auto& d : detectors()) {
    EXPECT_NE(std::string(d.name), "");
    EXPECT_NE(std::string(d.summary), "");
  }
}

// dpkg's status file is searched in 64 KiB windows: the package line is found wherever it falls,
// across a window's edge included, and its stanza is read whole.
TEST(Probe, JetsonL4TFromALargeDpkgStatusAtAnyOffset) {
  const std::string stanza =
      "Package: nvidia-l4t-core\nStatus: install ok installed\nVersion: 36.4.3-20250107174145\n\n";
  const std::string filler_stanza =
      "Package: libfoo\nDescription: mentions Package: nvidia-l4t-core in passing\nVersion: 1.0\n\n";
  for (std::size_t before : {std::size_t{0}, std::size_t{65536 - 30}, std::size_t{65536 - 24}, std::size_t{65536 - 10},
                             std::size_t{65536}, std::size_t{3 * 65536 + 7}, std::size_t{1 << 20}}) {
    std::string status;
    while (status.size() + filler_stanza.size() <= before) status += filler_stanza;
    status += std::string(before - status.size(), 'x');  // pads to `before`, in the last filler line
    if (!status.empty()) status.back() = '\n';
    status += stanza + filler_stanza;
    MemoryFileSystem fs;
    fs.file("/var/lib/dpkg/status", status);
    MapEnv env;
    HostFacts f;
    detect_jetson(ProbeContext{fs, env}, f);
    ASSERT_TRUE(f.jetson.l4t.has_value()) << "package line at byte " << before << ": " << f.jetson.l4t.note;
    EXPECT_EQ(f.jetson.l4t->str(), "36.4.3");
    EXPECT_EQ(f.jetson.l4t.source, "dpkg:nvidia-l4t-core");
  }
  MemoryFileSystem fs;
  std::string status;
  while (status.size() < (1U << 20U)) status += filler_stanza;
  fs.file("/var/lib/dpkg/status", status);
  MapEnv env;
  HostFacts f;
  detect_jetson(ProbeContext{fs, env}, f);
  EXPECT_FALSE(f.jetson.l4t.has_value());
  EXPECT_EQ(f.jetson.l4t.note, "not a Jetson");
}
