// Image references in pasted text (docs/explain.md, "Images in the text").
#include "torchdoctor/explain/image_refs.hpp"

#include "torchdoctor/core/strings.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "torchdoctor/explain/explain.hpp"

namespace td {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// The next white-space separated token from `pos`; advances `pos` past it.
std::string_view next_token(std::string_view s, std::size_t& pos) {
  while (pos < s.size() && is_space(s[pos])) ++pos;
  const std::size_t start = pos;
  while (pos < s.size() && !is_space(s[pos])) ++pos;
  return s.substr(start, pos - start);
}

// Quotes and trailing punctuation that messages put around a reference.
std::string_view trim_ref(std::string_view r) {
  while (!r.empty() && (r.front() == '\'' || r.front() == '"' || r.front() == '`' || r.front() == '('))
    r.remove_prefix(1);
  while (!r.empty() && (r.back() == '\'' || r.back() == '"' || r.back() == '`' || r.back() == ',' || r.back() == ')' ||
                        r.back() == '.' || r.back() == ';' || r.back() == ':')) {
    r.remove_suffix(1);
  }
  return r;
}

// Characters an image reference may hold: name components, registry host:port, tag and digest.
bool plausible_ref(std::string_view r) {
  if (r.empty() || r.size() > 255) return false;
  if (r.front() == '-' || r.front() == '/' || r.front() == '.' || r.front() == ':') return false;
  for (char c : r) {
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '/' || c == '.' || c == '-' || c == '_' || c == ':' || c == '@')) return false;
  }
  if (r == "scratch") return false;
  // A bare word with neither tag, digest nor path is more often prose than an image ("from base").
  return true;
}

// `docker run` options that take a value as the next argument (the rest are flags).
bool option_takes_value(std::string_view opt) {
  static constexpr std::array<std::string_view, 48> k_with_value{"-v",
                                                                 "--volume",
                                                                 "-e",
                                                                 "--env",
                                                                 "-p",
                                                                 "--publish",
                                                                 "--name",
                                                                 "--gpus",
                                                                 "--runtime",
                                                                 "--shm-size",
                                                                 "--ipc",
                                                                 "--network",
                                                                 "--net",
                                                                 "-w",
                                                                 "--workdir",
                                                                 "--entrypoint",
                                                                 "--device",
                                                                 "-u",
                                                                 "--user",
                                                                 "--platform",
                                                                 "--mount",
                                                                 "--env-file",
                                                                 "--ulimit",
                                                                 "--cpus",
                                                                 "-m",
                                                                 "--memory",
                                                                 "-l",
                                                                 "--label",
                                                                 "--add-host",
                                                                 "-h",
                                                                 "--hostname",
                                                                 "--cap-add",
                                                                 "--cap-drop",
                                                                 "--security-opt",
                                                                 "--pid",
                                                                 "--restart",
                                                                 "--log-driver",
                                                                 "--log-opt",
                                                                 "--tmpfs",
                                                                 "--group-add",
                                                                 "--volumes-from",
                                                                 "--link",
                                                                 "--dns",
                                                                 "--expose",
                                                                 "--pull",
                                                                 "--userns",
                                                                 "--cgroupns",
                                                                 "--memory-swap"};
  return std::find(k_with_value.begin(), k_with_value.end(), opt) != k_with_value.end();
}

// The image of a `docker run` / `podman run` / `nvidia-docker run` command line, if any.
std::string_view docker_run_image(std::string_view line) {
  const std::string low = to_lower(line);
  std::size_t at = std::string::npos;
  for (const char* cmd : {"docker run ", "podman run ", "nvidia-docker run ", "docker container run "}) {
    at = low.find(cmd);
    if (at != std::string::npos) {
      at += std::string_view(cmd).size();
      break;
    }
  }
  if (at == std::string::npos) return {};
  std::size_t pos = at;
  while (pos < line.size()) {
    const std::string_view tok = next_token(line, pos);
    if (tok.empty()) return {};
    if (tok == "\\") continue;  // a continued command line
    if (tok.front() == '-') {
      if (tok.find('=') == std::string_view::npos && option_takes_value(tok)) next_token(line, pos);
      continue;
    }
    return tok;
  }
  return {};
}

// The text after `key` (case-blind) up to the next space or quote, or empty.
std::string_view after(std::string_view line, const std::string& low, std::string_view key) {
  const auto at = low.find(key);
  if (at == std::string::npos) return {};
  std::size_t pos = at + key.size();
  return next_token(line, pos);
}

}  // namespace

std::vector<ImageMention> extract_image_refs(std::string_view text, std::size_t limit) {
  std::vector<ImageMention> out;
  auto add = [&](std::string_view raw, std::size_t line, const char* how) {
    const std::string_view r = trim_ref(raw);
    if (!plausible_ref(r) || out.size() >= limit) return;
    if (std::any_of(out.begin(), out.end(), [&](const ImageMention& m) { return m.ref == r; })) return;
    out.push_back({std::string(r), line, how});
  };
  // Only lines holding a trigger are looked at: the whole text lowered once and searched per
  // trigger (a 10 MB log costs a few milliseconds), then those lines in order.
  const std::string low_all = to_lower(text);
  std::vector<std::size_t> starts;
  for (std::string_view trigger :
       {"manifest for ", "unable to find image ", "pull access denied for ", " run ", "from ", "image:"}) {
    std::size_t at = low_all.find(trigger);
    while (at != std::string::npos) {
      const std::size_t nl = at == 0 ? std::string::npos : low_all.rfind('\n', at - 1);
      starts.push_back(nl == std::string::npos ? 0 : nl + 1);
      const std::size_t eol = low_all.find('\n', at);  // one entry per line and trigger
      at = eol == std::string::npos ? eol : low_all.find(trigger, eol + 1);
    }
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  std::size_t line_no = 1;
  std::size_t counted = 0;  // newlines counted up to here
  for (const std::size_t start : starts) {
    if (out.size() >= limit) break;
    line_no += static_cast<std::size_t>(std::count(text.begin() + static_cast<std::ptrdiff_t>(counted),
                                                   text.begin() + static_cast<std::ptrdiff_t>(start), '\n'));
    counted = start;
    const std::size_t nl = text.find('\n', start);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    const std::string_view line = strip_log_prefixes(text.substr(start, end - start));
    const std::string low = to_lower(line);
    if (const auto at = low.find("manifest for ");
        at != std::string::npos && low.find(" not found", at) != std::string::npos) {
      add(after(line, low, "manifest for "), line_no, "manifest");
    }
    if (low.find("unable to find image ") != std::string::npos)
      add(after(line, low, "unable to find image "), line_no, "unable_to_find");
    if (low.find("pull access denied for ") != std::string::npos)
      add(after(line, low, "pull access denied for "), line_no, "pull_denied");
    if (const auto img = docker_run_image(line); !img.empty()) add(img, line_no, "docker_run");
    // Dockerfile: FROM [--platform=P] IMAGE [AS NAME] at a line's start (either case, but not
    // Python's `from x import y`), or in build output: `[1/6] FROM x`, `Step 1/7 : FROM x`.
    {
      std::size_t pos = std::string::npos;
      if (low.rfind("from ", 0) == 0 && low.find(" import ") == std::string::npos)
        pos = 5;
      else if (const auto b = line.find("] FROM "); b != std::string_view::npos)
        pos = b + 7;
      else if (const auto c = line.find(" : FROM "); c != std::string_view::npos)
        pos = c + 8;
      if (pos != std::string::npos) {
        std::string_view tok = next_token(line, pos);
        if (tok.rfind("--", 0) == 0) tok = next_token(line, pos);
        if (tok.find('$') == std::string_view::npos) add(tok, line_no, "from");
      }
    }
    // Compose: `image: X` (also `- image: X`).
    {
      std::string_view l = low;
      std::size_t skip = 0;
      if (l.rfind("- ", 0) == 0) skip = 2;
      if (l.substr(skip).rfind("image:", 0) == 0) {
        std::size_t pos = skip + 6;
        const std::string_view tok = next_token(line, pos);
        if (tok.find('$') == std::string_view::npos) add(tok, line_no, "compose_image");
      }
    }
  }
  return out;
}

}  // namespace td
