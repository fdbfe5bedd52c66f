// TORCH_CUDA_ARCH_LIST parsing and the three forms an arch list is written in.
#include <algorithm>

#include "torchdoctor/core/arch_list.hpp"
#include "torchdoctor/core/strings.hpp"

namespace td {

namespace {

// Adds `arch` to `out`, merging a repeated capability (its PTX flag wins).
void add_arch(std::vector<BuildArch>& out, BuildArch arch) {
  for (auto& a : out) {
    if (a.cc == arch.cc) {
      a.ptx = a.ptx || arch.ptx;
      return;
    }
  }
  out.push_back(arch);
}

Result<BuildArch> parse_entry(std::string_view entry) {
  bool ptx = false;
  std::string text(entry);
  if (auto plus = text.find('+'); plus != std::string::npos) {
    if (to_lower(text.substr(plus)) != "+ptx") {
      return make_error(ErrorKind::bad_input, "'" + text + "': only '+PTX' may follow an architecture");
    }
    ptx = true;
    text.resize(plus);
  }
  // Only the X.Y form (with an optional a/f suffix) is valid here: cpp_extension rejects sm_86.
  if (text.find('.') == std::string::npos) {
    return make_error(ErrorKind::bad_input,
                      "'" + std::string(entry) + "': expected a compute capability such as 8.6, 9.0a or 8.6+PTX");
  }
  auto cc = ComputeCapability::parse(text);
  if (!cc) {
    return make_error(ErrorKind::bad_input,
                      "'" + std::string(entry) + "': expected a compute capability such as 8.6, 9.0a or 8.6+PTX");
  }
  return BuildArch{ComputeCapability(cc->major(), cc->minor(), cc->suffix()), ptx};
}

}  // namespace

Result<std::vector<BuildArch>> parse_torch_cuda_arch_list(std::string_view text) {
  std::string expanded(text);
  std::replace(expanded.begin(), expanded.end(), ' ', ';');
  std::vector<BuildArch> out;
  for (const auto& entry : split(expanded, ';')) {
    const auto trimmed = trim(entry);
    if (trimmed.empty()) continue;
    auto arch = parse_entry(trimmed);
    if (!arch) return arch.error();
    add_arch(out, *arch);
  }
  if (out.empty()) return make_error(ErrorKind::bad_input, "it names no architecture");
  std::sort(out.begin(), out.end(), [](const BuildArch& a, const BuildArch& b) { return a.cc < b.cc; });
  return out;
}

std::string torch_cuda_arch_list(const std::vector<BuildArch>& archs) {
  std::string out;
  for (const auto& a : archs) {
    if (!out.empty()) out += ';';
    out += a.cc.str();
    if (a.ptx) out += "+PTX";
  }
  return out;
}

std::string cmake_cuda_architectures(const std::vector<BuildArch>& archs) {
  std::string out;
  for (const auto& a : archs) {
    if (!out.empty()) out += ';';
    // "90" alone means real and virtual (SASS and PTX); "-real" is SASS only.
    out += a.cc.digits() + (a.ptx ? "" : "-real");
  }
  return out;
}

std::string nvcc_gencode_flags(const std::vector<BuildArch>& archs) {
  std::string out;
  for (const auto& a : archs) {
    const std::string d = a.cc.digits();
    if (!out.empty()) out += ' ';
    out += "-gencode=arch=compute_" + d + ",code=sm_" + d;
    if (a.ptx) out += " -gencode=arch=compute_" + d + ",code=compute_" + d;
  }
  return out;
}

}  // namespace td
