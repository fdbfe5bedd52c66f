// Small string helpers shared by the parsers.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace td {

/// `s` without leading and trailing white space (and NULs, which /proc/device-tree ends with).
std::string_view trim(std::string_view s);
/// Splits `s` at every `sep`; keeps empty fields.
std::vector<std::string> split(std::string_view s, char sep);
/// Splits `s` into lines (without the newline characters).
std::vector<std::string_view> lines(std::string_view s);

/// The first place of `pattern` (not empty) in `text` at or after `from`, or npos: memchr (vectorised)
/// for the pattern's rarest byte in text, then a compare. Several times faster than
/// std::string_view::find, which steps on every occurrence of the first byte, on large texts (logs,
/// dpkg's status file) and than Boyer-Moore-Horspool for short patterns.
std::size_t find_bytes(std::string_view text, std::string_view pattern, std::size_t from = 0);
/// Levenshtein distance (insertions, deletions, substitutions): "did you mean", nearest tags.
std::size_t edit_distance(std::string_view a, std::string_view b);
/// Lower-case ASCII copy.
std::string to_lower(std::string_view s);
/// `c` in lower case if it is an ASCII capital (no locale: fast over whole logs).
constexpr char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }
/// True when `s` contains `needle`, ignoring ASCII case.
bool contains_icase(std::string_view s, std::string_view needle);
/// Parses KEY=VALUE lines (os-release syntax: quotes, escapes, # comments).
std::map<std::string, std::string> parse_env_file(std::string_view text);
/// Parses an unsigned decimal number that fills `s` exactly.
std::optional<unsigned long long> parse_uint(std::string_view s);
/// True when every byte of `s` is printable ASCII or common white space.
bool is_printable(std::string_view s);
/// `s` cut to `max` characters with "..." appended when longer; non-printable bytes shown as '?'.
std::string sanitize(std::string_view s, std::size_t max = 120);
/// Bytes as "24.0 GiB" / "64.0 MiB".
std::string human_bytes(unsigned long long bytes);
/// `s` as one POSIX shell word: unchanged when it is made of safe characters, else single-quoted.
std::string shell_quote(const std::string& s);
/// The items with `sep` between them ("a, b, c").
std::string join(const std::vector<std::string>& items, std::string_view sep);

/// The words shell-quoted and joined by spaces: a command line a POSIX shell splits back into `words`.
std::string shell_join(const std::vector<std::string>& words);

}  // namespace td
