// CPU detector: architecture (uname on the live root, the ELF header of /bin/sh in a tree),
// model, processor count and the ISA flags that decide which wheels run.
#include <sys/utsname.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "torchdoctor/core/arch.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/parsers.hpp"
#include "torchdoctor/probe/probe.hpp"

namespace td {
namespace {

// ARM part numbers, from Linux arch/arm64/include/asm/cputype.h.
struct ArmPart {
  unsigned implementer;
  unsigned part;
  const char* name;
};
constexpr std::array k_arm_parts{
    ArmPart{0x41, 0xd03, "Cortex-A53"},    ArmPart{0x41, 0xd04, "Cortex-A35"},
    ArmPart{0x41, 0xd05, "Cortex-A55"},    ArmPart{0x41, 0xd07, "Cortex-A57"},
    ArmPart{0x41, 0xd08, "Cortex-A72"},    ArmPart{0x41, 0xd09, "Cortex-A73"},
    ArmPart{0x41, 0xd0a, "Cortex-A75"},    ArmPart{0x41, 0xd0b, "Cortex-A76"},
    ArmPart{0x41, 0xd0c, "Neoverse-N1"},   ArmPart{0x41, 0xd0d, "Cortex-A77"},
    ArmPart{0x41, 0xd40, "Neoverse-V1"},   ArmPart{0x41, 0xd41, "Cortex-A78"},
    ArmPart{0x41, 0xd42, "Cortex-A78AE"},  ArmPart{0x41, 0xd44, "Cortex-X1"},
    ArmPart{0x41, 0xd46, "Cortex-A510"},   ArmPart{0x41, 0xd47, "Cortex-A710"},
    ArmPart{0x41, 0xd48, "Cortex-X2"},     ArmPart{0x41, 0xd49, "Neoverse-N2"},
    ArmPart{0x41, 0xd4b, "Cortex-A78C"},   ArmPart{0x41, 0xd4f, "Neoverse-V2"},
    ArmPart{0x41, 0xd81, "Cortex-A720"},   ArmPart{0x41, 0xd82, "Cortex-X4"},
    ArmPart{0x41, 0xd83, "Neoverse-V3AE"}, ArmPart{0x41, 0xd84, "Neoverse-V3"},
    ArmPart{0x41, 0xd8e, "Neoverse-N3"},   ArmPart{0x4e, 0x003, "NVIDIA Denver 2"},
    ArmPart{0x4e, 0x004, "NVIDIA Carmel"},
};

// Flags that matter for wheels and for "Illegal instruction" diagnoses.
constexpr std::array k_interesting_flags{"sse4_2",   "avx",  "avx2",    "fma",     "avx512f", "avx512_bf16",
                                         "amx_tile", "neon", "asimd",   "fp",      "sve",     "sve2",
                                         "bf16",     "i8mm", "asimddp", "atomics", "vfpv4"};

std::optional<unsigned> parse_hex(std::string_view s) {
  s = trim(s);
  if (s.rfind("0x", 0) == 0 || s.rfind("0X", 0) == 0) s.remove_prefix(2);
  if (s.empty() || s.size() > 8) return std::nullopt;
  unsigned v = 0;
  for (char c : s) {
    v <<= 4U;
    if (c >= '0' && c <= '9')
      v |= static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= static_cast<unsigned>(c - 'A' + 10);
    else
      return std::nullopt;
  }
  return v;
}

}  // namespace

namespace {

std::string arm_part_name(unsigned implementer, unsigned part) {
  for (const auto& p : k_arm_parts) {
    if (p.implementer == implementer && p.part == part) return p.name;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "ARM implementer 0x%02x part 0x%03x", implementer, part);
  return buf;
}

// "4x Cortex-A55 + 4x Cortex-A76" for big.LITTLE, "Cortex-A72" when all cores match.
std::string summarize_cores(const std::vector<std::string>& cores) {
  std::vector<std::pair<std::string, int>> counts;
  for (const auto& c : cores) {
    auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& e) { return e.first == c; });
    if (it == counts.end())
      counts.emplace_back(c, 1);
    else
      ++it->second;
  }
  if (counts.size() == 1) return counts.front().first;
  std::string out;
  for (const auto& [name, n] : counts) out += (out.empty() ? "" : " + ") + std::to_string(n) + "x " + name;
  return out;
}

}  // namespace

Result<CpuInfo> parse_cpuinfo(std::string_view text) {
  CpuInfo info;
  std::optional<unsigned> implementer;
  std::vector<std::string> arm_cores;
  std::string hardware;
  std::string board_model;
  bool first_flags = true;
  for (std::string_view line : lines(text)) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string key(trim(line.substr(0, colon)));
    const std::string_view value = trim(line.substr(colon + 1));
    if (key == "processor") {
      ++info.processors;
    } else if ((key == "model name" || key == "cpu model") && info.model.empty()) {
      info.model = sanitize(value);
    } else if (key == "CPU implementer") {
      implementer = parse_hex(value);
    } else if (key == "CPU part" && implementer) {
      if (auto part = parse_hex(value)) arm_cores.push_back(arm_part_name(*implementer, *part));
    } else if (key == "Hardware") {
      hardware = sanitize(value);
    } else if (key == "Model") {
      board_model = sanitize(value);
    } else if ((key == "flags" || key == "Features") && first_flags) {
      first_flags = false;
      for (const auto& f : split(value, ' ')) {
        if (!f.empty()) info.flags.push_back(f);
      }
    }
  }
  if (info.model.empty() && !arm_cores.empty()) info.model = summarize_cores(arm_cores);
  if (info.model.empty() && !hardware.empty()) info.model = hardware;
  if (info.model.empty() && !board_model.empty()) info.model = board_model;
  if (info.processors == 0 && info.model.empty()) return make_error(ErrorKind::parse, "no processor entries");
  return info;
}

Result<std::string> parse_elf_machine(std::string_view bytes) {
  if (bytes.size() < 20 || bytes.substr(0, 4) !=
                               "\x7f"
                               "ELF")
    return make_error(ErrorKind::parse, "not an ELF file");
  const bool little = bytes[5] == 1;
  const auto b0 = static_cast<unsigned char>(bytes[18]);
  const auto b1 = static_cast<unsigned char>(bytes[19]);
  const unsigned machine = little ? (b0 | (b1 << 8U)) : ((b0 << 8U) | b1);
  const bool is64 = bytes[4] == 2;
  switch (machine) {
    case 62:
      return std::string("x86_64");
    case 3:
      return std::string("i686");
    case 183:
      return std::string("aarch64");
    case 40:
      return std::string("armv7l");
    case 21:
      return std::string(is64 ? (little ? "ppc64le" : "ppc64") : "ppc");
    case 243:
      return std::string(is64 ? "riscv64" : "riscv32");
    case 22:
      return std::string("s390x");
    default:
      return make_error(ErrorKind::parse, "unknown ELF machine " + std::to_string(machine));
  }
}

namespace {

// A tree without a readable executable (an image's config layer, a minimal rootfs): the
// architecture from what else it holds, each with its source. The ELF header stays first because it
// is the userland's, which decides what installs (a Pi's CPU can be 64-bit under a 32-bit userland).
Fact<std::string> arch_from_other_evidence(const ProbeContext& ctx) {
  if (auto rel = ctx.fs.read_file("/etc/nv_tegra_release", 4096);
      rel && rel->find("EABI: aarch64") != std::string::npos) {
    auto f = Fact<std::string>::known("aarch64", "file:/etc/nv_tegra_release");
    f.note = "L4T's EABI line; no executable could be read";
    return f;
  }
  if (auto compat = ctx.fs.read_file("/proc/device-tree/compatible", 4096);
      compat && compat->find("nvidia,tegra") != std::string::npos) {
    auto f = Fact<std::string>::known("aarch64", "file:/proc/device-tree/compatible");
    f.note = "an NVIDIA Tegra SoC (every L4T userland is aarch64); no executable could be read";
    return f;
  }
  if (auto text = ctx.fs.read_file("/proc/cpuinfo", 1U << 20U)) {
    std::string arch;
    for (const auto& line : split(*text, '\n')) {
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      const std::string key(trim(std::string_view(line).substr(0, colon)));
      const std::string value(trim(std::string_view(line).substr(colon + 1)));
      if (key == "CPU architecture") arch = value == "8" ? "aarch64" : value == "7" ? "armv7l" : "";
      if (key == "flags" && (" " + value + " ").find(" lm ") != std::string::npos) arch = "x86_64";
      if (!arch.empty()) break;
    }
    if (!arch.empty()) {
      auto f = Fact<std::string>::known(arch, "file:/proc/cpuinfo");
      f.note = "the processor's; no executable could be read, so a 32-bit userland on a 64-bit CPU would not show";
      return f;
    }
  }
  return {};
}

}  // namespace

void detect_cpu(const ProbeContext& ctx, HostFacts& facts) {
  if (ctx.fs.is_live_root()) {
    utsname u{};
    if (::uname(&u) == 0) facts.cpu.arch = Fact<std::string>::known(machine_name(u.machine), "uname");
  }
  if (!facts.cpu.arch) {
    std::string last_error = "no executable found";
    for (const char* path : {"/bin/sh", "/usr/bin/env", "/bin/busybox", "/usr/bin/ls"}) {
      auto head = ctx.fs.read_file(path, 64);
      if (!head) continue;
      auto machine = parse_elf_machine(*head);
      if (machine) {
        facts.cpu.arch = Fact<std::string>::known(*machine, std::string("elf:") + path);
        break;
      }
      last_error = ctx.fs.display(path) + ": " + machine.error().message;
    }
    if (!facts.cpu.arch) facts.cpu.arch = arch_from_other_evidence(ctx);
    if (!facts.cpu.arch) {
      facts.cpu.arch = Fact<std::string>::unknown(
          "elf:/bin/sh", last_error + "; neither /etc/nv_tegra_release, the device tree nor /proc/cpuinfo names it");
      add_issue(facts, "cpu", "architecture unknown: " + last_error);
    }
  }

  const char* src = "file:/proc/cpuinfo";
  auto text = ctx.fs.read_file("/proc/cpuinfo", 1U << 20U);
  if (!text) {
    facts.cpu.model = Fact<std::string>::unknown(src, text.error().message);
    facts.cpu.cores = Fact<std::uint32_t>::unknown(src, text.error().message);
    facts.cpu.flags = Fact<std::vector<std::string>>::unknown(src, text.error().message);
    return;
  }
  auto info = parse_cpuinfo(*text);
  if (!info) {
    facts.cpu.model = Fact<std::string>::unknown(src, info.error().message);
    facts.cpu.cores = Fact<std::uint32_t>::unknown(src, info.error().message);
    facts.cpu.flags = Fact<std::vector<std::string>>::unknown(src, info.error().message);
    add_issue(facts, "cpu", ctx.fs.display("/proc/cpuinfo") + ": " + info.error().message);
    return;
  }
  facts.cpu.model = info->model.empty() ? Fact<std::string>::unknown(src, "no model line")
                                        : Fact<std::string>::known(info->model, src);
  facts.cpu.cores = info->processors == 0 ? Fact<std::uint32_t>::unknown(src, "no processor lines")
                                          : Fact<std::uint32_t>::known(info->processors, src);
  std::vector<std::string> flags;
  for (const char* f : k_interesting_flags) {
    if (std::find(info->flags.begin(), info->flags.end(), f) != info->flags.end()) flags.emplace_back(f);
  }
  facts.cpu.flags = info->flags.empty() ? Fact<std::vector<std::string>>::unknown(src, "no flags line")
                                        : Fact<std::vector<std::string>>::known(flags, src);
}

}  // namespace td
