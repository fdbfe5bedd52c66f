// Fuzz parse_nv_tegra_release: arbitrary bytes never crash it.
#include <string_view>

#include "torchdoctor/probe/parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = td::parse_nv_tegra_release(text);
  (void)r;
  return 0;
}
