// Fuzz the decoder of td_kbc's binary KB form (src/kb/kb_tree.hpp) and the loader on what decodes.
#include <string>

#include "kb/kb_tree.hpp"
#include "torchdoctor/kb/kb.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  std::string_view in = bytes;
  if (auto tree = td::kb_tree_decode(in)) {
    std::string again;
    td::kb_tree_encode(*tree, again);  // what decodes must encode again
    (void)td::parse_kb({{"meta.toml", "as_of = \"2026-11-22\"\n"}, {"fuzz.toml", "", bytes}}, "fuzz");
  }
  return 0;
}
