// Fatbinary parser. A `.nv_fatbin` section holds one blob per compiled .cu file, padded with zeros
// to 8 bytes. A blob is a 16-byte header (magic 0xBA55ED50, version 1, header size, payload size)
// and then entries, each a header of at least 64 bytes and a payload. The entry header says the
// kind (1 PTX, 2 cubin), the arch number (86 = sm_86) and flags; it stays uncompressed when the
// payload is compressed, so only headers are read. Field offsets and flag bits below were checked
// against nvcc 13.0 output (-gencode for sm_75, sm_90a, sm_100f, compute_90, -Xfatbin -compress-all).
#include <algorithm>

#include "byte_order.hpp"
#include "torchdoctor/probe/fatbin.hpp"

namespace td {
namespace {

constexpr std::size_t k_blob_header = 16;
constexpr std::size_t k_entry_header_min = 64;
constexpr std::uint16_t k_kind_ptx = 1;
constexpr std::uint16_t k_kind_cubin = 2;
constexpr std::uint64_t k_flag_compressed_lz4 = 0x2000;
constexpr std::uint64_t k_flag_compressed = 0x8000;
constexpr std::uint64_t k_flag_arch_specific = 0x100000;  // sm_90a
constexpr std::uint64_t k_flag_family = 0x200000;         // sm_100f
constexpr std::size_t k_window = 4096;

// Caches one page of the file, because consecutive small entry headers often share a page while
// large payloads between them must not be read.
class Window {
 public:
  Window(const RandomAccessFile& file, std::uint64_t base, std::uint64_t size)
      : m_file(file), m_base(base), m_size(size) {}

  // `len` bytes at region offset `pos`, or an empty view when the region ends first.
  Result<std::string_view> view(std::uint64_t pos, std::size_t len) {
    if (pos > m_size || len > m_size - pos) return std::string_view();
    if (pos < m_start || pos + len > m_start + m_data.size()) {
      auto got = m_file.read_at(m_base + pos, std::max(len, k_window));
      if (!got) return got.error();
      m_data = std::move(*got);
      m_start = pos;
      if (m_data.size() < len) return std::string_view();
    }
    return std::string_view(m_data).substr(static_cast<std::size_t>(pos - m_start), len);
  }

 private:
  const RandomAccessFile& m_file;
  std::uint64_t m_base;
  std::uint64_t m_size;
  std::uint64_t m_start = 0;
  std::string m_data;
};

Error fatbin_error(const std::string& shown, std::uint64_t at, const std::string& what) {
  return make_error(ErrorKind::parse, shown + ": fatbin at offset " + std::to_string(at) + ": " + what);
}

std::string hex32(std::uint32_t v) {
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string out = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) out += k_digits[(v >> static_cast<unsigned>(shift)) & 0xFU];
  return out;
}

ComputeCapability target_of(std::uint16_t kind, std::uint32_t arch, std::uint64_t flags) {
  auto suffix = ComputeCapability::Suffix::none;
  if ((flags & k_flag_arch_specific) != 0)
    suffix = ComputeCapability::Suffix::arch_specific;
  else if ((flags & k_flag_family) != 0)
    suffix = ComputeCapability::Suffix::family;
  const auto code = kind == k_kind_ptx ? ComputeCapability::Code::ptx : ComputeCapability::Code::sass;
  return {arch / 10, arch % 10, suffix, code};
}

void add_unique(std::vector<ComputeCapability>& list, const ComputeCapability& cc) {
  if (std::find(list.begin(), list.end(), cc) == list.end()) list.push_back(cc);
}

// Parses the entries of the blob whose entries span [begin, end) of the region.
Status parse_entries(Window& w, std::uint64_t begin, std::uint64_t end, FatbinSummary& s, const std::string& shown) {
  std::vector<ComputeCapability> in_blob;
  std::uint64_t at = begin;
  while (at < end) {
    if (end - at < k_entry_header_min) return fatbin_error(shown, at, "entry header cut short");
    auto h = w.view(at, k_entry_header_min);
    if (!h) return h.error();
    if (h->size() < k_entry_header_min) return fatbin_error(shown, at, "entry header cut short");
    const std::uint16_t kind = le16(*h, 0);
    const std::uint32_t header_size = le32(*h, 4);
    const std::uint64_t payload = le64(*h, 8);
    const std::uint32_t arch = le32(*h, 28);
    const std::uint64_t flags = le64(*h, 40);
    if (header_size < k_entry_header_min || header_size > end - at) {
      return fatbin_error(shown, at, "entry header size " + std::to_string(header_size) + " does not fit its blob");
    }
    if (payload > end - at - header_size) {
      return fatbin_error(shown, at, "entry payload of " + std::to_string(payload) + " bytes runs past its blob");
    }
    ++s.entries;
    if ((flags & (k_flag_compressed | k_flag_compressed_lz4)) != 0) ++s.compressed;
    if (kind == k_kind_ptx || kind == k_kind_cubin) {
      if (arch < 10 || arch > 999)
        return fatbin_error(shown, at, "implausible architecture number " + std::to_string(arch));
      const ComputeCapability cc = target_of(kind, arch, flags);
      add_unique(cc.is_ptx() ? s.ptx : s.sass, cc);
      add_unique(in_blob, cc);
    } else {
      ++s.other_kinds;
    }
    at += header_size + payload;
  }
  for (const auto& cc : in_blob) ++s.blobs_with[cc];
  return Ok{};
}

}  // namespace

std::vector<ComputeCapability> FatbinSummary::common_targets() const {
  std::vector<ComputeCapability> out;
  for (const auto& [cc, n] : blobs_with) {
    if (n * 2 >= blobs) out.push_back(cc);
  }
  return out;
}

std::vector<ComputeCapability> FatbinSummary::partial_targets() const {
  std::vector<ComputeCapability> out;
  for (const auto& [cc, n] : blobs_with) {
    if (n * 2 < blobs) out.push_back(cc);
  }
  return out;
}

void FatbinSummary::merge(const FatbinSummary& other) {
  for (const auto& cc : other.sass) add_unique(sass, cc);
  for (const auto& cc : other.ptx) add_unique(ptx, cc);
  for (const auto& [cc, n] : other.blobs_with) blobs_with[cc] += n;
  std::sort(sass.begin(), sass.end());
  std::sort(ptx.begin(), ptx.end());
  blobs += other.blobs;
  entries += other.entries;
  compressed += other.compressed;
  other_kinds += other.other_kinds;
}

Result<FatbinSummary> parse_fatbin_region(const RandomAccessFile& file, std::uint64_t offset, std::uint64_t size,
                                          const std::string& shown) {
  FatbinSummary s;
  if (offset > file.size() || size > file.size() - offset) {
    return make_error(ErrorKind::parse, shown + ": fatbin region (offset " + std::to_string(offset) + ", " +
                                            std::to_string(size) + " bytes) runs past the end of the file (" +
                                            std::to_string(file.size()) + " bytes)");
  }
  Window w(file, offset, size);
  std::uint64_t at = 0;
  while (at < size) {
    auto h = w.view(at, std::min<std::uint64_t>(k_blob_header, size - at));
    if (!h) return h.error();
    // Zero padding between blobs: skip to the first non-zero byte (a magic starts with 0x50).
    if (const std::size_t lead = h->find_first_not_of('\0'); lead != 0) {
      at += lead == std::string_view::npos ? std::max<std::size_t>(h->size(), 1) : lead;
      continue;
    }
    if (h->size() < k_blob_header) return fatbin_error(shown, at, "blob header cut short");
    const std::uint32_t magic = le32(*h, 0);
    if (magic != k_fatbin_magic) return fatbin_error(shown, at, "bad magic " + hex32(magic) + " (expected 0xba55ed50)");
    const std::uint16_t version = le16(*h, 4);
    const std::uint16_t header_size = le16(*h, 6);
    const std::uint64_t body = le64(*h, 8);
    if (version != 1) return fatbin_error(shown, at, "unsupported fatbin version " + std::to_string(version));
    if (header_size < k_blob_header || header_size > size - at) {
      return fatbin_error(shown, at, "header size " + std::to_string(header_size) + " does not fit the section");
    }
    if (body > size - at - header_size) {
      return fatbin_error(shown, at,
                          "claims " + std::to_string(body) + " bytes but the section has " +
                              std::to_string(size - at - header_size) + " left");
    }
    ++s.blobs;
    if (auto st = parse_entries(w, at + header_size, at + header_size + body, s, shown); !st) return st.error();
    at += header_size + body;
  }
  std::sort(s.sass.begin(), s.sass.end());
  std::sort(s.ptx.begin(), s.ptx.end());
  return s;
}

Result<FatbinSummary> read_library_fatbin(const FileSystem& fs, const std::string& path) {
  const std::string shown = fs.display(path);
  auto file = fs.open_file(path);
  if (!file) return file.error();
  auto sections = read_elf_sections(**file, shown);
  if (!sections) return sections.error();
  constexpr std::uint32_t k_sht_nobits = 8;
  FatbinSummary total;
  for (const auto& sec : *sections) {
    if ((sec.name != ".nv_fatbin" && sec.name != "__nv_relfatbin") || sec.type == k_sht_nobits) continue;
    auto part = parse_fatbin_region(**file, sec.offset, sec.size, shown + " section " + sec.name);
    if (!part) return part.error();
    total.merge(*part);
  }
  return total;
}

}  // namespace td
