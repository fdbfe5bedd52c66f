// Node profiles, image needs and the judgement between them (docs/kubernetes.md).
#include "torchdoctor/engine/fleet.hpp"

#include <algorithm>

#include "torchdoctor/core/arch.hpp"
#include "torchdoctor/core/arch_list.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/engine/engine.hpp"
#include "torchdoctor/engine/gpu_rules.hpp"
#include "torchdoctor/engine/images.hpp"
#include "torchdoctor/kb/queries.hpp"

namespace td {
namespace {

std::optional<Version> major_minor(const Version& v) { return Version::of({v.major(), v.minor()}); }

// "cuda>=12.4" in the first term of NVIDIA_REQUIRE_CUDA: what the NVIDIA runtime checks at start.
std::optional<Version> required_cuda(const std::map<std::string, std::string>& env) {
  const auto it = env.find("NVIDIA_REQUIRE_CUDA");
  if (it == env.end()) return std::nullopt;
  const std::string first = it->second.substr(0, it->second.find(' '));
  for (const auto& factor : split(first, ',')) {
    if (factor.rfind("cuda>=", 0) == 0) {
      if (auto v = Version::parse(factor.substr(6))) return major_minor(*v);
    }
  }
  return std::nullopt;
}

std::optional<std::vector<ComputeCapability>> kernels_from_env(const std::map<std::string, std::string>& env,
                                                               const Kb& kb) {
  const auto it = env.find("TORCH_CUDA_ARCH_LIST");
  if (it == env.end()) return std::nullopt;
  auto parsed = parse_arch_list(it->second, kb);
  if (!parsed) return std::nullopt;
  std::vector<ComputeCapability> out;
  for (const auto& a : *parsed) {
    out.push_back(a.cc);
    if (a.ptx) out.push_back(a.cc.as_ptx());
  }
  return out;
}

std::optional<std::vector<ComputeCapability>> kernels_from_wheel(const Kb& kb, const Version& torch,
                                                                 const Version& cuda, const std::string& arch) {
  const std::string variant = "cu" + std::to_string(cuda.major()) + std::to_string(cuda.minor());
  const std::string platform = arch == "arm64" ? "linux-aarch64" : "linux-x86_64";
  const TorchWheel* w = find_wheel(kb, Version::of({torch.major(), torch.minor(), torch.part(2)}), variant, platform);
  if (w == nullptr || w->arch.empty()) return std::nullopt;
  std::vector<ComputeCapability> out = w->arch;
  for (const auto& p : w->ptx) out.push_back(p.as_ptx());
  return out;
}

std::string platform_arch(const std::string& platform) {
  if (platform.rfind("linux/", 0) != 0) return "";
  const std::string rest = platform.substr(6);
  return rest.substr(0, rest.find('/'));
}

}  // namespace

std::string k8s_arch(const std::string& machine) { return oci_arch(machine); }

NodeProfile node_profile(const JudgedHost& host, const Kb& kb) {
  const HostFacts& f = host.facts();
  const HostClass& h = host.host();
  NodeProfile n;
  if (f.hostname) n.name = *f.hostname;
  if (f.cpu.arch) n.arch = k8s_arch(*f.cpu.arch);
  n.gpus_known = h.gpus_known;
  for (const GpuFacts* g : h.gpus) {
    if (g->compute_capability)
      n.ccs.push_back(g->compute_capability->hardware());
    else
      n.cc_unknown = true;
    n.gpu_names.push_back(g->name ? *g->name : "unknown");
  }
  if (f.driver.version) n.driver = *f.driver.version;
  n.cuda_level = h.driver_cuda;
  n.tegra = h.tegra;
  n.tegra_sbsa = h.tegra_sbsa;
  if (f.jetson.l4t) n.l4t = *f.jetson.l4t;
  if (f.jetson.jetpack)
    n.jetpack = *f.jetson.jetpack;
  else if (h.jetpack != nullptr)
    n.jetpack = h.jetpack->jetpack;
  n.datacenter = !h.gpus.empty() && std::all_of(h.gpus.begin(), h.gpus.end(), [&kb](const GpuFacts* g) {
    const GpuModel* m = g->pci_device_id ? find_gpu_by_pci(kb, *g->pci_device_id) : nullptr;
    if (m == nullptr && g->name) m = find_gpu_by_name(kb, *g->name);
    return m != nullptr && m->segment == "datacenter";
  });
  if (!h.gpus.empty()) {
    const GpuFacts& g = *h.gpus.front();
    const GpuModel* m = g.pci_device_id ? find_gpu_by_pci(kb, *g.pci_device_id) : nullptr;
    if (m == nullptr && g.name) m = find_gpu_by_name(kb, *g.name);
    if (m != nullptr) n.family = m->family;
  }
  return n;
}

ImageNeeds image_needs(const ImageRef& ref, const ImageFacts* reg, const Kb& kb) {
  ImageNeeds n;
  n.ref = ref.original;
  const auto kbi = kb_image_info(kb, ref.registry, ref.repository, ref.tag);
  if (!kbi && (reg == nullptr || !reg->found) && repository_is_discrete_only(kb, ref.registry, ref.repository)) {
    // pytorch/pytorch and the like: no tag of theirs uses a Jetson's GPU (judge_image_from_kb says so too).
    n.tegra = ImageNeeds::Tegra::forbidden;
  }
  if (reg != nullptr && reg->found) {
    for (const auto& p : reg->platforms) {
      const std::string a = p.os == "linux" ? p.architecture : "";
      if (!a.empty() && std::find(n.archs.begin(), n.archs.end(), a) == n.archs.end()) n.archs.push_back(a);
    }
    if (n.archs.empty() && reg->selected && reg->selected->os == "linux")
      n.archs.push_back(reg->selected->architecture);
  }
  if (n.archs.empty() && kbi) {
    for (const auto& p : kbi->platforms) {
      if (auto a = platform_arch(p); !a.empty()) n.archs.push_back(a);
    }
  }
  if (n.archs.empty()) n.unknowns.push_back("the platforms it is published for");
  std::optional<Version> cuda = reg != nullptr && reg->cuda_version ? std::optional(*reg->cuda_version) : std::nullopt;
  if (!cuda && kbi) cuda = kbi->cuda;
  const bool jetson = (kbi && kbi->jetson) || (reg != nullptr && reg->l4t_version.has_value());
  n.needs_gpu = n.needs_gpu || cuda.has_value() || jetson;
  if (jetson) {
    n.tegra = ImageNeeds::Tegra::required;
    if (reg != nullptr && reg->l4t_version)
      n.l4t = *reg->l4t_version;
    else if (kbi && kbi->l4t)
      n.l4t = kbi->l4t;
  } else if (cuda) {
    n.tegra = ImageNeeds::Tegra::forbidden;
  }
  if (reg != nullptr) n.min_cuda = required_cuda(reg->env);
  if (!n.min_cuda && cuda && !jetson) {
    n.min_cuda = major_minor(*cuda);
    if (const CudaMajor* floor = cuda_major_floor(kb, n.min_cuda->major()))
      n.minor_compat_driver = floor->min_driver_linux;
  }
  n.forward_compat = kbi && kbi->ngc && !jetson;
  if (n.forward_compat) n.compat_drivers = kbi->compat_drivers;
  if (reg != nullptr) n.kernels = kernels_from_env(reg->env, kb);
  std::optional<Version> torch =
      reg != nullptr && reg->torch_version ? std::optional(*reg->torch_version) : std::nullopt;
  if (!torch && kbi) torch = kbi->torch;
  if (!n.kernels && torch && cuda && !jetson)
    n.kernels = kernels_from_wheel(kb, *torch, *cuda, n.archs.empty() ? "amd64" : n.archs.front());
  if (!n.kernels && kbi && !kbi->kernels.empty() && !jetson) {
    n.kernels = kbi->kernels;
    for (const auto& p : kbi->kernel_platforms) n.kernel_archs.push_back(platform_arch(p));
  }
  if (n.needs_gpu && !n.kernels && !jetson) n.unknowns.push_back("the GPU architectures its torch is built for");
  // Where its own list is unknown (or read for other platforms only), what its CUDA toolkit compiles
  // bounds its GPU targets.
  if (n.needs_gpu && !jetson && (!n.kernels || !n.kernel_archs.empty())) {
    if (const ToolkitArch* t = cuda ? toolkit_arch_for(kb, *cuda) : nullptr; t != nullptr && !t->arch.empty())
      n.toolkit_targets = t->arch;
  }
  return n;
}

namespace {

// The GPU targets that decide on `node`: the image's own list where it holds for the node's
// architecture (`own`), else its toolkit's bound; null when neither is known.
const std::vector<ComputeCapability>* gpu_targets(const ImageNeeds& im, const NodeProfile& node, bool& own) {
  own = im.kernels && (im.kernel_archs.empty() ||
                       std::find(im.kernel_archs.begin(), im.kernel_archs.end(), node.arch) != im.kernel_archs.end());
  if (own) return &*im.kernels;
  return im.toolkit_targets ? &*im.toolkit_targets : nullptr;
}

}  // namespace

std::uint32_t judge_fit(const ImageNeeds& im, const NodeProfile& node) {
  std::uint32_t bits = im.tag_unknown ? k_fit_unknown_tag : 0U;
  if (!im.archs.empty()) {
    if (node.arch.empty())
      bits |= k_fit_unknown_arch;
    else if (std::find(im.archs.begin(), im.archs.end(), node.arch) == im.archs.end())
      bits |= k_fit_arch;
  }
  if (im.tegra == ImageNeeds::Tegra::required) {
    if (!node.tegra) return bits | k_fit_not_tegra;
    if (im.l4t) {
      if (!node.l4t)
        bits |= k_fit_unknown_l4t;
      else if (!l4t_runs_on(*im.l4t, *node.l4t))
        bits |= k_fit_l4t;
    }
    return bits;
  }
  if (node.tegra && !node.tegra_sbsa && im.tegra == ImageNeeds::Tegra::forbidden) return bits | k_fit_for_tegra;
  if (!im.needs_gpu) return bits;
  if (node.gpus_known && node.ccs.empty() && !node.cc_unknown) return bits | k_fit_no_gpu;
  if (!node.gpus_known) bits |= k_fit_unknown_gpu;
  if (im.min_cuda) {
    const bool minor_compat = im.minor_compat_driver && node.driver && node.cuda_level &&
                              node.cuda_level->major() == im.min_cuda->major() &&
                              !(*node.driver < *im.minor_compat_driver);
    const bool behind = node.cuda_level && std::pair(node.cuda_level->major(), node.cuda_level->minor()) <
                                               std::pair(im.min_cuda->major(), im.min_cuda->minor());
    // Unknown: the driver's level, or whether a Jetson runs a newer minor (its minor compat is not
    // known: judge_driver_for's MINOR_VERSION_COMPAT).
    if (!node.cuda_level)
      bits |= k_fit_unknown_driver;
    else if (behind && node.tegra && node.cuda_level->major() == im.min_cuda->major())
      bits |= k_fit_jetson_minor;
    else if (behind && !minor_compat) {
      if (!im.forward_compat || !node.datacenter) {
        bits |= k_fit_driver;
      } else {
        // The rule judge_ngc_driver applies: the branches the release lists run it, others do not.
        switch (ngc_forward_compat(im.compat_drivers, node.driver)) {
          case ForwardCompat::listed:
            break;
          case ForwardCompat::not_listed:
            bits |= k_fit_driver;
            break;
          case ForwardCompat::unknown:
            bits |= k_fit_forward_compat;
            break;
        }
      }
    }
  }
  bool own = false;
  const auto* targets = gpu_targets(im, node, own);
  if (targets != nullptr) {
    if (node.cc_unknown) bits |= k_fit_unknown_gpu;
    // The classification wheels get (fit_gpu): older than every kernel is GPU_TOO_OLD. Bounded by
    // the toolkit only, a GPU it compiles nothing for may still run the image's PTX: unknown.
    for (const auto& cc : node.ccs) {
      switch (fit_gpu(*targets, {}, cc)) {
        case GpuFit::native:
        case GpuFit::ptx_jit:
          break;
        case GpuFit::too_old:
          bits |= k_fit_gpu_too_old;
          break;
        case GpuFit::missing:
          bits |= own ? k_fit_kernels : k_fit_unknown_kernels;
          break;
      }
    }
  }
  return bits;
}

const char* fit_code(FitBit bit) {
  switch (bit) {
    case k_fit_arch:
    case k_fit_not_tegra:
      return "ARCH_MISMATCH";
    case k_fit_for_tegra:
      return "NOT_FOR_TEGRA";
    case k_fit_l4t:
      return "L4T_MISMATCH";
    case k_fit_no_gpu:
      return "NO_GPU";
    case k_fit_driver:
      return "DRIVER_TOO_OLD";
    case k_fit_kernels:
      return "GPU_ARCH_MISSING";
    case k_fit_gpu_too_old:
      return "GPU_TOO_OLD";
    case k_fit_unknown_arch:
      return "UNKNOWN_ARCH";
    case k_fit_unknown_gpu:
      return "UNKNOWN_GPU";
    case k_fit_unknown_driver:
      return "UNKNOWN_DRIVER";
    case k_fit_unknown_l4t:
      return "UNKNOWN_L4T";
    case k_fit_unknown_tag:
      return "TAG_UNKNOWN";
    case k_fit_forward_compat:
      return "FORWARD_COMPAT";
    case k_fit_jetson_minor:
      return "MINOR_VERSION_COMPAT";
    case k_fit_unknown_kernels:
      return "ARCH_LIST_UNKNOWN";
  }
  return "UNKNOWN";
}

std::vector<std::pair<std::string, std::string>> describe_fit(const ImageNeeds& im, const NodeProfile& node,
                                                              std::uint32_t bits) {
  std::vector<std::pair<std::string, std::string>> out;
  auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  auto add = [&](FitBit b, std::string why) {
    if ((bits & b) != 0U) out.emplace_back(fit_code(b), std::move(why));
  };
  add(k_fit_arch, "published for " + list(im.archs) + "; the node is " + node.arch);
  add(k_fit_not_tegra, "a Jetson (L4T/iGPU) image; the node is not a Jetson");
  add(k_fit_for_tegra, "built for discrete GPUs; the node is a Jetson");
  add(k_fit_l4t,
      "built for L4T " + (im.l4t ? im.l4t->str() : "?") + "; the node runs L4T " + (node.l4t ? node.l4t->str() : "?"));
  add(k_fit_no_gpu, "a CUDA image; the node has no NVIDIA GPU");
  add(k_fit_driver, "needs the driver's CUDA level " + (im.min_cuda ? im.min_cuda->str() : "?") +
                        "; the node's driver gives " + (node.cuda_level ? node.cuda_level->str() : "?"));
  for (const FitBit b : {k_fit_gpu_too_old, k_fit_kernels, k_fit_unknown_kernels}) {
    if ((bits & b) == 0U) continue;
    const GpuFit fit = b == k_fit_gpu_too_old ? GpuFit::too_old : GpuFit::missing;
    bool own = false;
    const auto* targets = gpu_targets(im, node, own);
    std::string gpus;
    for (const auto& cc : node.ccs) {
      if (fit_gpu(*targets, {}, cc) == fit) gpus += (gpus.empty() ? "" : ", ") + cc.nvcc_name();
    }
    const std::string where = own ? "every kernel" : "everything its CUDA toolkit compiles";
    out.emplace_back(fit_code(b), b == k_fit_gpu_too_old ? "its torch dropped " + gpus + " (older than " + where + ")"
                                  : b == k_fit_kernels
                                      ? "its torch has no kernels for " + gpus
                                      : "its CUDA toolkit compiles nothing for " + gpus +
                                            ": only PTX could run there, and which PTX it ships is not known");
  }
  add(k_fit_unknown_arch, "the node's CPU architecture is unknown");
  add(k_fit_unknown_gpu, "the node's GPUs or their compute capability are unknown");
  add(k_fit_unknown_driver, "the node's driver CUDA level is unknown");
  add(k_fit_unknown_l4t, "the Jetson's L4T release is unknown");
  add(k_fit_unknown_tag, "offline, and the knowledge base does not list this tag: whether it exists is unknown");
  add(k_fit_jetson_minor, "built with CUDA " + (im.min_cuda ? im.min_cuda->str() : "?") + "; the Jetson's CUDA is " +
                              (node.cuda_level ? node.cuda_level->str() : "?") +
                              ", and whether CUDA minor-version compatibility holds on Jetson is not known");
  add(k_fit_forward_compat, "needs the driver's CUDA level " + (im.min_cuda ? im.min_cuda->str() : "?") +
                                " (the node's gives " + (node.cuda_level ? node.cuda_level->str() : "?") +
                                "); on its data-center GPUs the image's forward-compatibility package may run it");
  return out;
}

}  // namespace td
