// Little-endian integer loads from a byte string; callers check the bounds first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace td {

/// The little-endian unsigned integer of `n` bytes at `at` in `b`.
inline std::uint64_t load_le(std::string_view b, std::size_t at, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = n; i-- > 0;) v = (v << 8U) | static_cast<unsigned char>(b[at + i]);
  return v;
}
inline std::uint16_t le16(std::string_view b, std::size_t at) { return static_cast<std::uint16_t>(load_le(b, at, 2)); }
inline std::uint32_t le32(std::string_view b, std::size_t at) { return static_cast<std::uint32_t>(load_le(b, at, 4)); }
inline std::uint64_t le64(std::string_view b, std::size_t at) { return load_le(b, at, 8); }

}  // namespace td
