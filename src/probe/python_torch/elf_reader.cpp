// ELF section headers of a 64-bit little-endian file, read with a few small preads: the header,
// the section-header table and the section-name table, never the sections themselves.
#include <cstring>

#include "byte_order.hpp"
#include "torchdoctor/probe/fatbin.hpp"

namespace td {
namespace {

constexpr std::size_t k_ehdr_size = 64;
constexpr std::size_t k_shdr_size = 64;
constexpr std::uint64_t k_max_sections = 1U << 20U;
constexpr std::uint64_t k_max_name_table = 16U << 20U;
constexpr std::uint16_t k_shn_xindex = 0xffff;

Error elf_error(const std::string& shown, const std::string& what) {
  return make_error(ErrorKind::parse, shown + ": " + what);
}

// The fields of the ELF header we use.
struct ElfHeader {
  std::uint64_t shoff = 0;
  std::uint16_t shentsize = 0;
  std::uint64_t shnum = 0;
  std::uint32_t shstrndx = 0;
};

Result<ElfHeader> read_header(const RandomAccessFile& file, const std::string& shown) {
  auto head = file.read_at(0, k_ehdr_size);
  if (!head) return head.error();
  const std::string_view h = *head;
  if (h.size() < 4 || h.substr(0, 4) != std::string_view("\x7f"
                                                         "ELF",
                                                         4))
    return elf_error(shown, "not an ELF file");
  if (h.size() < k_ehdr_size) return elf_error(shown, "truncated ELF header (" + std::to_string(h.size()) + " bytes)");
  if (h[4] == 1) return elf_error(shown, "32-bit ELF files are not supported");
  if (h[4] != 2) return elf_error(shown, "bad ELF class " + std::to_string(static_cast<unsigned char>(h[4])));
  if (h[5] != 1) return elf_error(shown, "big-endian ELF files are not supported");
  ElfHeader e;
  e.shoff = le64(h, 0x28);
  e.shentsize = le16(h, 0x3A);
  e.shnum = le16(h, 0x3C);
  e.shstrndx = le16(h, 0x3E);
  if (e.shoff == 0) return elf_error(shown, "no section headers");
  if (e.shentsize < k_shdr_size)
    return elf_error(shown, "section header size " + std::to_string(e.shentsize) + " is too small");
  if (e.shnum == 0 || e.shstrndx == k_shn_xindex) {
    // More than 0xff00 sections: the real count and index live in section header 0.
    auto first = file.read_at(e.shoff, k_shdr_size);
    if (!first) return first.error();
    if (first->size() < k_shdr_size) return elf_error(shown, "section headers run past the end of the file");
    if (e.shnum == 0) e.shnum = le64(*first, 0x20);
    if (e.shstrndx == k_shn_xindex) e.shstrndx = le32(*first, 0x28);
  }
  if (e.shnum == 0 || e.shnum > k_max_sections)
    return elf_error(shown, "implausible section count " + std::to_string(e.shnum));
  const std::uint64_t table = e.shnum * e.shentsize;
  if (table > k_max_name_table) return elf_error(shown, "section header table too large");
  if (e.shoff > file.size() || table > file.size() - e.shoff) {
    return elf_error(shown, "section headers (offset " + std::to_string(e.shoff) + ", " + std::to_string(table) +
                                " bytes) run past the end of the file (" + std::to_string(file.size()) + " bytes)");
  }
  if (e.shstrndx >= e.shnum)
    return elf_error(shown, "section name table index " + std::to_string(e.shstrndx) + " out of range");
  return e;
}

}  // namespace

Result<std::vector<ElfSection>> read_elf_sections(const RandomAccessFile& file, const std::string& shown) {
  auto header = read_header(file, shown);
  if (!header) return header.error();
  const ElfHeader& e = *header;
  auto table = file.read_at(e.shoff, static_cast<std::size_t>(e.shnum * e.shentsize));
  if (!table) return table.error();
  if (table->size() < e.shnum * e.shentsize) return elf_error(shown, "section headers cut short");

  std::vector<ElfSection> sections(static_cast<std::size_t>(e.shnum));
  for (std::size_t i = 0; i < sections.size(); ++i) {
    const std::size_t at = i * e.shentsize;
    sections[i].type = le32(*table, at + 4);
    sections[i].offset = le64(*table, at + 0x18);
    sections[i].size = le64(*table, at + 0x20);
  }
  const ElfSection& names = sections[e.shstrndx];
  if (names.size > k_max_name_table) return elf_error(shown, "section name table too large");
  if (names.offset > file.size() || names.size > file.size() - names.offset) {
    return elf_error(shown, "section name table runs past the end of the file");
  }
  auto strtab = file.read_at(names.offset, static_cast<std::size_t>(names.size));
  if (!strtab) return strtab.error();
  for (std::size_t i = 0; i < sections.size(); ++i) {
    const std::uint32_t name_at = le32(*table, i * e.shentsize);
    if (name_at == 0) continue;
    if (name_at >= strtab->size()) {
      return elf_error(shown, "section " + std::to_string(i) + ": name offset " + std::to_string(name_at) +
                                  " is beyond the name table");
    }
    const std::size_t end = strtab->find('\0', name_at);
    sections[i].name = strtab->substr(name_at, end == std::string::npos ? std::string::npos : end - name_at);
  }
  return sections;
}

}  // namespace td
