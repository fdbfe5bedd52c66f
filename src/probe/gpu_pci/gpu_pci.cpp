// GPU detector (files only): NVIDIA display controllers on the PCI bus, named by the driver's
// /proc/driver/nvidia/gpus/<bus>/information when it is loaded. Capabilities come from NVML or the KB.
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/probe.hpp"

namespace td {
namespace {

constexpr const char* k_pci_dir = "/sys/bus/pci/devices";

std::string read_trimmed(const FileSystem& fs, const std::string& path) {
  auto text = fs.read_file(path, 256);
  return text ? to_lower(trim(*text)) : std::string();
}

// Fills name and UUID from the driver's per-GPU information file.
void read_driver_information(const FileSystem& fs, const std::string& bus, GpuFacts& gpu) {
  const std::string path = "/proc/driver/nvidia/gpus/" + bus + "/information";
  auto text = fs.read_file(path, 64 * 1024);
  if (!text) return;
  for (std::string_view line : lines(*text)) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (key == "Model" && !value.empty()) gpu.name = Fact<std::string>::known(sanitize(value), "file:" + path);
    if (key == "GPU UUID" && !value.empty()) gpu.uuid = Fact<std::string>::known(sanitize(value), "file:" + path);
  }
}

}  // namespace

void detect_gpu_pci(const ProbeContext& ctx, HostFacts& facts) {
  const std::string src = std::string("sysfs:") + k_pci_dir;
  auto entries = ctx.fs.list_dir(k_pci_dir);
  if (!entries) {
    facts.gpus = Fact<std::vector<GpuFacts>>::unknown(src, entries.error().message);
    return;
  }
  std::vector<GpuFacts> gpus;
  for (const auto& bus : *entries) {
    const std::string dir = std::string(k_pci_dir) + "/" + bus;
    if (read_trimmed(ctx.fs, dir + "/vendor") != "0x10de") continue;
    const std::string cls = read_trimmed(ctx.fs, dir + "/class");
    // 0x0300xx VGA, 0x0302xx 3D controller; skip the GPU's audio, USB and bridge functions.
    if (cls.rfind("0x0300", 0) != 0 && cls.rfind("0x0302", 0) != 0) continue;
    GpuFacts gpu;
    gpu.pci_bus_id = Fact<std::string>::known(sanitize(bus, 32), src);
    const std::string device = read_trimmed(ctx.fs, dir + "/device");
    gpu.pci_device_id = device.size() == 6 && device.rfind("0x", 0) == 0
                            ? Fact<std::string>::known(device, "file:" + dir + "/device")
                            : Fact<std::string>::unknown("file:" + dir + "/device", "missing or malformed");
    gpu.integrated = Fact<bool>::known(false, src);
    gpu.name = Fact<std::string>::unknown("", "not named by the driver");
    gpu.compute_capability = Fact<ComputeCapability>::unknown("", "needs NVML or the knowledge base");
    read_driver_information(ctx.fs, bus, gpu);
    gpus.push_back(std::move(gpu));
  }
  // WSL2 shows no GPU on PCI: it is paravirtualized (/dev/dxg) with NVIDIA's libraries in
  // /usr/lib/wsl/lib. Whether an NVIDIA GPU is there is for NVML/libcuda to say, never "none".
  if (gpus.empty() && ctx.fs.exists("/dev/dxg") && ctx.fs.exists("/usr/lib/wsl/lib/libcuda.so.1")) {
    facts.gpus = Fact<std::vector<GpuFacts>>::unknown(
        "file:/dev/dxg",
        "WSL2: GPUs are paravirtualized, not on the PCI bus; NVML or libcuda (/usr/lib/wsl/lib) name them");
    return;
  }
  // Jetson's integrated GPU is not on PCI; the jetson detector adds it.
  facts.gpus = Fact<std::vector<GpuFacts>>::known(std::move(gpus), src);
}

}  // namespace td
