// Finding signatures in a log: the text is folded once (log prefixes, quoting, colours and fences
// stripped, lower case, no white space, lines joined, so wrapped and re-indented messages match),
// every plain pattern is found in one hashed pass over it, then the signature's regex runs only on
// the few matching lines, on a bounded window of them, so a 10 MB log or a 64 KiB line costs the
// same regex time. Evidence keeps the input's own line numbers.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/explain/explain.hpp"

namespace td {
namespace {

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || c == '\n'; }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

// Length of an ANSI escape sequence at s[i] (ESC [ ... final, ESC ] ... BEL or ESC \, ESC x), 0 if none.
std::size_t ansi_length(std::string_view s, std::size_t i) {
  if (i >= s.size() || s[i] != '\x1b') return 0;
  if (i + 1 >= s.size()) return 1;
  std::size_t k = i + 2;
  if (s[i + 1] == '[') {
    while (k < s.size() && !(static_cast<unsigned char>(s[k]) >= 0x40 && static_cast<unsigned char>(s[k]) <= 0x7E)) ++k;
    return std::min(s.size(), k + 1) - i;
  }
  if (s[i + 1] == ']') {
    while (k < s.size() && s[k] != '\x07' && !(s[k] == '\x1b' && k + 1 < s.size() && s[k + 1] == '\\')) ++k;
    if (k < s.size()) k += s[k] == '\x07' ? 1 : 2;
    return std::min(s.size(), k) - i;
  }
  return 2;
}

// Skips digits at s[i]; returns how many.
std::size_t digits(std::string_view s, std::size_t& i) {
  const std::size_t from = i;
  while (i < s.size() && is_digit(static_cast<unsigned char>(s[i]))) ++i;
  return i - from;
}

// A timestamp at s[i]: [2024-01-02T03:04:05.123Z], 2024-01-02 03:04:05,123, 03:04:05.123 (with an
// optional time zone and brackets). Returns its end, or i when there is none.
std::size_t skip_timestamp(std::string_view s, std::size_t i) {
  std::size_t k = i;
  const bool bracket = k < s.size() && s[k] == '[';
  if (bracket) ++k;
  std::size_t m = k;
  bool date = false;
  if (digits(s, m) == 4 && m < s.size() && (s[m] == '-' || s[m] == '/')) {
    ++m;
    if (digits(s, m) == 2 && m < s.size() && (s[m] == '-' || s[m] == '/')) {
      ++m;
      if (digits(s, m) == 2) {
        date = true;
        k = m;
        if (k < s.size() && (s[k] == 'T' || s[k] == ' ')) ++k;
      }
    }
  }
  m = k;
  bool time = false;
  if (digits(s, m) == 2 && m < s.size() && s[m] == ':') {
    ++m;
    if (digits(s, m) == 2 && m < s.size() && s[m] == ':') {
      ++m;
      if (digits(s, m) == 2) {
        time = true;
        if (m < s.size() && (s[m] == '.' || s[m] == ',')) {
          ++m;
          digits(s, m);
        }
        if (m < s.size() && s[m] == 'Z')
          ++m;
        else if (m + 5 <= s.size() && (s[m] == '+' || s[m] == '-') && is_digit(static_cast<unsigned char>(s[m + 1]))) {
          ++m;
          digits(s, m);
          if (m < s.size() && s[m] == ':') {
            ++m;
            digits(s, m);
          }
        }
        k = m;
      }
    }
  }
  if (!date && !time) return i;
  if (bracket) {
    if (k < s.size() && s[k] == ']')
      ++k;
    else
      return i;
  }
  // Only a prefix when followed by white space (or nothing).
  if (k < s.size() && !is_space(static_cast<unsigned char>(s[k]))) return i;
  return k;
}

// A Docker build-log prefix at s[i]: "#12 3.456 " or "#5 ".
std::size_t skip_build_prefix(std::string_view s, std::size_t i) {
  if (i >= s.size() || s[i] != '#') return i;
  std::size_t k = i + 1;
  if (digits(s, k) == 0 || k >= s.size() || s[k] != ' ') return i;
  ++k;
  std::size_t m = k;
  if (digits(s, m) > 0 && m < s.size() && s[m] == '.') {
    ++m;
    if (digits(s, m) > 0 && (m == s.size() || s[m] == ' ')) k = m;
  }
  return k;
}

}  // namespace

std::string_view strip_log_prefixes(std::string_view line) {
  std::size_t i = 0;
  for (int round = 0; round < 8; ++round) {
    const std::size_t before = i;
    while (i < line.size() && is_space(static_cast<unsigned char>(line[i]))) ++i;
    if (const std::size_t a = ansi_length(line, i); a > 0) {
      i += a;
      continue;
    }
    if (i < line.size() && line[i] == '>') {  // e-mail and markdown quoting
      ++i;
      continue;
    }
    if (line.compare(i, 3, "```") == 0 || line.compare(i, 3, "~~~") == 0) return {};  // a fence line
    i = skip_build_prefix(line, i);
    i = skip_timestamp(line, i);
    if (i == before) break;
  }
  return line.substr(i);
}

std::string normalise_for_match(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0x1B) {
      i += std::max<std::size_t>(ansi_length(s, i), 1) - 1;
      continue;
    }
    if (is_space(c) || c == '`') continue;
    out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  return out;
}

namespace {

// The whole input as the matcher sees it: per line, prefixes (quoting, timestamps, build-log
// prefixes, ANSI colours, fences) stripped, then lower case without white space or backticks,
// lines concatenated, so a message wrapped over lines (even mid-word), re-indented or in another
// case still matches its pattern. starts[i] is where line i begins in `text`.
struct Folded {
  std::string text;
  std::vector<std::size_t> starts;

  [[nodiscard]] std::size_t line_of(std::size_t pos) const {
    const auto it = std::upper_bound(starts.begin(), starts.end(), pos);
    return it == starts.begin() ? 0 : static_cast<std::size_t>(it - starts.begin()) - 1;
  }
};

Folded fold(const TextInput& in) {
  Folded f;
  f.text.resize(in.text().size());
  f.starts.reserve(in.line_count());
  char* out = f.text.data();
  std::size_t n = 0;
  for (std::size_t i = 0; i < in.line_count(); ++i) {
    f.starts.push_back(n);
    const std::string_view l = strip_log_prefixes(in.line(i));
    const char* p = l.data();
    for (std::size_t k = 0; k < l.size(); ++k) {
      const auto c = static_cast<unsigned char>(p[k]);
      if (c <= ' ' || c == '`') {
        if (c == 0x1B) k += std::max<std::size_t>(ansi_length(l, k), 1) - 1;
        continue;
      }
      out[n++] = static_cast<char>(static_cast<unsigned>(c - 'A') < 26U ? c + 32 : c);
    }
  }
  f.text.resize(n);
  return f;
}

// A line as the regex and the evidence see it: prefixes stripped, ANSI removed, white space runs as one space.
std::string clean_line(std::string_view raw) {
  const std::string_view l = strip_log_prefixes(raw);
  std::string out;
  out.reserve(l.size());
  bool space = false;
  for (std::size_t k = 0; k < l.size(); ++k) {
    const auto c = static_cast<unsigned char>(l[k]);
    if (c == 0x1B) {
      k += std::max<std::size_t>(ansi_length(l, k), 1) - 1;
      continue;
    }
    if (is_space(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(c);
  }
  return out;
}

// Offset in clean_line(l) of the `n`-th character that is not white space or a backtick.
std::size_t offset_of_folded(std::string_view clean, std::size_t n) {
  std::size_t seen = 0;
  for (std::size_t k = 0; k < clean.size(); ++k) {
    const auto c = static_cast<unsigned char>(clean[k]);
    if (c == ' ' || c == '`') continue;
    if (seen == n) return k;
    ++seen;
  }
  return clean.size();
}

// The regex input: the lines the hit spans and the `extra` lines after them, joined by `sep`,
// the first line cut to a window around the hit and every line to `window` bytes.
std::string regex_window(const TextInput& in, std::size_t first, std::size_t last, std::size_t offset,
                         std::size_t window, const char* sep) {
  const std::string l0 = clean_line(in.line(first));
  const std::size_t half = window / 2;
  const std::size_t start = offset > half ? offset - half : 0;
  std::string out = l0.substr(std::min(start, l0.size()), window);
  for (std::size_t k = first + 1; k <= last && k < in.line_count(); ++k) {
    out += sep;
    out += clean_line(in.line(k)).substr(0, window);
  }
  return out;
}

// The line shown as evidence: around the hit, printable, at most 200 characters; a message
// wrapped over lines shows its continuation.
std::string shown_line(const TextInput& in, std::size_t first, std::size_t last, std::size_t offset) {
  const std::string l = clean_line(in.line(first));
  const std::size_t start = offset > 60 ? offset - 60 : 0;
  std::string part(std::string_view(l).substr(std::min(start, l.size())));
  for (std::size_t k = first + 1; k <= last && k < in.line_count() && part.size() < 200; ++k)
    part += " " + clean_line(in.line(k));
  std::string out = sanitize(trim(part), 200);
  return start > 0 ? "..." + out : out;
}

struct Compiled {
  std::optional<std::regex> re;
  bool broken = false;
};

Compiled compile(const Signature& s) {
  Compiled c;
  if (s.regex.empty()) return c;
  try {
    c.re.emplace(s.regex, std::regex::ECMAScript | std::regex::icase | std::regex::optimize);
  } catch (const std::regex_error&) {
    c.broken = true;  // the loader rejects these; a --kb directory edited since is skipped here
  }
  return c;
}

// Runs the regex; false when it does not match or gives up (complexity limits).
bool run_regex(const std::regex& re, const std::string& window, const Signature& s,
               std::map<std::string, std::string>& captures) {
  try {
    std::smatch m;
    if (!std::regex_search(window, m, re)) return false;
    for (std::size_t i = 0; i < s.captures.size() && i + 1 < m.size(); ++i) {
      if (m[i + 1].matched) captures[s.captures[i]] = m[i + 1].str();
    }
    return true;
  } catch (const std::regex_error&) {
    return false;
  }
}

// Every pattern of every signature, folded like the text, found in one pass: a 4-byte prefix hash
// filters positions (a bit per bucket, in L1), candidates are compared in full.
struct Needle {
  std::string text;
  std::size_t signature = 0;
};

std::uint32_t load4(const char* p) {
  std::uint32_t v = 0;
  std::memcpy(&v, p, 4);
  return v;
}

constexpr unsigned k_hash_bits = 16;
std::uint32_t hash4(std::uint32_t v) { return (v * 2654435761U) >> (32 - k_hash_bits); }

// Positions (in the folded text) where each needle occurs, per needle, in increasing order.
std::vector<std::vector<std::size_t>> find_all(const std::string& text, const std::vector<Needle>& needles) {
  std::vector<std::vector<std::size_t>> found(needles.size());
  std::vector<std::uint64_t> bits((1U << k_hash_bits) / 64, 0);
  std::vector<std::vector<std::uint32_t>> buckets(1U << k_hash_bits);
  for (std::size_t n = 0; n < needles.size(); ++n) {
    const std::string& p = needles[n].text;
    if (p.size() < 4) {  // short needles on their own
      for (std::size_t at = text.find(p); at != std::string::npos; at = text.find(p, at + 1)) found[n].push_back(at);
      continue;
    }
    const std::uint32_t h = hash4(load4(p.data()));
    bits[h / 64] |= std::uint64_t{1} << (h % 64);
    buckets[h].push_back(static_cast<std::uint32_t>(n));
  }
  if (text.size() < 4) return found;
  const char* base = text.data();
  const std::size_t end = text.size() - 3;
  for (std::size_t i = 0; i < end; ++i) {
    const std::uint32_t h = hash4(load4(base + i));
    if ((bits[h / 64] >> (h % 64) & 1U) == 0) continue;
    for (const std::uint32_t n : buckets[h]) {
      const std::string& p = needles[n].text;
      if (i + p.size() <= text.size() && std::memcmp(base + i, p.data(), p.size()) == 0) found[n].push_back(i);
    }
  }
  return found;
}

}  // namespace

std::vector<SignatureHit> find_signatures(const TextInput& in, const Kb& kb, const ExplainOptions& o) {
  std::vector<SignatureHit> hits;
  const Folded f = fold(in);
  std::vector<Needle> needles;
  for (std::size_t k = 0; k < kb.signatures.size(); ++k) {
    for (const std::string& p : kb.signatures[k].patterns) {
      std::string n = normalise_for_match(p);
      if (!n.empty()) needles.push_back({std::move(n), k});
    }
  }
  const auto found = find_all(f.text, needles);
  std::size_t n = 0;
  for (std::size_t k = 0; k < kb.signatures.size(); ++k) {
    const Signature& s = kb.signatures[k];
    std::optional<Compiled> c;  // compiled on the first literal hit: most signatures never match
    std::set<std::size_t> lines_seen;
    std::size_t examined = 0;
    for (; n < needles.size() && needles[n].signature == k; ++n) {
      for (const std::size_t pos : found[n]) {
        const std::size_t line = f.line_of(pos);
        if (!lines_seen.insert(line).second) continue;  // one hit per line is enough
        if (examined >= o.max_hits_per_signature) break;
        ++examined;
        if (!c) c = compile(s);
        if (c->broken) break;
        const std::size_t last_folded = pos + needles[n].text.size() - 1;
        const std::size_t last = f.line_of(last_folded);
        const std::string first_clean = clean_line(in.line(line));
        const std::size_t offset = offset_of_folded(first_clean, pos - f.starts[line]);
        SignatureHit h{&s, line + 1, shown_line(in, line, last, offset), {}};
        if (c->re) {
          const std::size_t upto = std::max(last, line + (s.lines > 0 ? s.lines - 1 : 0));
          bool ok = run_regex(*c->re, regex_window(in, line, upto, offset, o.regex_window, " "), s, h.captures);
          // A word cut by the wrap: the lines joined without a space.
          if (!ok && last > line)
            ok = run_regex(*c->re, regex_window(in, line, upto, offset, o.regex_window, ""), s, h.captures);
          if (!ok) continue;
        }
        hits.push_back(std::move(h));
      }
    }
  }
  std::stable_sort(hits.begin(), hits.end(),
                   [](const SignatureHit& a, const SignatureHit& b) { return a.line < b.line; });
  return hits;
}

std::vector<ComputeCapability> parse_arch_list(std::string_view text) {
  std::vector<ComputeCapability> out;
  std::string word;
  auto flush = [&] {
    while (!word.empty() && word.back() == '.') word.pop_back();  // "sm_90." ends a sentence
    if (word.empty()) return;
    if (auto cc = ComputeCapability::parse(word)) {
      if (std::find(out.begin(), out.end(), *cc) == out.end()) out.push_back(*cc);
    }
    word.clear();
  };
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '+')
      word += c;
    else
      flush();
  }
  flush();
  return out;
}

std::vector<const TorchWheel*> wheels_with_arch(const Kb& kb, const std::vector<ComputeCapability>& sass) {
  std::vector<ComputeCapability> want;
  for (const auto& c : sass) {
    if (!c.is_ptx()) want.push_back(c.hardware());
  }
  std::sort(want.begin(), want.end());
  std::vector<const TorchWheel*> out;
  if (want.empty()) return out;
  for (const auto& w : kb.torch_wheels) {
    std::vector<ComputeCapability> have;
    for (const auto& c : w.arch) have.push_back(c.hardware());
    std::sort(have.begin(), have.end());
    if (have == want) out.push_back(&w);
  }
  return out;
}

}  // namespace td
