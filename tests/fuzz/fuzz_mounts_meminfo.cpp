// Fuzz the /proc/mounts and /proc/meminfo parsers.
#include <string_view>

#include "torchdoctor/probe/parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)td::parse_shm_size_from_mounts(text);
  (void)td::parse_meminfo_total(text);
  return 0;
}
