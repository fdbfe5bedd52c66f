// Fuzz the ELF section reader and the fatbin parser on arbitrary bytes (lying offsets, cut sections).
#include <string>

#include "torchdoctor/probe/fatbin.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  auto file = td::make_memory_file(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
  auto sections = td::read_elf_sections(*file, "fuzz");
  if (sections) {
    for (const auto& s : *sections) (void)td::parse_fatbin_region(*file, s.offset, s.size, "fuzz");
  }
  (void)td::parse_fatbin_region(*file, 0, size, "fuzz");
  return 0;
}
