// Image reference grammar after distribution/reference: lower-case path components separated by
// '/', optional domain (has '.' or ':' or is localhost), ':tag', '@digest'.
#include "torchdoctor/registry/image_ref.hpp"

#include <cctype>

#include "torchdoctor/core/strings.hpp"

namespace td {
namespace {

constexpr std::size_t k_max_name = 255;
constexpr std::size_t k_max_tag = 128;

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool any_upper(std::string_view s) {
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') return true;
  }
  return false;
}

// path-component := [a-z0-9]+ ( ( '.' | '_' | '__' | '-'+ ) [a-z0-9]+ )*
bool valid_component(std::string_view c) {
  if (c.empty() || !lower_alnum(c.front()) || !lower_alnum(c.back())) return false;
  for (std::size_t i = 0; i < c.size();) {
    if (lower_alnum(c[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < c.size() && !lower_alnum(c[j])) ++j;
    const std::string_view sep = c.substr(i, j - i);
    const bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
    i = j;
  }
  return true;
}

// domain := label ('.' label)* [':' port] | '[' ipv6 ']' [':' port]
bool valid_domain(std::string_view d) {
  if (d.empty()) return false;
  std::string_view host = d;
  if (d.front() == '[') {
    const auto close = d.find(']');
    if (close == std::string_view::npos) return false;
    host = d.substr(0, close + 1);
    d.remove_prefix(close + 1);
    if (!d.empty() && d.front() != ':') return false;
  } else if (const auto colon = d.rfind(':'); colon != std::string_view::npos) {
    host = d.substr(0, colon);
    d.remove_prefix(colon);
  } else {
    d = {};
  }
  if (!d.empty()) {  // ":port"
    const auto port = parse_uint(d.substr(1));
    if (!port || *port == 0 || *port > 65535) return false;
  }
  if (host.front() == '[') return host.size() > 2;
  for (const auto& label : split(host, '.')) {
    if (label.empty() || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-') return false;
    }
  }
  return true;
}

Error bad_ref(std::string_view text, const std::string& why) {
  return make_error(ErrorKind::bad_input, "image reference '" + sanitize(text, 200) + "': " + why);
}

}  // namespace

bool is_valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > k_max_tag) return false;
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; };
  if (!word(tag.front())) return false;
  for (char c : tag) {
    if (!word(c) && c != '.' && c != '-') return false;
  }
  return true;
}

bool is_valid_digest(std::string_view digest) {
  const auto colon = digest.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const std::string_view algo = digest.substr(0, colon);
  const std::string_view hex = digest.substr(colon + 1);
  for (char c : algo) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '.' || c == '_' || c == '-'))
      return false;
  }
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  if (algo == "sha256") return hex.size() == 64;
  if (algo == "sha512") return hex.size() == 128;
  return hex.size() >= 32;
}

std::string ImageRef::str() const {
  std::string s = name();
  if (!tag.empty() && (digest.empty() || tag != "latest")) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

std::string ImageRef::api_host() const { return registry == k_docker_hub ? "registry-1.docker.io" : registry; }

Result<ImageRef> parse_image_ref(std::string_view text) {
  ImageRef ref;
  ref.original = std::string(text);
  if (text.empty()) return bad_ref(text, "empty reference");
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0 || std::iscntrl(static_cast<unsigned char>(c)) != 0) {
      return bad_ref(text, "contains white space or control characters");
    }
  }
  std::string_view rest = text;
  if (rest.rfind("docker://", 0) == 0) rest.remove_prefix(9);
  if (const auto at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (ref.digest.empty()) return bad_ref(text, "empty digest after '@'");
    if (!is_valid_digest(ref.digest))
      return bad_ref(text, "invalid digest '" + ref.digest + "' (expected sha256:<64 hex digits>)");
  }
  const auto last_slash = rest.rfind('/');
  const auto colon = rest.find(':', last_slash == std::string_view::npos ? 0 : last_slash + 1);
  if (colon != std::string_view::npos) {
    ref.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (ref.tag.empty()) return bad_ref(text, "empty tag after ':'");
    if (!is_valid_tag(ref.tag)) {
      return bad_ref(text, "invalid tag '" + sanitize(ref.tag, 140) +
                               "' (a tag is 1-128 of A-Z a-z 0-9 _ . -, not starting with '.' or '-')");
    }
  }
  if (rest.empty()) return bad_ref(text, "missing repository name");
  std::string_view path = rest;
  const auto first_slash = rest.find('/');
  if (first_slash != std::string_view::npos) {
    const std::string_view first = rest.substr(0, first_slash);
    // docker would take "Pytorch/x" as a registry host "Pytorch"; a host without '.' or ':' is far
    // more likely a mistyped repository, so it is reported as one.
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost") {
      if (!valid_domain(first)) return bad_ref(text, "invalid registry host '" + std::string(first) + "'");
      ref.registry = to_lower(first);
      path = rest.substr(first_slash + 1);
    }
  }
  if (ref.registry.empty() || ref.registry == "index.docker.io" || ref.registry == "registry-1.docker.io") {
    ref.registry = k_docker_hub;
  }
  if (path.empty()) return bad_ref(text, "missing repository name after the registry");
  if (any_upper(path)) return bad_ref(text, "repository name must be lowercase");
  for (const auto& component : split(path, '/')) {
    if (component.empty()) return bad_ref(text, "empty path component in the repository name");
    if (!valid_component(component)) {
      return bad_ref(text, "invalid repository path component '" + sanitize(component, 80) +
                               "' (lower-case letters and digits, separated by '.', '_', '__' or '-')");
    }
  }
  ref.repository = std::string(path);
  if (ref.registry == k_docker_hub && ref.repository.find('/') == std::string::npos)
    ref.repository = "library/" + ref.repository;
  if (ref.name().size() > k_max_name) return bad_ref(text, "repository name longer than 255 characters");
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

bool is_ngc_image(const ImageRef& ref) { return ref.registry == "nvcr.io" && ref.repository.rfind("nvidia/", 0) == 0; }

}  // namespace td
