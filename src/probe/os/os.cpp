// OS detector: /etc/os-release, the kernel release and the host name.
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/parsers.hpp"
#include "torchdoctor/probe/probe.hpp"

namespace td {

Result<OsRelease> parse_os_release(std::string_view text) {
  const auto kv = parse_env_file(text);
  OsRelease r;
  if (auto it = kv.find("ID"); it != kv.end()) r.id = it->second;
  if (auto it = kv.find("VERSION_ID"); it != kv.end()) r.version_id = it->second;
  if (auto it = kv.find("PRETTY_NAME"); it != kv.end()) r.pretty_name = it->second;
  if (r.id.empty() && r.pretty_name.empty()) {
    return make_error(ErrorKind::parse, "no ID or PRETTY_NAME line");
  }
  return r;
}

void detect_os(const ProbeContext& ctx, HostFacts& facts) {
  for (const char* path : {"/etc/os-release", "/usr/lib/os-release"}) {
    if (!ctx.fs.exists(path)) continue;
    const std::string src = std::string("file:") + path;
    auto text = ctx.fs.read_file(path, 64 * 1024);
    if (!text) {
      facts.os.pretty_name = Fact<std::string>::unknown(src, text.error().message);
      add_issue(facts, "os", text.error().message);
      break;
    }
    auto rel = parse_os_release(*text);
    if (!rel) {
      facts.os.pretty_name = Fact<std::string>::unknown(src, rel.error().message);
      add_issue(facts, "os", ctx.fs.display(path) + ": " + rel.error().message);
      break;
    }
    const auto set = [&](Fact<std::string>& f, const std::string& v) {
      f = v.empty() ? Fact<std::string>::unknown(src, "not in the file") : Fact<std::string>::known(sanitize(v), src);
    };
    set(facts.os.id, rel->id);
    set(facts.os.version_id, rel->version_id);
    set(facts.os.pretty_name, rel->pretty_name);
    break;
  }
  if (!facts.os.pretty_name && facts.os.pretty_name.source.empty()) {
    facts.os.pretty_name = Fact<std::string>::unknown("file:/etc/os-release", "no os-release file");
  }

  const char* kernel_path = "/proc/sys/kernel/osrelease";
  if (auto k = ctx.fs.read_file(kernel_path, 4096); k && !trim(*k).empty() && is_printable(trim(*k))) {
    facts.os.kernel = Fact<std::string>::known(std::string(trim(*k)), "file:/proc/sys/kernel/osrelease");
  } else {
    facts.os.kernel = Fact<std::string>::unknown("file:/proc/sys/kernel/osrelease",
                                                 k ? "empty or unreadable content" : k.error().message);
  }

  for (const char* path : {"/proc/sys/kernel/hostname", "/etc/hostname"}) {
    auto h = ctx.fs.read_file(path, 4096);
    if (h && !trim(*h).empty() && is_printable(trim(*h))) {
      facts.hostname = Fact<std::string>::known(sanitize(trim(*h), 255), std::string("file:") + path);
      break;
    }
  }
  if (!facts.hostname) facts.hostname = Fact<std::string>::unknown("file:/etc/hostname", "not found");
}

}  // namespace td
