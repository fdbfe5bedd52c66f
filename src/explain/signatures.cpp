// Finding signatures in a log: a memchr-driven search for each plain pattern over the whole text
// (cheap, no per-line work), then the signature's regex only on the few matching lines, and
// only on a bounded window of them, so a 10 MB log or a 64 KiB line costs the same regex time.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <regex>
#include <set>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/explain/explain.hpp"

namespace td {
namespace {

// The regex input: the matching line around the hit, plus the next lines for multi-line messages.
std::string regex_window(const TextInput& in, std::size_t line, std::size_t offset, std::size_t lines, std::size_t window) {
  const std::string_view text = in.text();
  const std::string_view first = in.line(line);
  const std::size_t line_start = static_cast<std::size_t>(first.data() - text.data());
  const std::size_t half = window / 2;
  std::size_t start = offset > line_start + half ? offset - half : line_start;
  std::string out(first.substr(start - line_start, window));
  for (std::size_t k = 1; k < lines && line + k < in.line_count(); ++k) {
    out += ' ';
    out += in.line(line + k).substr(0, window);
  }
  return out;
}

// The line shown as evidence: around the hit, printable, at most 200 characters.
std::string shown_line(const TextInput& in, std::size_t line, std::size_t offset) {
  const std::string_view text = in.text();
  const std::string_view l = in.line(line);
  const std::size_t line_start = static_cast<std::size_t>(l.data() - text.data());
  std::size_t start = offset > line_start + 60 ? offset - 60 : line_start;
  std::string_view part = trim(l.substr(start - line_start));
  std::string out = sanitize(part, 200);
  return start > line_start ? "..." + out : out;
}


struct Compiled {
  std::optional<std::regex> re;
  bool broken = false;
};

Compiled compile(const Signature& s) {
  Compiled c;
  if (s.regex.empty()) return c;
  try {
    c.re.emplace(s.regex, std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error&) {
    c.broken = true;  // the loader rejects these; a --kb directory edited since is skipped here
  }
  return c;
}

// Runs the regex; false when it does not match or gives up (complexity limits).
bool run_regex(const std::regex& re, const std::string& window, const Signature& s, std::map<std::string, std::string>& captures) {
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

}  // namespace

std::vector<SignatureHit> find_signatures(const TextInput& in, const Kb& kb, const ExplainOptions& o) {
  std::vector<SignatureHit> hits;
  const std::string_view text = in.text();
  for (const Signature& s : kb.signatures) {
    std::optional<Compiled> c;  // compiled on the first literal hit: most signatures never match
    std::set<std::size_t> lines_seen;
    std::size_t examined = 0;
    for (const std::string& p : s.patterns) {
      if (p.empty()) continue;
      std::size_t from = 0;
      while (from < text.size()) {
        const std::size_t offset = find_bytes(text, p, from);
        if (offset == std::string_view::npos) break;
        const std::size_t line = in.line_of(offset);
        // Go on after this line: one hit per line is enough.
        const std::string_view l = in.line(line);
        const auto line_end = static_cast<std::size_t>(l.data() - text.data()) + l.size();
        from = std::max(offset + 1, line_end);
        if (!in.in_capped_part(offset) || !lines_seen.insert(line).second) continue;
        if (examined >= o.max_hits_per_signature) continue;
        ++examined;
        if (!c) c = compile(s);
        if (c->broken) break;
        SignatureHit h{&s, line + 1, shown_line(in, line, offset), {}};
        if (c->re && !run_regex(*c->re, regex_window(in, line, offset, s.lines, o.regex_window), s, h.captures)) continue;
        hits.push_back(std::move(h));
      }
    }
  }
  std::stable_sort(hits.begin(), hits.end(), [](const SignatureHit& a, const SignatureHit& b) { return a.line < b.line; });
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
    if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '+') word += c;
    else flush();
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
