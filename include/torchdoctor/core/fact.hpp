// Fact<T>: one observed value with where it came from; an unknown fact has no value.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace td {

/// A value that may be unknown, with its source ("file:/etc/os-release", "sysfs", "nvml",
/// "override", ...) and an optional note saying why it is unknown or how it was derived.
template <typename T>
struct Fact {
  std::optional<T> value;
  std::string source;
  std::string note;

  /// A known fact.
  static Fact known(T v, std::string src) { return Fact{std::move(v), std::move(src), {}}; }
  /// An unknown fact, with the reason in `why` (may be empty when simply absent).
  static Fact unknown(std::string src, std::string why = {}) {
    return Fact{std::nullopt, std::move(src), std::move(why)};
  }

  [[nodiscard]] bool has_value() const { return value.has_value(); }
  explicit operator bool() const { return value.has_value(); }
  const T& operator*() const { return *value; }
  const T* operator->() const { return &*value; }

  /// Replaces the value and marks it as a what-if override.
  void override_with(T v) {
    value = std::move(v);
    source = "override";
    note.clear();
  }
};

}  // namespace td
