// The ELF section reader and fatbinary parser, on synthetic bytes built here and on damaged
// copies of a real CUDA library.
#include <gtest/gtest.h>

#include <random>

#include "elf_builder.hpp"
#include "torchdoctor/probe/fatbin.hpp"

using td::ComputeCapability;
using td::test::elf_file;
using td::test::fatbin_blob;
using td::test::FatEntry;
using td::test::poke_le;

namespace {

std::vector<std::string> names(const std::vector<ComputeCapability>& list) {
  std::vector<std::string> out;
  for (const auto& cc : list) out.push_back(cc.nvcc_name());
  return out;
}

td::Result<td::FatbinSummary> parse_lib(const std::string& bytes) {
  td::MemoryFileSystem fs;
  fs.file("/lib/libx.so", bytes);
  return td::read_library_fatbin(fs, "/lib/libx.so");
}

// A library with two blobs (8-byte padding between them) for sm_80, sm_86, sm_90a and PTX 9.0.
std::string sample_library() {
  std::string section = fatbin_blob({{2, 80, 0x11, 40}, {2, 86, 0x11, 24}, {1, 90, 0x8011, 17}});
  section.append(8 - section.size() % 8, '\0');
  section += fatbin_blob({{2, 80, 0x11, 8}, {2, 86, 0x11, 8}, {2, 90, 0x100011, 8}});
  return elf_file({{".text", std::string(100, '\x90')}, {".nv_fatbin", section}, {".data", "abc"}});
}

std::string error_of(const std::string& bytes) {
  auto r = parse_lib(bytes);
  return r ? std::string("(parsed)") : r.error().message;
}

}  // namespace

TEST(Elf, ReadsSectionNamesOffsetsAndSizes) {
  const std::string bytes = elf_file({{".nv_fatbin", "12345678"}, {".rodata", "xy"}});
  auto file = td::make_memory_file(bytes, "mem");
  auto sections = td::read_elf_sections(*file, "mem");
  ASSERT_TRUE(sections) << sections.error().message;
  ASSERT_EQ(sections->size(), 4U);
  EXPECT_EQ((*sections)[1].name, ".nv_fatbin");
  EXPECT_EQ((*sections)[1].size, 8U);
  EXPECT_EQ(bytes.substr((*sections)[1].offset, 8), "12345678");
  EXPECT_EQ((*sections)[2].name, ".rodata");
  EXPECT_EQ((*sections)[3].name, ".shstrtab");
}

TEST(Fatbin, ListsSassAndPtxTargetsWithSuffixes) {
  auto r = parse_lib(sample_library());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(names(r->sass), (std::vector<std::string>{"sm_80", "sm_86", "sm_90a"}));
  EXPECT_EQ(names(r->ptx), (std::vector<std::string>{"compute_90"}));
  EXPECT_EQ(r->blobs, 2U);
  EXPECT_EQ(r->entries, 6U);
  EXPECT_EQ(r->compressed, 1U);
  // sm_80 and sm_86 are in both blobs; sm_90a and the PTX in one of two (still half).
  EXPECT_EQ(r->blobs_with.at(ComputeCapability(8, 0)), 2U);
  EXPECT_EQ(r->blobs_with.at(ComputeCapability(9, 0, ComputeCapability::Suffix::arch_specific)), 1U);
}

TEST(Fatbin, FamilyTargetsAndRarelyUsedTargets) {
  std::string section;
  for (int i = 0; i < 5; ++i) section += fatbin_blob({{2, 100, 0x1200011, 8}, {2, 120, 0x11, 8}});
  section += fatbin_blob({{2, 100, 0x1200011, 8}, {2, 120, 0x11, 8}, {2, 90, 0x100011, 8}});
  auto r = parse_lib(elf_file({{".nv_fatbin", section}}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(names(r->common_targets()), (std::vector<std::string>{"sm_100f", "sm_120"}));
  EXPECT_EQ(names(r->partial_targets()), (std::vector<std::string>{"sm_90a"}));
}

TEST(Fatbin, RelocatableSectionIsMergedAndNoSectionMeansEmpty) {
  auto r = parse_lib(
      elf_file({{".nv_fatbin", fatbin_blob({{2, 75, 0x11, 8}})}, {"__nv_relfatbin", fatbin_blob({{2, 89, 0x11, 8}})}}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(names(r->sass), (std::vector<std::string>{"sm_75", "sm_89"}));
  auto none = parse_lib(elf_file({{".text", "code"}}));
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_EQ(none->blobs, 0U);
  EXPECT_TRUE(none->sass.empty());
}

TEST(Fatbin, UnknownEntryKindsAreCountedNotListed) {
  auto r = parse_lib(elf_file({{".nv_fatbin", fatbin_blob({{2, 86, 0x11, 8}, {8, 86, 0x11, 8}})}}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->other_kinds, 1U);
  EXPECT_EQ(names(r->sass), (std::vector<std::string>{"sm_86"}));
}

TEST(FatbinBadInput, NotAnElfFile) {
  EXPECT_NE(error_of("#!/bin/sh\necho hi\n").find("not an ELF file"), std::string::npos);
  EXPECT_NE(error_of("").find("not an ELF file"), std::string::npos);
  EXPECT_NE(error_of(std::string("\x7f"
                                 "ELF\x02\x01",
                                 6))
                .find("truncated ELF header"),
            std::string::npos);
}

TEST(FatbinBadInput, ThirtyTwoBitAndBigEndianAreRefused) {
  std::string bytes = sample_library();
  bytes[4] = 1;
  EXPECT_NE(error_of(bytes).find("32-bit"), std::string::npos);
  bytes = sample_library();
  bytes[5] = 2;
  EXPECT_NE(error_of(bytes).find("big-endian"), std::string::npos);
}

TEST(FatbinBadInput, LyingSectionHeaderOffsetAndCount) {
  std::string bytes = sample_library();
  poke_le(bytes, 0x28, bytes.size() + 1000, 8);
  EXPECT_NE(error_of(bytes).find("run past the end of the file"), std::string::npos) << error_of(bytes);
  bytes = sample_library();
  poke_le(bytes, 0x3C, 60000, 2);
  EXPECT_NE(error_of(bytes).find("run past the end of the file"), std::string::npos) << error_of(bytes);
  bytes = sample_library();
  poke_le(bytes, 0x3E, 200, 2);
  EXPECT_NE(error_of(bytes).find("out of range"), std::string::npos) << error_of(bytes);
  bytes = sample_library();
  poke_le(bytes, 0x28, 0, 8);
  EXPECT_NE(error_of(bytes).find("no section headers"), std::string::npos) << error_of(bytes);
}

TEST(FatbinBadInput, SectionRunningPastTheFile) {
  std::string bytes = sample_library();
  std::uint64_t shoff = 0;
  for (std::size_t i = 8; i-- > 0;) shoff = (shoff << 8U) | static_cast<unsigned char>(bytes[0x28 + i]);
  // Section 2 is .nv_fatbin; sh_size sits 0x20 into its header.
  poke_le(bytes, static_cast<std::size_t>(shoff) + 2 * 64 + 0x20, 1U << 30U, 8);
  EXPECT_NE(error_of(bytes).find("runs past the end of the file"), std::string::npos) << error_of(bytes);
}

TEST(FatbinBadInput, WrongMagicAndLyingSizes) {
  const std::string good = fatbin_blob({{2, 80, 0x11, 40}, {2, 86, 0x11, 24}});
  std::string blob = good;
  blob[0] = 0x51;
  EXPECT_NE(error_of(elf_file({{".nv_fatbin", blob}})).find("bad magic 0xba55ed51"), std::string::npos);
  blob = good;
  poke_le(blob, 8, 1U << 20U, 8);  // the blob claims a megabyte
  EXPECT_NE(error_of(elf_file({{".nv_fatbin", blob}})).find("left"), std::string::npos);
  blob = good;
  poke_le(blob, 16 + 8, 1U << 20U, 8);  // first entry's payload runs on
  EXPECT_NE(error_of(elf_file({{".nv_fatbin", blob}})).find("runs past its blob"), std::string::npos);
  blob = good;
  poke_le(blob, 16 + 4, 8, 4);  // entry header size too small
  EXPECT_NE(error_of(elf_file({{".nv_fatbin", blob}})).find("entry header size 8"), std::string::npos);
  blob = good;
  poke_le(blob, 16 + 28, 0, 4);  // arch 0
  EXPECT_NE(error_of(elf_file({{".nv_fatbin", blob}})).find("implausible architecture"), std::string::npos);
  blob = good;
  poke_le(blob, 4, 7, 2);
  EXPECT_NE(error_of(elf_file({{".nv_fatbin", blob}})).find("unsupported fatbin version 7"), std::string::npos);
}

TEST(FatbinBadInput, CutSection) {
  std::string blob = fatbin_blob({{2, 80, 0x11, 40}, {2, 86, 0x11, 24}});
  // The section ends in the middle of the second entry header.
  EXPECT_NE(error_of(elf_file({{".nv_fatbin", blob.substr(0, 16 + 64 + 40 + 30)}})).find("fatbin at offset"),
            std::string::npos);
  // And a file truncated in the middle of the section headers.
  const std::string lib = sample_library();
  EXPECT_NE(error_of(lib.substr(0, lib.size() - 10)).find("run past the end of the file"), std::string::npos);
}

TEST(FatbinBadInput, RandomMutationsNeverCrash) {
  const std::string lib = sample_library();
  std::mt19937 rng(1234);
  int parsed = 0;
  int refused = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string bytes = lib;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) bytes[rng() % bytes.size()] = static_cast<char>(rng() & 0xFFU);
    if (round % 5 == 0) bytes.resize(rng() % bytes.size());
    auto r = parse_lib(bytes);
    if (r) {
      ++parsed;
      for (const auto& cc : r->sass) EXPECT_FALSE(cc.is_ptx());
    } else {
      ++refused;
      EXPECT_FALSE(r.error().message.empty());
      EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
    }
  }
  EXPECT_GT(parsed, 0);
  EXPECT_GT(refused, 0);
}
