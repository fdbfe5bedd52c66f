#include <gtest/gtest.h>

#include "torchdoctor/probe/parsers.hpp"

using namespace td;

TEST(OsRelease, ReadsQuotedAndUnquotedValues) {
  auto r =
      parse_os_release("PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nID=ubuntu\n# c\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id, "ubuntu");
  EXPECT_EQ(r->version_id, "22.04");
  EXPECT_EQ(r->pretty_name, "Ubuntu 22.04.4 LTS");
}

TEST(OsRelease, RejectsGarbage) {
  EXPECT_FALSE(parse_os_release(std::string("\x00\xff garbage", 10)).ok());
  EXPECT_FALSE(parse_os_release("").ok());
}

TEST(NvidiaProcVersion, ReadsProprietaryModule) {
  auto r = parse_nvidia_proc_version(
      "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.183.01  Sun May 12 19:39:15 UTC 2024\nGCC version:  gcc "
      "11\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->version.str(), "535.183.01");
  EXPECT_FALSE(r->open_module);
  EXPECT_EQ(r->arch, "x86_64");
}

TEST(NvidiaProcVersion, ReadsOpenModule) {
  auto r = parse_nvidia_proc_version(
      "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  570.86.15  Release Build  (dvs-builder@U16)  Thu Jan "
      "23\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->version.str(), "570.86.15");
  EXPECT_TRUE(r->open_module);
}

TEST(NvidiaProcVersion, ReadsJetsonOpenRm) {
  auto r =
      parse_nvidia_proc_version("NVRM version: NVIDIA UNIX Open Kernel Module for aarch64  540.4.0  Release Build\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->version.str(), "540.4.0");
  EXPECT_EQ(r->arch, "aarch64");
}

TEST(NvidiaProcVersion, RejectsGarbage) {
  EXPECT_FALSE(parse_nvidia_proc_version("NVRM version: garbage\n").ok());
  EXPECT_FALSE(parse_nvidia_proc_version("hello").ok());
  EXPECT_FALSE(parse_nvidia_proc_version("").ok());
}

TEST(NvTegraRelease, ReadsEveryL4TLine) {
  const char* r32 = "# R32 (release), REVISION: 7.4, GCID: 33514132, BOARD: t210ref, EABI: aarch64, DATE: Fri Jun  9\n";
  const char* r35 = "# R35 (release), REVISION: 3.1, GCID: 32827747, BOARD: t186ref, EABI: aarch64, DATE: Sun Mar 19\n";
  const char* r36 = "# R36 (release), REVISION: 4.3, GCID: 38968081, BOARD: generic, EABI: aarch64, DATE: Wed Jan  8\n";
  EXPECT_EQ(parse_nv_tegra_release(r32)->str(), "32.7.4");
  EXPECT_EQ(parse_nv_tegra_release(r35)->str(), "35.3.1");
  EXPECT_EQ(parse_nv_tegra_release(r36)->str(), "36.4.3");
}

TEST(NvTegraRelease, RejectsTruncatedOrForeignText) {
  for (const char* s : {"# R3", "", "R35 (release), REVISION: 3.1", "# R35 (release), REVISION: x.y,", "# Rxx"}) {
    EXPECT_FALSE(parse_nv_tegra_release(s).ok()) << s;
  }
}

TEST(DpkgStatus, FindsL4TCoreVersion) {
  const char* status =
      "Package: libc6\nVersion: 2.35-0ubuntu3.8\n\nPackage: nvidia-l4t-core\nStatus: install ok installed\n"
      "Version: 36.4.3-20250107174145\n\n";
  EXPECT_EQ(parse_dpkg_l4t_core(status)->str(), "36.4.3");
  EXPECT_EQ(parse_dpkg_l4t_core("Package: libc6\nVersion: 2.35\n").error().kind, ErrorKind::not_found);
  // Only the stanza whose Package line names exactly nvidia-l4t-core counts: not a package that
  // depends on it, not nvidia-l4t-core-dev, not a stanza without a Version.
  const char* decoys =
      "Package: nvidia-l4t-cuda\nDepends: nvidia-l4t-core (= 35.4.1)\nVersion: 35.4.1-1\n\n"
      "Package: nvidia-l4t-core-dev\nVersion: 34.1.0-1\n\n"
      "Package: nvidia-l4t-core\nStatus: install ok installed\nVersion: 35.4.1-20230801124926\n";
  EXPECT_EQ(parse_dpkg_l4t_core(decoys)->str(), "35.4.1");
  EXPECT_EQ(
      parse_dpkg_l4t_core("Package: nvidia-l4t-core\nStatus: deinstall\n\nPackage: x\nVersion: 1.0\n").error().kind,
      ErrorKind::not_found);
  EXPECT_EQ(parse_dpkg_l4t_core("Package: nvidia-l4t-core").error().kind, ErrorKind::not_found);
}

TEST(CpuInfo, ReadsX86ModelCountAndFlags) {
  auto r = parse_cpuinfo(
      "processor\t: 0\nmodel name\t: AMD EPYC 7763\nflags\t\t: fpu avx2 avx512f\n\nprocessor\t: 1\nmodel name\t: AMD "
      "EPYC 7763\n"
      "flags\t\t: fpu avx2 avx512f\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->model, "AMD EPYC 7763");
  EXPECT_EQ(r->processors, 2U);
  EXPECT_EQ(r->flags, (std::vector<std::string>{"fpu", "avx2", "avx512f"}));
}

TEST(CpuInfo, NamesArmCoresAndBigLittle) {
  std::string text;
  for (int i = 0; i < 2; ++i)
    text += "processor\t: 0\nFeatures\t: fp asimd\nCPU implementer\t: 0x41\nCPU part\t: 0xd05\n\n";
  for (int i = 0; i < 2; ++i)
    text += "processor\t: 0\nFeatures\t: fp asimd\nCPU implementer\t: 0x41\nCPU part\t: 0xd0b\n\n";
  auto r = parse_cpuinfo(text);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->model, "2x Cortex-A55 + 2x Cortex-A76");
  EXPECT_EQ(r->processors, 4U);
}

TEST(CpuInfo, UnknownArmPartIsNamedByNumber) {
  auto r = parse_cpuinfo("processor\t: 0\nCPU implementer\t: 0x61\nCPU part\t: 0x022\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->model, "ARM implementer 0x61 part 0x022");
}

TEST(CpuInfo, RejectsTruncatedText) {
  EXPECT_FALSE(parse_cpuinfo("proc").ok());
  EXPECT_FALSE(parse_cpuinfo("").ok());
}

TEST(MemInfo, ReadsMemTotalInBytes) {
  EXPECT_EQ(*parse_meminfo_total("MemTotal:       16384000 kB\nMemFree: 1 kB\n"), 16384000ULL * 1024);
  EXPECT_FALSE(parse_meminfo_total("MemTotal: lots\n").ok());
  EXPECT_FALSE(parse_meminfo_total("").ok());
}

TEST(Mounts, ReadsShmSize) {
  EXPECT_EQ(*parse_shm_size_from_mounts("shm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k 0 0\n"),
            64ULL << 20);
  EXPECT_EQ(*parse_shm_size_from_mounts("tmpfs /dev/shm tmpfs rw,size=8g 0 0\n"), 8ULL << 30);
  auto no_size = parse_shm_size_from_mounts("tmpfs /dev/shm tmpfs rw,nosuid,nodev,inode64 0 0\n");
  EXPECT_EQ(no_size.error().kind, ErrorKind::not_found);
  EXPECT_NE(no_size.error().message.find("without a size"), std::string::npos);
  EXPECT_EQ(parse_shm_size_from_mounts("proc /proc proc rw 0 0\n").error().kind, ErrorKind::not_found);
  EXPECT_EQ(parse_shm_size_from_mounts("shm /dev/shm tmpfs rw,size=huge 0 0\n").error().kind, ErrorKind::parse);
}

TEST(GlibcBanner, FindsTheVersion) {
  const std::string bytes = std::string(
                                "\x7f"
                                "ELF",
                                4) +
                            std::string(100, '\0') +
                            "GNU C Library (Debian GLIBC 2.36-9+deb12u4) stable release version 2.36.\n";
  EXPECT_EQ(parse_glibc_banner(bytes)->str(), "2.36");
  EXPECT_FALSE(parse_glibc_banner("no banner here").ok());
  EXPECT_FALSE(parse_glibc_banner("release version x").ok());
}

TEST(ElfMachine, ReadsTheMachine) {
  std::string h(64, '\0');
  h.replace(0, 4,
            "\x7f"
            "ELF");
  h[4] = 2;
  h[5] = 1;
  h[18] = 62;
  EXPECT_EQ(*parse_elf_machine(h), "x86_64");
  h[18] = static_cast<char>(183);
  EXPECT_EQ(*parse_elf_machine(h), "aarch64");
  EXPECT_FALSE(parse_elf_machine("#!/bin/sh\n").ok());
  EXPECT_FALSE(parse_elf_machine(h.substr(0, 10)).ok());
}

TEST(DeviceTree, SplitsNulSeparatedStrings) {
  const std::string compat("nvidia,p3701-0000\0nvidia,tegra234\0", 34);
  EXPECT_EQ(parse_dt_strings(compat), (std::vector<std::string>{"nvidia,p3701-0000", "nvidia,tegra234"}));
  EXPECT_TRUE(parse_dt_strings(std::string("\xff\xfe\x01", 3)).empty());
}

TEST(Cgroup, NamesTheEngine) {
  EXPECT_EQ(parse_cgroup_engine("12:memory:/docker/3f2a1b9c\n"), "docker");
  EXPECT_EQ(parse_cgroup_engine("0::/kubepods/burstable/pod1/abc\n"), "kubernetes");
  EXPECT_EQ(parse_cgroup_engine("0::/machine.slice/libpod-abc.scope\n"), "podman");
  EXPECT_EQ(parse_cgroup_engine("0::/init.scope\n"), std::nullopt);
}
