// Fuzz image reference parsing, platform strings and WWW-Authenticate challenges.
#include <string>

#include "torchdoctor/registry/auth.hpp"
#include "torchdoctor/registry/image_facts.hpp"
#include "torchdoctor/registry/image_ref.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)td::parse_image_ref(text);
  (void)td::parse_platform(text);
  (void)td::parse_www_authenticate(text);
  return 0;
}
