// NVIDIA kernel driver detector: /sys/module/nvidia/version and /proc/driver/nvidia/version,
// open or proprietary kernel module. No library is loaded here.
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/parsers.hpp"
#include "torchdoctor/probe/probe.hpp"

namespace td {

Result<NvidiaProcVersion> parse_nvidia_proc_version(std::string_view text) {
  // NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024
  // NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  570.86.15  Release Build  (...)
  for (std::string_view line : lines(text)) {
    if (line.rfind("NVRM version:", 0) != 0) continue;
    NvidiaProcVersion out;
    out.open_module = line.find("Open Kernel Module") != std::string_view::npos;
    for (const char* arch : {"x86_64", "aarch64", "ppc64le"}) {
      if (line.find(arch) != std::string_view::npos) out.arch = arch;
    }
    const auto marker = line.find("Kernel Module");
    std::string_view rest = marker == std::string_view::npos ? line : line.substr(marker + 13);
    for (const auto& word : split(rest, ' ')) {
      if (word.empty() || std::isdigit(static_cast<unsigned char>(word[0])) == 0) continue;
      auto v = Version::parse(word);
      if (v && v->release().size() >= 2) {
        out.version = *v;
        return out;
      }
    }
    return make_error(ErrorKind::parse, "no version number in the NVRM line");
  }
  return make_error(ErrorKind::parse, "no 'NVRM version:' line");
}

void detect_driver(const ProbeContext& ctx, HostFacts& facts) {
  const char* sys_path = "/sys/module/nvidia/version";
  const char* proc_path = "/proc/driver/nvidia/version";
  std::optional<NvidiaProcVersion> proc;
  std::string proc_error;
  if (auto text = ctx.fs.read_file(proc_path, 64 * 1024)) {
    auto parsed = parse_nvidia_proc_version(*text);
    if (parsed)
      proc = *parsed;
    else
      proc_error = ctx.fs.display(proc_path) + ": " + parsed.error().message;
  }
  if (auto text = ctx.fs.read_file(sys_path, 4096)) {
    auto v = Version::parse(trim(*text));
    if (v && v->release().size() >= 2) {
      facts.driver.version = Fact<Version>::known(*v, std::string("file:") + sys_path);
    } else {
      add_issue(facts, "driver", ctx.fs.display(sys_path) + ": not a version: '" + sanitize(trim(*text), 40) + "'");
    }
  }
  if (!facts.driver.version && proc) {
    facts.driver.version = Fact<Version>::known(proc->version, std::string("file:") + proc_path);
  }
  if (!proc_error.empty()) add_issue(facts, "driver", proc_error);
  if (!facts.driver.version) {
    const bool loaded = ctx.fs.exists("/sys/module/nvidia") || ctx.fs.exists("/proc/driver/nvidia");
    // WSL2: the driver is Windows'; Linux sees a paravirtual GPU (/dev/dxg) and NVIDIA's libraries
    // in /usr/lib/wsl/lib, never a kernel module. NVML or nvidia-smi report its version.
    const bool wsl_gpu = ctx.fs.exists("/dev/dxg") && ctx.fs.exists("/usr/lib/wsl/lib/libcuda.so.1");
    facts.driver.version = Fact<Version>::unknown(
        "file:/sys/module/nvidia/version",
        loaded    ? "driver files present but unreadable"
        : wsl_gpu ? "WSL2: the Windows driver serves the GPU through /dev/dxg; NVML or nvidia-smi report its version"
                  : "no NVIDIA kernel module loaded");
  }
  if (proc) {
    facts.driver.kernel_module =
        Fact<std::string>::known(proc->open_module ? "open" : "proprietary", std::string("file:") + proc_path);
  } else {
    facts.driver.kernel_module =
        Fact<std::string>::unknown(std::string("file:") + proc_path, proc_error.empty() ? "not present" : proc_error);
  }
  facts.driver.cuda_level = Fact<Version>::unknown("nvml", "needs the NVML/libcuda probe");
}

}  // namespace td
