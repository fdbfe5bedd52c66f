// An interpreter's sys.path worked out from files, in the order `import torch` searches it: what
// site.py builds at start-up (PYTHONPATH, the user site, the site folders, each followed by its
// .pth files' folders), pip's build-isolation overlay (which replaces the site folders), and the
// editable installs whose finders Python consults after sys.path.
#include <algorithm>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/python_torch.hpp"

namespace td {
namespace {

constexpr std::size_t k_max_pth = 1U << 20U;

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::string name_of(const std::string& path) { return path.substr(path.rfind('/') + 1); }

bool is_dir(const FileSystem& fs, const std::string& path) { return fs.stat(path).type == FileType::directory; }

bool is_regular(const FileSystem& fs, const std::string& path) { return fs.stat(path).type == FileType::regular; }

class PathBuilder {
 public:
  PathBuilder(const FileSystem& fs, std::vector<std::string>& skipped) : m_fs(fs), m_skipped(skipped) {}

  // Appends an existing folder once (by its real path), as site.py's known_paths does.
  bool add(const std::string& dir, const std::string& origin) {
    if (dir.empty() || dir.front() != '/' || !is_dir(m_fs, dir)) return false;
    const std::string real = m_fs.real_path(dir).value_or(normalize_path(dir));
    if (std::find(m_known.begin(), m_known.end(), real) != m_known.end()) return false;
    m_known.push_back(real);
    m_entries.push_back({normalize_path(dir), origin});
    return true;
  }

  // site.addsitedir: the folder, then the folders named by its .pth files, in file-name order.
  void add_site_dir(const std::string& dir, const std::string& origin) {
    if (!add(dir, origin)) return;
    auto names = m_fs.list_dir(dir);
    if (!names) return;
    std::sort(names->begin(), names->end());
    for (const auto& n : *names) {
      if (n.ends_with(".pth") && !n.starts_with('.')) read_pth(dir, path_join(dir, n));
    }
    for (const auto& n : *names) {
      if (n.ends_with(".egg-link")) note_egg_link(dir, path_join(dir, n));
    }
  }

  std::vector<SysPathEntry> finish() {
    for (auto& f : m_finders) m_entries.push_back(std::move(f));
    return std::move(m_entries);
  }

 private:
  void read_pth(const std::string& site, const std::string& file) {
    auto text = m_fs.read_file(file, k_max_pth);
    if (!text) return;
    for (const auto raw : lines(*text)) {
      std::string_view line = raw;
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
      if (line.empty() || line.front() == '#') continue;
      if (line.starts_with("import ") || line.starts_with("import\t")) {
        note_import(site, file, line);
        continue;
      }
      const std::string p = line.front() == '/' ? std::string(line) : path_join(site, std::string(line));
      add(p, "pth:" + file);
    }
  }

  // An `import` line is code: it is not run; a setuptools editable finder it installs is read instead.
  void note_import(const std::string& site, const std::string& file, std::string_view line) {
    m_skipped.push_back(m_fs.display(file) + ": " + sanitize(line, 160));
    const auto at = line.find("__editable___");
    if (at == std::string_view::npos) return;
    std::string_view module = line.substr(at);
    module = module.substr(0, module.find_first_of(";. \t"));
    const std::string finder = path_join(site, std::string(module) + ".py");
    if (is_regular(m_fs, finder)) m_finders.push_back({finder, "editable finder:" + finder});
  }

  // A `setup.py develop` install: the .egg-link names the project folder that easy-install.pth adds.
  void note_egg_link(const std::string& site, const std::string& file) {
    auto text = m_fs.read_file(file, 4096);
    if (!text) return;
    const auto first = lines(*text);
    if (first.empty()) return;
    std::string target(trim(first.front()));
    if (target.empty()) return;
    if (target.front() != '/') target = path_join(site, target);
    const std::string real = m_fs.real_path(target).value_or(normalize_path(target));
    for (auto& e : m_entries) {
      if (m_fs.real_path(e.path).value_or(e.path) == real) e.origin = "egg-link:" + file + " (" + e.origin + ")";
    }
  }

  const FileSystem& m_fs;
  std::vector<std::string>& m_skipped;
  std::vector<std::string> m_known;
  std::vector<SysPathEntry> m_entries;
  std::vector<SysPathEntry> m_finders;
};

// pip's isolated build puts <tmp>/pip-build-env-*/site (holding a sitecustomize.py) on PYTHONPATH;
// that sitecustomize drops the interpreter's site folders and adds the overlay's and normal's.
std::optional<std::string> pip_build_env(const FileSystem& fs, const std::vector<std::string>& pythonpath) {
  for (const auto& p : pythonpath) {
    if (name_of(p) == "site" && name_of(parent_of(p)).starts_with("pip-build-env-") &&
        is_regular(fs, path_join(p, "sitecustomize.py"))) {
      return parent_of(p);
    }
  }
  return std::nullopt;
}

std::vector<std::string> lib_sites(const FileSystem& fs, const std::string& prefix) {
  std::vector<std::string> out;
  for (const char* lib : {"lib", "lib64"}) {
    auto names = fs.list_dir(path_join(prefix, lib));
    if (!names) continue;
    std::sort(names->begin(), names->end());
    for (const auto& n : *names) {
      if (n.starts_with("python")) out.push_back(path_join(prefix, std::string(lib) + "/" + n + "/site-packages"));
    }
  }
  return out;
}

}  // namespace

std::vector<SysPathEntry> python_sys_path(const FileSystem& fs, const Env& env, const PythonEnvironment& python,
                                          std::vector<std::string>& skipped) {
  PathBuilder b(fs, skipped);
  std::vector<std::string> pythonpath;
  for (const auto& p : split(env.get("PYTHONPATH").value_or(""), ':')) {
    if (!p.empty() && p.front() == '/') pythonpath.push_back(normalize_path(p));
  }
  for (const auto& p : pythonpath) b.add(p, "PYTHONPATH");
  if (const auto build_env = pip_build_env(fs, pythonpath)) {
    for (const char* part : {"overlay", "normal"}) {
      for (const auto& site : lib_sites(fs, path_join(*build_env, part))) b.add_site_dir(site, "pip build overlay");
    }
    return b.finish();
  }
  if (!python.user_site.empty()) b.add_site_dir(python.user_site, "user site");
  for (const auto& site : python.site_packages) b.add_site_dir(site, "site");
  return b.finish();
}

std::vector<std::pair<std::string, std::string>> parse_editable_finder_mapping(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto at = text.find("MAPPING");
  if (at == std::string_view::npos) return out;
  const auto open = text.find('{', at);
  const auto close = open == std::string_view::npos ? open : text.find('}', open);
  if (close == std::string_view::npos) return out;
  const std::string_view body = text.substr(open + 1, close - open - 1);
  std::vector<std::string> strings;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\'' && body[i] != '"') continue;
    const auto end = body.find(body[i], i + 1);
    if (end == std::string_view::npos) break;
    strings.emplace_back(body.substr(i + 1, end - i - 1));
    i = end;
  }
  for (std::size_t i = 0; i + 1 < strings.size(); i += 2) out.emplace_back(strings[i], strings[i + 1]);
  return out;
}

std::vector<TorchOnPath> torch_on_sys_path(const FileSystem& fs, const std::vector<SysPathEntry>& path) {
  std::vector<TorchOnPath> out;
  std::vector<std::string> seen;
  auto add = [&](const std::string& torch_dir, const SysPathEntry& e) {
    if (!is_regular(fs, path_join(torch_dir, "__init__.py")) && !is_regular(fs, path_join(torch_dir, "version.py")))
      return;
    const std::string real = fs.real_path(torch_dir).value_or(torch_dir);
    if (std::find(seen.begin(), seen.end(), real) != seen.end()) return;
    seen.push_back(real);
    out.push_back({normalize_path(torch_dir), e.path, e.origin});
  };
  for (const auto& e : path) {
    if (!e.origin.starts_with("editable finder:")) {
      add(path_join(e.path, "torch"), e);
      continue;
    }
    auto text = fs.read_file(e.path, 1U << 20U);
    if (!text) continue;
    for (const auto& [name, dir] : parse_editable_finder_mapping(*text)) {
      if (name == "torch" && !dir.empty() && dir.front() == '/') add(normalize_path(dir), e);
    }
  }
  return out;
}

}  // namespace td
