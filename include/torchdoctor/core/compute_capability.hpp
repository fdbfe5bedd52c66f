// ComputeCapability: a GPU architecture as NVIDIA numbers it (8.6, sm_90a, compute_90, 12.0f, +PTX).
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "torchdoctor/core/result.hpp"

namespace td {

/// A compute capability major.minor with an optional target suffix and code kind.
/// `a` targets (9.0a) run only on exactly that capability; `f` family targets (10.0f) run on the
/// same major with equal or higher minor; plain cubins do too, and PTX JIT-compiles forward.
class ComputeCapability {
 public:
  /// The target-specific suffix nvcc accepts after the number.
  enum class Suffix : std::uint8_t { none, arch_specific, family };
  /// Whether an entry names machine code (SASS/cubin) or virtual code (PTX).
  enum class Code : std::uint8_t { sass, ptx };

  ComputeCapability() = default;
  ComputeCapability(std::uint32_t major, std::uint32_t minor, Suffix suffix = Suffix::none, Code code = Code::sass)
      : m_major(major), m_minor(minor), m_suffix(suffix), m_code(code) {}

  /// Parses 8.6, 8.6+PTX, sm_86, sm_90a, compute_90, 12.0f, 100f, sm_120 (case-insensitive).
  static Result<ComputeCapability> parse(std::string_view text);

  [[nodiscard]] std::uint32_t major() const { return m_major; }
  [[nodiscard]] std::uint32_t minor() const { return m_minor; }
  [[nodiscard]] Suffix suffix() const { return m_suffix; }
  [[nodiscard]] Code code() const { return m_code; }
  [[nodiscard]] bool is_ptx() const { return m_code == Code::ptx; }

  /// The same capability without suffix and as SASS: the hardware it names.
  [[nodiscard]] ComputeCapability hardware() const { return {m_major, m_minor}; }
  /// This entry as PTX (`compute_XY`).
  [[nodiscard]] ComputeCapability as_ptx() const { return {m_major, m_minor, m_suffix, Code::ptx}; }

  /// "8.6", "9.0a", "12.0f", with "+PTX" for PTX entries.
  [[nodiscard]] std::string str() const;
  /// "sm_86", "sm_90a" (or "compute_90" for PTX).
  [[nodiscard]] std::string nvcc_name() const;
  /// "86", "90a": the number CMAKE_CUDA_ARCHITECTURES uses.
  [[nodiscard]] std::string digits() const;

  /// True when code compiled for this entry runs on a GPU of capability `gpu`
  /// (cubin: same major, minor <= gpu's; `a`: exact; `f`: same major; PTX: any gpu >= this).
  [[nodiscard]] bool runs_on(const ComputeCapability& gpu) const;

  /// Orders by major, minor, suffix, code.
  auto operator<=>(const ComputeCapability&) const = default;

 private:
  std::uint32_t m_major = 0;
  std::uint32_t m_minor = 0;
  Suffix m_suffix = Suffix::none;
  Code m_code = Code::sass;
};

}  // namespace td
