// recommend: every candidate wheel and image judged; the best ones chosen; newer ones explained.
#include <algorithm>
#include <optional>
#include <tuple>

#include "torchdoctor/core/arch.hpp"
#include "torchdoctor/engine/engine.hpp"
#include "torchdoctor/engine/images.hpp"
#include "torchdoctor/kb/queries.hpp"

namespace td {
namespace {

Reason note(const char* code, Severity s, std::string message, std::string fix = {}) {
  return Reason{code, s, std::move(message), std::move(fix)};
}

bool pinned_out(const RecommendOptions& o, const Version& torch) {
  if (!o.torch) return false;
  for (std::size_t i = 0; i < o.torch->release().size(); ++i) {
    if (torch.part(i) != o.torch->part(i)) return true;
  }
  return false;
}

// A candidate whose knowledge-base record is unconfirmed says so (add_unconfirmed).
Candidate with_provenance(Candidate c, const Provenance& from) {
  add_unconfirmed(c.reasons, c.ref.empty() ? "torch " + c.torch + "+" + c.variant : c.ref, from);
  return c;
}

// Higher is better among wheels of one release: the PyPI default, then the newest CUDA.
int variant_rank(const TorchWheel& w) {
  int rank = 0;
  if (w.cuda) rank = static_cast<int>(w.cuda->major() * 100 + w.cuda->minor());
  if (w.index == "pypi") rank += 10000;
  return rank;
}

// Nothing undetermined is recommended. Warnings that still allow a build: minor-version compatibility runs the
// cubins fine (only PTX JIT and newer driver features are missing), and an unknown GPU cannot be
// judged either way. Every other warning (PTX_JIT, NO_GPU, CPU_ONLY_BUILD) disqualifies.
bool acceptable(const std::vector<Reason>& reasons) {
  for (const auto& r : reasons) {
    if (r.severity == Severity::error || r.severity == Severity::unknown) return false;
    if (r.severity == Severity::warn && r.code != "MINOR_VERSION_COMPAT" && r.code != "UNKNOWN_GPU") return false;
  }
  return true;
}

// "linux-x86_64" -> "linux/amd64"; the host's own platform when the build has it, else every one it has.
std::string platform_label(const std::vector<std::string>& platforms, const std::string& host_platform) {
  const auto oci = [](const std::string& p) {
    return p.rfind("linux-", 0) == 0 ? "linux/" + oci_arch(p.substr(6)) : p;
  };
  const auto label = [&](const std::string& p) { return p.find('/') == std::string::npos ? oci(p) : p; };
  for (const auto& p : platforms) {
    if (!host_platform.empty() && (p == host_platform || p == oci(host_platform))) return label(p);
  }
  std::string out;
  for (const auto& p : platforms) out += (out.empty() ? "" : ", ") + label(p);
  return out;
}

Candidate wheel_candidate(const TorchWheel& w, std::vector<Reason> reasons, const std::string& host_platform) {
  const auto cmd = install_command(w);
  Candidate c =
      with_provenance(Candidate{"wheel", w.torch.str(), w.variant, "", cmd.pip, cmd.uv, std::move(reasons)}, w.from);
  c.platform = platform_label(w.platforms, host_platform);
  return c;
}

void choose_wheel(const HostFacts& f, const HostClass& h, const Kb& kb, const RecommendOptions& o, Recommendation& r) {
  bool want_cpu = h.gpus_known && h.gpus.empty();
  const TorchWheel* best = nullptr;
  std::vector<Reason> best_reasons;
  const TorchWheel* best_cpu = nullptr;  // the fallback when the GPUs are unknown and no CUDA build fits
  std::vector<Reason> best_cpu_reasons;
  // Newest release first; within a release a clean variant beats one with caveats, then the rank.
  const auto key = [](const TorchWheel& x, const std::vector<Reason>& xr) {
    return std::tuple(x.torch, is_clean(xr) ? 1 : 0, variant_rank(x));
  };
  for (const auto& w : kb.torch_wheels) {
    if (pinned_out(o, w.torch)) continue;
    auto reasons = judge_wheel(f, h, kb, w);
    // Without a GPU the cpu variant is the natural choice; CUDA variants only add weight.
    const bool fits = want_cpu ? (!w.cuda && !has_error(reasons)) : (w.cuda ? acceptable(reasons) : false);
    r.all.push_back(wheel_candidate(w, reasons, h.platform));
    if (!w.cuda && !has_error(reasons) && (best_cpu == nullptr || key(*best_cpu, best_cpu_reasons) < key(w, reasons))) {
      best_cpu = &w;
      best_cpu_reasons = reasons;
    }
    if (!fits) continue;
    if (best == nullptr || key(*best, best_reasons) < key(w, reasons)) {
      best = &w;
      best_reasons = reasons;
    }
  }
  // GPUs unknown and no CUDA build can run (no driver, say): the CPU build runs everywhere. Not when
  // a CUDA build is only undetermined (the driver unknown, WSL2's paravirtual GPU): that is not "no".
  const bool cuda_undetermined = std::any_of(r.all.begin(), r.all.end(), [](const Candidate& c) {
    return c.kind == "wheel" && c.variant != "cpu" && is_undetermined(c.reasons);
  });
  if (best == nullptr && !h.gpus_known && best_cpu != nullptr && !cuda_undetermined) {
    best = best_cpu;
    best_reasons = best_cpu_reasons;
    want_cpu = true;
  }
  if (best != nullptr) r.best_wheel = wheel_candidate(*best, best_reasons, h.platform);
  for (const auto& c : r.all) {
    if (c.kind != "wheel" || c.native()) continue;
    // Builds for another platform are noise here; `--all` still lists them.
    if (std::any_of(c.reasons.begin(), c.reasons.end(), [](const Reason& x) { return x.code == "ARCH_MISMATCH"; }))
      continue;
    if (best == nullptr || best->torch < *Version::parse(c.torch)) {
      if (!want_cpu && c.variant == "cpu") continue;
      r.rejected_newer.push_back(c);
    }
  }
}

// The NGC images (nvcr.io/nvidia/pytorch) whose arch list the KB holds for this platform, judged
// as `image` judges them (judge_image_from_kb: driver floors, forward compatibility, the GPU rules).
// One is the best image when no pytorch/pytorch image carries the best wheel and it ranks above
// the best pytorch/pytorch image by the order wheels follow: newer torch (NVIDIA's 2.9.0a0 is
// older than 2.9.0), a build without caveats, newer CUDA, a confirmed record; a tie keeps
// pytorch/pytorch. On a Jetson, an image of its JetPack line (choose_jetson) stays the best.
void choose_ngc_image(const JudgedHost& host, const Kb& kb, const RecommendOptions& o, const PytorchImage* pytorch,
                      bool pytorch_carries_best_wheel, Recommendation& r) {
  const HostClass& h = host.host();
  using Key = std::tuple<Version, int, unsigned, int>;
  const auto key = [](const Version& torch, const std::vector<Reason>& reasons, const std::optional<Version>& cuda,
                      bool confirmed) {
    return Key(torch, is_clean(reasons) ? 1 : 0, cuda ? cuda->major() * 100 + cuda->minor() : 0U, confirmed ? 1 : 0);
  };
  const std::string docker_arch = image_platform(h);
  std::optional<Candidate> best;
  Key best_key;
  for (const auto& img : kb.ngc_images) {
    // An image whose compiled GPU targets are not known is no candidate: its kernels cannot be checked.
    if (img.igpu || !img.cuda || !ngc_arch_known(img, docker_arch) || !h.gpus_known || h.gpus.empty()) continue;
    const auto torch = Version::parse(img.torch);
    const auto colon = img.ref.rfind(':');
    const auto slash = img.ref.find('/');
    if (!torch || pinned_out(o, *torch) || colon == std::string::npos || slash == std::string::npos) continue;
    auto judged = judge_image_from_kb(host, kb, img.ref.substr(0, slash), img.ref.substr(slash + 1, colon - slash - 1),
                                      img.ref.substr(colon + 1));
    Candidate c{"image",
                img.torch,
                "cuda" + img.cuda->str(),
                img.ref,
                "docker pull " + img.ref,
                "",
                judged.reasons,
                platform_label(img.platforms, h.platform)};
    r.all.push_back(c);
    if (!acceptable(c.reasons)) continue;
    const Key k = key(*torch, c.reasons, img.cuda, img.from.confirmed);
    if (!best || best_key < k) {
      best = std::move(c);
      best_key = k;
    }
  }
  if (!best || pytorch_carries_best_wheel || (h.tegra && r.best_image)) return;
  if (pytorch != nullptr && r.best_image &&
      !(key(pytorch->torch, r.best_image->reasons, pytorch->cuda, pytorch->from.confirmed) < best_key))
    return;
  best->variant.clear();
  r.best_image = std::move(*best);
}

// Images: the platform and the torch wheel inside (pytorch/pytorch images are built from them).
void choose_image(const JudgedHost& host, const Kb& kb, const RecommendOptions& o, Recommendation& r) {
  const HostFacts& f = host.facts();
  const HostClass& h = host.host();
  const std::string docker_arch = image_platform(h);
  const PytorchImage* best = nullptr;
  std::vector<Reason> best_reasons;
  for (const auto& img : kb.pytorch_images) {
    if (pinned_out(o, img.torch)) continue;
    std::vector<Reason> reasons;
    if (!docker_arch.empty() &&
        std::find(img.platforms.begin(), img.platforms.end(), docker_arch) == img.platforms.end()) {
      std::string have;
      for (const auto& p : img.platforms) have += (have.empty() ? "" : ", ") + p;
      reasons.push_back(note("ARCH_MISMATCH", Severity::error,
                             img.ref + " is published for " + have + " only; on this " + docker_arch +
                                 " host it fails with `exec format error`"));
    }
    if (h.tegra && img.cuda) {
      reasons.push_back(
          note("NOT_FOR_TEGRA", Severity::error,
               img.ref + " is built for discrete GPUs; a Jetson needs an L4T/iGPU image for its JetPack"));
    }
    if (img.cuda) {
      const std::string variant = "cu" + std::to_string(img.cuda->major()) + std::to_string(img.cuda->minor());
      const TorchWheel* w = find_wheel(kb, img.torch, variant, h.platform);
      if (w == nullptr || (w->arch.empty() && w->ptx.empty())) {
        reasons.push_back(note("ARCH_LIST_UNKNOWN", Severity::warn,
                               "the GPU architectures of the torch " + img.torch.str() + "+" + variant + " inside " +
                                   img.ref + " are not in the knowledge base for " + h.platform +
                                   ": its kernels cannot be checked"));
      }
      if (w != nullptr) {
        for (auto& reason : judge_wheel(f, h, kb, *w)) {
          if (reason.code == "ARCH_MISMATCH" || reason.code == "PYTHON_UNSUPPORTED" || reason.code == "GLIBC_TOO_OLD" ||
              reason.code == "NOT_FOR_TEGRA") {
            continue;  // the image brings its own Python and glibc; platform checked above
          }
          reasons.push_back(std::move(reason));
        }
      }
    }
    r.all.push_back(
        with_provenance(Candidate{"image", img.torch.str(), img.cuda ? "cuda" + img.cuda->str() : "cpu", img.ref,
                                  "docker pull " + img.ref, "", reasons, platform_label(img.platforms, h.platform)},
                        img.from));
    const bool runtime = img.flavor == "runtime";
    // The policy wheels follow (docs/policy.md): acceptable() admits minor-version compatibility;
    // newest torch first, a clean build before one with caveats, then the newer CUDA.
    if (!acceptable(reasons) || !runtime || (h.gpus_known && !h.gpus.empty() && !img.cuda)) continue;
    const auto key = [](const PytorchImage& x, const std::vector<Reason>& xr) {
      return std::tuple(x.torch, is_clean(xr) ? 1 : 0, x.cuda ? x.cuda->major() * 100 + x.cuda->minor() : 0U);
    };
    // The image that carries the best wheel (same torch, same CUDA) wins outright.
    const auto carries_best_wheel = [&r](const PytorchImage& x) {
      return r.best_wheel && x.cuda && r.best_wheel->torch == x.torch.str() &&
             r.best_wheel->variant == "cu" + std::to_string(x.cuda->major()) + std::to_string(x.cuda->minor());
    };
    const bool better =
        best == nullptr || (carries_best_wheel(img) && !carries_best_wheel(*best)) ||
        (carries_best_wheel(img) == carries_best_wheel(*best) && key(*best, best_reasons) < key(img, reasons));
    if (better) {
      best = &img;
      best_reasons = reasons;
    }
  }
  if (best != nullptr) {
    r.best_image = with_provenance(Candidate{"image", best->torch.str(), "", best->ref, "docker pull " + best->ref, "",
                                             best_reasons, platform_label(best->platforms, h.platform)},
                                   best->from);
  }
  const bool carries_best_wheel =
      best != nullptr && best->cuda && r.best_wheel && r.best_wheel->torch == best->torch.str() &&
      r.best_wheel->variant == "cu" + std::to_string(best->cuda->major()) + std::to_string(best->cuda->minor());
  choose_ngc_image(host, kb, o, best, carries_best_wheel, r);
}

// How to install a Jetson wheel, runnable as printed, or "" when the KB holds no link. The pip is
// the one of the wheel's Python when it is built for one (pip refuses it on any other; on JetPack 4's
// Ubuntu 18.04 `pip` is Python 2's). No package-index host is named (docs/kb.md): the jetson-ai-lab
// index is read from JETSON_INDEX_URL; NVIDIA's own wheels are files on its download server (the KB
// records their path) or the forum's per-wheel links (the KB records the link and the file name
// the download must be saved as: pip takes only a wheel's own name).
std::string jetson_install(const JetsonWheel& w) {
  const std::string pip =
      (w.python.size() == 1 ? "python" + w.python.front().truncated(2).str() : std::string("python3")) +
      " -m pip install ";
  if (w.index == "nvidia-redist" && !w.wheel.empty()) return pip + k_nvidia_redist_url + w.wheel;
  if (w.index == "nvidia-box" && !w.url.empty() && !w.wheel.empty())
    return "wget -O " + w.wheel + " " + w.url + " && " + pip + "./" + w.wheel;
  if (w.index == "jetson-ai-lab" && w.cuda) {
    return pip + "torch==" + w.torch + " --index-url \"$JETSON_INDEX_URL/jp" + std::to_string(w.jetpack.major()) +
           "/cu" + std::to_string(w.cuda->major()) + std::to_string(w.cuda->minor()) + "\"";
  }
  return "";
}

// A Jetson wheel the KB holds no download link for (jetson_install gave ""): where to find it.
Reason jetson_no_link(const JetsonWheel& w) {
  return note("NO_INSTALL_LINK", Severity::info,
              "the knowledge base holds no download link for NVIDIA's torch " + w.torch + " wheel for JetPack " +
                  w.jetpack.str(),
              "download " +
                  (w.wheel.empty() ? "torch-" + w.torch + " for Python " +
                                         (w.python.empty() ? std::string("3") : w.python.front().str())
                                   : w.wheel) +
                  " from NVIDIA's 'PyTorch for Jetson' forum post, or use an L4T container of this JetPack");
}

// Jetson: NVIDIA's wheels for the JetPack and L4T images of the same line.
void choose_jetson(const HostFacts& f, const HostClass& h, const Kb& kb, const RecommendOptions& o, Recommendation& r) {
  if (h.jetpack == nullptr) {
    const std::string l4t = f.jetson.l4t ? f.jetson.l4t.value->str() : "unknown";
    r.notes.push_back(note("UNKNOWN_L4T", Severity::error,
                           "L4T " + l4t + " is not in the knowledge base (as of " + kb.as_of +
                               "): no JetPack, CUDA or matching builds can be named without guessing",
                           "check the L4T release (cat /etc/nv_tegra_release) or pass --l4t/--jetpack"));
    return;
  }
  const JetsonWheel* best = nullptr;
  std::vector<Reason> best_reasons;  // what the best wheel's reasons say (a Python note), less provenance
  for (const auto& w : kb.jetson_wheels) {
    // A wheel built for one JetPack runs on the others of the same major with the same CUDA
    // (JetPack 6.0-6.2 all ship CUDA 12.6); without CUDA on both sides, only the exact JetPack.
    const bool same_cuda = w.cuda && h.jetpack->cuda && w.cuda->truncated(2) == h.jetpack->cuda->truncated(2);
    const bool fits = w.jetpack == h.jetpack->jetpack || (w.jetpack.major() == h.jetpack->jetpack.major() && same_cuda);
    if (!fits) continue;
    if (o.torch) {
      auto v = Version::parse(w.torch);
      if (!v || pinned_out(o, *v)) continue;
    }
    std::vector<Reason> reasons;
    const std::string tag = jetson_wheel_python_tag(w);
    const std::string built_for =
        w.python.empty() ? "" : "Python " + w.python.front().str() + (tag.empty() ? "" : " (" + tag + ")");
    if (f.python_version && !w.python.empty() && std::none_of(w.python.begin(), w.python.end(), [&](const Version& p) {
          return p.truncated(2) == f.python_version.value->truncated(2);
        })) {
      reasons.push_back(
          note("PYTHON_UNSUPPORTED", Severity::error,
               "the torch " + w.torch + " wheel for JetPack " + w.jetpack.str() + " is built for " + built_for +
                   ", this host has Python " + f.python_version.value->truncated(2).str(),
               "use a Python " + w.python.front().str() + " environment, or an L4T container of this JetPack"));
    } else if (!f.python_version && w.python.size() == 1) {
      // One wheel per Python: pip refuses it on another one, and the host's Python was not read.
      reasons.push_back(note("WHEEL_ONE_PYTHON", Severity::info,
                             "the torch " + w.torch + " wheel for JetPack " + w.jetpack.str() + " is built for " +
                                 built_for + " only; this host's Python is not known",
                             "install it with python" + w.python.front().str() + " -m pip"));
    }
    std::string install = jetson_install(w);
    if (install.empty()) reasons.push_back(jetson_no_link(w));
    r.all.push_back(with_provenance(Candidate{"wheel", w.torch, "jetson:" + w.index, "", std::move(install), "",
                                              reasons, "Jetson JetPack " + w.jetpack.str()},
                                    w.from));
    if (has_error(reasons)) continue;
    // Newest first, but a release candidate only when nothing final is there.
    const auto key = [](const JetsonWheel& x) {
      auto v = Version::parse(x.torch);
      return std::pair(v && v->pre() == Version::Pre::rc ? 0 : 1, v ? *v : Version{});
    };
    if (best == nullptr || key(*best) < key(w)) {
      best = &w;
      best_reasons = reasons;
    }
  }
  if (best != nullptr) {
    r.best_wheel = with_provenance(Candidate{"wheel", best->torch, "jetson:" + best->index, "", jetson_install(*best),
                                             "", best_reasons, "Jetson JetPack " + best->jetpack.str()},
                                   best->from);
  }
  const L4tImage* image = nullptr;
  for (const auto& img : kb.l4t_images) {
    const bool same_line = l4t_runs_on(img.l4t, h.jetpack->l4t);
    std::vector<Reason> reasons;
    if (!same_line) {
      reasons.push_back(
          note("L4T_MISMATCH", Severity::error,
               img.ref + " is built for L4T " + img.l4t.str() + ", this Jetson runs L4T " + h.jetpack->l4t.str()));
    }
    r.all.push_back(with_provenance(Candidate{"image", img.torch, "l4t", img.ref, "docker pull " + img.ref, "", reasons,
                                              "Jetson L4T " + img.l4t.str()},
                                    img.from));
    // The newest torch of the same L4T line (then the newest L4T).
    const auto key = [](const L4tImage& x) {
      auto v = Version::parse(x.torch);
      return std::pair(v ? *v : Version{}, x.l4t);
    };
    if (same_line && (image == nullptr || key(*image) < key(img))) image = &img;
  }
  for (const auto& img : kb.ngc_images) {
    if (!img.igpu) continue;
    // NGC iGPU images need the JetPack's CUDA major; they ship from JetPack 6 on.
    if (!h.jetpack->cuda || !img.cuda || img.cuda->major() != h.jetpack->cuda->major() ||
        *h.jetpack->cuda < img.cuda->truncated(2))
      continue;
    if (image == nullptr) {
      r.best_image =
          with_provenance(Candidate{"image",
                                    img.torch,
                                    "igpu",
                                    img.ref,
                                    "docker pull " + img.ref,
                                    "",
                                    {},
                                    "Jetson JetPack " + std::to_string(h.jetpack->jetpack.major()) + " (iGPU)"},
                          img.from);
    }
  }
  if (image != nullptr) {
    r.best_image = with_provenance(Candidate{"image",
                                             image->torch,
                                             "l4t",
                                             image->ref,
                                             "docker pull " + image->ref,
                                             "",
                                             {},
                                             "Jetson L4T " + image->l4t.str()},
                                   image->from);
  }
}

}  // namespace

Recommendation recommend(const JudgedHost& host, const Kb& kb, const RecommendOptions& options) {
  const HostFacts& f = host.facts();
  const HostClass& h = host.host();
  Recommendation r;
  if (auto unsupported = arch_unsupported(f)) r.notes.push_back(std::move(*unsupported));
  if (h.board != nullptr) {
    r.notes.push_back(
        note("NO_GPU", Severity::info,
             (h.board->name.empty() ? h.board->id : h.board->name) + " has no NVIDIA GPU: " + h.board->advice));
  }
  if (h.tegra && !h.tegra_sbsa) {
    choose_jetson(f, h, kb, options, r);
    // The generic aarch64 wheels are what `pip install torch` gets on a Jetson: show why not (--all).
    for (const auto& w : kb.torch_wheels) {
      if (!w.cuda || pinned_out(options, w.torch)) continue;
      if (std::find(w.platforms.begin(), w.platforms.end(), h.platform) == w.platforms.end()) continue;
      r.all.push_back(wheel_candidate(w, judge_wheel(f, h, kb, w), h.platform));
    }
    return r;
  }
  if (h.tegra) choose_jetson(f, h, kb, options, r);
  const auto jetson_best = r.best_wheel;
  choose_wheel(f, h, kb, options, r);
  if (jetson_best && !r.best_wheel) r.best_wheel = jetson_best;
  choose_image(host, kb, options, r);
  if (!h.gpus_known) {
    const bool cpu = r.best_wheel && r.best_wheel->variant == "cpu";
    r.notes.push_back(
        note("UNKNOWN_GPU", Severity::warn,
             cpu ? "the GPUs of this host are unknown and no CUDA build can run here: the choice is the CPU build"
                 : "the GPUs of this host are unknown: the choice cannot check a GPU's architecture"));
  }
  return r;
}

}  // namespace td
