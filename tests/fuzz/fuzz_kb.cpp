// Fuzz the knowledge-base loader with an arbitrary data file next to a valid meta.toml.
#include <string>

#include "torchdoctor/kb/kb.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto kb = td::parse_kb({{"meta.toml", "as_of = \"2026-11-22\"\n"}, {"fuzz.toml", text}}, "fuzz");
  (void)kb;
  return 0;
}
