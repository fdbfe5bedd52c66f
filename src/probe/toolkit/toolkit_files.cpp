// Parsers for the files that tell a toolkit's or a library's version.
#include <cctype>
#include <nlohmann/json.hpp>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/toolkit.hpp"

namespace td {
namespace {

Result<Version> parse_version_text(std::string_view text, const char* what) {
  auto v = Version::parse(trim(text));
  if (!v) return make_error(ErrorKind::parse, std::string(what) + ": unparsable version '" + sanitize(text, 40) + "'");
  return v;
}

bool is_identifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s.front())) != 0) return false;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') return false;
  }
  return true;
}

}  // namespace

Result<Version> parse_cuda_version_json(std::string_view text) {
  const auto doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return make_error(ErrorKind::parse, "version.json: malformed JSON");
  for (const char* key : {"cuda_nvcc", "cuda"}) {
    const auto it = doc.find(key);
    if (it == doc.end() || !it->is_object()) continue;
    const auto v = it->find("version");
    if (v != it->end() && v->is_string()) return parse_version_text(v->get<std::string>(), "version.json");
  }
  return make_error(ErrorKind::parse, "version.json: no cuda_nvcc.version or cuda.version");
}

Result<Version> parse_cuda_version_txt(std::string_view text) {
  static constexpr std::string_view k_prefix = "CUDA Version ";
  for (const auto line : lines(text)) {
    const std::string_view l = trim(line);
    if (l.starts_with(k_prefix)) return parse_version_text(l.substr(k_prefix.size()), "version.txt");
  }
  return make_error(ErrorKind::parse, "version.txt: no 'CUDA Version' line");
}

Result<Version> parse_cuda_h_version(std::string_view text) {
  const auto defines = parse_c_defines(text);
  const auto it = defines.find("CUDA_VERSION");
  if (it == defines.end()) return make_error(ErrorKind::parse, "cuda.h: no CUDA_VERSION define");
  const auto n = parse_uint(it->second);
  if (!n || *n < 1000 || *n > 99990)
    return make_error(ErrorKind::parse, "cuda.h: implausible CUDA_VERSION " + sanitize(it->second, 20));
  return parse_version_text(std::to_string(*n / 1000) + "." + std::to_string((*n % 1000) / 10), "cuda.h");
}

Result<Version> parse_nvcc_version_output(std::string_view text) {
  // "Cuda compilation tools, release 12.4, V12.4.131"
  const std::size_t at = text.find(", V");
  if (at != std::string_view::npos) {
    std::size_t end = at + 3;
    while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) != 0 || text[end] == '.')) ++end;
    if (end > at + 3) return parse_version_text(text.substr(at + 3, end - at - 3), "nvcc --version");
  }
  const std::size_t rel = text.find("release ");
  if (rel != std::string_view::npos) {
    std::size_t end = rel + 8;
    while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) != 0 || text[end] == '.')) ++end;
    if (end > rel + 8) return parse_version_text(text.substr(rel + 8, end - rel - 8), "nvcc --version");
  }
  return make_error(ErrorKind::parse, "nvcc --version: no release number in its output");
}

std::map<std::string, std::string> parse_c_defines(std::string_view text) {
  std::map<std::string, std::string> out;
  for (const auto line : lines(text)) {
    std::string_view l = trim(line);
    if (!l.starts_with("#")) continue;
    l = trim(l.substr(1));
    if (!l.starts_with("define")) continue;
    l = trim(l.substr(6));
    const std::size_t name_end = l.find_first_of(" \t(");
    if (name_end == std::string_view::npos || l[name_end] == '(') continue;  // function-like or no value
    const std::string_view name = l.substr(0, name_end);
    std::string_view value = trim(l.substr(name_end));
    if (const std::size_t c = value.find("//"); c != std::string_view::npos) value = trim(value.substr(0, c));
    if (const std::size_t c = value.find("/*"); c != std::string_view::npos) value = trim(value.substr(0, c));
    if (is_identifier(name)) out.emplace(std::string(name), std::string(value));
  }
  return out;
}

Result<Version> version_from_defines(std::string_view header, std::initializer_list<const char*> names) {
  const auto defines = parse_c_defines(header);
  std::string text;
  for (const char* name : names) {
    std::string key = name;
    std::optional<unsigned long long> n;
    for (int hop = 0; hop < 3 && !n; ++hop) {
      const auto it = defines.find(key);
      if (it == defines.end()) break;
      n = parse_uint(it->second);
      key = it->second;
    }
    if (!n) {
      if (text.empty()) return make_error(ErrorKind::parse, std::string("no numeric ") + name + " define");
      break;  // a missing patch or build number shortens the version
    }
    text += (text.empty() ? "" : ".") + std::to_string(*n);
  }
  return parse_version_text(text, "header");
}

std::optional<Version> version_from_library_name(std::string_view file, std::string_view stem) {
  if (!file.starts_with(stem)) return std::nullopt;
  file.remove_prefix(stem.size());
  if (!file.starts_with(".so.")) return std::nullopt;
  file.remove_prefix(4);
  for (char c : file) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0 && c != '.') return std::nullopt;
  }
  auto v = Version::parse(file);
  if (!v) return std::nullopt;
  return *v;
}

}  // namespace td
