// Fuzz the /proc/cpuinfo parser and the device-tree and cgroup readers.
#include <string_view>

#include "torchdoctor/probe/parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)td::parse_cpuinfo(text);
  (void)td::parse_dt_strings(text);
  (void)td::parse_cgroup_engine(text);
  (void)td::parse_dpkg_l4t_core(text);
  return 0;
}
