// Result<T>: a value or an Error, in the spirit of std::expected (not in GCC 12's C++20).
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace td {

/// What kind of failure an Error is; main maps kinds to exit codes.
enum class ErrorKind {
  bad_input,    ///< The user gave us something malformed (exit 2).
  not_found,    ///< A file, fact or entry does not exist.
  io,           ///< Reading or writing failed.
  parse,        ///< Content exists but could not be understood.
  timeout,      ///< Something did not answer in time.
  unavailable,  ///< Could not determine (network, probe failure; exit 3).
  internal,     ///< A bug in torchdoctor.
};

/// A recoverable failure with a one-line, user-facing message.
struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;

  /// Returns a copy whose message is prefixed with `context: `.
  [[nodiscard]] Error with_context(const std::string& context) const { return Error{kind, context + ": " + message}; }
};

/// Makes an Error of `kind` with `message`.
inline Error make_error(ErrorKind kind, std::string message) { return Error{kind, std::move(message)}; }

/// Either a T or an Error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T v) : m_data(std::in_place_index<0>, std::move(v)) {}              // NOLINT(google-explicit-constructor)
  Result(Error error) : m_data(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return m_data.index() == 0; }
  explicit operator bool() const { return ok(); }

  [[nodiscard]] T& value() & {
    assert(ok());
    return std::get<0>(m_data);
  }
  [[nodiscard]] const T& value() const& {
    assert(ok());
    return std::get<0>(m_data);
  }
  [[nodiscard]] T&& value() && {
    assert(ok());
    return std::get<0>(std::move(m_data));
  }
  [[nodiscard]] const Error& error() const {
    assert(!ok());
    return std::get<1>(m_data);
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  /// The value, or `fallback` when this holds an error.
  [[nodiscard]] T value_or(T fallback) const { return ok() ? std::get<0>(m_data) : std::move(fallback); }

 private:
  std::variant<T, Error> m_data;
};

/// Result for operations that produce no value.
struct Ok {};
using Status = Result<Ok>;

}  // namespace td
