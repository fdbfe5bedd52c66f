// Fuzz the libc banner scan and the ELF machine reader.
#include <string_view>

#include "torchdoctor/probe/parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)td::parse_glibc_banner(bytes);
  (void)td::parse_elf_machine(bytes);
  return 0;
}
