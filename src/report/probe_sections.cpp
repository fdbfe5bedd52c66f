// Turns HostFacts into report sections; probing never happens here.
#include <map>

#include "software_sections.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/report/sections.hpp"

namespace td {
namespace {

std::string text_of(const std::string& v) { return v; }
std::string text_of(const Version& v) { return v.str(); }
std::string text_of(bool v) { return v ? "yes" : "no"; }
std::string text_of(std::uint32_t v) { return std::to_string(v); }
std::string text_of(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "none" : out;
}

// The detail column: the source, and the note when a known fact was derived.
template <typename T>
std::string detail_of(const Fact<T>& f) {
  if (!f.value) return f.note.empty() ? f.source : f.note;
  return f.note.empty() ? f.source : f.source + "; " + f.note;
}

template <typename T>
Row row(const std::string& label, const Fact<T>& f) {
  if (f.value) return Row{label, text_of(*f.value), detail_of(f), Tone::plain};
  return Row{label, "unknown", f.note.empty() ? f.source : f.note, Tone::muted};
}

Row bytes_row(const std::string& label, const Fact<std::uint64_t>& f) {
  if (f.value) return Row{label, human_bytes(*f.value), detail_of(f), Tone::plain};
  return Row{label, "unknown", f.note.empty() ? f.source : f.note, Tone::muted};
}

// Which section shows a detector's errors.
const std::map<std::string, std::string>& section_of_detector() {
  static const std::map<std::string, std::string> k_map{
      {"os", "System"},
      {"cpu", "CPU and memory"},
      {"memory", "CPU and memory"},
      {"glibc", "CPU and memory"},
      {"container", "Container"},
      {"driver", "NVIDIA driver and GPUs"},
      {"gpu", "NVIDIA driver and GPUs"},
      {"gpu_libs", "NVIDIA driver and GPUs"},
      {"board", "Board and Jetson"},
      {"jetson", "Board and Jetson"},
      {"tooling", "Container tooling"},
      {"toolkit", "CUDA toolkits"},
      {"cuda_libs", "CUDA toolkits"},
      {"python", "Python and torch"},
  };
  return k_map;
}

void add_gpu_rows(Section& s, const HostFacts& f) {
  if (!f.gpus) {
    s.rows.push_back(Row{"GPUs", "unknown", f.gpus.note.empty() ? f.gpus.source : f.gpus.note, Tone::muted});
    return;
  }
  if (f.gpus.value->empty()) {
    s.rows.push_back(Row{"GPUs", "none", f.gpus.source, Tone::muted});
    return;
  }
  int i = 0;
  for (const auto& g : *f.gpus.value) {
    std::string value = g.name ? *g.name.value : "NVIDIA GPU";
    if (g.pci_device_id) value += " [" + *g.pci_device_id.value + "]";
    if (g.compute_capability) value += ", compute capability " + g.compute_capability.value->str();
    if (g.memory_bytes) value += ", " + human_bytes(*g.memory_bytes.value);
    if (g.integrated && *g.integrated.value) value += " (integrated)";
    if (g.mig_mode && *g.mig_mode.value == "enabled") value += ", MIG enabled";
    std::string detail = g.pci_bus_id ? *g.pci_bus_id.value : g.name.source;
    s.rows.push_back(Row{"GPU " + std::to_string(i++), value, detail, Tone::plain});
  }
}

// Which library answered, what libcuda sees, and whether the answer came from the cache.
void add_gpu_probe_rows(Section& s, const GpuProbeFacts& p) {
  s.rows.push_back(row("GPU libraries answered", p.answered_by));
  s.rows.push_back(row("NVML library", p.nvml_library));
  Row cuda = row("libcuda", p.libcuda_library);
  if (p.libcuda_forward_compat && *p.libcuda_forward_compat.value) {
    cuda.value += " (forward compat)";
    cuda.tone = Tone::warn;
  }
  s.rows.push_back(cuda);
  s.rows.push_back(row("libcuda CUDA level", p.libcuda_cuda_level));
  Row visible{"CUDA_VISIBLE_DEVICES", p.cuda_visible_devices ? "'" + *p.cuda_visible_devices.value + "'" : "not set",
              p.cuda_visible_devices.note, p.cuda_visible_devices ? Tone::warn : Tone::muted};
  s.rows.push_back(visible);
  Row cache = row("Probe cache", p.cache);
  if (p.cache && !p.cache.note.empty())
    cache.detail = p.cache.source.empty() ? p.cache.note : p.cache.source + " (" + p.cache.note + ")";
  s.rows.push_back(cache);
}

}  // namespace

std::vector<Section> probe_sections(const HostFacts& f) {
  std::vector<Section> out;
  out.push_back({"System", {row("OS", f.os.pretty_name), row("Kernel", f.os.kernel), row("Hostname", f.hostname)}, {}});
  out.push_back({"CPU and memory",
                 {row("Architecture", f.cpu.arch), row("Model", f.cpu.model), row("Processors", f.cpu.cores),
                  row("ISA flags", f.cpu.flags), row("glibc", f.cpu.glibc), bytes_row("Memory", f.cpu.memory_bytes),
                  bytes_row("/dev/shm", f.cpu.shm_bytes)},
                 {}});
  out.push_back({"Container",
                 {row("Inside a container", f.container.inside), row("Engine", f.container.engine),
                  row("Kubernetes", f.container.kubernetes), row("WSL2", f.container.wsl)},
                 {}});
  Section nv{"NVIDIA driver and GPUs",
             {row("Driver", f.driver.version), row("Kernel module", f.driver.kernel_module),
              row("Driver CUDA level", f.driver.cuda_level)},
             {}};
  add_gpu_rows(nv, f);
  add_gpu_probe_rows(nv, f.gpu_probe);
  out.push_back(std::move(nv));
  out.push_back({"Board and Jetson",
                 {row("Board", f.board.model), row("Compatible", f.board.compatible), row("L4T", f.jetson.l4t),
                  row("JetPack", f.jetson.jetpack), row("Module", f.jetson.module), row("SoC", f.jetson.soc)},
                 {}});
  out.push_back(
      {"Container tooling",
       {row("docker", f.tooling.docker), row("podman", f.tooling.podman), row("nvidia-ctk", f.tooling.nvidia_ctk),
        row("nvidia-container-runtime", f.tooling.nvidia_runtime), row("Docker runtimes", f.tooling.docker_runtimes),
        row("Default runtime", f.tooling.docker_default_runtime), row("CDI specs", f.tooling.cdi_specs)},
       {}});
  out.push_back(toolkit_section(f));
  out.push_back(python_torch_section(f));
  for (const auto& issue : f.issues) {
    const auto it = section_of_detector().find(issue.detector);
    const std::string title = it == section_of_detector().end() ? "System" : it->second;
    for (auto& s : out) {
      if (s.title == title) s.errors.push_back(issue.detector + ": " + issue.message);
    }
  }
  return out;
}

}  // namespace td
