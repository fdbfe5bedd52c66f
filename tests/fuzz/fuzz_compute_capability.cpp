// Fuzz ComputeCapability::parse: never crash; printing round-trips.
#include <cstdlib>
#include <string>

#include "torchdoctor/core/compute_capability.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto cc = td::ComputeCapability::parse(text);
  if (!cc) return 0;
  auto again = td::ComputeCapability::parse(cc->str());
  if (!again || !(*again == *cc)) std::abort();
  (void)cc->nvcc_name();
  (void)cc->runs_on(td::ComputeCapability(9, 0));
  return 0;
}
