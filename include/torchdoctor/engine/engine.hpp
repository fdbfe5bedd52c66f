// The engine: a pure function of host facts and the knowledge base. No I/O happens here.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "torchdoctor/core/finding.hpp"
#include "torchdoctor/core/host_facts.hpp"
#include "torchdoctor/kb/kb.hpp"

namespace td {

/// Fills facts the KB can derive (source "kb"): GPU names and capabilities from PCI ids or names,
/// the driver's CUDA level from its version, the Jetson module, its iGPU capability and JetPack.
/// In place (a HostFacts is large); enriching twice changes nothing. judge_host enriches and
/// classifies once per host; every engine entry point takes that JudgedHost and enriches nothing.
void enrich_host(HostFacts& facts, const Kb& kb);

/// What kind of machine this is, as far as choosing builds goes.
struct HostClass {
  std::string platform;     ///< "linux-x86_64", "linux-aarch64", or "" when unknown.
  bool tegra = false;       ///< A Jetson (L4T or a Tegra SoC).
  bool tegra_sbsa = false;  ///< A Jetson whose JetPack uses the SBSA CUDA stack (JetPack 7+).
  const JetPackRelease* jetpack = nullptr;
  const Board* board = nullptr;  ///< An ARM board without an NVIDIA GPU.
  bool gpus_known = false;
  std::vector<const GpuFacts*> gpus;
  std::optional<Version> driver_cuda;  ///< The driver's CUDA level, probed or derived.
};

/// Adds KB_UNCONFIRMED (info) about `what` when its knowledge-base record is not confirmed at a
/// primary source, with the first sentence of the record's note: an answer must not look surer than
/// its source. Nothing when the record is confirmed.
void add_unconfirmed(std::vector<Reason>& reasons, const std::string& what, const Provenance& from);

/// The OCI platform of the images that run on this host ("linux/amd64", "linux/arm64"), or "" when
/// the platform is unknown or PyTorch publishes no image for it (32-bit ARM: ARCH_UNSUPPORTED).
std::string image_platform(const HostClass& host);

/// Classifies an (enriched) host.
HostClass classify(const HostFacts& facts, const Kb& kb);

/// A host as every rule sees it: its facts enriched from the KB and classified, once. Only
/// judge_host makes one, and it moves but never copies (the class points into the facts), so no
/// engine function can be handed facts that were not enriched or a class that is not theirs.
class JudgedHost {
 public:
  JudgedHost(JudgedHost&&) noexcept = default;
  JudgedHost& operator=(JudgedHost&&) noexcept = default;
  JudgedHost(const JudgedHost&) = delete;
  JudgedHost& operator=(const JudgedHost&) = delete;
  ~JudgedHost() = default;

  /// The enriched facts.
  [[nodiscard]] const HostFacts& facts() const { return m_facts; }
  /// What kind of machine they describe.
  [[nodiscard]] const HostClass& host() const { return m_class; }

 private:
  friend JudgedHost judge_host(HostFacts&& facts, const Kb& kb);
  explicit JudgedHost(HostFacts&& facts) : m_facts(std::move(facts)) {}
  HostFacts m_facts;
  HostClass m_class;
};

/// Enriches `facts` (enrich_host) and classifies them (classify): the one way to a JudgedHost. Takes
/// them by rvalue: a HostFacts is large, and fleet judges 100,000 (one move each, no copy).
JudgedHost judge_host(HostFacts&& facts, const Kb& kb);

/// Why wheel `wheel` would or would not run on this host (empty when it runs natively).
std::vector<Reason> judge_wheel(const HostFacts& facts, const HostClass& host, const Kb& kb, const TorchWheel& wheel);

/// The GPU rules alone for a CUDA build named `label` with these targets (no GPU, a driver that
/// dropped the GPU, kernels for each GPU, PTX JIT): what an image with a known arch list adds.
std::vector<Reason> judge_gpu_targets(const HostFacts& facts, const HostClass& host, const Kb& kb,
                                      const std::string& label, const Version& cuda,
                                      const std::vector<ComputeCapability>& sass,
                                      const std::vector<ComputeCapability>& ptx);

/// True when a container built for L4T `container` runs on a Jetson with L4T `host`: the rule of
/// jetson-containers' l4t_version_compatible() (r36 split at 36.4, any r35 on r35, r32.7+ on r32.7+).
bool l4t_runs_on(const Version& container, const Version& host);

/// ARCH_UNSUPPORTED for a userland PyTorch publishes nothing for (32-bit ARM, i686, ...).
std::optional<Reason> arch_unsupported(const HostFacts& facts);

/// DRIVER_DROPPED_GPU when the host's driver branch is newer than the last one that drives GPU
/// `gpu`'s generation (the KB's driver_branch last_for: R470 Kepler, R580 Maxwell/Pascal/Volta).
std::optional<Reason> driver_drops_gpu(const GpuFacts& gpu, const HostFacts& facts, const Kb& kb);

/// Whether this host's driver runs code built with CUDA `cuda` (`label` names it in messages):
/// nothing when it does; MINOR_VERSION_COMPAT inside minor-version compatibility; DRIVER_TOO_OLD;
/// NO_DRIVER when none is loaded; UNKNOWN_DRIVER (undetermined) when the driver is not known. The
/// one driver rule for wheels, installs and images.
std::vector<Reason> judge_driver_for(const std::string& label, const Version& cuda, const HostFacts& facts,
                                     const HostClass& host, const Kb& kb);

/// Why an installed torch does or does not work here; uses its probed arch list when known.
std::vector<Reason> judge_installed(const HostFacts& facts, const HostClass& host, const Kb& kb,
                                    const TorchInstall& torch);

/// For a CUDA build whose GPU targets the KB does not hold (most NGC images), what its CUDA toolkit
/// bounds them by (toolkit_arch): GPU_TOO_OLD for a GPU older than everything that toolkit compiles
/// (CUDA 13 has nothing for Pascal), ARCH_LIST_UNKNOWN (undetermined) for one no target of it runs
/// on (newer than the toolkit: only PTX could run there, and which PTX the build ships is unknown).
/// Nothing where the toolkit compiles for the GPU, or its CUDA is not in the KB.
std::vector<Reason> judge_gpus_by_toolkit(const HostClass& host, const Kb& kb, const std::string& label,
                                          const Version& cuda);

/// Findings about running containers here: GPU runtime, /dev/shm.
std::vector<Reason> container_findings(const HostFacts& facts, const HostClass& host);

/// The install commands for a wheel.
struct InstallCommand {
  std::string pip;
  std::string uv;
};
/// pip and uv commands that install `wheel` (no package-index host is named: see docs/kb.md).
InstallCommand install_command(const TorchWheel& wheel);

/// One judged candidate: a wheel or an image.
struct Candidate {
  std::string kind;     ///< "wheel" or "image".
  std::string torch;    ///< Torch version.
  std::string variant;  ///< cpu, cu124, jetson...
  std::string ref;      ///< Image reference, for images.
  std::string install;  ///< pip command (wheels) or docker pull (images).
  std::string install_uv;
  std::vector<Reason> reasons;
  /// What it is built for, as a label: "linux/amd64", "linux/amd64, linux/arm64", "Jetson JetPack 6.1",
  /// "Jetson L4T 36.4".
  std::string platform{};
  [[nodiscard]] bool ok() const { return !has_error(reasons); }
  [[nodiscard]] bool native() const { return is_clean(reasons); }
};

/// What `recommend` decided.
struct Recommendation {
  std::optional<Candidate> best_wheel;
  std::optional<Candidate> best_image;
  std::vector<Candidate> rejected_newer;  ///< Newer candidates that do not run natively, and why.
  std::vector<Candidate> all;             ///< Every candidate judged (for --all).
  std::vector<Reason> notes;              ///< Host-level findings (UNKNOWN_L4T, KB_STALE, boards).
};

/// Options for recommend.
struct RecommendOptions {
  std::optional<Version> torch;  ///< Pin a release (2.6 or 2.6.0).
};

/// Chooses the best wheel and image for the host, and says why newer ones were rejected.
Recommendation recommend(const JudgedHost& host, const Kb& kb, const RecommendOptions& options = {});

}  // namespace td
