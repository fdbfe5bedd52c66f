#include "torchdoctor/core/compute_capability.hpp"

#include <algorithm>
#include <cctype>

namespace td {
namespace {

constexpr std::uint32_t k_max_major = 99;

std::string lower_trimmed(std::string_view text) {
  std::string s;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) == 0)
      s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

Error bad(std::string_view text) {
  return make_error(ErrorKind::bad_input,
                    "invalid compute capability '" + std::string(text) +
                        "': expected a form like 8.6, sm_86, sm_90a, compute_90, 12.0f or 8.6+PTX");
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::uint32_t to_number(std::string_view s) {
  std::uint32_t n = 0;
  for (char c : s) n = n * 10 + static_cast<std::uint32_t>(c - '0');
  return n;
}

}  // namespace

Result<ComputeCapability> ComputeCapability::parse(std::string_view text) {
  std::string s = lower_trimmed(text);
  Code code = Code::sass;
  bool named = false;
  if (s.size() > 4 && s.compare(s.size() - 4, 4, "+ptx") == 0) {
    code = Code::ptx;
    s.resize(s.size() - 4);
  }
  if (s.rfind("sm_", 0) == 0) {
    s.erase(0, 3);
    named = true;
  } else if (s.rfind("compute_", 0) == 0) {
    s.erase(0, 8);
    code = Code::ptx;
    named = true;
  }
  Suffix suffix = Suffix::none;
  if (!s.empty() && (s.back() == 'a' || s.back() == 'f')) {
    suffix = s.back() == 'a' ? Suffix::arch_specific : Suffix::family;
    s.pop_back();
  }
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  if (const auto dot = s.find('.'); dot != std::string::npos) {
    if (named) return bad(text);
    const std::string_view a(s.data(), dot);
    const std::string_view b(s.data() + dot + 1, s.size() - dot - 1);
    if (!all_digits(a) || !all_digits(b) || a.size() > 2 || b.size() != 1) return bad(text);
    major = to_number(a);
    minor = to_number(b);
  } else {
    // Digits only: the last digit is the minor (86 -> 8.6, 120 -> 12.0).
    if (!all_digits(s) || s.size() < 2 || s.size() > 3) return bad(text);
    major = to_number(std::string_view(s).substr(0, s.size() - 1));
    minor = to_number(std::string_view(s).substr(s.size() - 1));
  }
  if (major == 0 || major > k_max_major) return bad(text);
  return ComputeCapability(major, minor, suffix, code);
}

std::string ComputeCapability::str() const {
  std::string out = std::to_string(m_major) + "." + std::to_string(m_minor);
  if (m_suffix == Suffix::arch_specific) out += 'a';
  if (m_suffix == Suffix::family) out += 'f';
  if (m_code == Code::ptx) out += "+PTX";
  return out;
}

std::string ComputeCapability::digits() const {
  std::string out = std::to_string(m_major) + std::to_string(m_minor);
  if (m_suffix == Suffix::arch_specific) out += 'a';
  if (m_suffix == Suffix::family) out += 'f';
  return out;
}

std::string ComputeCapability::nvcc_name() const { return (m_code == Code::ptx ? "compute_" : "sm_") + digits(); }

bool ComputeCapability::runs_on(const ComputeCapability& gpu) const {
  const ComputeCapability hw = gpu.hardware();
  if (m_code == Code::ptx) {
    // PTX JIT-compiles forward; arch-specific PTX only for that exact capability.
    if (m_suffix == Suffix::arch_specific) return hw.m_major == m_major && hw.m_minor == m_minor;
    if (m_suffix == Suffix::family) return hw.m_major == m_major && hw.m_minor >= m_minor;
    return std::pair(hw.m_major, hw.m_minor) >= std::pair(m_major, m_minor);
  }
  if (m_suffix == Suffix::arch_specific) return hw.m_major == m_major && hw.m_minor == m_minor;
  return hw.m_major == m_major && hw.m_minor >= m_minor;
}

}  // namespace td
