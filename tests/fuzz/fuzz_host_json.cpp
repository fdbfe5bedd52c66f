// Fuzz the host snapshot reader: never crash; JsonReader accepts exactly the texts nlohmann accepts
// (but for nlohmann ending the text at a NUL byte);
// a snapshot that loads re-serialises and re-loads equal.
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "torchdoctor/core/host_json.hpp"
#include "torchdoctor/core/json_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  td::JsonReader reader(text);
  const bool ours = reader.skip() && reader.finish();
  // nlohmann stops at a NUL byte between tokens ("9\0junk" is accepted); we read the whole text.
  if (ours != nlohmann::json::accept(text) && (ours || text.find('\0') == std::string::npos)) std::abort();
  auto facts = td::host_from_text(text, "fuzz");
  if (!facts) return 0;
  const auto j = td::host_to_json(*facts);
  auto back = td::host_from_json(j);
  if (!back || td::host_to_json(*back) != j) std::abort();
  return 0;
}
