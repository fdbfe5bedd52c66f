// Host enrichment and classification: facts the knowledge base can derive.
#include "torchdoctor/engine/engine.hpp"
#include "torchdoctor/kb/queries.hpp"
#include "torchdoctor/core/arch.hpp"

namespace td {
namespace {

void enrich_gpu(GpuFacts& g, const Kb& kb) {
  const GpuModel* model = nullptr;
  if (g.pci_device_id) model = find_gpu_by_pci(kb, *g.pci_device_id.value);
  if (model == nullptr && g.name) model = find_gpu_by_name(kb, *g.name.value);
  if (model == nullptr) return;
  if (!g.compute_capability) g.compute_capability = Fact<ComputeCapability>::known(model->cc, "kb");
  if (!g.name) g.name = Fact<std::string>::known(model->name, "kb");
  if (!g.integrated) g.integrated = Fact<bool>::known(model->segment == "tegra", "kb");
}

void enrich_jetson(HostFacts& f, const Kb& kb) {
  const JetsonModule* module = nullptr;
  if (f.board.compatible) module = module_for_compatible(kb, *f.board.compatible.value);
  if (module == nullptr && f.jetson.soc) module = module_for_soc(kb, *f.jetson.soc.value);
  if (module != nullptr) {
    f.jetson.module = Fact<std::string>::known(module->name.empty() ? module->id : module->name, "kb");
  }
  if (f.jetson.l4t && !f.jetson.jetpack) {
    if (const auto* jp = jetpack_for_l4t(kb, *f.jetson.l4t.value)) f.jetson.jetpack = Fact<Version>::known(jp->jetpack, "kb");
  }
  if (!f.gpus.value || module == nullptr) return;
  for (auto& g : *f.gpus.value) {
    if (g.integrated && *g.integrated.value && !g.compute_capability) {
      g.compute_capability = Fact<ComputeCapability>::known(module->cc, "kb");
      g.compute_capability.note = "iGPU of " + (module->name.empty() ? module->id : module->name);
    }
  }
}

}  // namespace

HostFacts enrich_host(HostFacts f, const Kb& kb) {
  if (f.gpus.value) {
    for (auto& g : *f.gpus.value) enrich_gpu(g, kb);
  }
  enrich_jetson(f, kb);
  if (!f.driver.cuda_level && f.driver.version) {
    if (auto level = cuda_level_for_driver(kb, *f.driver.version.value)) {
      f.driver.cuda_level = Fact<Version>::known(*level, "kb");
      f.driver.cuda_level.note = "from the driver version and the CUDA release table";
    }
  }
  return f;
}

std::string image_platform(const HostClass& host) {
  if (host.platform == "linux-x86_64" || host.platform == "linux-aarch64") return "linux/" + oci_arch(host.platform.substr(6));
  return "";
}

HostClass classify(const HostFacts& f, const Kb& kb) {
  HostClass h;
  if (f.cpu.arch) h.platform = "linux-" + *f.cpu.arch.value;
  h.tegra = f.jetson.l4t.has_value() || f.jetson.soc.has_value();
  if (f.jetson.l4t) h.jetpack = jetpack_for_l4t(kb, *f.jetson.l4t.value);
  if (h.jetpack == nullptr && f.jetson.jetpack) {
    for (const auto& j : kb.jetpacks) {
      if (j.jetpack == *f.jetson.jetpack.value) h.jetpack = &j;
    }
  }
  // Which CUDA stack the JetPack runs is KB data (jetson.toml `cuda_stack`): JetPack 7 is SBSA.
  h.tegra_sbsa = h.tegra && h.jetpack != nullptr && h.jetpack->cuda_stack == "sbsa";
  if (!h.tegra && f.board.compatible) h.board = board_for_compatible(kb, *f.board.compatible.value);
  h.gpus_known = f.gpus.has_value();
  if (f.gpus.value) {
    for (const auto& g : *f.gpus.value) h.gpus.push_back(&g);
  }
  if (f.driver.cuda_level) h.driver_cuda = f.driver.cuda_level.value->truncated(2);
  // On a Jetson the CUDA level comes with the L4T release.
  if (!h.driver_cuda && h.tegra && h.jetpack != nullptr && h.jetpack->cuda) h.driver_cuda = h.jetpack->cuda->truncated(2);
  return h;
}

void add_unconfirmed(std::vector<Reason>& reasons, const std::string& what, const Provenance& from) {
  if (from.confirmed) return;
  const auto stop = from.note.find(". ");
  std::string why = from.note.substr(0, stop == std::string::npos ? from.note.size() : stop + 1);
  if (why.size() > 160) why = why.substr(0, why.rfind(' ', 157)) + "...";
  const std::string where = from.file.empty() ? "" : " (" + from.file + ":" + std::to_string(from.line) + ")";
  reasons.push_back({"KB_UNCONFIRMED", Severity::info,
                     what + " is not confirmed at a primary source" + where + (why.empty() ? "" : ": " + why), ""});
}

}  // namespace td
