// Reading the GPU architectures compiled into a CUDA library without loading it: a minimal ELF
// section-header reader and a parser for the fatbinary blobs nvcc stores in `.nv_fatbin`.
// Only headers are read (pread through RandomAccessFile): never the code payloads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "torchdoctor/core/compute_capability.hpp"
#include "torchdoctor/core/result.hpp"
#include "torchdoctor/sys/file_system.hpp"

namespace td {

/// One ELF section header, with its name from the section-name string table.
struct ElfSection {
  std::string name;
  std::uint32_t type = 0;    ///< sh_type (8 = SHT_NOBITS: no bytes in the file).
  std::uint64_t offset = 0;  ///< sh_offset in the file.
  std::uint64_t size = 0;    ///< sh_size in bytes.
};

/// Reads the section headers of a 64-bit little-endian ELF file; errors say what was malformed.
Result<std::vector<ElfSection>> read_elf_sections(const RandomAccessFile& file, const std::string& shown);

/// The magic number that starts every fatbinary blob.
inline constexpr std::uint32_t k_fatbin_magic = 0xBA55ED50U;

/// What the fatbinary blobs of one region (or several, merged) hold.
struct FatbinSummary {
  std::vector<ComputeCapability> sass;                  ///< Distinct cubin targets (sm_XX, sm_XXa, sm_XXf), sorted.
  std::vector<ComputeCapability> ptx;                   ///< Distinct PTX targets (compute_XX), sorted.
  std::size_t blobs = 0;                                ///< Fatbinary blobs (about one per .cu file).
  std::size_t entries = 0;                              ///< Entries of any kind.
  std::size_t compressed = 0;                           ///< Entries whose payload is compressed.
  std::size_t other_kinds = 0;                          ///< Entries neither PTX nor cubin (not counted as targets).
  std::map<ComputeCapability, std::size_t> blobs_with;  ///< Per target: how many blobs contain it.

  /// Targets found in at least half of the blobs: the build's arch list. Targets in fewer blobs
  /// come from a few special kernels (sm_90a FlashAttention/CUTLASS code) and cannot run a model.
  [[nodiscard]] std::vector<ComputeCapability> common_targets() const;
  /// Targets found in fewer than half of the blobs.
  [[nodiscard]] std::vector<ComputeCapability> partial_targets() const;

  /// Adds `other`'s targets and counts to this one.
  void merge(const FatbinSummary& other);
};

/// Parses the fatbinary blobs in `size` bytes at `offset` of `file` (a `.nv_fatbin` section's
/// bytes). Zero padding between blobs is skipped; anything else malformed is an error naming the
/// offset, so a damaged library gives "unknown" rather than a wrong list.
Result<FatbinSummary> parse_fatbin_region(const RandomAccessFile& file, std::uint64_t offset, std::uint64_t size,
                                          const std::string& shown);

/// Opens the ELF file at `path` in `fs` and parses its `.nv_fatbin` (and `__nv_relfatbin`) sections;
/// a library with no such section gives an empty summary.
Result<FatbinSummary> read_library_fatbin(const FileSystem& fs, const std::string& path);

}  // namespace td
