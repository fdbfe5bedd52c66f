// glibc detector: the version banner inside libc.so.6 (works on a mounted tree, unlike
// gnu_get_libc_version), or musl's loader as a known non-glibc system.
#include <unistd.h>

#include <cstring>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/parsers.hpp"
#include "torchdoctor/probe/probe.hpp"

namespace td {
namespace {

constexpr const char* k_libc_dirs[] = {"/lib/x86_64-linux-gnu",
                                       "/lib/aarch64-linux-gnu",
                                       "/lib/arm-linux-gnueabihf",
                                       "/lib/powerpc64le-linux-gnu",
                                       "/lib/riscv64-linux-gnu",
                                       "/usr/lib64",
                                       "/lib64",
                                       "/usr/lib",
                                       "/lib"};

}  // namespace

Result<Version> parse_glibc_banner(std::string_view bytes) {
  // "GNU C Library (Debian GLIBC 2.36-9+deb12u4) stable release version 2.36."
  static constexpr std::string_view k_marker = "release version ";
  std::size_t pos = 0;
  while ((pos = bytes.find(k_marker, pos)) != std::string_view::npos) {
    pos += k_marker.size();
    std::size_t end = pos;
    while (end < bytes.size() && (std::isdigit(static_cast<unsigned char>(bytes[end])) != 0 || bytes[end] == '.'))
      ++end;
    std::string_view number = bytes.substr(pos, end - pos);
    while (!number.empty() && number.back() == '.') number.remove_suffix(1);
    if (auto v = Version::parse(number); v && v->release().size() >= 2) return v;
  }
  return make_error(ErrorKind::parse, "no 'release version' banner");
}

void detect_glibc(const ProbeContext& ctx, HostFacts& facts) {
  // On the live machine our own (dynamically linked) process runs on the system glibc: ask it,
  // instead of scanning 2 MB of libc.so.6.
  if (ctx.fs.is_live_root()) {
    char buf[64] = {};
    if (::confstr(_CS_GNU_LIBC_VERSION, buf, sizeof buf) > 0 && std::strncmp(buf, "glibc ", 6) == 0) {
      if (auto v = Version::parse(buf + 6)) {
        facts.cpu.glibc = Fact<Version>::known(*v, "confstr:_CS_GNU_LIBC_VERSION");
        return;
      }
    }
  }
  for (const char* dir : k_libc_dirs) {
    const std::string path = std::string(dir) + "/libc.so.6";
    if (ctx.fs.stat(path).type != FileType::regular) continue;
    auto bytes = ctx.fs.read_file(path, 16U << 20U);
    if (!bytes) {
      facts.cpu.glibc = Fact<Version>::unknown("file:" + path, bytes.error().message);
      return;
    }
    auto v = parse_glibc_banner(*bytes);
    facts.cpu.glibc =
        v ? Fact<Version>::known(*v, "file:" + path) : Fact<Version>::unknown("file:" + path, v.error().message);
    if (!v) add_issue(facts, "glibc", ctx.fs.display(path) + ": " + v.error().message);
    return;
  }
  for (const char* dir : {"/lib", "/usr/lib"}) {
    auto names = ctx.fs.list_dir(dir);
    if (!names) continue;
    for (const auto& n : *names) {
      if (n.rfind("ld-musl-", 0) == 0) {
        facts.cpu.glibc = Fact<Version>::unknown("file:" + std::string(dir) + "/" + n, "musl libc, not glibc");
        return;
      }
    }
  }
  facts.cpu.glibc = Fact<Version>::unknown("file:libc.so.6", "libc.so.6 not found");
}

}  // namespace td
