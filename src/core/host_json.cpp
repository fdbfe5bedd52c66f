#include "torchdoctor/core/host_json.hpp"

#include "torchdoctor/core/strings.hpp"

#include <nlohmann/json.hpp>
#include <optional>

#include "torchdoctor/core/json_reader.hpp"

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
  json out = json::object();
  gpu_fields(g, [&](const char* key, const auto& fact) { out[key] = encode(fact); });
  return out;
}

json encode(const TorchInstall& t) {
  return json{{"python", encode(t.python)},
              {"python_version", encode(t.python_version)},
              {"version", encode(t.version)},
              {"cuda", encode(t.cuda)},
              {"arch_list", encode(t.arch_list)},
              {"location", encode(t.location)},
              {"hip", encode(t.hip)},
              {"git_version", encode(t.git_version)},
              {"nvidia_packages", encode(t.nvidia_packages)},
              {"cuda_available", encode(t.cuda_available)},
              {"device_count", encode(t.device_count)},
              {"cudnn", encode(t.cudnn)},
              {"nccl", encode(t.nccl)},
              {"import_arch_list", encode(t.import_arch_list)},
              {"sys_path_entry", encode(t.sys_path_entry)},
              {"imported", encode(t.imported)}};
}

json encode(const PythonInterpreter& p) {
  return json{{"path", p.path}, {"kind", p.kind}, {"found_by", p.found_by}, {"version", encode(p.version)}};
}

json encode(const CudaToolkit& t) {
  return json{{"path", t.path}, {"found_by", t.found_by}, {"version", encode(t.version)}, {"nvcc", encode(t.nvcc)}};
}

json encode(const CudaLibrary& l) { return json{{"name", l.name}, {"version", encode(l.version)}}; }

// ---- decoding: one pass over the text, no document tree -----------------------------------------

// Where a value sits in the document ("gpus.value[1].name.value"), built only when an error names it:
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

using Kind = JsonReader::Kind;

// Reads the schema's values from a JsonReader. A value of the wrong shape is recorded (the first
// one is the answer) and skipped, so the rest of the text is still checked for syntax and the
// schema field is found wherever it sits: a syntax error outranks a wrong schema, which outranks a
// wrong field, whatever their order in the text.
class Decoder {
 public:
  Decoder(JsonReader& reader, const HostReadOptions& options) : m_r(reader), m_opt(options) {}

  [[nodiscard]] const std::optional<Error>& first_error() const { return m_first; }

  void record(Error e) {
    if (!m_first) m_first = std::move(e);
  }
  void record(const JsonPath& path, const char* expected) {
    if (!m_first) m_first = make_error(ErrorKind::bad_input, path.str() + ": expected " + expected);
  }
  // Records that the value here has the wrong shape, and skips it.
  void wrong(const JsonPath& path, const char* expected) {
    record(path, expected);
    m_r.skip();
  }

  void value(const JsonPath& path, std::string& out) {
    if (m_r.peek() == Kind::string)
      m_r.read_string(out);
    else
      wrong(path, "a string");
  }
  void value(const JsonPath& path, bool& out) {
    if (m_r.peek() == Kind::boolean)
      m_r.read_bool(out);
    else
      wrong(path, "true or false");
  }
  void value(const JsonPath& path, std::uint64_t& out) {
    JsonReader::Number n;
    if (m_r.peek() != Kind::number) return wrong(path, "a non-negative integer");
    if (!m_r.read_number(n)) return;
    if (!n.is_u64) return record(path, "a non-negative integer");
    out = n.u64;
  }
  void value(const JsonPath& path, std::uint32_t& out) {
    std::uint64_t v = 0;
    value(path, v);
    if (v > 0xffffffffULL)
      record(path, "a non-negative integer");
    else
      out = static_cast<std::uint32_t>(v);
  }
  void value(const JsonPath& path, Version& out) {
    if (m_r.peek() != Kind::string) return wrong(path, "a version string such as \"550.54.15\"");
    if (!m_r.read_string(m_scratch)) return;
    auto v = Version::parse(m_scratch);
    if (v)
      out = std::move(*v);
    else
      record(v.error().with_context(path.str()));
  }
  void value(const JsonPath& path, ComputeCapability& out) {
    if (m_r.peek() != Kind::string) return wrong(path, "a compute capability string such as \"8.6\"");
    if (!m_r.read_string(m_scratch)) return;
    auto v = ComputeCapability::parse(m_scratch);
    if (v)
      out = *v;
    else
      record(v.error().with_context(path.str()));
  }
  template <typename T>
  void value(const JsonPath& path, std::vector<T>& out) {
    out.clear();
    if (m_r.peek() != Kind::array) return wrong(path, "an array");
    m_r.begin_array();
    for (std::size_t i = 0; m_r.next_item(); ++i) {
      T item{};
      value(JsonPath(path, i), item);
      out.push_back(std::move(item));
    }
  }
  void value(const JsonPath& path, GpuFacts& g);
  void value(const JsonPath& path, TorchInstall& t);
  void value(const JsonPath& path, PythonInterpreter& p);
  void value(const JsonPath& path, CudaToolkit& t);
  void value(const JsonPath& path, CudaLibrary& l);
  void value(const JsonPath& path, PythonPackage& p);

  // `{"value": ..., "source": ..., "note": ...}` or null (unknown); other members are ignored.
  template <typename T>
  void fact(const JsonPath& path, Fact<T>& out) {
    out = Fact<T>::unknown("");
    const Kind k = m_r.peek();
    if (k == Kind::null) {
      m_r.read_null();
      return;
    }
    if (k != Kind::object) return wrong(path, "an object {\"value\": ..., \"source\": ...} or null");
    m_r.begin_object();
    std::string_view key;
    while (m_r.next_key(key)) {
      if (key == "value") {
        if (m_r.peek() == Kind::null) {
          m_r.read_null();
          out.value.reset();
        } else {
          T v{};
          value(JsonPath(path, "value"), v);
          out.value = std::move(v);
        }
      } else if (key == "source" && m_opt.sources) {
        value(JsonPath(path, "source"), out.source);
      } else if (key == "note" && m_opt.sources) {
        value(JsonPath(path, "note"), out.note);
      } else {
        m_r.skip();
      }
    }
  }

  // An object whose members `member(key)` reads (returning false for a key it does not know,
  // which is skipped); null is an empty object.
  template <typename F>
  bool object(const JsonPath& path, const char* expected, F&& member) {
    const Kind k = m_r.peek();
    if (k == Kind::null) return m_r.read_null();
    if (k != Kind::object) {
      wrong(path, expected);
      return false;
    }
    m_r.begin_object();
    std::string_view key;
    while (m_r.next_key(key)) {
      if (!member(key)) m_r.skip();
    }
    return true;
  }

  // A required string member of a plain (non-Fact) object, noted as found.
  bool required(const JsonPath& path, std::string& out, bool& found) {
    found = m_r.peek() == Kind::string;
    value(path, out);
    return true;
  }
  // An optional member of a plain object: null or absent leaves it empty.
  template <typename T>
  bool optional(const JsonPath& path, T& out) {
    if (m_r.peek() == Kind::null)
      m_r.read_null();
    else
      value(path, out);
    return true;
  }

 private:
  JsonReader& m_r;
  const HostReadOptions& m_opt;
  std::optional<Error> m_first;
  std::string m_scratch;
};

// Each struct's members, by key: `TD_FACT("name", field)` inside a `[&](std::string_view k)`.
#define TD_FACT(name, field)               \
  if (k == (name)) {                       \
    d.fact(JsonPath(path, name), (field)); \
    return true;                           \
  }

void Decoder::value(const JsonPath& path, GpuFacts& g) {
  object(path, "an object", [&](std::string_view k) {
    bool known = false;
    gpu_fields(g, [&](const char* key, auto& field) {
      if (!known && k == key) {
        this->fact(JsonPath(path, key), field);
        known = true;
      }
    });
    return known;
  });
}

void Decoder::value(const JsonPath& path, TorchInstall& t) {
  Decoder& d = *this;
  object(path, "an object", [&](std::string_view k) {
    TD_FACT("python", t.python);
    TD_FACT("python_version", t.python_version);
    TD_FACT("version", t.version);
    TD_FACT("cuda", t.cuda);
    TD_FACT("arch_list", t.arch_list);
    TD_FACT("location", t.location);
    TD_FACT("hip", t.hip);
    TD_FACT("git_version", t.git_version);
    TD_FACT("nvidia_packages", t.nvidia_packages);
    TD_FACT("cuda_available", t.cuda_available);
    TD_FACT("device_count", t.device_count);
    TD_FACT("cudnn", t.cudnn);
    TD_FACT("nccl", t.nccl);
    TD_FACT("import_arch_list", t.import_arch_list);
    TD_FACT("sys_path_entry", t.sys_path_entry);
    TD_FACT("imported", t.imported);
    return false;
  });
}

void Decoder::value(const JsonPath& path, PythonInterpreter& p) {
  Decoder& d = *this;
  bool has_path = false;
  bool has_kind = false;
  if (!object(path, "an object", [&](std::string_view k) {
        if (k == "path") return required(JsonPath(path, "path"), p.path, has_path);
        if (k == "kind") return required(JsonPath(path, "kind"), p.kind, has_kind);
        if (k == "found_by") return optional(JsonPath(path, "found_by"), p.found_by);
        TD_FACT("version", p.version);
        return false;
      })) {
    return;
  }
  if (!has_path) record(JsonPath(path, "path"), "a string");
  if (!has_kind) record(JsonPath(path, "kind"), "a string");
}

void Decoder::value(const JsonPath& path, CudaToolkit& t) {
  Decoder& d = *this;
  bool has_path = false;
  if (!object(path, "an object", [&](std::string_view k) {
        if (k == "path") return required(JsonPath(path, "path"), t.path, has_path);
        if (k == "found_by") return optional(JsonPath(path, "found_by"), t.found_by);
        TD_FACT("version", t.version);
        TD_FACT("nvcc", t.nvcc);
        return false;
      })) {
    return;
  }
  if (!has_path) record(JsonPath(path, "path"), "a string");
}

void Decoder::value(const JsonPath& path, CudaLibrary& l) {
  Decoder& d = *this;
  bool has_name = false;
  if (!object(path, "an object", [&](std::string_view k) {
        if (k == "name") return required(JsonPath(path, "name"), l.name, has_name);
        TD_FACT("version", l.version);
        return false;
      })) {
    return;
  }
  if (!has_name) record(JsonPath(path, "name"), "a string");
}

void Decoder::value(const JsonPath& path, PythonPackage& p) {
  static constexpr const char* k_shape = "an object {\"name\": string, \"version\": string}";
  if (m_r.peek() != Kind::object) return wrong(path, k_shape);
  bool has_name = false;
  bool has_version = false;
  object(path, k_shape, [&](std::string_view k) {
    if (k == "name") return required(JsonPath(path, "name"), p.name, has_name);
    if (k == "version") return required(JsonPath(path, "version"), p.version, has_version);
    return false;
  });
  if (!has_name) record(JsonPath(path, "name"), "a string");
  if (!has_version) record(JsonPath(path, "version"), "a string");
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
      {"os",
       {{"id", encode(f.os.id)},
        {"version_id", encode(f.os.version_id)},
        {"pretty_name", encode(f.os.pretty_name)},
        {"kernel", encode(f.os.kernel)}}},
      {"cpu",
       {{"arch", encode(f.cpu.arch)},
        {"model", encode(f.cpu.model)},
        {"cores", encode(f.cpu.cores)},
        {"flags", encode(f.cpu.flags)},
        {"glibc", encode(f.cpu.glibc)},
        {"memory_bytes", encode(f.cpu.memory_bytes)},
        {"shm_bytes", encode(f.cpu.shm_bytes)}}},
      {"container",
       {{"inside", encode(f.container.inside)},
        {"engine", encode(f.container.engine)},
        {"kubernetes", encode(f.container.kubernetes)},
        {"wsl", encode(f.container.wsl)}}},
      {"driver",
       {{"version", encode(f.driver.version)},
        {"kernel_module", encode(f.driver.kernel_module)},
        {"cuda_level", encode(f.driver.cuda_level)}}},
      {"gpus", encode(f.gpus)},
      {"gpu_probe",
       {{"answered_by", encode(f.gpu_probe.answered_by)},
        {"cache", encode(f.gpu_probe.cache)},
        {"nvml_library", encode(f.gpu_probe.nvml_library)},
        {"libcuda_library", encode(f.gpu_probe.libcuda_library)},
        {"libcuda_forward_compat", encode(f.gpu_probe.libcuda_forward_compat)},
        {"libcuda_cuda_level", encode(f.gpu_probe.libcuda_cuda_level)},
        {"cuda_visible_devices", encode(f.gpu_probe.cuda_visible_devices)},
        {"cuda_device_count", encode(f.gpu_probe.cuda_device_count)}}},
      {"jetson",
       {{"l4t", encode(f.jetson.l4t)},
        {"jetpack", encode(f.jetson.jetpack)},
        {"module", encode(f.jetson.module)},
        {"soc", encode(f.jetson.soc)}}},
      {"board", {{"model", encode(f.board.model)}, {"compatible", encode(f.board.compatible)}}},
      {"container_tooling",
       {{"docker", encode(f.tooling.docker)},
        {"podman", encode(f.tooling.podman)},
        {"nvidia_ctk", encode(f.tooling.nvidia_ctk)},
        {"nvidia_runtime", encode(f.tooling.nvidia_runtime)},
        {"docker_runtimes", encode(f.tooling.docker_runtimes)},
        {"docker_default_runtime", encode(f.tooling.docker_default_runtime)},
        {"cdi_specs", encode(f.tooling.cdi_specs)}}},
      {"torch", encode(f.torch)},
      {"python_version", encode(f.python_version)},
      {"pythons", encode(f.pythons)},
      {"toolkits",
       {{"toolkits", encode(f.toolkits.toolkits)},
        {"cuda_home", encode(f.toolkits.cuda_home)},
        {"nvcc_on_path", encode(f.toolkits.nvcc_on_path)},
        {"build_toolkit", encode(f.toolkits.build_toolkit)},
        {"libraries", encode(f.toolkits.libraries)}}},
      {"issues", issues},
  };
}

namespace {

// Formats a syntax error: `origin:LINE: malformed JSON (byte N: what)`; without an origin the line
// goes inside the parentheses, unless it is the first (a JSON line).
Error malformed(const JsonReader& r, const std::string& origin) {
  const std::string detail = r.error();  // "line L, byte N: what"
  const auto comma = detail.find(", ");
  const std::string byte_what = detail.substr(comma == std::string::npos ? 0 : comma + 2);
  if (origin.empty())
    return make_error(ErrorKind::bad_input, "malformed JSON (" + (r.error_line() == 1 ? byte_what : detail) + ")");
  return make_error(ErrorKind::bad_input,
                    origin + ":" + std::to_string(r.error_line()) + ": malformed JSON (" + byte_what + ")");
}

Result<HostFacts> decode_host(std::string_view text, const std::string& origin, const HostReadOptions& opt) {
  auto fail = [&](const Error& e) { return origin.empty() ? e : e.with_context(origin); };
  JsonReader r(text);
  if (r.peek() != Kind::object) {
    if (r.skip() && r.finish()) return fail(make_error(ErrorKind::bad_input, "(document): expected a JSON object"));
    return malformed(r, origin);
  }
  Decoder d(r, opt);
  HostFacts f;
  std::optional<std::string> schema;
  auto wanted = [&](std::uint32_t bit) { return (opt.sections & bit) != 0U; };
  r.begin_object();
  std::string_view key;
  while (r.next_key(key)) {
    if (key == "schema") {
      schema.emplace();
      if (r.peek() == Kind::string)
        r.read_string(*schema);
      else
        schema.reset(), r.skip();
    } else if (key == "tool_version") {
      if (r.peek() == Kind::string)
        r.read_string(f.tool_version);
      else
        r.skip();
    } else if (key == "root") {
      d.value("root", f.root);
    } else if (key == "hostname" && wanted(k_host_hostname)) {
      d.fact("hostname", f.hostname);
    } else if (key == "gpus" && wanted(k_host_gpus)) {
      d.fact("gpus", f.gpus);
    } else if (key == "torch" && wanted(k_host_python)) {
      d.fact("torch", f.torch);
    } else if (key == "python_version" && wanted(k_host_python)) {
      d.fact("python_version", f.python_version);
    } else if (key == "pythons" && wanted(k_host_python)) {
      d.fact("pythons", f.pythons);
    } else if (key == "toolkits" && wanted(k_host_toolkits)) {
      f.toolkits = {};
      const JsonPath p("toolkits");
      d.object(p, "an object", [&, &path = p](std::string_view k) {
        TD_FACT("toolkits", f.toolkits.toolkits);
        TD_FACT("cuda_home", f.toolkits.cuda_home);
        TD_FACT("nvcc_on_path", f.toolkits.nvcc_on_path);
        TD_FACT("build_toolkit", f.toolkits.build_toolkit);
        TD_FACT("libraries", f.toolkits.libraries);
        return false;
      });
    } else if (key == "os" && wanted(k_host_os)) {
      f.os = {};
      const JsonPath p("os");
      d.object(p, "an object", [&, &path = p](std::string_view k) {
        TD_FACT("id", f.os.id);
        TD_FACT("version_id", f.os.version_id);
        TD_FACT("pretty_name", f.os.pretty_name);
        TD_FACT("kernel", f.os.kernel);
        return false;
      });
    } else if (key == "cpu" && wanted(k_host_cpu)) {
      f.cpu = {};
      const JsonPath p("cpu");
      d.object(p, "an object", [&, &path = p](std::string_view k) {
        TD_FACT("arch", f.cpu.arch);
        TD_FACT("model", f.cpu.model);
        TD_FACT("cores", f.cpu.cores);
        TD_FACT("flags", f.cpu.flags);
        TD_FACT("glibc", f.cpu.glibc);
        TD_FACT("memory_bytes", f.cpu.memory_bytes);
        TD_FACT("shm_bytes", f.cpu.shm_bytes);
        return false;
      });
    } else if (key == "container" && wanted(k_host_container)) {
      f.container = {};
      const JsonPath p("container");
      d.object(p, "an object", [&, &path = p](std::string_view k) {
        TD_FACT("inside", f.container.inside);
        TD_FACT("engine", f.container.engine);
        TD_FACT("kubernetes", f.container.kubernetes);
        TD_FACT("wsl", f.container.wsl);
        return false;
      });
    } else if (key == "driver" && wanted(k_host_driver)) {
      f.driver = {};
      const JsonPath p("driver");
      d.object(p, "an object", [&, &path = p](std::string_view k) {
        TD_FACT("version", f.driver.version);
        TD_FACT("kernel_module", f.driver.kernel_module);
        TD_FACT("cuda_level", f.driver.cuda_level);
        return false;
      });
    } else if (key == "gpu_probe" && wanted(k_host_gpu_probe)) {
      f.gpu_probe = {};
      const JsonPath p("gpu_probe");
      d.object(p, "an object", [&, &path = p](std::string_view k) {
        TD_FACT("answered_by", f.gpu_probe.answered_by);
        TD_FACT("cache", f.gpu_probe.cache);
        TD_FACT("nvml_library", f.gpu_probe.nvml_library);
        TD_FACT("libcuda_library", f.gpu_probe.libcuda_library);
        TD_FACT("libcuda_forward_compat", f.gpu_probe.libcuda_forward_compat);
        TD_FACT("libcuda_cuda_level", f.gpu_probe.libcuda_cuda_level);
        TD_FACT("cuda_visible_devices", f.gpu_probe.cuda_visible_devices);
        TD_FACT("cuda_device_count", f.gpu_probe.cuda_device_count);
        return false;
      });
    } else if (key == "jetson" && wanted(k_host_jetson)) {
      f.jetson = {};
      const JsonPath p("jetson");
      d.object(p, "an object", [&, &path = p](std::string_view k) {
        TD_FACT("l4t", f.jetson.l4t);
        TD_FACT("jetpack", f.jetson.jetpack);
        TD_FACT("module", f.jetson.module);
        TD_FACT("soc", f.jetson.soc);
        return false;
      });
    } else if (key == "board" && wanted(k_host_board)) {
      f.board = {};
      const JsonPath p("board");
      d.object(p, "an object", [&, &path = p](std::string_view k) {
        TD_FACT("model", f.board.model);
        TD_FACT("compatible", f.board.compatible);
        return false;
      });
    } else if (key == "container_tooling" && wanted(k_host_tooling)) {
      f.tooling = {};
      const JsonPath p("container_tooling");
      d.object(p, "an object", [&, &path = p](std::string_view k) {
        TD_FACT("docker", f.tooling.docker);
        TD_FACT("podman", f.tooling.podman);
        TD_FACT("nvidia_ctk", f.tooling.nvidia_ctk);
        TD_FACT("nvidia_runtime", f.tooling.nvidia_runtime);
        TD_FACT("docker_runtimes", f.tooling.docker_runtimes);
        TD_FACT("docker_default_runtime", f.tooling.docker_default_runtime);
        TD_FACT("cdi_specs", f.tooling.cdi_specs);
        return false;
      });
    } else if (key == "issues" && wanted(k_host_issues)) {
      f.issues.clear();
      if (r.peek() == Kind::null) {
        r.read_null();
      } else if (r.peek() != Kind::array) {
        d.wrong("issues", "an array");
      } else {
        const JsonPath p("issues");
        r.begin_array();
        for (std::size_t i = 0; r.next_item(); ++i) {
          const JsonPath item(p, i);
          static constexpr const char* k_shape = "an object {\"detector\": string, \"message\": string}";
          ProbeIssue issue;
          bool has_detector = false;
          bool has_message = false;
          d.object(item, k_shape, [&](std::string_view k) {
            std::string* field = k == "detector" ? &issue.detector : k == "message" ? &issue.message : nullptr;
            if (field == nullptr || r.peek() != Kind::string) return false;  // skipped
            r.read_string(*field);
            (field == &issue.detector ? has_detector : has_message) = true;
            return true;
          });
          if (!has_detector || !has_message) d.record(item, k_shape);
          f.issues.push_back(std::move(issue));
        }
      }
    } else {
      r.skip();
    }
  }
  if (!r.finish()) return malformed(r, origin);
  const std::string expected = "\"" + std::string(k_host_schema) + "\"";
  if (!schema) return fail(make_error(ErrorKind::bad_input, "schema: expected " + expected));
  if (*schema != k_host_schema)
    return fail(
        make_error(ErrorKind::bad_input, "schema: expected " + expected + ", got \"" + sanitize(*schema, 80) + "\""));
  if (d.first_error()) return fail(*d.first_error());
  return f;
}

}  // namespace

Result<HostFacts> host_from_json(const json& doc) { return decode_host(doc.dump(), "", {}); }

Result<HostFacts> host_from_text(std::string_view text, const std::string& origin, const HostReadOptions& options) {
  return decode_host(text, origin, options);
}

}  // namespace td
