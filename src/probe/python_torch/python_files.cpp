// Parsers for the small Python files the probe reads instead of running Python: torch/version.py,
// pyvenv.cfg, dist-info folder names, and the arch-flag string torch reports.
#include <cctype>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/python_torch.hpp"

namespace td {
namespace {

constexpr std::size_t k_max_value = 200;

// A Python literal on the right of `=`: a quoted string, or None (nullopt). Other literals
// (True, numbers) come back as their text.
std::optional<std::string> python_literal(std::string_view rhs) {
  rhs = trim(rhs);
  if (rhs == "None" || rhs.empty()) return std::nullopt;
  if (rhs.size() >= 2 && (rhs.front() == '\'' || rhs.front() == '"')) {
    const char quote = rhs.front();
    const std::size_t end = rhs.find(quote, 1);
    if (end == std::string_view::npos) return std::nullopt;
    return sanitize(rhs.substr(1, end - 1), k_max_value);
  }
  const std::size_t hash = rhs.find('#');
  return sanitize(trim(rhs.substr(0, hash)), k_max_value);
}

}  // namespace

Result<TorchVersionPy> parse_torch_version_py(std::string_view text) {
  TorchVersionPy out;
  for (const auto line : lines(text)) {
    const std::string_view l = trim(line);
    if (l.empty() || l.front() == '#') continue;
    const std::size_t eq = l.find('=');
    if (eq == std::string_view::npos || eq + 1 >= l.size() || l[eq + 1] == '=') continue;
    std::string_view name = l.substr(0, eq);
    if (const std::size_t colon = name.find(':'); colon != std::string_view::npos)
      name = name.substr(0, colon);  // annotation
    name = trim(name);
    const auto value = python_literal(l.substr(eq + 1));
    if (name == "__version__")
      out.version = value;
    else if (name == "cuda")
      out.cuda = value;
    else if (name == "hip")
      out.hip = value;
    else if (name == "git_version")
      out.git = value;
  }
  if (!out.version) return make_error(ErrorKind::parse, "no __version__ in version.py");
  return out;
}

PyvenvCfg parse_pyvenv_cfg(std::string_view text) {
  PyvenvCfg cfg;
  for (const auto line : lines(text)) {
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string key = to_lower(trim(line.substr(0, eq)));
    const std::string value(trim(line.substr(eq + 1)));
    if (key == "home")
      cfg.home = value;
    else if (key == "version" || key == "version_info")
      cfg.version = value;
    else if (key == "include-system-site-packages")
      cfg.system_site_packages = to_lower(value) == "true";
  }
  return cfg;
}

std::optional<PythonPackage> parse_dist_info_name(std::string_view folder) {
  static constexpr std::string_view k_suffix = ".dist-info";
  if (!folder.ends_with(k_suffix)) return std::nullopt;
  folder.remove_suffix(k_suffix.size());
  const std::size_t dash = folder.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == folder.size()) return std::nullopt;
  std::string name = to_lower(folder.substr(0, dash));
  for (char& c : name) c = c == '_' ? '-' : c;
  return PythonPackage{sanitize(name, 100), sanitize(folder.substr(dash + 1), 60)};
}

Result<std::vector<ComputeCapability>> parse_arch_flags(std::string_view text) {
  std::vector<ComputeCapability> out;
  for (const auto& field : split(text, ' ')) {
    const std::string_view token = trim(field);
    if (token.empty()) continue;
    auto cc = ComputeCapability::parse(token);
    if (!cc) return make_error(ErrorKind::parse, "arch flags: unexpected '" + sanitize(token, 40) + "'");
    out.push_back(*cc);
  }
  return out;
}

}  // namespace td
