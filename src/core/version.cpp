#include "torchdoctor/core/version.hpp"

#include <cctype>
#include <limits>

namespace td {
namespace {

constexpr std::size_t k_max_parts = 8;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

// Reads a decimal number at `pos`; fails on overflow or when no digit is there.
std::optional<std::uint32_t> read_number(std::string_view s, std::size_t& pos) {
  if (pos >= s.size() || !is_digit(s[pos])) return std::nullopt;
  std::uint64_t n = 0;
  while (pos < s.size() && is_digit(s[pos])) {
    n = n * 10 + static_cast<std::uint64_t>(s[pos] - '0');
    if (n > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
    ++pos;
  }
  return static_cast<std::uint32_t>(n);
}

bool consume(std::string_view s, std::size_t& pos, std::string_view word) {
  if (s.substr(pos, word.size()) != word) return false;
  pos += word.size();
  return true;
}

bool valid_local(std::string_view local) {
  if (local.empty()) return false;
  for (char c : local) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

Error bad(std::string_view text, const char* why) {
  return make_error(ErrorKind::bad_input, "invalid version '" + std::string(text) + "': " + why);
}

int pre_rank(Version::Pre p) { return static_cast<int>(p); }

}  // namespace

Result<Version> Version::parse(std::string_view text) {
  const std::string_view s = trim(text);
  if (s.empty()) return bad(text, "empty");
  Version v;
  std::size_t pos = 0;
  if (s[0] == 'v' || s[0] == 'r' || s[0] == 'R') {
    v.m_prefix = std::string(1, s[0]);
    pos = 1;
  }
  while (true) {
    auto n = read_number(s, pos);
    if (!n) return bad(text, "expected a number");
    v.m_release.push_back(*n);
    if (v.m_release.size() > k_max_parts) return bad(text, "too many parts");
    if (pos < s.size() && s[pos] == '.' && pos + 1 < s.size() && is_digit(s[pos + 1])) {
      ++pos;
      continue;
    }
    break;
  }
  // Pre-release: a, b, rc (also alpha, beta, c, with an optional separator).
  {
    std::size_t p = pos;
    if (p < s.size() && (s[p] == '.' || s[p] == '-' || s[p] == '_')) ++p;
    Pre kind = Pre::none;
    if (consume(s, p, "alpha") || consume(s, p, "a"))
      kind = Pre::alpha;
    else if (consume(s, p, "beta") || consume(s, p, "b"))
      kind = Pre::beta;
    else if (consume(s, p, "rc") || consume(s, p, "c"))
      kind = Pre::rc;
    if (kind != Pre::none) {
      pos = p;
      v.m_pre = kind;
      v.m_pre_number = read_number(s, pos).value_or(0);
    }
  }
  {
    std::size_t p = pos;
    if (p < s.size() && (s[p] == '.' || s[p] == '-' || s[p] == '_')) ++p;
    if (consume(s, p, "post")) {
      pos = p;
      v.m_post = read_number(s, pos).value_or(0);
    }
  }
  {
    std::size_t p = pos;
    if (p < s.size() && (s[p] == '.' || s[p] == '-' || s[p] == '_')) ++p;
    if (consume(s, p, "dev")) {
      pos = p;
      v.m_dev = read_number(s, pos).value_or(0);
    }
  }
  if (pos < s.size() && s[pos] == '+') {
    const std::string_view local = s.substr(pos + 1);
    if (!valid_local(local)) return bad(text, "invalid local part after '+'");
    v.m_local = std::string(local);
    pos = s.size();
  }
  if (pos != s.size()) return bad(text, "unexpected text after the version");
  v.m_text = std::string(s);
  return v;
}

Version Version::of(std::vector<std::uint32_t> release) {
  Version v;
  v.m_release = std::move(release);
  return v;
}

Version Version::public_version() const {
  Version v = *this;
  v.m_local.clear();
  v.m_prefix.clear();
  if (!v.m_text.empty()) {
    v.m_text = v.m_text.substr(m_prefix.size());
    if (const auto plus = v.m_text.find('+'); plus != std::string::npos) v.m_text.resize(plus);
  }
  return v;
}

Version Version::truncated(std::size_t n) const {
  Version v;
  for (std::size_t i = 0; i < n; ++i) v.m_release.push_back(part(i));
  return v;
}

std::string Version::str() const {
  if (!m_text.empty()) return m_text;
  std::string out = m_prefix;
  for (std::size_t i = 0; i < m_release.size(); ++i) {
    if (i != 0) out += '.';
    out += std::to_string(m_release[i]);
  }
  if (m_pre != Pre::none) {
    out += m_pre == Pre::alpha ? "a" : m_pre == Pre::beta ? "b" : "rc";
    out += std::to_string(m_pre_number.value_or(0));
  }
  if (m_post) out += ".post" + std::to_string(*m_post);
  if (m_dev) out += ".dev" + std::to_string(*m_dev);
  if (!m_local.empty()) out += "+" + m_local;
  return out;
}

std::strong_ordering Version::operator<=>(const Version& other) const {
  const std::size_t n = std::max(m_release.size(), other.m_release.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (auto c = part(i) <=> other.part(i); c != 0) return c;
  }
  // A dev release of a final version sorts before its pre-releases (PEP 440: 1.0.dev0 < 1.0a0).
  const auto pre_key = [](const Version& v) {
    if (v.m_pre == Pre::none && !v.m_post && v.m_dev) return -1;
    return pre_rank(v.m_pre);
  };
  if (auto c = pre_key(*this) <=> pre_key(other); c != 0) return c;
  if (auto c = m_pre_number.value_or(0) <=> other.m_pre_number.value_or(0); c != 0) return c;
  // No post release sorts before any post release.
  const std::int64_t post_a = m_post ? static_cast<std::int64_t>(*m_post) : -1;
  const std::int64_t post_b = other.m_post ? static_cast<std::int64_t>(*other.m_post) : -1;
  if (auto c = post_a <=> post_b; c != 0) return c;
  // A dev release sorts before the same version without dev.
  const std::int64_t dev_a = m_dev ? static_cast<std::int64_t>(*m_dev) : std::numeric_limits<std::int64_t>::max();
  const std::int64_t dev_b =
      other.m_dev ? static_cast<std::int64_t>(*other.m_dev) : std::numeric_limits<std::int64_t>::max();
  if (auto c = dev_a <=> dev_b; c != 0) return c;
  if (m_local == other.m_local) return std::strong_ordering::equal;
  if (m_local.empty()) return std::strong_ordering::less;
  if (other.m_local.empty()) return std::strong_ordering::greater;
  return m_local.compare(other.m_local) < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
}

}  // namespace td
