// Version: the version strings of drivers, CUDA, torch and L4T, parsed for comparison.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "torchdoctor/core/result.hpp"

namespace td {

/// A version such as 525.60.13, 12.4, 2.6.0+cu124, 2.10.0a0+git1234abc, r35.3.1 or 36.4.3.
/// Ordering follows PEP 440 for the parts torch uses: release numbers (missing ones count as 0),
/// then dev < a < b < rc < final < post; the local part (+cu124) only breaks ties.
class Version {
 public:
  /// Pre-release kinds in their PEP 440 order.
  enum class Pre : std::uint8_t { alpha, beta, rc, none };

  Version() = default;

  /// Parses `text`; accepts an optional leading `v`/`r`/`R` and surrounding spaces.
  static Result<Version> parse(std::string_view text);

  /// Builds a version from release numbers, e.g. of({12, 4}).
  static Version of(std::vector<std::uint32_t> release);

  [[nodiscard]] const std::vector<std::uint32_t>& release() const { return m_release; }
  [[nodiscard]] std::uint32_t major() const { return part(0); }
  [[nodiscard]] std::uint32_t minor() const { return part(1); }
  [[nodiscard]] std::uint32_t patch() const { return part(2); }
  /// Release number `i`, or 0 when the version has fewer parts.
  [[nodiscard]] std::uint32_t part(std::size_t i) const { return i < m_release.size() ? m_release[i] : 0; }
  [[nodiscard]] Pre pre() const { return m_pre; }
  [[nodiscard]] std::optional<std::uint32_t> pre_number() const { return m_pre_number; }
  [[nodiscard]] std::optional<std::uint32_t> post() const { return m_post; }
  [[nodiscard]] std::optional<std::uint32_t> dev() const { return m_dev; }
  /// The local part after `+` (cu124, git1234abc), empty when absent.
  [[nodiscard]] const std::string& local() const { return m_local; }
  /// The prefix letter given on input (`r` of r35.3.1), empty when absent.
  [[nodiscard]] const std::string& prefix() const { return m_prefix; }

  /// The version without its local part and prefix (2.6.0+cu124 -> 2.6.0).
  [[nodiscard]] Version public_version() const;
  /// The first `n` release numbers only (12.4.1 -> 12.4 for n = 2), no pre/post/dev/local.
  [[nodiscard]] Version truncated(std::size_t n) const;

  /// The text as given (535.183.01 keeps its zero); derived versions print canonically.
  [[nodiscard]] std::string str() const;

  /// Orders as described in the class comment.
  std::strong_ordering operator<=>(const Version& other) const;
  bool operator==(const Version& other) const { return (*this <=> other) == 0; }

 private:
  std::string m_prefix;
  std::vector<std::uint32_t> m_release;
  Pre m_pre = Pre::none;
  std::optional<std::uint32_t> m_pre_number;
  std::optional<std::uint32_t> m_post;
  std::optional<std::uint32_t> m_dev;
  std::string m_local;
  std::string m_text;  // the trimmed input, empty for derived versions
};

}  // namespace td
