#include "torchdoctor/registry/tags.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <tuple>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/core/version.hpp"

namespace td {

std::optional<std::string> next_page_path(const std::string& link_header) {
  // Link: </v2/name/tags/list?last=x&n=100>; rel="next"  (possibly several comma-separated links)
  for (const auto& part : split(link_header, ',')) {
    const auto open = part.find('<');
    const auto close = part.find('>', open == std::string::npos ? 0 : open);
    if (open == std::string::npos || close == std::string::npos) continue;
    const std::string params = to_lower(part.substr(close + 1));
    if (params.find("rel=\"next\"") == std::string::npos && params.find("rel=next") == std::string::npos) continue;
    const std::string target = part.substr(open + 1, close - open - 1);
    const auto v2 = target.find("/v2/");
    if (v2 == std::string::npos) return std::nullopt;
    return target.substr(v2 + 3);
  }
  return std::nullopt;
}

namespace {

// The dotted number a tag starts with (after an optional v/r): "2.3.1-cuda12.1" -> 2.3.1.
std::optional<Version> leading_version(const std::string& tag) {
  std::size_t i = (!tag.empty() && (tag[0] == 'v' || tag[0] == 'r')) ? 1 : 0;
  const std::size_t start = i;
  while (i < tag.size() && (std::isdigit(static_cast<unsigned char>(tag[i])) != 0 || tag[i] == '.')) ++i;
  while (i > start && tag[i - 1] == '.') --i;
  if (i == start) return std::nullopt;
  auto v = Version::parse(tag.substr(start, i - start));
  return v ? std::optional<Version>(*v) : std::nullopt;
}

std::size_t common_parts(const Version& a, const Version& b) {
  std::size_t n = 0;
  while (n < a.release().size() && n < b.release().size() && a.release()[n] == b.release()[n]) ++n;
  return n;
}

}  // namespace

std::vector<std::string> nearest_tags(const std::string& wanted, const std::vector<std::string>& tags,
                                      std::size_t max) {
  const auto want_v = leading_version(wanted);
  // (distance, -shared version parts, version gap, newer first, tag)
  using Key = std::tuple<std::size_t, long, unsigned long long, int, std::string>;
  std::vector<std::pair<Key, Version>> scored;
  for (const auto& tag : tags) {
    if (tag == wanted) continue;
    const auto v = leading_version(tag);
    long shared = 0;
    unsigned long long gap = ~0ULL;
    if (want_v && v) {
      shared = static_cast<long>(common_parts(*want_v, *v));
      const auto n = static_cast<std::size_t>(shared);
      const long long a = n < want_v->release().size() ? want_v->release()[n] : 0;
      const long long b = n < v->release().size() ? v->release()[n] : 0;
      gap = static_cast<unsigned long long>(std::llabs(a - b));
    }
    scored.push_back(
        {Key{edit_distance(to_lower(wanted), to_lower(tag)), -shared, gap, 0, tag}, v.value_or(Version{})});
  }
  std::sort(scored.begin(), scored.end(), [](const auto& x, const auto& y) {
    if (std::get<0>(x.first) != std::get<0>(y.first)) return std::get<0>(x.first) < std::get<0>(y.first);
    if (std::get<1>(x.first) != std::get<1>(y.first)) return std::get<1>(x.first) < std::get<1>(y.first);
    if (std::get<2>(x.first) != std::get<2>(y.first)) return std::get<2>(x.first) < std::get<2>(y.first);
    if (!(x.second == y.second)) return y.second < x.second;  // newer first
    return std::get<4>(x.first) < std::get<4>(y.first);
  });
  std::vector<std::string> out;
  for (const auto& s : scored) {
    if (out.size() >= max) break;
    out.push_back(std::get<4>(s.first));
  }
  return out;
}

std::optional<std::string> l4t_from_tag(const std::string& tag) {
  for (std::size_t i = 0; i < tag.size(); ++i) {
    if (tag[i] != 'r' || (i > 0 && std::isalnum(static_cast<unsigned char>(tag[i - 1])) != 0)) continue;
    std::size_t j = i + 1;
    int dots = 0;
    while (j < tag.size() && (std::isdigit(static_cast<unsigned char>(tag[j])) != 0 || tag[j] == '.')) {
      dots += tag[j] == '.' ? 1 : 0;
      ++j;
    }
    if (j > i + 1 && dots >= 1 && (j == tag.size() || tag[j] == '-' || tag[j] == '_')) {
      std::string v = tag.substr(i + 1, j - i - 1);
      if (v.back() != '.' && std::isdigit(static_cast<unsigned char>(v.front())) != 0) {
        if (auto major = parse_uint(v.substr(0, v.find('.'))); major && *major >= 21 && *major <= 60) return v;
      }
    }
  }
  return std::nullopt;
}

}  // namespace td
