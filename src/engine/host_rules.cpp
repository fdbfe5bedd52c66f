// Rules about the host itself that every build and image inherits: a driver branch that no longer
// drives the GPU's generation.
#include <charconv>

#include "torchdoctor/engine/engine.hpp"
#include "torchdoctor/kb/queries.hpp"

namespace td {

// jetson-containers' l4t_version_compatible() (dusty-nv/jetson-containers,
// jetson_containers/l4t_version.py @019980c7), the rule Jetson users rely on: a JetPack 6 host runs
// JetPack 6 containers on its side of 36.4 (36.0-36.3 or 36.4+), JetPack 5.1 (r35) any r35, JetPack
// 5.0 (r34) any r34, JetPack 4.6.1+ (r32.7+) any r32.7+ (we keep that to r32: a later major there
// would be a JetPack 5 container), else the exact release. r38 (JetPack 7, Thor) on r38 follows
// the same pattern (the function predates it: unconfirmed).
bool l4t_runs_on(const Version& container, const Version& host) {
  const auto hm = host.major();
  const auto cm = container.major();
  if (hm == 36) return cm == 36 && ((container.minor() < 4) == (host.minor() < 4));
  if (hm == 35 || hm == 34 || hm == 38) return cm == hm;
  if (hm == 32 && !(host < Version::of({32, 7}))) return cm == 32 && !(container < Version::of({32, 7}));
  return container.public_version() == host.public_version();
}

std::optional<Reason> arch_unsupported(const HostFacts& f) {
  if (!f.cpu.arch) return std::nullopt;
  const std::string& a = *f.cpu.arch.value;
  if (a == "x86_64" || a == "aarch64") return std::nullopt;
  const bool arm32 = a.rfind("armv", 0) == 0 || a == "armhf";
  return Reason{"ARCH_UNSUPPORTED", Severity::error,
                "PyTorch publishes no wheels or images for " + a +
                    (arm32 ? " (a 32-bit ARM userland): `pip install torch` finds no matching distribution" : ""),
                arm32 ? "install the 64-bit OS (Raspberry Pi OS 64-bit, Ubuntu arm64): the aarch64 CPU wheels run there"
                      : "use an x86_64 or aarch64 machine"};
}

std::optional<Reason> driver_drops_gpu(const GpuFacts& g, const HostFacts& f, const Kb& kb) {
  if (!f.driver.version) return std::nullopt;
  const GpuModel* m = g.pci_device_id ? find_gpu_by_pci(kb, *g.pci_device_id.value) : nullptr;
  if (m == nullptr && g.name) m = find_gpu_by_name(kb, *g.name.value);
  if (m == nullptr || m->family.empty()) return std::nullopt;
  const DriverBranch* last = last_driver_branch_for(kb, m->family);
  if (last == nullptr) return std::nullopt;
  unsigned branch = 0;
  const auto* end = last->branch.data() + last->branch.size();
  if (std::from_chars(last->branch.data(), end, branch).ptr != end) return std::nullopt;
  const unsigned have = f.driver.version.value->major();
  if (have <= branch) return std::nullopt;
  return Reason{
      "DRIVER_DROPPED_GPU", Severity::error,
      "driver " + f.driver.version.value->str() + " does not support " + (g.name ? *g.name.value : m->name) + ": R" +
          last->branch + " is the last driver branch for " + m->family + " GPUs" +
          (last->from.confirmed ? std::string() : " (unconfirmed in the knowledge base: " + last->from.file + ")"),
      "install an R" + last->branch + " driver (" + last->branch + ".x), the newest that drives this GPU"};
}

}  // namespace td
