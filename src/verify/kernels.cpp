// The embedded verification kernels and torch suite: symbols from the generated kernels_blob.cpp, weak here so the
// first-stage binary (which decides the kernels' architectures) links without them.
#include "torchdoctor/verify/native.hpp"
#include "torchdoctor/verify/torch_suite.hpp"

extern "C" {
extern const unsigned char td_kernels_source_begin[] __attribute__((weak));
extern const unsigned char td_kernels_source_end[] __attribute__((weak));
extern const unsigned char td_kernels_fatbin_begin[] __attribute__((weak));
extern const unsigned char td_kernels_fatbin_end[] __attribute__((weak));
extern const unsigned char td_torch_suite_begin[] __attribute__((weak));
extern const unsigned char td_torch_suite_end[] __attribute__((weak));
}

namespace td {

std::span<const unsigned char> embedded_kernels_fatbin() {
  if (td_kernels_fatbin_begin == nullptr || td_kernels_fatbin_end == nullptr) return {};
  return {td_kernels_fatbin_begin, static_cast<std::size_t>(td_kernels_fatbin_end - td_kernels_fatbin_begin)};
}

std::string_view embedded_kernels_source() {
  if (td_kernels_source_begin == nullptr || td_kernels_source_end == nullptr) return {};
  return {reinterpret_cast<const char*>(td_kernels_source_begin),
          static_cast<std::size_t>(td_kernels_source_end - td_kernels_source_begin)};
}

std::string_view embedded_torch_suite() {
  if (td_torch_suite_begin == nullptr || td_torch_suite_end == nullptr) return {};
  return {reinterpret_cast<const char*>(td_torch_suite_begin),
          static_cast<std::size_t>(td_torch_suite_end - td_torch_suite_begin)};
}

}  // namespace td
