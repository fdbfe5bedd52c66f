// Version managers' shims resolved from their files. A pyenv or asdf shim is a bash script that
// re-executes the manager to pick a version: running it costs 300-500 ms per call. The manager's
// choice is a short lookup (a variable, a version file from the working directory up, a global
// file), which we repeat here on the FileSystem and Env seams, so it also works under --root.
#include <algorithm>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/core/version.hpp"
#include "torchdoctor/probe/python_torch.hpp"

namespace td {
namespace {

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::string name_of(const std::string& path) { return path.substr(path.rfind('/') + 1); }

bool is_regular(const FileSystem& fs, const std::string& path) { return fs.stat(path).type == FileType::regular; }

std::optional<std::string> env_abs(const Env& env, const char* name) {
  auto v = env.get(name);
  if (!v || v->empty() || v->front() != '/') return std::nullopt;
  return normalize_path(*v);
}

// The working directory and its parents, nearest first (empty when $PWD is unknown).
std::vector<std::string> upward_dirs(const Env& env, const char* override_var = nullptr) {
  std::optional<std::string> start = override_var != nullptr ? env_abs(env, override_var) : std::nullopt;
  if (!start) start = env_abs(env, "PWD");
  std::vector<std::string> out;
  if (!start) return out;
  for (std::string d = *start;; d = parent_of(d)) {
    out.push_back(d);
    if (d == "/") break;
  }
  return out;
}

// `name` on PATH, skipping the shims folder itself ("system" means what PATH holds without it).
std::optional<std::string> next_on_path(const FileSystem& fs, const Env& env, const std::string& name,
                                        const std::string& skip) {
  const std::string path = env.get("PATH").value_or("");
  for (const auto& dir : split(path, ':')) {
    if (dir.empty() || dir.front() != '/' || normalize_path(dir) == skip) continue;
    const std::string c = path_join(dir, name);
    if (is_regular(fs, c)) return c;
  }
  return std::nullopt;
}

// Words of a version file (.python-version, .tool-versions line): comments and blanks dropped.
std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  for (auto line : lines(text)) {
    line = trim(line.substr(0, line.find('#')));
    std::string word;
    for (const char c : line) {
      if (c == ' ' || c == '\t') {
        if (!word.empty()) out.push_back(std::move(word));
        word.clear();
      } else {
        word += c;
      }
    }
    if (!word.empty()) out.push_back(std::move(word));
  }
  return out;
}

// An installed version folder for `want`: the exact name, else the newest "want.*" (pyenv 2.3+ and
// mise accept a prefix such as 3.11).
std::optional<std::string> installed(const FileSystem& fs, const std::string& versions_dir, const std::string& want,
                                     const std::string& name) {
  if (want.empty() || want.find('/') != std::string::npos || want == "." || want == "..") return std::nullopt;
  if (is_regular(fs, path_join(versions_dir, want + "/bin/" + name)))
    return path_join(versions_dir, want + "/bin/" + name);
  auto names = fs.list_dir(versions_dir);
  if (!names) return std::nullopt;
  std::optional<Version> best;
  std::string best_name;
  for (const auto& n : *names) {
    if (!n.starts_with(want + ".") || !is_regular(fs, path_join(versions_dir, n + "/bin/" + name))) continue;
    auto v = Version::parse(n);
    if (v && (!best || *best < *v)) {
      best = *v;
      best_name = n;
    }
  }
  if (!best) return std::nullopt;
  return path_join(versions_dir, best_name + "/bin/" + name);
}

struct Choice {
  std::vector<std::string> versions;
  std::string how;
};

// The versions named for python in a .tool-versions text.
std::vector<std::string> tool_versions_python(std::string_view text) {
  for (const auto line : lines(text)) {
    auto w = words(line);
    if (w.size() >= 2 && w.front() == "python") return {w.begin() + 1, w.end()};
  }
  return {};
}

// The python versions of a mise TOML config: `python = "3.11"`, `python = ["3.11", "3.10"]` or
// `python = { version = "3.11" }` under [tools].
std::vector<std::string> mise_toml_python(std::string_view text) {
  bool in_tools = false;
  for (const auto raw : lines(text)) {
    const std::string_view line = trim(raw);
    if (line.starts_with('[')) {
      in_tools = line == "[tools]";
      continue;
    }
    if (!in_tools) continue;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key(trim(line.substr(0, eq)));
    if (key.size() >= 2 && key.front() == '"' && key.back() == '"') key = key.substr(1, key.size() - 2);
    if (key != "python") continue;
    std::string_view rhs = trim(line.substr(eq + 1));
    if (rhs.starts_with('{')) {
      const auto v = rhs.find("version");
      rhs = v == std::string_view::npos ? std::string_view() : rhs.substr(v + 7);
      if (const auto e = rhs.find('='); e != std::string_view::npos) rhs = rhs.substr(e + 1);
      if (const auto comma = rhs.find_first_of(",}"); comma != std::string_view::npos) rhs = rhs.substr(0, comma);
    }
    std::vector<std::string> out;
    for (std::size_t i = 0; i < rhs.size(); ++i) {
      if (rhs[i] != '"' && rhs[i] != '\'') continue;
      const auto end = rhs.find(rhs[i], i + 1);
      if (end == std::string_view::npos) break;
      out.emplace_back(rhs.substr(i + 1, end - i - 1));
      i = end;
    }
    return out;
  }
  return {};
}

Choice pyenv_choice(const FileSystem& fs, const Env& env, const std::string& root) {
  if (auto v = env.get("PYENV_VERSION"); v && !v->empty()) return {split(*v, ':'), "PYENV_VERSION=" + *v};
  for (const auto& d : upward_dirs(env, "PYENV_DIR")) {
    const std::string f = path_join(d, ".python-version");
    if (!is_regular(fs, f)) continue;
    if (auto text = fs.read_file(f, 4096)) return {words(*text), "file:" + f};
  }
  const std::string global = path_join(root, "version");
  if (auto text = fs.read_file(global, 4096)) return {words(*text), "file:" + global};
  return {{"system"}, "no version file (pyenv's default: system)"};
}

Choice asdf_choice(const FileSystem& fs, const Env& env, bool mise) {
  const char* var = mise ? "MISE_PYTHON_VERSION" : "ASDF_PYTHON_VERSION";
  if (auto v = env.get(var); v && !v->empty()) return {words(*v), std::string(var) + "=" + *v};
  const std::string tv_name = env.get("ASDF_DEFAULT_TOOL_VERSIONS_FILENAME").value_or(".tool-versions");
  static const std::vector<std::string> k_mise_files{"mise.local.toml", "mise.toml", ".mise.toml", ".config/mise.toml",
                                                     ".config/mise/config.toml"};
  auto from_dir = [&](const std::string& d) -> std::optional<Choice> {
    if (mise) {
      for (const auto& n : k_mise_files) {
        auto text = fs.read_file(path_join(d, n), 64U << 10U);
        if (!text) continue;
        auto v = mise_toml_python(*text);
        if (!v.empty()) return Choice{v, "file:" + path_join(d, n)};
      }
    }
    auto text = fs.read_file(path_join(d, tv_name), 64U << 10U);
    if (!text) return std::nullopt;
    auto v = tool_versions_python(*text);
    if (v.empty()) return std::nullopt;
    return Choice{v, "file:" + path_join(d, tv_name)};
  };
  for (const auto& d : upward_dirs(env)) {
    if (auto c = from_dir(d)) return *c;
  }
  if (mise) {
    const auto cfg = env_abs(env, "MISE_CONFIG_DIR");
    const auto home = env_abs(env, "HOME");
    const std::string global = cfg    ? path_join(*cfg, "config.toml")
                               : home ? path_join(*home, ".config/mise/config.toml")
                                      : "";
    if (!global.empty()) {
      if (auto text = fs.read_file(global, 64U << 10U)) {
        auto v = mise_toml_python(*text);
        if (!v.empty()) return {v, "file:" + global};
      }
    }
  }
  if (auto home = env_abs(env, "HOME")) {
    if (auto c = from_dir(*home)) return *c;
  }
  return {{"system"}, "no python in the tool-versions files (system)"};
}

// Which manager owns a shims folder: its data-folder variable, else the shim's own text, else the
// folder's name (~/.pyenv, ~/.asdf, ~/.local/share/mise).
std::string manager_of(const FileSystem& fs, const Env& env, const std::string& path, const std::string& dir) {
  if (name_of(dir) != "shims") return "";
  const std::string parent = parent_of(dir);
  if (env_abs(env, "PYENV_ROOT") == parent) return "pyenv";
  if (env_abs(env, "ASDF_DATA_DIR") == parent) return "asdf";
  if (env_abs(env, "MISE_DATA_DIR") == parent) return "mise";
  if (auto real = fs.real_path(path); real && name_of(*real) == "mise")
    return "mise";  // mise links its shims to itself
  if (auto head = fs.read_file(path, 4096); head && head->starts_with("#!")) {
    if (head->find("pyenv") != std::string::npos) return "pyenv";
    if (head->find("asdf") != std::string::npos) return "asdf";
    if (head->find("mise") != std::string::npos) return "mise";
  }
  const std::string pname = name_of(parent);
  if (pname == ".pyenv" || pname == "pyenv") return "pyenv";
  if (pname == ".asdf" || pname == "asdf") return "asdf";
  if (pname == "mise" || pname == ".mise" || pname == "rtx") return "mise";
  return "";
}

}  // namespace

ShimResolution resolve_python_shim(const FileSystem& fs, const Env& env, const std::string& path,
                                   const std::string& name) {
  ShimResolution r;
  const std::string dir = parent_of(path);
  r.manager = manager_of(fs, env, path, dir);
  if (r.manager.empty()) return r;
  r.is_shim = true;
  const std::string root = parent_of(dir);
  const Choice choice = r.manager == "pyenv" ? pyenv_choice(fs, env, root) : asdf_choice(fs, env, r.manager == "mise");
  r.how = choice.how;
  const std::string versions_dir =
      r.manager == "pyenv" ? path_join(root, "versions") : path_join(root, "installs/python");
  for (const auto& v : choice.versions) {
    std::optional<std::string> found;
    if (v == "system")
      found = next_on_path(fs, env, name, dir);
    else if (v.starts_with("path:"))
      found = is_regular(fs, path_join(v.substr(5), "bin/" + name))
                  ? std::optional(path_join(v.substr(5), "bin/" + name))
                  : std::nullopt;
    else
      found = installed(fs, versions_dir, v, name);
    if (found) {
      r.interpreter = found;
      r.how += " -> " + v;
      return r;
    }
  }
  std::string listed;
  for (const auto& v : choice.versions) listed += (listed.empty() ? "" : " ") + v;
  r.problem = r.manager + " shim " + fs.display(path) + ": version '" + listed + "' (" + choice.how +
              ") is not installed under " + fs.display(versions_dir);
  return r;
}

std::optional<std::string> project_venv_python(const FileSystem& fs, const Env& env) {
  for (const auto& d : upward_dirs(env)) {
    const std::string venv = path_join(d, ".venv");
    if (is_regular(fs, path_join(venv, "pyvenv.cfg")) && is_regular(fs, path_join(venv, "bin/python")))
      return path_join(venv, "bin/python");
  }
  return std::nullopt;
}

}  // namespace td
