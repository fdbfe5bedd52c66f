#include "torchdoctor/kb/queries.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "torchdoctor/core/strings.hpp"

namespace td {

std::optional<std::uint16_t> pci_device_id(std::string_view text) {
  if (text.size() != 6 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) return std::nullopt;
  unsigned value = 0;
  for (char c : text.substr(2)) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isxdigit(u) == 0) return std::nullopt;
    value = value * 16U + static_cast<unsigned>(std::isdigit(u) != 0 ? u - '0' : std::tolower(u) - 'a' + 10);
  }
  return static_cast<std::uint16_t>(value);
}

std::string pci_device_id_str(std::uint16_t id) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%04x", static_cast<unsigned>(id));
  return text;
}

const GpuModel* find_gpu_by_pci(const Kb& kb, const std::string& pci_id) {
  const auto id = pci_device_id(pci_id);
  if (!id) return nullptr;
  for (const auto& g : kb.gpus) {
    if (std::find(g.pci_ids.begin(), g.pci_ids.end(), *id) != g.pci_ids.end()) return &g;
  }
  return nullptr;
}

std::vector<std::string> gpu_name_words(std::string_view name) {
  std::vector<std::string> words;
  std::string cur;
  const auto flush = [&] {
    if (!cur.empty() && cur != "nvidia") words.push_back(cur);  // the vendor's word tells no model apart
    cur.clear();
  };
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0)
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else
      flush();
  }
  flush();
  return words;
}

const GpuModel* find_gpu_by_name(const Kb& kb, const std::string& name) {
  const std::string wanted = to_lower(trim(name));
  if (wanted.empty()) return nullptr;
  for (const auto& g : kb.gpus) {
    if (std::find(g.lookup_names.begin(), g.lookup_names.end(), wanted) != g.lookup_names.end()) return &g;
  }
  // A unique model whose name or an alias holds the words given, whole and in order ("4090" and
  // "rtx 4090" -> "NVIDIA GeForce RTX 4090", "NVIDIA Jetson AGX Orin" -> "Jetson AGX Orin"; "nan" is
  // no word of "Jetson Nano").
  const auto want_words = gpu_name_words(wanted);
  if (want_words.empty()) return nullptr;
  const GpuModel* found = nullptr;
  for (const auto& g : kb.gpus) {
    const bool holds = std::any_of(g.lookup_words.begin(), g.lookup_words.end(), [&](const auto& have) {
      return std::search(have.begin(), have.end(), want_words.begin(), want_words.end()) != have.end();
    });
    if (!holds) continue;
    if (found != nullptr && found->cc != g.cc) return nullptr;  // ambiguous across capabilities
    if (found == nullptr) found = &g;
  }
  return found;
}

std::optional<Version> cuda_level_for_driver(const Kb& kb, const Version& driver) {
  std::optional<Version> best;
  for (const auto& r : kb.cuda_releases) {
    if (!r.min_driver_linux || driver < *r.min_driver_linux) continue;
    const Version xy = r.version.truncated(2);
    if (!best || *best < xy) best = xy;
  }
  return best;
}

std::optional<Version> min_driver_for_cuda(const Kb& kb, const Version& cuda) {
  const Version xy = cuda.truncated(2);
  std::optional<Version> best;
  for (const auto& r : kb.cuda_releases) {
    if (r.version.truncated(2) != xy || !r.min_driver_linux) continue;
    if (!best || *r.min_driver_linux < *best) best = *r.min_driver_linux;
  }
  return best;
}

const CudaMajor* cuda_major_floor(const Kb& kb, std::uint32_t major) {
  for (const auto& m : kb.cuda_majors) {
    if (m.major == major) return &m;
  }
  return nullptr;
}

const JetPackRelease* jetpack_for_l4t(const Kb& kb, const Version& l4t) {
  const Version wanted = l4t.public_version();
  for (const auto& j : kb.jetpacks) {
    if (j.l4t.public_version() == wanted) return &j;
  }
  return nullptr;
}

const JetsonModule* module_for_compatible(const Kb& kb, const std::vector<std::string>& compatible) {
  // The most specific string first: compatible lists go from board to SoC.
  for (const auto& c : compatible) {
    for (const auto& m : kb.jetson_modules) {
      for (const auto& dt : m.dt_compatible) {
        if (dt == c && dt.rfind("nvidia,tegra", 0) != 0) return &m;
      }
    }
  }
  return nullptr;
}

const JetsonModule* module_for_soc(const Kb& kb, const std::string& soc) {
  const JetsonModule* found = nullptr;
  for (const auto& m : kb.jetson_modules) {
    if (m.soc != soc) continue;
    if (found != nullptr && found->cc != m.cc) return nullptr;
    found = &m;
  }
  return found;
}

const Board* board_for_compatible(const Kb& kb, const std::vector<std::string>& compatible) {
  for (const auto& c : compatible) {
    for (const auto& b : kb.boards) {
      if (std::find(b.dt_compatible.begin(), b.dt_compatible.end(), c) != b.dt_compatible.end()) return &b;
    }
  }
  return nullptr;
}

const TorchRelease* find_torch_release(const Kb& kb, const Version& version) {
  const Version v = version.public_version();
  for (const auto& r : kb.torch_releases) {
    if (r.version == v) return &r;
  }
  return nullptr;
}

const TorchRelease* newest_torch_release(const Kb& kb) {
  const TorchRelease* best = nullptr;
  for (const auto& r : kb.torch_releases) {
    if (best == nullptr || best->version < r.version) best = &r;
  }
  return best;
}

const TorchWheel* find_wheel(const Kb& kb, const Version& torch, const std::string& variant,
                             const std::string& platform) {
  const Version v = torch.public_version();
  for (const auto& w : kb.torch_wheels) {
    if (!(w.torch == v) || w.variant != variant) continue;
    if (platform.empty() || std::find(w.platforms.begin(), w.platforms.end(), platform) != w.platforms.end()) return &w;
  }
  return nullptr;
}

bool release_supports_python(const TorchRelease& release, const Version& python) {
  const std::string wanted = python.truncated(2).str();
  return std::find(release.python.begin(), release.python.end(), wanted) != release.python.end();
}

bool wheel_supports_python(const TorchRelease& release, const TorchWheel& wheel, const Version& python) {
  if (wheel.python.empty()) return release_supports_python(release, python);
  const std::string wanted = python.truncated(2).str();
  return std::find(wheel.python.begin(), wheel.python.end(), wanted) != wheel.python.end();
}

const DriverBranch* last_driver_branch_for(const Kb& kb, const std::string& family) {
  for (const auto& b : kb.driver_branches) {
    if (std::find(b.last_for.begin(), b.last_for.end(), family) != b.last_for.end()) return &b;
  }
  return nullptr;
}

const ToolkitArch* toolkit_arch_for(const Kb& kb, const Version& cuda) {
  const Version xy = cuda.truncated(2);
  for (const auto& t : kb.toolkit_archs) {
    if (t.cuda.truncated(2) == xy) return &t;
  }
  return nullptr;
}

Result<std::vector<BuildArch>> parse_arch_list(std::string_view text, const Kb& kb) {
  std::string expanded(text);
  for (const auto& named : kb.arch_names) {
    for (std::size_t at = expanded.find(named.name); at != std::string::npos; at = expanded.find(named.name, at)) {
      expanded.replace(at, named.name.size(), named.archs);
      at += named.archs.size();
    }
  }
  return parse_torch_cuda_arch_list(expanded);
}

}  // namespace td
