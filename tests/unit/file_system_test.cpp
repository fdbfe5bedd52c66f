#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "torchdoctor/sys/env.hpp"
#include "torchdoctor/sys/file_system.hpp"

using namespace td;

TEST(NormalizePath, FoldsDotsAndSlashes) {
  EXPECT_EQ(normalize_path("/a/./b//c/../d"), "/a/b/d");
  EXPECT_EQ(normalize_path("/../../etc"), "/etc");
  EXPECT_EQ(normalize_path(""), "/");
}

TEST(MemoryFileSystem, ReadsFilesAndListsDirectoriesSorted) {
  MemoryFileSystem fs;
  fs.file("/etc/os-release", "ID=debian\n").file("/etc/hostname", "box\n");
  EXPECT_EQ(*fs.read_file("/etc/os-release"), "ID=debian\n");
  EXPECT_EQ(*fs.list_dir("/etc"), (std::vector<std::string>{"hostname", "os-release"}));
  EXPECT_EQ(fs.stat("/etc").type, FileType::directory);
  EXPECT_FALSE(fs.exists("/nope"));
  EXPECT_EQ(fs.read_file("/nope").error().kind, ErrorKind::not_found);
}

TEST(MemoryFileSystem, ResolvesAbsoluteAndRelativeSymlinksInsideTheRoot) {
  MemoryFileSystem fs;
  fs.file("/usr/bin/sh", "ELF")
      .symlink("/bin", "usr/bin")
      .symlink("/proc/device-tree", "/sys/firmware/devicetree/base");
  fs.file("/sys/firmware/devicetree/base/model", "Pi");
  EXPECT_EQ(*fs.read_file("/bin/sh"), "ELF");
  EXPECT_EQ(*fs.read_file("/proc/device-tree/model"), "Pi");
  EXPECT_EQ(*fs.resolve("/bin/sh"), "/usr/bin/sh");
}

TEST(MemoryFileSystem, SymlinkLoopIsAnErrorNotAHang) {
  MemoryFileSystem fs;
  fs.symlink("/a", "/b").symlink("/b", "/a");
  auto r = fs.read_file("/a/x");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("too many levels"), std::string::npos);
}

TEST(MemoryFileSystem, UnreadableFileAndDirectoryAsFile) {
  MemoryFileSystem fs;
  fs.unreadable("/proc/1/cgroup").dir("/etc/os-release");
  EXPECT_NE(fs.read_file("/proc/1/cgroup").error().message.find("Permission denied"), std::string::npos);
  EXPECT_NE(fs.read_file("/etc/os-release").error().message.find("Is a directory"), std::string::npos);
}

TEST(MemoryFileSystem, CapsTheBytesRead) {
  MemoryFileSystem fs;
  fs.file("/big", std::string(1000, 'x'));
  EXPECT_EQ(fs.read_file("/big", 10)->size(), 10U);
}

TEST(RealFileSystem, KeepsAbsoluteLinksInsideTheRoot) {
  namespace stdfs = std::filesystem;
  const stdfs::path root = stdfs::temp_directory_path() / ("td-fs-test-" + std::to_string(::getpid()));
  stdfs::remove_all(root);
  stdfs::create_directories(root / "etc");
  stdfs::create_directories(root / "data");
  std::ofstream(root / "data" / "os-release") << "ID=inside\n";
  stdfs::create_symlink("/data/os-release", root / "etc" / "os-release");
  stdfs::create_symlink("../../../../../../etc/passwd", root / "escape");
  auto fs = make_real_file_system(root.string());
  EXPECT_EQ(*fs->read_file("/etc/os-release"), "ID=inside\n");
  // ".." cannot climb out of the root: the host's /etc/passwd is not reachable.
  EXPECT_FALSE(fs->read_file("/escape").ok());
  EXPECT_FALSE(fs->is_live_root());
  EXPECT_NE(fs->display("/etc/os-release").find(root.string()), std::string::npos);
  stdfs::remove_all(root);
}

TEST(RealFileSystem, LiveRootReadsProc) {
  auto fs = make_real_file_system("/");
  EXPECT_TRUE(fs->is_live_root());
  EXPECT_TRUE(fs->read_file("/proc/self/status").ok());
  EXPECT_TRUE(fs->filesystem_size("/").ok());
}

TEST(FindInPath, SearchesEachDirectoryInOrder) {
  MemoryFileSystem fs;
  fs.file("/opt/bin/docker", "").file("/usr/bin/docker", "");
  MapEnv env;
  env.set("PATH", "relative:/opt/bin:/usr/bin");
  EXPECT_EQ(find_in_path(fs, env, "docker"), "/opt/bin/docker");
  EXPECT_EQ(find_in_path(fs, env, "podman"), std::nullopt);
  MapEnv no_path;
  EXPECT_EQ(find_in_path(fs, no_path, "docker"), "/usr/bin/docker");
}
