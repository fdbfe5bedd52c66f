#include "torchdoctor/core/host_json.hpp"

#include "torchdoctor/core/strings.hpp"

#include <nlohmann/json.hpp>

namespace td {
namespace {

using nlohmann::json;

// ---- value codecs: one per fact type --------------------------------------------------------

json encode(const std::string& v) { return v; }
json encode(bool v) { return v; }
json encode(std::uint32_t v) { return v; }
json encode(std::uint64_t v) { return v; }
json encode(const Version& v) { return v.str(); }
json encode(const ComputeCapability& v) { return v.str(); }
json encode(const GpuFacts& g);
json encode(const TorchInstall& t);
json encode(const PythonPackage& p) { return json{{"name", p.name}, {"version", p.version}}; }
json encode(const PythonInterpreter& p);
json encode(const CudaToolkit& t);
json encode(const CudaLibrary& l);

template <typename T>
json encode(const std::vector<T>& items) {
  json out = json::array();
  for (const auto& item : items) out.push_back(encode(item));
  return out;
}

template <typename T>
json encode(const Fact<T>& fact) {
  json out = json::object();
  out["value"] = fact.value ? encode(*fact.value) : json(nullptr);
  if (!fact.source.empty()) out["source"] = fact.source;
  if (!fact.note.empty()) out["note"] = fact.note;
  return out;
}

json encode(const GpuFacts& g) {
  return json{{"pci_bus_id", encode(g.pci_bus_id)},
              {"pci_device_id", encode(g.pci_device_id)},
              {"name", encode(g.name)},
              {"compute_capability", encode(g.compute_capability)},
              {"memory_bytes", encode(g.memory_bytes)},
              {"uuid", encode(g.uuid)},
              {"integrated", encode(g.integrated)},
              {"mig_mode", encode(g.mig_mode)}};
}

json encode(const TorchInstall& t) {
  return json{{"python", encode(t.python)},     {"python_version", encode(t.python_version)},
              {"version", encode(t.version)},   {"cuda", encode(t.cuda)},
              {"arch_list", encode(t.arch_list)}, {"location", encode(t.location)},
              {"hip", encode(t.hip)},           {"git_version", encode(t.git_version)},
              {"nvidia_packages", encode(t.nvidia_packages)}, {"cuda_available", encode(t.cuda_available)},
              {"device_count", encode(t.device_count)}, {"cudnn", encode(t.cudnn)},
              {"nccl", encode(t.nccl)},         {"import_arch_list", encode(t.import_arch_list)}};
}

json encode(const PythonInterpreter& p) {
  return json{{"path", p.path}, {"kind", p.kind}, {"found_by", p.found_by}, {"version", encode(p.version)}};
}

json encode(const CudaToolkit& t) {
  return json{{"path", t.path}, {"found_by", t.found_by}, {"version", encode(t.version)}, {"nvcc", encode(t.nvcc)}};
}

json encode(const CudaLibrary& l) { return json{{"name", l.name}, {"version", encode(l.version)}}; }

// ---- decoding with JSON paths in errors ---------------------------------------------------------

// Where a value sits in the document ("gpus[1].name.value"), built only when an error names it:
// a snapshot has hundreds of facts, and almost all of them decode without an error.
class JsonPath {
 public:
  JsonPath(const char* root) : m_key(root) {}  // NOLINT(google-explicit-constructor): "" or a section name
  JsonPath(const JsonPath& parent, const char* key) : m_parent(&parent), m_key(key) {}
  JsonPath(const JsonPath& parent, std::size_t index) : m_parent(&parent), m_index(index) {}
  [[nodiscard]] std::string str() const {
    std::string s = m_parent != nullptr ? m_parent->str() : "";
    if (m_key == nullptr) return s + "[" + std::to_string(m_index) + "]";
    if (*m_key == '\0') return s;
    return s.empty() ? std::string(m_key) : s + "." + m_key;
  }

 private:
  const JsonPath* m_parent = nullptr;
  const char* m_key = nullptr;  // null for an array index
  std::size_t m_index = 0;
};

Error type_error(const std::string& path, const char* expected) {
  return make_error(ErrorKind::bad_input, path + ": expected " + expected);
}

Result<std::string> decode(const json& j, const JsonPath& path, std::string*) {
  if (!j.is_string()) return type_error(path.str(), "a string");
  return j.get<std::string>();
}
Result<bool> decode(const json& j, const JsonPath& path, bool*) {
  if (!j.is_boolean()) return type_error(path.str(), "true or false");
  return j.get<bool>();
}
Result<std::uint32_t> decode(const json& j, const JsonPath& path, std::uint32_t*) {
  if (!j.is_number_unsigned() || j.get<std::uint64_t>() > 0xffffffffULL) return type_error(path.str(), "a non-negative integer");
  return j.get<std::uint32_t>();
}
Result<std::uint64_t> decode(const json& j, const JsonPath& path, std::uint64_t*) {
  if (!j.is_number_unsigned()) return type_error(path.str(), "a non-negative integer");
  return j.get<std::uint64_t>();
}
Result<Version> decode(const json& j, const JsonPath& path, Version*) {
  if (!j.is_string()) return type_error(path.str(), "a version string such as \"550.54.15\"");
  auto v = Version::parse(j.get<std::string>());
  if (!v) return v.error().with_context(path.str());
  return v;
}
Result<ComputeCapability> decode(const json& j, const JsonPath& path, ComputeCapability*) {
  if (!j.is_string()) return type_error(path.str(), "a compute capability string such as \"8.6\"");
  auto v = ComputeCapability::parse(j.get<std::string>());
  if (!v) return v.error().with_context(path.str());
  return v;
}
Result<GpuFacts> decode(const json& j, const JsonPath& path, GpuFacts*);
Result<TorchInstall> decode(const json& j, const JsonPath& path, TorchInstall*);
Result<PythonInterpreter> decode(const json& j, const JsonPath& path, PythonInterpreter*);
Result<CudaToolkit> decode(const json& j, const JsonPath& path, CudaToolkit*);
Result<CudaLibrary> decode(const json& j, const JsonPath& path, CudaLibrary*);

Result<PythonPackage> decode(const json& j, const JsonPath& path, PythonPackage*);

template <typename T>
Result<std::vector<T>> decode(const json& j, const JsonPath& path, std::vector<T>*) {
  if (!j.is_array()) return type_error(path.str(), "an array");
  std::vector<T> out;
  out.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    auto item = decode(j[i], JsonPath(path, i), static_cast<T*>(nullptr));
    if (!item) return item.error();
    out.push_back(std::move(*item));
  }
  return out;
}

// A required string member of a plain (non-Fact) object.
Status read_string(const json& obj, const char* key, const JsonPath& parent, std::string& out) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return type_error(JsonPath(parent, key).str(), "a string");
  out = it->get<std::string>();
  return Ok{};
}

// An optional array-of-strings member of a plain object.
Status read_strings(const json& obj, const char* key, const JsonPath& parent, std::vector<std::string>& out) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Ok{};
  auto v = decode(*it, JsonPath(parent, key), static_cast<std::vector<std::string>*>(nullptr));
  if (!v) return v.error();
  out = std::move(*v);
  return Ok{};
}

Result<PythonPackage> decode(const json& j, const JsonPath& path, PythonPackage*) {
  if (!j.is_object()) return type_error(path.str(), "an object {\"name\": string, \"version\": string}");
  PythonPackage p;
  if (auto s_ = read_string(j, "name", path, p.name); !s_) return s_.error();
  if (auto s_ = read_string(j, "version", path, p.version); !s_) return s_.error();
  return p;
}

// Reads `obj[key]` as a Fact; a missing key or null means unknown.
template <typename T>
Status read_fact(const json& obj, const char* key, const JsonPath& parent, Fact<T>& out) {
  const JsonPath path(parent, key);
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    out = Fact<T>::unknown("");
    return Ok{};
  }
  if (!it->is_object()) return type_error(path.str(), "an object {\"value\": ..., \"source\": ...} or null");
  const json& f = *it;
  if (const auto s = f.find("source"); s != f.end()) {
    if (!s->is_string()) return type_error(JsonPath(path, "source").str(), "a string");
    out.source = s->get<std::string>();
  }
  if (const auto n = f.find("note"); n != f.end()) {
    if (!n->is_string()) return type_error(JsonPath(path, "note").str(), "a string");
    out.note = n->get<std::string>();
  }
  const auto v = f.find("value");
  if (v == f.end() || v->is_null()) {
    out.value.reset();
    return Ok{};
  }
  auto decoded = decode(*v, JsonPath(path, "value"), static_cast<T*>(nullptr));
  if (!decoded) return decoded.error();
  out.value = std::move(*decoded);
  return Ok{};
}

Result<const json*> section(const json& doc, const char* key) {
  static const json k_empty = json::object();
  const auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return &k_empty;
  if (!it->is_object()) return type_error(key, "an object");
  return &*it;
}

#define TD_READ(obj, key, parent, field) \
  if (auto s_ = read_fact(obj, key, parent, field); !s_) return s_.error()

Result<GpuFacts> decode(const json& j, const JsonPath& path, GpuFacts*) {
  if (!j.is_object()) return type_error(path.str(), "an object");
  GpuFacts g;
  TD_READ(j, "pci_bus_id", path, g.pci_bus_id);
  TD_READ(j, "pci_device_id", path, g.pci_device_id);
  TD_READ(j, "name", path, g.name);
  TD_READ(j, "compute_capability", path, g.compute_capability);
  TD_READ(j, "memory_bytes", path, g.memory_bytes);
  TD_READ(j, "uuid", path, g.uuid);
  TD_READ(j, "integrated", path, g.integrated);
  TD_READ(j, "mig_mode", path, g.mig_mode);
  return g;
}

Result<TorchInstall> decode(const json& j, const JsonPath& path, TorchInstall*) {
  if (!j.is_object()) return type_error(path.str(), "an object");
  TorchInstall t;
  TD_READ(j, "python", path, t.python);
  TD_READ(j, "python_version", path, t.python_version);
  TD_READ(j, "version", path, t.version);
  TD_READ(j, "cuda", path, t.cuda);
  TD_READ(j, "arch_list", path, t.arch_list);
  TD_READ(j, "location", path, t.location);
  TD_READ(j, "hip", path, t.hip);
  TD_READ(j, "git_version", path, t.git_version);
  TD_READ(j, "nvidia_packages", path, t.nvidia_packages);
  TD_READ(j, "cuda_available", path, t.cuda_available);
  TD_READ(j, "device_count", path, t.device_count);
  TD_READ(j, "cudnn", path, t.cudnn);
  TD_READ(j, "nccl", path, t.nccl);
  TD_READ(j, "import_arch_list", path, t.import_arch_list);
  return t;
}

Result<PythonInterpreter> decode(const json& j, const JsonPath& path, PythonInterpreter*) {
  if (!j.is_object()) return type_error(path.str(), "an object");
  PythonInterpreter p;
  if (auto s_ = read_string(j, "path", path, p.path); !s_) return s_.error();
  if (auto s_ = read_string(j, "kind", path, p.kind); !s_) return s_.error();
  if (auto s_ = read_strings(j, "found_by", path, p.found_by); !s_) return s_.error();
  TD_READ(j, "version", path, p.version);
  return p;
}

Result<CudaToolkit> decode(const json& j, const JsonPath& path, CudaToolkit*) {
  if (!j.is_object()) return type_error(path.str(), "an object");
  CudaToolkit t;
  if (auto s_ = read_string(j, "path", path, t.path); !s_) return s_.error();
  if (auto s_ = read_strings(j, "found_by", path, t.found_by); !s_) return s_.error();
  TD_READ(j, "version", path, t.version);
  TD_READ(j, "nvcc", path, t.nvcc);
  return t;
}

Result<CudaLibrary> decode(const json& j, const JsonPath& path, CudaLibrary*) {
  if (!j.is_object()) return type_error(path.str(), "an object");
  CudaLibrary l;
  if (auto s_ = read_string(j, "name", path, l.name); !s_) return s_.error();
  TD_READ(j, "version", path, l.version);
  return l;
}

}  // namespace

json host_to_json(const HostFacts& f) {
  json issues = json::array();
  for (const auto& i : f.issues) issues.push_back({{"detector", i.detector}, {"message", i.message}});
  return json{
      {"schema", f.schema},
      {"tool_version", f.tool_version},
      {"root", f.root},
      {"hostname", encode(f.hostname)},
      {"os", {{"id", encode(f.os.id)}, {"version_id", encode(f.os.version_id)},
              {"pretty_name", encode(f.os.pretty_name)}, {"kernel", encode(f.os.kernel)}}},
      {"cpu", {{"arch", encode(f.cpu.arch)}, {"model", encode(f.cpu.model)}, {"cores", encode(f.cpu.cores)},
               {"flags", encode(f.cpu.flags)}, {"glibc", encode(f.cpu.glibc)},
               {"memory_bytes", encode(f.cpu.memory_bytes)}, {"shm_bytes", encode(f.cpu.shm_bytes)}}},
      {"container", {{"inside", encode(f.container.inside)}, {"engine", encode(f.container.engine)},
                     {"kubernetes", encode(f.container.kubernetes)}, {"wsl", encode(f.container.wsl)}}},
      {"driver", {{"version", encode(f.driver.version)}, {"kernel_module", encode(f.driver.kernel_module)},
                  {"cuda_level", encode(f.driver.cuda_level)}}},
      {"gpus", encode(f.gpus)},
      {"gpu_probe",
       {{"answered_by", encode(f.gpu_probe.answered_by)}, {"cache", encode(f.gpu_probe.cache)},
        {"nvml_library", encode(f.gpu_probe.nvml_library)}, {"libcuda_library", encode(f.gpu_probe.libcuda_library)},
        {"libcuda_forward_compat", encode(f.gpu_probe.libcuda_forward_compat)},
        {"libcuda_cuda_level", encode(f.gpu_probe.libcuda_cuda_level)},
        {"cuda_visible_devices", encode(f.gpu_probe.cuda_visible_devices)},
        {"cuda_device_count", encode(f.gpu_probe.cuda_device_count)}}},
      {"jetson", {{"l4t", encode(f.jetson.l4t)}, {"jetpack", encode(f.jetson.jetpack)},
                  {"module", encode(f.jetson.module)}, {"soc", encode(f.jetson.soc)}}},
      {"board", {{"model", encode(f.board.model)}, {"compatible", encode(f.board.compatible)}}},
      {"container_tooling",
       {{"docker", encode(f.tooling.docker)}, {"podman", encode(f.tooling.podman)},
        {"nvidia_ctk", encode(f.tooling.nvidia_ctk)}, {"nvidia_runtime", encode(f.tooling.nvidia_runtime)},
        {"docker_runtimes", encode(f.tooling.docker_runtimes)},
        {"docker_default_runtime", encode(f.tooling.docker_default_runtime)},
        {"cdi_specs", encode(f.tooling.cdi_specs)}}},
      {"torch", encode(f.torch)},
      {"python_version", encode(f.python_version)},
      {"pythons", encode(f.pythons)},
      {"toolkits", {{"toolkits", encode(f.toolkits.toolkits)}, {"cuda_home", encode(f.toolkits.cuda_home)},
                    {"nvcc_on_path", encode(f.toolkits.nvcc_on_path)},
                    {"build_toolkit", encode(f.toolkits.build_toolkit)},
                    {"libraries", encode(f.toolkits.libraries)}}},
      {"issues", issues},
  };
}

Result<HostFacts> host_from_json(const json& doc) {
  if (!doc.is_object()) return type_error("(document)", "a JSON object");
  HostFacts f;
  const auto schema = doc.find("schema");
  if (schema == doc.end() || !schema->is_string()) return type_error("schema", std::string("\"" + std::string(k_host_schema) + "\"").c_str());
  if (schema->get<std::string>() != k_host_schema) {
    return make_error(ErrorKind::bad_input, "schema: expected \"" + std::string(k_host_schema) + "\", got \"" +
                                                schema->get<std::string>() + "\"");
  }
  if (const auto it = doc.find("tool_version"); it != doc.end() && it->is_string()) f.tool_version = it->get<std::string>();
  if (const auto it = doc.find("root"); it != doc.end()) {
    if (!it->is_string()) return type_error("root", "a string");
    f.root = it->get<std::string>();
  }
  TD_READ(doc, "hostname", "", f.hostname);
  TD_READ(doc, "gpus", "", f.gpus);
  TD_READ(doc, "torch", "", f.torch);
  TD_READ(doc, "python_version", "", f.python_version);
  TD_READ(doc, "pythons", "", f.pythons);

  auto tks = section(doc, "toolkits");
  if (!tks) return tks.error();
  TD_READ(**tks, "toolkits", "toolkits", f.toolkits.toolkits);
  TD_READ(**tks, "cuda_home", "toolkits", f.toolkits.cuda_home);
  TD_READ(**tks, "nvcc_on_path", "toolkits", f.toolkits.nvcc_on_path);
  TD_READ(**tks, "build_toolkit", "toolkits", f.toolkits.build_toolkit);
  TD_READ(**tks, "libraries", "toolkits", f.toolkits.libraries);

  auto os = section(doc, "os");
  if (!os) return os.error();
  TD_READ(**os, "id", "os", f.os.id);
  TD_READ(**os, "version_id", "os", f.os.version_id);
  TD_READ(**os, "pretty_name", "os", f.os.pretty_name);
  TD_READ(**os, "kernel", "os", f.os.kernel);

  auto cpu = section(doc, "cpu");
  if (!cpu) return cpu.error();
  TD_READ(**cpu, "arch", "cpu", f.cpu.arch);
  TD_READ(**cpu, "model", "cpu", f.cpu.model);
  TD_READ(**cpu, "cores", "cpu", f.cpu.cores);
  TD_READ(**cpu, "flags", "cpu", f.cpu.flags);
  TD_READ(**cpu, "glibc", "cpu", f.cpu.glibc);
  TD_READ(**cpu, "memory_bytes", "cpu", f.cpu.memory_bytes);
  TD_READ(**cpu, "shm_bytes", "cpu", f.cpu.shm_bytes);

  auto ctr = section(doc, "container");
  if (!ctr) return ctr.error();
  TD_READ(**ctr, "inside", "container", f.container.inside);
  TD_READ(**ctr, "engine", "container", f.container.engine);
  TD_READ(**ctr, "kubernetes", "container", f.container.kubernetes);
  TD_READ(**ctr, "wsl", "container", f.container.wsl);

  auto drv = section(doc, "driver");
  if (!drv) return drv.error();
  TD_READ(**drv, "version", "driver", f.driver.version);
  TD_READ(**drv, "kernel_module", "driver", f.driver.kernel_module);
  TD_READ(**drv, "cuda_level", "driver", f.driver.cuda_level);

  auto gp = section(doc, "gpu_probe");
  if (!gp) return gp.error();
  TD_READ(**gp, "answered_by", "gpu_probe", f.gpu_probe.answered_by);
  TD_READ(**gp, "cache", "gpu_probe", f.gpu_probe.cache);
  TD_READ(**gp, "nvml_library", "gpu_probe", f.gpu_probe.nvml_library);
  TD_READ(**gp, "libcuda_library", "gpu_probe", f.gpu_probe.libcuda_library);
  TD_READ(**gp, "libcuda_forward_compat", "gpu_probe", f.gpu_probe.libcuda_forward_compat);
  TD_READ(**gp, "libcuda_cuda_level", "gpu_probe", f.gpu_probe.libcuda_cuda_level);
  TD_READ(**gp, "cuda_visible_devices", "gpu_probe", f.gpu_probe.cuda_visible_devices);
  TD_READ(**gp, "cuda_device_count", "gpu_probe", f.gpu_probe.cuda_device_count);

  auto jet = section(doc, "jetson");
  if (!jet) return jet.error();
  TD_READ(**jet, "l4t", "jetson", f.jetson.l4t);
  TD_READ(**jet, "jetpack", "jetson", f.jetson.jetpack);
  TD_READ(**jet, "module", "jetson", f.jetson.module);
  TD_READ(**jet, "soc", "jetson", f.jetson.soc);

  auto board = section(doc, "board");
  if (!board) return board.error();
  TD_READ(**board, "model", "board", f.board.model);
  TD_READ(**board, "compatible", "board", f.board.compatible);

  auto tool = section(doc, "container_tooling");
  if (!tool) return tool.error();
  TD_READ(**tool, "docker", "container_tooling", f.tooling.docker);
  TD_READ(**tool, "podman", "container_tooling", f.tooling.podman);
  TD_READ(**tool, "nvidia_ctk", "container_tooling", f.tooling.nvidia_ctk);
  TD_READ(**tool, "nvidia_runtime", "container_tooling", f.tooling.nvidia_runtime);
  TD_READ(**tool, "docker_runtimes", "container_tooling", f.tooling.docker_runtimes);
  TD_READ(**tool, "docker_default_runtime", "container_tooling", f.tooling.docker_default_runtime);
  TD_READ(**tool, "cdi_specs", "container_tooling", f.tooling.cdi_specs);

  if (const auto it = doc.find("issues"); it != doc.end() && !it->is_null()) {
    if (!it->is_array()) return type_error("issues", "an array");
    for (std::size_t i = 0; i < it->size(); ++i) {
      const json& e = (*it)[i];
      const std::string p = "issues[" + std::to_string(i) + "]";
      if (!e.is_object() || !e.contains("detector") || !e["detector"].is_string() || !e.contains("message") ||
          !e["message"].is_string()) {
        return type_error(p, "an object {\"detector\": string, \"message\": string}");
      }
      f.issues.push_back({e["detector"].get<std::string>(), e["message"].get<std::string>()});
    }
  }
  return f;
}

Result<HostFacts> host_from_text(std::string_view text, const std::string& origin) {
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    // Re-parse with exceptions only to get nlohmann's byte position for the message.
    try {
      const json ignored = json::parse(text.begin(), text.end());
      (void)ignored;
    } catch (const json::parse_error& e) {
      std::size_t line = 1;
      for (std::size_t i = 0; i < e.byte && i < text.size(); ++i) line += text[i] == '\n' ? 1 : 0;
      return make_error(ErrorKind::bad_input, origin + ":" + std::to_string(line) + ": malformed JSON (byte " +
                                                  std::to_string(e.byte) + ")");
    } catch (const json::exception& e) {
      // Not a syntax error: a number too large for a double (1e999999) and the like.
      return make_error(ErrorKind::bad_input, origin + ": malformed JSON (" + sanitize(e.what(), 120) + ")");
    }
    return make_error(ErrorKind::bad_input, origin + ": malformed JSON");
  }
  auto facts = host_from_json(doc);
  if (!facts) return facts.error().with_context(origin);
  return facts;
}

}  // namespace td
