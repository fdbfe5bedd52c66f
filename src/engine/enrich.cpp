// Host enrichment and classification: facts the knowledge base can derive.
#include <algorithm>

#include "torchdoctor/core/arch.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/engine/engine.hpp"
#include "torchdoctor/kb/queries.hpp"

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
  const JetPackRelease* jp = f.jetson.l4t ? jetpack_for_l4t(kb, *f.jetson.l4t.value) : nullptr;
  if (jp != nullptr && !f.jetson.jetpack) f.jetson.jetpack = Fact<Version>::known(jp->jetpack, "kb");
  // No device tree to read (a container, a snapshot): the L4T release still narrows the module to
  // those its JetPack supports (L4T 38 / JetPack 7.0: Jetson AGX Thor only).
  std::vector<const JetsonModule*> candidates;
  if (module == nullptr && jp != nullptr && !f.board.compatible) {
    for (const auto& id : jp->modules) {
      for (const auto& m : kb.jetson_modules) {
        if (m.id == id) candidates.push_back(&m);
      }
    }
    if (candidates.size() == 1) module = candidates.front();
  }
  const auto name_of = [](const JetsonModule& m) { return m.name.empty() ? m.id : m.name; };
  if (module != nullptr) {
    f.jetson.module = Fact<std::string>::known(name_of(*module), "kb");
    if (!candidates.empty()) f.jetson.module.note = "the only module L4T " + f.jetson.l4t.value->str() + " supports";
  }
  // The iGPU's capability: the module's, or the one every module of the JetPack shares.
  std::optional<ComputeCapability> cc;
  std::string whose;
  if (module != nullptr) {
    cc = module->cc;
    whose = "iGPU of " + name_of(*module);
  } else if (!candidates.empty() && std::all_of(candidates.begin(), candidates.end(), [&](const JetsonModule* m) {
               return m->cc == candidates.front()->cc;
             })) {
    cc = candidates.front()->cc;
    whose = "iGPU of every module of JetPack " + jp->jetpack.str();
  }
  if (!cc) return;
  // Every Jetson has its iGPU: where the GPUs were not read (no probe, a snapshot without them),
  // the KB's module says which.
  if (!f.gpus.value) {
    GpuFacts igpu;
    igpu.integrated = Fact<bool>::known(true, "kb");
    f.gpus = Fact<std::vector<GpuFacts>>::known({igpu}, "kb");
    f.gpus.note = "a Jetson's integrated GPU (the GPUs themselves were not read)";
  }
  for (auto& g : *f.gpus.value) {
    if (g.integrated && *g.integrated.value && !g.name && module != nullptr)
      g.name = Fact<std::string>::known(name_of(*module), "kb");
    if (g.integrated && *g.integrated.value && !g.compute_capability) {
      g.compute_capability = Fact<ComputeCapability>::known(*cc, "kb");
      g.compute_capability.note = whose;
    }
  }
}

// An integrated (Jetson) GPU known only by a name such as collect_env's "Orin": the capability
// every KB module of that name shares.
void enrich_igpu_by_module_name(HostFacts& f, const Kb& kb) {
  if (!f.gpus.value) return;
  for (auto& g : *f.gpus.value) {
    if (g.compute_capability || !g.integrated.value.value_or(false) || !g.name) continue;
    std::optional<ComputeCapability> cc;
    bool unique = true;
    for (const auto& m : kb.jetson_modules) {
      if (!contains_icase(m.name, *g.name.value)) continue;
      if (cc && !(*cc == m.cc)) unique = false;
      cc = m.cc;
    }
    if (cc && unique) {
      g.compute_capability = Fact<ComputeCapability>::known(*cc, "kb");
      g.compute_capability.note = "the Jetson modules named " + *g.name.value;
    }
  }
}

}  // namespace

void enrich_host(HostFacts& f, const Kb& kb) {
  if (f.gpus.value) {
    for (auto& g : *f.gpus.value) enrich_gpu(g, kb);
  }
  enrich_jetson(f, kb);
  enrich_igpu_by_module_name(f, kb);
  if (!f.driver.cuda_level && f.driver.version) {
    if (auto level = cuda_level_for_driver(kb, *f.driver.version.value)) {
      f.driver.cuda_level = Fact<Version>::known(*level, "kb");
      f.driver.cuda_level.note = "from the driver version and the CUDA release table";
    }
  }
}

std::string image_platform(const HostClass& host) {
  if (host.platform == "linux-x86_64" || host.platform == "linux-aarch64")
    return "linux/" + oci_arch(host.platform.substr(6));
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
  if (!h.driver_cuda && h.tegra && h.jetpack != nullptr && h.jetpack->cuda)
    h.driver_cuda = h.jetpack->cuda->truncated(2);
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

JudgedHost judge_host(HostFacts&& facts, const Kb& kb) {
  JudgedHost j(std::move(facts));
  enrich_host(j.m_facts, kb);
  j.m_class = classify(j.m_facts, kb);
  return j;
}

}  // namespace td
