// Builds synthetic ELF files and fatbinary blobs in memory, byte by byte, for the parser tests.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace td::test {

/// Appends `n` bytes of `v`, little-endian.
inline void put_le(std::string& out, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFFU));
}

/// Writes `n` bytes of `v` at `at`, little-endian.
inline void poke_le(std::string& out, std::size_t at, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFFU);
}

/// One fatbin entry: kind 1 PTX / 2 cubin, arch number (86), flags, payload length.
struct FatEntry {
  std::uint16_t kind = 2;
  std::uint32_t arch = 86;
  std::uint64_t flags = 0x11;
  std::size_t payload = 32;
};

/// A fatbinary blob: 16-byte header, then 64-byte entry headers each followed by its payload.
inline std::string fatbin_blob(const std::vector<FatEntry>& entries) {
  std::string body;
  for (const auto& e : entries) {
    put_le(body, e.kind, 2);
    put_le(body, 0x0101, 2);
    put_le(body, 64, 4);         // entry header size
    put_le(body, e.payload, 8);  // payload size
    put_le(body, 0, 4);          // compressed size
    put_le(body, 0, 4);
    put_le(body, 8, 2);  // minor
    put_le(body, 1, 2);  // major
    put_le(body, e.arch, 4);
    put_le(body, 0, 4);  // name offset
    put_le(body, 0, 4);  // name length
    put_le(body, e.flags, 8);
    put_le(body, 0, 8);
    put_le(body, 0, 8);  // decompressed size
    body.append(e.payload, '\xAB');
  }
  std::string out;
  put_le(out, 0xBA55ED50U, 4);
  put_le(out, 1, 2);
  put_le(out, 16, 2);
  put_le(out, body.size(), 8);
  return out + body;
}

/// A 64-bit little-endian ELF with the given (name, contents) sections after a null section and
/// followed by .shstrtab; section headers at the end of the file, as linkers put them.
inline std::string elf_file(const std::vector<std::pair<std::string, std::string>>& sections) {
  std::string names(1, '\0');
  std::vector<std::size_t> name_at;
  for (const auto& s : sections) {
    name_at.push_back(names.size());
    names += s.first + '\0';
  }
  const std::size_t shstrtab_name = names.size();
  names += std::string(".shstrtab") + '\0';

  std::string file(64, '\0');
  std::vector<std::pair<std::size_t, std::size_t>> places;  // offset, size
  for (const auto& s : sections) {
    while (file.size() % 8 != 0) file.push_back('\0');
    places.emplace_back(file.size(), s.second.size());
    file += s.second;
  }
  places.emplace_back(file.size(), names.size());
  file += names;
  while (file.size() % 8 != 0) file.push_back('\0');
  const std::size_t shoff = file.size();
  const std::size_t count = sections.size() + 2;

  auto header = [&](std::size_t name, std::uint32_t type, std::size_t off, std::size_t size) {
    put_le(file, name, 4);
    put_le(file, type, 4);
    put_le(file, 2, 8);  // flags
    put_le(file, 0, 8);  // addr
    put_le(file, off, 8);
    put_le(file, size, 8);
    put_le(file, 0, 4);  // link
    put_le(file, 0, 4);  // info
    put_le(file, 8, 8);  // align
    put_le(file, 0, 8);  // entsize
  };
  header(0, 0, 0, 0);
  for (std::size_t i = 0; i < sections.size(); ++i) header(name_at[i], 1, places[i].first, places[i].second);
  header(shstrtab_name, 3, places.back().first, places.back().second);

  file[0] = '\x7f';
  file[1] = 'E';
  file[2] = 'L';
  file[3] = 'F';
  file[4] = 2;                        // 64-bit
  file[5] = 1;                        // little-endian
  file[6] = 1;                        // version
  poke_le(file, 0x10, 3, 2);          // ET_DYN
  poke_le(file, 0x12, 62, 2);         // x86-64
  poke_le(file, 0x28, shoff, 8);      // e_shoff
  poke_le(file, 0x34, 64, 2);         // e_ehsize
  poke_le(file, 0x3A, 64, 2);         // e_shentsize
  poke_le(file, 0x3C, count, 2);      // e_shnum
  poke_le(file, 0x3E, count - 1, 2);  // e_shstrndx
  return file;
}

}  // namespace td::test
