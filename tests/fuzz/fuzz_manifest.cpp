// Fuzz registry manifest / index parsing with each media type.
#include <string>

#include "torchdoctor/registry/image_facts.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  for (const char* type : {"application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
                           "application/vnd.docker.distribution.manifest.list.v2+json",
                           "application/vnd.docker.distribution.manifest.v2+json", ""}) {
    (void)td::parse_manifest(body, type);
  }
  return 0;
}
