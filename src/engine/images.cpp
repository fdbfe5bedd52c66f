// Image verdicts from the knowledge base (pure): used by `image --offline` and to add what the
// registry cannot tell (the torch inside, the L4T line) to online checks.
#include "torchdoctor/engine/images.hpp"

#include <algorithm>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/kb/queries.hpp"

namespace td {
namespace {

struct KnownImage {
  std::string registry, repository, tag;
  const PytorchImage* pytorch = nullptr;
  const NgcImage* ngc = nullptr;
  const L4tImage* l4t = nullptr;
};

// Splits a KB ref ("pytorch/pytorch:2.6.0-...", "nvcr.io/nvidia/pytorch:24.12-py3") like docker does.
KnownImage split_ref(const std::string& ref) {
  KnownImage k;
  const auto colon = ref.rfind(':');
  std::string name = colon == std::string::npos ? ref : ref.substr(0, colon);
  k.tag = colon == std::string::npos ? "latest" : ref.substr(colon + 1);
  const auto slash = name.find('/');
  const std::string first = slash == std::string::npos ? "" : name.substr(0, slash);
  if (first.find('.') != std::string::npos || first.find(':') != std::string::npos || first == "localhost") {
    k.registry = first;
    k.repository = name.substr(slash + 1);
  } else {
    k.registry = "docker.io";
    k.repository = slash == std::string::npos ? "library/" + name : name;
  }
  return k;
}

std::vector<KnownImage> known_images(const Kb& kb) {
  std::vector<KnownImage> out;
  for (const auto& i : kb.pytorch_images) {
    auto k = split_ref(i.ref);
    k.pytorch = &i;
    out.push_back(k);
  }
  for (const auto& i : kb.ngc_images) {
    auto k = split_ref(i.ref);
    k.ngc = &i;
    out.push_back(k);
  }
  for (const auto& i : kb.l4t_images) {
    auto k = split_ref(i.ref);
    k.l4t = &i;
    out.push_back(k);
  }
  return out;
}

// An NGC image's CUDA against the driver, with the rule wheels use (judge_driver_for), plus what
// NGC images add: the CUDA forward-compatibility package they carry lets a data-center GPU run a
// newer CUDA major on the driver branches the release notes list (compat_drivers); on other GPUs,
// or branches not listed, the driver is too old. Unknown branches leave it undetermined.
void judge_ngc_driver(const HostFacts& f, const HostClass& h, const Kb& kb, const NgcImage& img, const std::string& ref,
                      std::vector<Reason>& out) {
  if (h.gpus_known && h.gpus.empty()) {
    out.push_back({"NO_GPU", Severity::error, ref + " is a CUDA image; this host has no NVIDIA GPU",
                   "use a CPU image, or run it on a machine with an NVIDIA GPU"});
    return;
  }
  for (const GpuFacts* g : h.gpus) {
    if (auto dropped = driver_drops_gpu(*g, f, kb)) out.push_back(std::move(*dropped));
  }
  for (auto& r : judge_driver_for(ref, *img.cuda, f, h, kb)) {
    if (r.code != "DRIVER_TOO_OLD" || h.gpus.empty() || !f.driver.version) {
      out.push_back(std::move(r));
      continue;
    }
    const bool datacenter = std::all_of(h.gpus.begin(), h.gpus.end(), [&kb](const GpuFacts* g) {
      const GpuModel* m = g->pci_device_id ? find_gpu_by_pci(kb, *g->pci_device_id.value) : nullptr;
      if (m == nullptr && g->name) m = find_gpu_by_name(kb, *g->name.value);
      return m != nullptr && m->segment == "datacenter";
    });
    if (!datacenter) {
      r.message += " (forward compatibility, which NGC images carry, works on data-center GPUs only)";
      out.push_back(std::move(r));
      continue;
    }
    const std::string branch = std::to_string(f.driver.version.value->major());
    switch (ngc_forward_compat(img.compat_drivers, std::optional<Version>(*f.driver.version.value))) {
      case ForwardCompat::unknown:
        out.push_back({"FORWARD_COMPAT", Severity::unknown,
                       r.message + "; on this data-center GPU the image's forward-compatibility package may run it, "
                                   "but the knowledge base "
                                   "does not list which driver branches this release supports",
                       r.fix});
        break;
      case ForwardCompat::listed:
        out.push_back(
            {"FORWARD_COMPAT", Severity::warn,
             ref + " runs on this data-center GPU through its CUDA forward-compatibility package (driver branch R" +
                 branch + " is supported by this release)",
             r.fix});
        break;
      case ForwardCompat::not_listed:
        std::string listed;
        for (const auto& d : img.compat_drivers) listed += (listed.empty() ? "" : ", ") + d;
        r.message +=
            " (its forward-compatibility package supports only the driver branches its release notes list: " + listed +
            " or later)";
        out.push_back(std::move(r));
        break;
    }
  }
}

std::vector<Reason> judge_known(const HostFacts& f, const HostClass& h, const Kb& kb, const KnownImage& k) {
  std::vector<Reason> out;
  const std::string ref =
      k.registry == "docker.io" ? k.repository + ":" + k.tag : k.registry + "/" + k.repository + ":" + k.tag;
  const std::string docker_arch = image_platform(h);
  const std::vector<std::string>* platforms = k.pytorch ? &k.pytorch->platforms
                                              : k.ngc   ? &k.ngc->platforms
                                              : k.l4t   ? &k.l4t->platforms
                                                        : nullptr;
  if (platforms != nullptr && !platforms->empty() && !docker_arch.empty() &&
      std::find(platforms->begin(), platforms->end(), docker_arch) == platforms->end()) {
    std::string have;
    for (const auto& p : *platforms) have += (have.empty() ? "" : ", ") + p;
    out.push_back({"ARCH_MISMATCH", Severity::error,
                   ref + " is published for " + have + " only: on this " + docker_arch +
                       " host it fails with `exec format error`",
                   ""});
  }
  if (k.l4t != nullptr) {
    if (!h.tegra) {
      out.push_back(
          {"ARCH_MISMATCH", Severity::error, ref + " is a Jetson (L4T) image; this host is not a Jetson", ""});
    } else if (h.jetpack != nullptr && !l4t_runs_on(k.l4t->l4t, h.jetpack->l4t)) {
      out.push_back({"L4T_MISMATCH", Severity::error,
                     ref + " is built for L4T " + k.l4t->l4t.str() + ", this Jetson runs L4T " + h.jetpack->l4t.str(),
                     ""});
    }
  }
  if (k.ngc != nullptr && k.ngc->igpu && !h.tegra) {
    out.push_back({"ARCH_MISMATCH", Severity::error,
                   ref + " is an iGPU (Jetson) image; this host has no integrated NVIDIA GPU", ""});
  }
  if (h.tegra && !h.tegra_sbsa && ((k.pytorch != nullptr && k.pytorch->cuda) || (k.ngc != nullptr && !k.ngc->igpu))) {
    out.push_back({"NOT_FOR_TEGRA", Severity::error,
                   ref + " is built for discrete GPUs; a Jetson needs an L4T/iGPU image for its JetPack (run with "
                         "--runtime nvidia)",
                   ""});
  }
  if (k.ngc != nullptr && !k.ngc->igpu && k.ngc->cuda && (!h.tegra || h.tegra_sbsa)) {
    judge_ngc_driver(f, h, kb, *k.ngc, ref, out);
    // Its GPU targets where the KB holds them for this platform, by the rules wheels follow (no GPU
    // at all: judge_ngc_driver said NO_GPU); else what its CUDA toolkit can compile bounds them
    // (fleet and k8s affinity apply the same). Unknown GPUs are said once, below.
    if (!ngc_arch_known(*k.ngc, docker_arch)) {
      for (auto& r : judge_gpus_by_toolkit(h, kb, ref, *k.ngc->cuda)) out.push_back(std::move(r));
    } else if (!h.gpus.empty()) {
      for (auto& r :
           judge_gpu_targets(f, h, kb, ref + " (torch " + k.ngc->torch + ")", *k.ngc->cuda, k.ngc->arch, k.ngc->ptx))
        out.push_back(std::move(r));
    }
  }
  add_unconfirmed(out, ref, k.pytorch ? k.pytorch->from : k.ngc ? k.ngc->from : k.l4t->from);
  if (k.pytorch != nullptr && k.pytorch->cuda && !h.tegra) {
    const std::string variant =
        "cu" + std::to_string(k.pytorch->cuda->major()) + std::to_string(k.pytorch->cuda->minor());
    if (const TorchWheel* w = find_wheel(kb, k.pytorch->torch, variant, h.platform)) {
      for (auto& r : judge_wheel(f, h, kb, *w)) {
        // An image is judged for running its CUDA stack: on a host without an NVIDIA GPU it does
        // not (a wheel may still be installed for the CPU, hence a warning there). fleet and k8s
        // affinity place it the same way.
        if (r.code == "NO_GPU") {
          r.severity = Severity::error;
          r.message = ref + " is a CUDA image; this host has no NVIDIA GPU (its torch would run on the CPU only)";
          r.fix = "use a CPU image, or run it on a machine with an NVIDIA GPU";
        }
        // A wheel installs whatever the GPU; an image is judged for running on it: a GPU whose
        // capability is unknown leaves that undetermined.
        if (r.code == "UNKNOWN_GPU") r.severity = Severity::unknown;
        if (r.code == "GPU_ARCH_MISSING" || r.code == "GPU_TOO_OLD" || r.code == "PTX_JIT" ||
            r.code == "DRIVER_TOO_OLD" || r.code == "MINOR_VERSION_COMPAT" || r.code == "NO_GPU" ||
            r.code == "DRIVER_DROPPED_GPU" || r.code == "UNKNOWN_DRIVER" || r.code == "NO_DRIVER" ||
            r.code == "UNKNOWN_GPU") {
          out.push_back(std::move(r));
        }
      }
    }
  }
  // A CUDA image for discrete or SBSA GPUs needs one: unknown GPUs leave that undetermined.
  const bool cuda_image = (k.pytorch != nullptr && k.pytorch->cuda) || (k.ngc != nullptr && !k.ngc->igpu);
  if (cuda_image && !h.tegra && !h.gpus_known) {
    out.push_back({"UNKNOWN_GPU", Severity::unknown,
                   "this host's GPUs are unknown: whether it has an NVIDIA GPU that " + ref + " runs on cannot be told",
                   "give --gpu NAME (nvidia-smi -L prints it), or probe the machine itself"});
  }
  return out;
}

}  // namespace

KbImageJudgement judge_image_from_kb(const JudgedHost& host, const Kb& kb, const std::string& registry,
                                     const std::string& repository, const std::string& tag) {
  const HostFacts& f = host.facts();
  const HostClass& h = host.host();
  KbImageJudgement j;
  std::vector<std::pair<std::size_t, std::string>> same_repo;
  const auto known = known_images(kb);
  for (const auto& k : known) {
    if (k.registry != registry || k.repository != repository) continue;
    j.known_repository = true;
    if (k.tag == tag) {
      j.known_tag = true;
      j.reasons = judge_known(f, h, kb, k);
    } else {
      same_repo.emplace_back(edit_distance(tag, k.tag), k.tag);
    }
  }
  if (j.known_repository && !j.known_tag) {
    std::sort(same_repo.begin(), same_repo.end());
    for (std::size_t i = 0; i < same_repo.size() && i < 3; ++i) j.nearest_tags.push_back(same_repo[i].second);
    std::string near;
    for (const auto& t : j.nearest_tags) near += (near.empty() ? "" : ", ") + t;
    // Only a release whose whole image matrix the KB holds (pytorch/pytorch, generated from the release
    // workflow) lets it say a tag was never published; elsewhere it lists some tags, not all. A
    // release with an unconfirmed tag was derived, not read, so its list may be incomplete too.
    const std::string release = tag.substr(0, tag.find('-'));
    bool whole_release = false;
    for (const auto& k : known) {
      if (k.registry != registry || k.repository != repository || k.pytorch == nullptr ||
          k.pytorch->torch.str() != release)
        continue;
      whole_release = k.pytorch->from.confirmed;
      if (!whole_release) break;
    }
    // A repository whose every recorded image is a discrete-GPU build (pytorch/pytorch: CUDA on
    // linux/amd64, a CPU-only torch on linux/arm64) has no tag that uses a Jetson's GPU.
    if (h.tegra && !h.tegra_sbsa && repository_is_discrete_only(kb, registry, repository)) {
      j.reasons.push_back(
          {"NOT_FOR_TEGRA", Severity::error,
           repository + " publishes builds for discrete GPUs only (every tag the knowledge base lists); a Jetson needs "
                        "an L4T/iGPU image for its JetPack (run with --runtime nvidia)",
           ""});
    }
    if (whole_release) {
      j.reasons.push_back({"TAG_NOT_FOUND", Severity::error,
                           repository + ":" + tag +
                               " was never published: the knowledge base holds every image tag of PyTorch " + release +
                               " (from its release workflow); nearest: " + near,
                           ""});
    } else {
      j.reasons.push_back({"TAG_UNKNOWN", Severity::unknown,
                           repository + ":" + tag +
                               " is not among the tags the knowledge base lists for this repository (as of " +
                               kb.as_of + "; it lists some, not all); nearest known: " + near,
                           "ask the registry: run without --offline"});
    }
  }
  return j;
}

bool ngc_arch_known(const NgcImage& img, const std::string& docker_platform) {
  if (img.arch.empty() && img.ptx.empty()) return false;
  if (img.arch_platforms.empty()) return true;
  return std::find(img.arch_platforms.begin(), img.arch_platforms.end(), docker_platform) != img.arch_platforms.end();
}

ForwardCompat ngc_forward_compat(const std::vector<std::string>& compat_drivers, const std::optional<Version>& driver) {
  if (compat_drivers.empty() || !driver) return ForwardCompat::unknown;
  for (const auto& entry : compat_drivers) {
    const auto floor = Version::parse(entry);
    if (!floor || floor->major() != driver->major()) continue;
    if (!(*driver < *floor)) return ForwardCompat::listed;
  }
  return ForwardCompat::not_listed;
}

bool repository_is_discrete_only(const Kb& kb, const std::string& registry, const std::string& repository) {
  bool any = false;
  for (const auto& k : known_images(kb)) {
    if (k.registry != registry || k.repository != repository) continue;
    any = true;
    if (k.l4t != nullptr || (k.ngc != nullptr && k.ngc->igpu)) return false;
  }
  return any;
}

std::optional<KbImageInfo> kb_image_info(const Kb& kb, const std::string& registry, const std::string& repository,
                                         const std::string& tag) {
  for (const auto& k : known_images(kb)) {
    if (k.registry != registry || k.repository != repository || k.tag != tag) continue;
    KbImageInfo i;
    if (k.pytorch != nullptr) {
      i.platforms = k.pytorch->platforms;
      i.cuda = k.pytorch->cuda;
      i.torch = k.pytorch->torch;
    } else if (k.ngc != nullptr) {
      i.platforms = k.ngc->platforms;
      i.cuda = k.ngc->cuda;
      i.jetson = k.ngc->igpu;
      i.ngc = true;
      i.compat_drivers = k.ngc->compat_drivers;
      i.kernels = k.ngc->arch;
      for (const auto& p : k.ngc->ptx) i.kernels.push_back(p.as_ptx());
      i.kernel_platforms = k.ngc->arch_platforms;
    } else if (k.l4t != nullptr) {
      i.platforms = k.l4t->platforms;
      i.l4t = k.l4t->l4t;
      i.jetson = true;
    }
    return i;
  }
  return std::nullopt;
}

std::optional<std::string> recommended_image(const JudgedHost& host, const Kb& kb) {
  const Recommendation rec = recommend(host, kb);
  if (rec.best_image) return rec.best_image->ref;
  return std::nullopt;
}

}  // namespace td
