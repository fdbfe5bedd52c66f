// Fuzz Version::parse: never crash; whatever parses prints to text that parses back equal.
#include <cstdlib>
#include <string>

#include "torchdoctor/core/version.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto v = td::Version::parse(text);
  if (!v) return 0;
  auto again = td::Version::parse(v->str());
  if (!again || !(*again == *v)) std::abort();
  (void)v->public_version().str();
  (void)v->truncated(2).str();
  return 0;
}
