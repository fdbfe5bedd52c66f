// Renders the toolkit and Python/torch facts as rows; probing never happens here.
#include "software_sections.hpp"

#include "torchdoctor/core/strings.hpp"

namespace td {
namespace {

std::string list_text(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

template <typename T>
std::string detail_of(const Fact<T>& f) {
  if (f.note.empty()) return f.source;
  return f.source.empty() ? f.note : f.source + "; " + f.note;
}

Row text_row(const std::string& label, const Fact<std::string>& f) {
  if (f.value) return Row{label, *f.value, detail_of(f), Tone::plain};
  return Row{label, "unknown", f.note.empty() ? f.source : f.note, Tone::muted};
}

std::string library_label(const std::string& name) {
  if (name == "cudnn") return "cuDNN";
  if (name == "nccl") return "NCCL";
  if (name == "tensorrt") return "TensorRT";
  return name;
}

std::string arch_text(const std::vector<ComputeCapability>& list) {
  if (list.empty()) return "none";
  std::vector<std::string> names;
  for (const auto& cc : list) names.push_back(cc.nvcc_name());
  return list_text(names, " ");
}

void add_torch_rows(Section& s, const TorchInstall& t) {
  std::string value = t.version ? t.version.value->str() : "unknown version";
  value += t.cuda ? ", CUDA " + t.cuda.value->str() : t.hip ? ", ROCm " + *t.hip.value : ", no CUDA";
  s.rows.push_back(Row{"torch", value, t.location ? *t.location.value : t.version.source, Tone::plain});
  if (t.python) s.rows.push_back(Row{"  interpreter", *t.python.value, t.python.source, Tone::plain});
  if (t.sys_path_entry)
    s.rows.push_back(Row{"  on sys.path", *t.sys_path_entry.value, t.sys_path_entry.source, Tone::plain});
  if (t.imported && !*t.imported.value)
    s.rows.push_back(Row{"  import torch", "shadowed, not loaded", t.imported.note, Tone::warn});
  if (t.arch_list) {
    s.rows.push_back(Row{"  GPU archs", arch_text(*t.arch_list.value), detail_of(t.arch_list), Tone::plain});
  } else {
    s.rows.push_back(Row{"  GPU archs", "unknown", detail_of(t.arch_list), Tone::warn});
  }
  if (t.import_arch_list) {
    s.rows.push_back(
        Row{"  torch's arch flags", arch_text(*t.import_arch_list.value), t.import_arch_list.source, Tone::plain});
  }
  if (t.cuda_available) {
    std::string cuda = *t.cuda_available.value ? "available" : "not available";
    if (t.device_count) cuda += ", " + std::to_string(*t.device_count.value) + " device(s)";
    if (t.cudnn) cuda += ", cuDNN " + t.cudnn.value->str();
    if (t.nccl) cuda += ", NCCL " + t.nccl.value->str();
    s.rows.push_back(
        Row{"  torch.cuda", cuda, t.cuda_available.source, *t.cuda_available.value ? Tone::good : Tone::warn});
  }
  if (t.nvidia_packages && !t.nvidia_packages.value->empty()) {
    std::vector<std::string> pkgs;
    for (const auto& p : *t.nvidia_packages.value) pkgs.push_back(p.name.substr(7) + " " + p.version);
    s.rows.push_back(Row{"  nvidia-* packages", list_text(pkgs), t.nvidia_packages.source, Tone::plain});
  }
}

}  // namespace

Section toolkit_section(const HostFacts& f) {
  Section s{"CUDA toolkits", {}, {}};
  const auto& tf = f.toolkits;
  if (!tf.toolkits) {
    s.rows.push_back(Row{"Toolkits", "unknown", detail_of(tf.toolkits), Tone::muted});
  } else if (tf.toolkits.value->empty()) {
    s.rows.push_back(Row{"Toolkits", "none", tf.toolkits.source, Tone::muted});
  }
  for (const auto& t : tf.toolkits.value.value_or(std::vector<CudaToolkit>{})) {
    std::string value = (t.version ? t.version.value->str() : std::string("unknown version")) + " at " + t.path;
    if (!t.nvcc) value += " (no nvcc)";
    s.rows.push_back(
        Row{"Toolkit", value, "found by " + list_text(t.found_by) + "; " + detail_of(t.version), Tone::plain});
  }
  s.rows.push_back(text_row("CUDA_HOME", tf.cuda_home));
  s.rows.push_back(text_row("nvcc on PATH", tf.nvcc_on_path));
  s.rows.push_back(text_row("Builds use", tf.build_toolkit));
  for (const auto& l : tf.libraries.value.value_or(std::vector<CudaLibrary>{})) {
    s.rows.push_back(
        Row{library_label(l.name), l.version ? l.version.value->str() : "unknown", detail_of(l.version), Tone::plain});
  }
  return s;
}

Section python_torch_section(const HostFacts& f) {
  Section s{"Python and torch", {}, {}};
  if (f.pythons && f.pythons.value->empty())
    s.rows.push_back(Row{"Python", "none found", f.pythons.source, Tone::muted});
  for (const auto& p : f.pythons.value.value_or(std::vector<PythonInterpreter>{})) {
    const std::string version = p.version ? p.version.value->str() : "version unknown";
    s.rows.push_back(Row{"Python", version + " (" + p.kind + ") " + p.path,
                         "found by " + list_text(p.found_by) + "; " + detail_of(p.version),
                         p.version ? Tone::plain : Tone::muted});
  }
  if (!f.pythons && f.python_version) {
    s.rows.push_back(Row{"Python", f.python_version.value->str(), f.python_version.source, Tone::plain});
  }
  if (f.torch && f.torch.value->empty()) s.rows.push_back(Row{"torch", "not installed", f.torch.source, Tone::muted});
  for (const auto& t : f.torch.value.value_or(std::vector<TorchInstall>{})) add_torch_rows(s, t);
  return s;
}

}  // namespace td
