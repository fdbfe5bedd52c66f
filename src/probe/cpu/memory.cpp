// Memory detector: MemTotal and the size of /dev/shm (DataLoader workers pass tensors through it).
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/parsers.hpp"
#include "torchdoctor/probe/probe.hpp"

namespace td {

Result<std::uint64_t> parse_meminfo_total(std::string_view text) {
  for (std::string_view line : lines(text)) {
    if (line.rfind("MemTotal:", 0) != 0) continue;
    std::string_view rest = trim(line.substr(9));
    const auto space = rest.find(' ');
    const auto number = parse_uint(rest.substr(0, space));
    if (!number) break;
    const std::string_view unit = space == std::string_view::npos ? "" : trim(rest.substr(space));
    if (unit == "kB" || unit.empty()) return static_cast<std::uint64_t>(*number) * 1024U;
    break;
  }
  return make_error(ErrorKind::parse, "no valid MemTotal line");
}

Result<std::uint64_t> parse_shm_size_from_mounts(std::string_view text) {
  for (std::string_view line : lines(text)) {
    const auto fields = split(trim(line), ' ');
    if (fields.size() < 4 || fields[1] != "/dev/shm") continue;
    for (const auto& opt : split(fields[3], ',')) {
      if (opt.rfind("size=", 0) != 0) continue;
      std::string v = opt.substr(5);
      std::uint64_t mult = 1;
      if (!v.empty()) {
        const char u = static_cast<char>(std::tolower(static_cast<unsigned char>(v.back())));
        if (u == 'k')
          mult = 1ULL << 10U;
        else if (u == 'm')
          mult = 1ULL << 20U;
        else if (u == 'g')
          mult = 1ULL << 30U;
        if (mult != 1) v.pop_back();
      }
      if (const auto n = parse_uint(v)) return static_cast<std::uint64_t>(*n) * mult;
      return make_error(ErrorKind::parse, "bad size option '" + sanitize(opt) + "'");
    }
    return make_error(ErrorKind::not_found, "/dev/shm is mounted without a size option");
  }
  return make_error(ErrorKind::not_found, "no /dev/shm mount");
}

void detect_memory(const ProbeContext& ctx, HostFacts& facts) {
  const char* mem_src = "file:/proc/meminfo";
  if (auto text = ctx.fs.read_file("/proc/meminfo", 256 * 1024)) {
    auto total = parse_meminfo_total(*text);
    facts.cpu.memory_bytes = total ? Fact<std::uint64_t>::known(*total, mem_src)
                                   : Fact<std::uint64_t>::unknown(mem_src, total.error().message);
  } else {
    facts.cpu.memory_bytes = Fact<std::uint64_t>::unknown(mem_src, text.error().message);
  }

  // The live machine: statvfs tells the real size (a tmpfs without size= is half of RAM).
  if (ctx.fs.is_live_root()) {
    if (auto size = ctx.fs.filesystem_size("/dev/shm")) {
      facts.cpu.shm_bytes = Fact<std::uint64_t>::known(*size, "statvfs:/dev/shm");
      return;
    }
  }
  const char* mounts_src = "file:/proc/mounts";
  auto mounts = ctx.fs.read_file("/proc/mounts", 1U << 20U);
  if (!mounts) {
    facts.cpu.shm_bytes = Fact<std::uint64_t>::unknown(mounts_src, mounts.error().message);
    return;
  }
  auto size = parse_shm_size_from_mounts(*mounts);
  if (size) {
    facts.cpu.shm_bytes = Fact<std::uint64_t>::known(*size, mounts_src);
  } else if (size.error().kind == ErrorKind::not_found &&
             size.error().message.find("without a size") != std::string::npos && facts.cpu.memory_bytes) {
    // tmpfs without size= defaults to half of RAM (Documentation/filesystems/tmpfs.rst).
    facts.cpu.shm_bytes = Fact<std::uint64_t>::known(*facts.cpu.memory_bytes.value / 2, mounts_src);
    facts.cpu.shm_bytes.note = "tmpfs default: half of MemTotal";
  } else {
    facts.cpu.shm_bytes = Fact<std::uint64_t>::unknown(mounts_src, size.error().message);
  }
}

}  // namespace td
