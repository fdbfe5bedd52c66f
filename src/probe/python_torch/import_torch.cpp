// --import-torch: what only importing torch can tell (is CUDA usable here, the libraries torch
// loaded), and torch's own arch list to cross-check the one parsed from its fatbinary.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/python_torch.hpp"

namespace td {
namespace {

// The current directory is dropped from sys.path so a ./torch folder cannot shadow the install.
constexpr std::string_view k_script = R"PY(import sys, json
sys.path = [p for p in sys.path if p not in ('', '.')]
out = {}
def attempt(key, fn):
    try:
        out[key] = fn()
    except Exception as e:
        out.setdefault('errors', []).append('%s: %s: %s' % (key, type(e).__name__, str(e).splitlines()[0] if str(e) else ''))
try:
    import torch
    out['file'] = torch.__file__
    out['version'] = torch.__version__
    attempt('cuda_available', lambda: bool(torch.cuda.is_available()))
    attempt('device_count', lambda: int(torch.cuda.device_count()))
    attempt('cudnn', lambda: torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None)
    attempt('nccl', lambda: '.'.join(str(x) for x in torch.cuda.nccl.version()) if torch.cuda.is_available() or hasattr(torch.cuda, 'nccl') else None)
    attempt('arch_flags', lambda: torch._C._cuda_getArchFlags() if hasattr(torch._C, '_cuda_getArchFlags') else None)
except BaseException as e:
    out['import_error'] = '%s: %s' % (type(e).__name__, str(e).splitlines()[0] if str(e) else '')
print('TORCHDOCTOR-JSON ' + json.dumps(out))
)PY";

constexpr std::string_view k_marker = "TORCHDOCTOR-JSON ";
constexpr const char* k_source = "import torch";

// cuDNN reports 90100 for 9.1.0 (8907 for 8.9.7 before cuDNN 9).
Version cudnn_version(std::uint64_t n) {
  const std::uint64_t major = n >= 10000 ? n / 10000 : n / 1000;
  const std::uint64_t minor = n >= 10000 ? (n / 100) % 100 : (n / 100) % 10;
  const std::uint64_t patch = n % 100;
  return Version::parse(std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch))
      .value_or(Version());
}

// Compares torch's own arch list with the one parsed from the fatbinary: every plain cubin and
// every PTX torch names must be in the file, and the file must hold no plain cubin torch omits.
std::optional<std::string> compare_arch_lists(const std::vector<ComputeCapability>& parsed,
                                              const std::vector<ComputeCapability>& reported) {
  std::string missing;
  std::string extra;
  for (const auto& cc : reported) {
    if (std::find(parsed.begin(), parsed.end(), cc) == parsed.end())
      missing += (missing.empty() ? "" : " ") + cc.nvcc_name();
  }
  for (const auto& cc : parsed) {
    if (cc.suffix() != ComputeCapability::Suffix::none || cc.is_ptx()) continue;
    if (std::find(reported.begin(), reported.end(), cc) == reported.end())
      extra += (extra.empty() ? "" : " ") + cc.nvcc_name();
  }
  if (missing.empty() && extra.empty()) return std::nullopt;
  std::string msg = "arch list from the fatbinary disagrees with torch._C._cuda_getArchFlags():";
  if (!missing.empty()) msg += " torch names " + missing + " not found in the file;";
  if (!extra.empty()) msg += " the file also has " + extra + ";";
  msg.pop_back();
  return msg;
}

}  // namespace

std::string_view import_torch_script() { return k_script; }

std::vector<std::string> apply_import_report(std::string_view output, TorchInstall& t) {
  std::vector<std::string> problems;
  const std::size_t at = output.rfind(k_marker);
  if (at == std::string_view::npos) return {"no report from the import script"};
  std::string_view line = output.substr(at + k_marker.size());
  line = line.substr(0, line.find('\n'));
  const auto doc = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return {"malformed report from the import script"};
  if (const auto e = doc.find("import_error"); e != doc.end() && e->is_string()) {
    return {"import torch failed: " + sanitize(e->get<std::string>(), 200)};
  }
  if (const auto v = doc.find("cuda_available"); v != doc.end() && v->is_boolean())
    t.cuda_available = Fact<bool>::known(v->get<bool>(), k_source);
  if (const auto v = doc.find("device_count"); v != doc.end() && v->is_number_unsigned()) {
    t.device_count = Fact<std::uint32_t>::known(
        static_cast<std::uint32_t>(std::min<std::uint64_t>(v->get<std::uint64_t>(), 1U << 16U)), k_source);
  }
  if (const auto v = doc.find("cudnn"); v != doc.end()) {
    if (v->is_number_unsigned())
      t.cudnn = Fact<Version>::known(cudnn_version(v->get<std::uint64_t>()), k_source);
    else
      t.cudnn = Fact<Version>::unknown(k_source, "cuDNN not available to torch");
  }
  if (const auto v = doc.find("nccl"); v != doc.end() && v->is_string()) {
    if (auto nv = Version::parse(v->get<std::string>())) t.nccl = Fact<Version>::known(*nv, k_source);
  }
  if (const auto errs = doc.find("errors"); errs != doc.end() && errs->is_array()) {
    for (const auto& e : *errs) {
      if (e.is_string()) problems.push_back("import torch: " + sanitize(e.get<std::string>(), 200));
    }
  }
  const auto flags = doc.find("arch_flags");
  if (flags == doc.end() || !flags->is_string()) {
    t.import_arch_list =
        Fact<std::vector<ComputeCapability>>::unknown(k_source, "torch reports no arch flags (a CPU-only build)");
    return problems;
  }
  auto reported = parse_arch_flags(flags->get<std::string>());
  if (!reported) {
    t.import_arch_list = Fact<std::vector<ComputeCapability>>::unknown(k_source, reported.error().message);
    problems.push_back(reported.error().message);
    return problems;
  }
  t.import_arch_list = Fact<std::vector<ComputeCapability>>::known(*reported, "torch._C._cuda_getArchFlags()");
  if (t.arch_list) {
    if (auto diff = compare_arch_lists(*t.arch_list.value, *reported)) problems.push_back(*diff);
  }
  return problems;
}

}  // namespace td
