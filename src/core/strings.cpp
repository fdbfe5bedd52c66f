#include "torchdoctor/core/strings.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

namespace td {

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == '\0' || std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = s.find(sep, start);
    out.emplace_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

std::vector<std::string_view> lines(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t end = s.find('\n', start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view line = s.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    start = end + 1;
  }
  return out;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  // ASCII only, without the locale: every caller compares against ASCII, and this runs over whole logs.
  for (char& c : out) c = ascii_lower(c);
  return out;
}

bool contains_icase(std::string_view s, std::string_view needle) {
  return to_lower(s).find(to_lower(needle)) != std::string::npos;
}

std::map<std::string, std::string> parse_env_file(std::string_view text) {
  std::map<std::string, std::string> out;
  for (std::string_view line : lines(text)) {
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    const std::string key(trim(line.substr(0, eq)));
    std::string_view raw = trim(line.substr(eq + 1));
    std::string value;
    if (!raw.empty() && (raw.front() == '"' || raw.front() == '\'')) {
      const char quote = raw.front();
      for (std::size_t i = 1; i < raw.size() && raw[i] != quote; ++i) {
        if (raw[i] == '\\' && quote == '"' && i + 1 < raw.size()) ++i;
        value += raw[i];
      }
    } else {
      value = std::string(raw);
    }
    out[key] = value;
  }
  return out;
}

std::optional<unsigned long long> parse_uint(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  unsigned long long n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<unsigned long long>(c - '0');
  }
  return n;
}

bool is_printable(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\n' && c != '\t' && c != '\r') return false;
    if (u == 0x7f) return false;
  }
  return true;
}

std::string sanitize(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7f) ? '?' : c;
  }
  if (s.size() > max) out += "...";
  return out;
}

std::string human_bytes(unsigned long long bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

std::string shell_quote(const std::string& s) {
  // '=' and ',' are safe inside a word; '~' and a leading '=' are not (tilde expansion, zsh's =cmd).
  constexpr std::string_view k_safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=+,@%";
  if (!s.empty() && s.find_first_not_of(k_safe) == std::string::npos && s[0] != '=') return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string shell_join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + shell_quote(w);
  return out;
}

namespace {

// How common a byte is in logs (lower is rarer): letters, digits and the punctuation of numbers,
// paths and key=value pairs are everywhere; quotes, brackets and most upper case letters are not.
int commonness(unsigned char c) {
  if (c == ' ' || c == '.' || c == '=' || c == ':' || std::isdigit(c) != 0) return 6;
  if (std::strchr("etaoinsrl", c) != nullptr && c != 0) return 5;
  if (std::islower(c) != 0 || c == '/' || c == '-' || c == '_' || c == ',') return 4;
  if (std::strchr("CESTRAINOD", c) != nullptr && c != 0) return 3;
  if (std::isupper(c) != 0 || c == '(' || c == ')' || c == '[' || c == ']') return 2;
  return 1;
}

// The position of the rarest byte of `p`.
std::size_t rare_index(std::string_view p) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < p.size(); ++i) {
    if (commonness(static_cast<unsigned char>(p[i])) < commonness(static_cast<unsigned char>(p[best]))) best = i;
  }
  return best;
}

}  // namespace

std::size_t find_bytes(std::string_view text, std::string_view p, std::size_t from) {
  const std::size_t k = rare_index(p);
  const char needle = p[k];
  std::size_t pos = from + k;
  while (pos < text.size()) {
    const void* hit = std::memchr(text.data() + pos, needle, text.size() - pos);
    if (hit == nullptr) return std::string_view::npos;
    const auto at = static_cast<std::size_t>(static_cast<const char*>(hit) - text.data());
    const std::size_t start = at - k;
    if (start + p.size() <= text.size() && text[start] == p[0] &&
        std::memcmp(text.data() + start, p.data(), p.size()) == 0) {
      return start;
    }
    pos = at + 1;
  }
  return std::string_view::npos;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1);
  std::vector<std::size_t> cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

}  // namespace td
