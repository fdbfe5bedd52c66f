// Loads data/kb/*.toml into a Kb, checking every record against its field table (kb/schema.hpp:
// required keys, types, allowed values, unknown keys, which are usually typos), then what the field
// tables cannot say (one table's readers below: sources, cross-field rules), duplicates and dangling
// references. Problems name file, line and key.

#include <dirent.h>
#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "kb/kb_tree.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/kb/kb.hpp"
#include "torchdoctor/kb/queries.hpp"
#include "torchdoctor/kb/schema.hpp"
#include "torchdoctor/sys/file_reader.hpp"

namespace td {
namespace {

constexpr const char* k_meta_file = "meta.toml";
constexpr std::size_t k_max_kb_file_bytes = std::size_t{16} << 20U;

// Collects problems; each is "file:line: table: problem".
struct Problems {
  std::vector<std::string> items;
  void add(const std::string& file, std::uint32_t line, const std::string& what) {
    items.push_back(file + ":" + std::to_string(line) + ": " + what);
  }
};

// Reads one record (a TOML table) of a KB table: check() holds it to the table's field table
// (kb/schema.hpp: unknown keys, types, allowed values, required keys); the getters then bind values,
// a value that failed its check reading as absent.
class Record {
 public:
  Record(const KbNode& t, const KbTableSpec& spec, std::string file, Problems& problems, bool prevalidated = false)
      : m_t(t),
        m_spec(spec),
        m_file(std::move(file)),
        m_problems(problems),
        m_line(t.line),
        m_prevalidated(prevalidated) {}

  /// True for records td_kbc already validated when the binary was built (checks that cost
  /// milliseconds, such as compiling regexes, are not repeated on every run).
  bool prevalidated() const { return m_prevalidated; }

  std::uint32_t line() const { return m_line; }

  void problem(std::string_view key, const std::string& what) {
    const KbNode* n = m_t.get(key);
    const auto line = n != nullptr ? n->line : m_line;
    m_problems.add(m_file, line, std::string(m_spec.name) + "." + std::string(key) + ": " + what);
  }

  // Holds the record to its field table, nested [[table.key]] records included.
  void check() {
    for (const auto& field : m_t.fields) {
      const KbFieldSpec* f = kb_field_spec(m_spec, field.key);
      if (f == nullptr) {
        problem(field.key, "unknown key (see docs/kb.md)");
        continue;
      }
      check_value(*f, field.value);
    }
    for (const auto& f : m_spec.fields) {
      if (f.required && m_t.get(f.name) == nullptr)
        problem(f.name, f.missing_hint.empty() ? "missing" : "missing: " + std::string(f.missing_hint));
    }
  }

  std::optional<std::string> str(std::string_view key) {
    const KbNode* n = node(key);
    if (n == nullptr || n->kind != KbNode::Kind::string) return std::nullopt;
    return n->text;
  }

  std::string text(std::string_view key) { return str(key).value_or(""); }

  std::optional<Version> version(std::string_view key) {
    auto s = str(key);
    if (!s) return std::nullopt;
    auto v = Version::parse(*s);
    return v ? std::optional<Version>(*v) : std::nullopt;
  }

  std::optional<ComputeCapability> cc(std::string_view key) {
    auto s = str(key);
    if (!s) return std::nullopt;
    auto v = ComputeCapability::parse(*s);
    return v ? std::optional<ComputeCapability>(*v) : std::nullopt;
  }

  std::vector<std::string> strings(std::string_view key) {
    std::vector<std::string> out;
    const KbNode* n = node(key);
    if (n == nullptr) return out;
    if (n->kind == KbNode::Kind::string) {  // a single string is accepted where a list is
      out.push_back(n->text);
    } else if (n->kind == KbNode::Kind::array) {
      for (const auto& item : n->items) {
        if (item.kind == KbNode::Kind::string) out.push_back(item.text);
      }
    }
    return out;
  }

  std::vector<Version> versions(std::string_view key) {
    std::vector<Version> out;
    for (const auto& s : strings(key)) {
      if (auto v = Version::parse(s)) out.push_back(*v);
    }
    return out;
  }

  std::vector<ComputeCapability> ccs(std::string_view key) {
    std::vector<ComputeCapability> out;
    for (const auto& s : strings(key)) {
      if (auto v = ComputeCapability::parse(s)) out.push_back(*v);
    }
    return out;
  }

  std::optional<double> number(std::string_view key) {
    const KbNode* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (n->kind == KbNode::Kind::real) return n->real;
    if (n->kind == KbNode::Kind::integer) return static_cast<double>(n->integer);
    return std::nullopt;
  }

  std::optional<std::int64_t> integer(std::string_view key) {
    const KbNode* n = node(key);
    if (n == nullptr || n->kind != KbNode::Kind::integer) return std::nullopt;
    return n->integer;
  }

  /// True when the record holds `key` (for keys required only sometimes).
  bool has(std::string_view key) { return node(key) != nullptr; }

  bool boolean(std::string_view key, bool fallback) {
    const KbNode* n = node(key);
    if (n == nullptr || n->kind != KbNode::Kind::boolean) return fallback;
    return n->boolean;
  }

  // The records of an array-of-tables key (nested records such as [[signature.refine]]).
  std::vector<Record> records(std::string_view key) {
    std::vector<Record> out;
    const KbNode* n = node(key);
    const KbFieldSpec* f = kb_field_spec(m_spec, key);
    const KbTableSpec* spec = f != nullptr ? kb_table_spec(f->nested) : nullptr;
    if (n == nullptr || spec == nullptr || !n->is_array_of_tables()) return out;
    for (const auto& item : n->items) out.emplace_back(item, *spec, m_file, m_problems, m_prevalidated);
    return out;
  }

  // The provenance keys every record has: source (required), confirmed, note.
  Provenance provenance() {
    Provenance p;
    p.sources = strings("source");
    if (!p.sources.empty() && std::any_of(p.sources.begin(), p.sources.end(), [](const auto& s) { return s.empty(); }))
      problem("source", "missing: every record needs the URL or repository path it was read from");
    p.confirmed = boolean("confirmed", true);
    p.note = text("note");
    if (!p.confirmed && p.note.empty()) problem("note", "an unconfirmed record needs a note saying why");
    p.file = m_file;
    p.line = m_line;
    return p;
  }

 private:
  // The node of a declared key; reading an undeclared one is a bug the KB's own load reports.
  const KbNode* node(std::string_view key) {
    if (!m_prevalidated && kb_field_spec(m_spec, key) == nullptr)
      problem(key, "read but not declared in the field table (src/kb/schema.cpp)");
    return m_t.get(key);
  }

  void check_value(const KbFieldSpec& f, const KbNode& n) {
    switch (f.type) {
      case KbType::string:
      case KbType::version:
      case KbType::cc:
      case KbType::date:
        if (n.kind == KbNode::Kind::string)
          check_scalar(f, n.text);
        else
          problem(f.name, "expected a string");
        return;
      case KbType::strings:
      case KbType::versions:
      case KbType::ccs:
        if (n.kind == KbNode::Kind::string) {
          check_scalar(f, n.text);
        } else if (n.kind != KbNode::Kind::array) {
          problem(f.name, "expected a list of strings");
        } else {
          for (const auto& item : n.items) {
            if (item.kind == KbNode::Kind::string)
              check_scalar(f, item.text);
            else
              problem(f.name, "expected a list of strings");
          }
        }
        return;
      case KbType::integer:
        if (n.kind != KbNode::Kind::integer) problem(f.name, "expected an integer");
        return;
      case KbType::number:
        if (n.kind != KbNode::Kind::integer && n.kind != KbNode::Kind::real) problem(f.name, "expected a number");
        return;
      case KbType::boolean:
        if (n.kind != KbNode::Kind::boolean) problem(f.name, "expected true or false");
        return;
      case KbType::tables:
        check_tables(f, n);
        return;
    }
  }

  void check_scalar(const KbFieldSpec& f, const std::string& s) {
    if (f.type == KbType::version || f.type == KbType::versions) {
      if (auto v = Version::parse(s); !v) return problem(f.name, v.error().message);
    } else if (f.type == KbType::cc || f.type == KbType::ccs) {
      if (auto v = ComputeCapability::parse(s); !v) return problem(f.name, v.error().message);
    } else if (f.type == KbType::date) {
      const bool digits =
          s.size() == 10 && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '-'; });
      if (!digits || s[4] != '-' || s[7] != '-') return problem(f.name, "expected YYYY-MM-DD");
    }
    if (!kb_value_allowed(f, s)) problem(f.name, "'" + s + "': expected " + kb_allowed_text(f));
  }

  void check_tables(const KbFieldSpec& f, const KbNode& n) {
    const KbTableSpec* spec = kb_table_spec(f.nested);
    if (!n.is_array_of_tables() || spec == nullptr) {
      problem(f.name, "expected [[" + std::string(m_spec.name) + "." + std::string(f.name) + "]] tables");
      return;
    }
    for (const auto& item : n.items) Record(item, *spec, m_file, m_problems, m_prevalidated).check();
  }

  const KbNode& m_t;
  const KbTableSpec& m_spec;
  std::string m_file;
  Problems& m_problems;
  std::uint32_t m_line = 0;
  bool m_prevalidated = false;
};

using RecordFn = std::function<void(Record&, Kb&)>;

// A Python version like 3.12, or 3.13t for a free-threaded build.
void check_python_tags(Record& r, const std::vector<std::string>& python) {
  for (const auto& py : python) {
    const auto v = Version::parse(py.size() > 1 && py.back() == 't' ? py.substr(0, py.size() - 1) : py);
    if (!v || v->release().size() != 2) r.problem("python", "'" + py + "' is not a Python version like 3.12 or 3.13t");
  }
}

// Compiles the regex once at load so a typo fails `kb check` and the build, not a user's run.
void check_regex(Record& r, const Signature& x) {
  if (x.regex.empty()) {
    if (!x.captures.empty()) r.problem("captures", "captures need a regex");
    return;
  }
  if (r.prevalidated()) return;
  try {
    const std::regex re(x.regex, std::regex::ECMAScript);
    if (re.mark_count() != x.captures.size()) {
      r.problem("captures", "the regex has " + std::to_string(re.mark_count()) + " groups but " +
                                std::to_string(x.captures.size()) + " capture names");
    }
  } catch (const std::regex_error& e) {
    r.problem("regex", std::string("invalid regex: ") + e.what());
  }
}

void read_signature(Record& r, Kb& kb) {
  Signature x;
  x.id = r.text("id");
  x.patterns = r.strings("pattern");
  for (const auto& p : x.patterns) {
    if (p.size() < 3) r.problem("pattern", "'" + p + "' is too short to find in a log (3 characters or more)");
  }
  x.regex = r.text("regex");
  x.captures = r.strings("captures");
  x.lines = static_cast<std::uint32_t>(r.integer("lines").value_or(1));
  if (x.lines < 1 || x.lines > 4) r.problem("lines", "expected 1 to 4");
  x.kind = r.str("kind").value_or("problem");
  x.code = r.text("code");
  if (x.kind == "problem" && !r.has("code")) r.problem("code", "missing");
  x.severity = r.str("severity").value_or("error");
  x.cause = r.text("cause");
  if (x.kind == "problem" && !r.has("cause")) r.problem("cause", "missing");
  x.fix = r.text("fix");
  x.priority = r.integer("priority").value_or(50);
  for (auto& sub : r.records("refine")) {
    SignatureRefinement f;
    f.when = sub.strings("when");
    f.code = sub.text("code");
    f.severity = sub.text("severity");
    f.cause = sub.text("cause");
    f.fix = sub.text("fix");
    f.reject = sub.boolean("reject", false);
    x.refine.push_back(std::move(f));
  }
  check_regex(r, x);
  x.from = r.provenance();
  kb.signatures.push_back(std::move(x));
}

// The table readers: one per [[table]] of the field tables (kb/schema.hpp), which have already held
// the record to its keys, types and allowed values. A reader binds the values into its struct and
// checks only what a field table cannot say (keys required when another has a value, formats).
const std::map<std::string, RecordFn>& readers() {
  static const std::map<std::string, RecordFn> k_readers{
      {"cuda_release",
       [](Record& r, Kb& kb) {
         CudaRelease x;
         x.version = r.version("version").value_or(Version{});
         x.min_driver_linux = r.version("min_driver_linux");
         x.min_driver_windows = r.version("min_driver_windows");
         x.released = r.text("released");
         x.from = r.provenance();
         kb.cuda_releases.push_back(std::move(x));
       }},
      {"cuda_major",
       [](Record& r, Kb& kb) {
         CudaMajor x;
         x.major = static_cast<std::uint32_t>(r.integer("major").value_or(0));
         x.min_driver_linux = r.version("min_driver_linux").value_or(Version{});
         x.min_driver_windows = r.version("min_driver_windows");
         x.from = r.provenance();
         kb.cuda_majors.push_back(std::move(x));
       }},
      {"driver_branch",
       [](Record& r, Kb& kb) {
         DriverBranch x;
         x.branch = r.text("branch");
         x.kind = r.text("kind");
         x.max_cuda = r.version("max_cuda");
         x.eol = r.text("eol");
         x.last_for = r.strings("last_for");
         x.from = r.provenance();
         kb.driver_branches.push_back(std::move(x));
       }},
      {"toolkit_arch",
       [](Record& r, Kb& kb) {
         ToolkitArch x;
         x.cuda = r.version("cuda").value_or(Version{});
         x.arch = r.ccs("arch");
         x.arch_specific = r.ccs("arch_specific");
         x.family_specific = r.ccs("family_specific");
         x.deprecated = r.ccs("deprecated");
         x.from = r.provenance();
         kb.toolkit_archs.push_back(std::move(x));
       }},
      {"arch_name",
       [](Record& r, Kb& kb) {
         ArchName x;
         x.name = r.str("name").value_or("");
         x.archs = r.str("archs").value_or("");
         if (auto list = parse_torch_cuda_arch_list(x.archs); !list) r.problem("archs", list.error().message);
         x.from = r.provenance();
         kb.arch_names.push_back(std::move(x));
       }},
      {"host_compiler",
       [](Record& r, Kb& kb) {
         HostCompiler x;
         x.cuda = r.version("cuda").value_or(Version{});
         x.gcc_min = r.version("gcc_min");
         x.gcc_max = r.version("gcc_max");
         x.clang_min = r.version("clang_min");
         x.clang_max = r.version("clang_max");
         x.from = r.provenance();
         kb.host_compilers.push_back(std::move(x));
       }},
      {"gpu",
       [](Record& r, Kb& kb) {
         GpuModel x;
         x.name = r.text("name");
         x.aliases = r.strings("aliases");
         x.lookup_names.push_back(to_lower(x.name));
         for (const auto& a : x.aliases) x.lookup_names.push_back(to_lower(a));
         for (const auto& n : x.lookup_names) x.lookup_words.push_back(gpu_name_words(n));
         for (const auto& text : r.strings("pci_ids")) {
           if (const auto id = pci_device_id(text))
             x.pci_ids.push_back(*id);
           else
             r.problem("pci_ids", "'" + text + "' is not a PCI device id like 0x2684");
         }
         x.cc = r.cc("cc").value_or(ComputeCapability{});
         x.memory_gib = r.number("memory_gib");
         x.family = r.text("family");
         x.segment = r.text("segment");
         x.from = r.provenance();
         kb.gpus.push_back(std::move(x));
       }},
      {"torch_release",
       [](Record& r, Kb& kb) {
         TorchRelease x;
         x.version = r.version("version").value_or(Version{});
         x.released = r.text("released");
         x.python = r.strings("python");
         check_python_tags(r, x.python);
         x.pypi_default_linux_x86_64 = r.text("pypi_default_linux_x86_64");
         x.pypi_default_linux_aarch64 = r.text("pypi_default_linux_aarch64");
         x.from = r.provenance();
         kb.torch_releases.push_back(std::move(x));
       }},
      {"torch_wheel",
       [](Record& r, Kb& kb) {
         TorchWheel x;
         x.torch = r.version("torch").value_or(Version{});
         x.variant = r.text("variant");
         x.cuda = r.version("cuda");
         x.arch = r.ccs("arch");
         x.ptx = r.ccs("ptx");
         x.platforms = r.strings("platforms");
         x.glibc = r.version("glibc");
         x.index = r.text("index");
         x.python = r.strings("python");
         check_python_tags(r, x.python);
         x.from = r.provenance();
         if (x.variant.rfind("cu", 0) == 0 && !x.cuda) r.problem("cuda", "missing for a CUDA variant");
         if (x.variant.rfind("cu", 0) == 0 && x.arch.empty() && x.from.confirmed) {
           r.problem("arch", "missing for a CUDA variant (an unknown list needs confirmed = false and a note)");
         }
         kb.torch_wheels.push_back(std::move(x));
       }},
      {"pytorch_image",
       [](Record& r, Kb& kb) {
         PytorchImage x;
         x.ref = r.text("ref");
         x.torch = r.version("torch").value_or(Version{});
         x.cuda = r.version("cuda");
         x.cudnn = r.text("cudnn");
         x.flavor = r.text("flavor");
         x.platforms = r.strings("platforms");
         x.from = r.provenance();
         kb.pytorch_images.push_back(std::move(x));
       }},
      {"ngc_pytorch",
       [](Record& r, Kb& kb) {
         NgcImage x;
         x.ref = r.text("ref");
         x.torch = r.text("torch");
         x.cuda = r.version("cuda");
         x.min_driver = r.version("min_driver");
         x.compat_drivers = r.strings("compat_drivers");
         x.platforms = r.strings("platforms");
         x.arch = r.ccs("arch");
         x.ptx = r.ccs("ptx");
         x.arch_platforms = r.strings("arch_platforms");
         x.igpu = r.boolean("igpu", false);
         x.python = r.text("python");
         x.ubuntu = r.text("ubuntu");
         x.from = r.provenance();
         kb.ngc_images.push_back(std::move(x));
       }},
      {"jetpack",
       [](Record& r, Kb& kb) {
         JetPackRelease x;
         x.jetpack = r.version("jetpack").value_or(Version{});
         x.stage = r.text("stage");
         x.l4t = r.version("l4t").value_or(Version{});
         x.cuda = r.version("cuda");
         x.cudnn = r.text("cudnn");
         x.tensorrt = r.text("tensorrt");
         x.ubuntu = r.text("ubuntu");
         x.released = r.text("released");
         x.modules = r.strings("modules");
         x.cuda_stack = r.str("cuda_stack").value_or("tegra");
         x.from = r.provenance();
         kb.jetpacks.push_back(std::move(x));
       }},
      {"jetson_module",
       [](Record& r, Kb& kb) {
         JetsonModule x;
         x.id = r.text("id");
         x.name = r.text("name");
         x.soc = r.text("soc");
         x.cc = r.cc("cc").value_or(ComputeCapability{});
         x.dt_compatible = r.strings("dt_compatible");
         x.p_numbers = r.strings("p_numbers");
         x.l4t_major = r.strings("l4t_major");
         x.from = r.provenance();
         kb.jetson_modules.push_back(std::move(x));
       }},
      {"l4t_image",
       [](Record& r, Kb& kb) {
         L4tImage x;
         x.ref = r.text("ref");
         x.l4t = r.version("l4t").value_or(Version{});
         // The engine matches L4T major.minor: a bare "36" would read as 36.0 and mismatch every 36.x host.
         if (x.l4t.release().size() < 2)
           r.problem("l4t", "give at least major.minor (\"36.4\"), the L4T line the image is built for");
         x.torch = r.text("torch");
         x.platforms = r.strings("platforms");
         x.from = r.provenance();
         kb.l4t_images.push_back(std::move(x));
       }},
      {"jetson_wheel",
       [](Record& r, Kb& kb) {
         JetsonWheel x;
         x.jetpack = r.version("jetpack").value_or(Version{});
         x.torch = r.text("torch");
         x.cuda = r.version("cuda");
         x.python = r.versions("python");
         x.index = r.text("index");
         x.wheel = r.text("wheel");
         x.url = r.text("url");
         // Both are printed inside a shell command (jetson_install): nothing the shell would read.
         const auto shell_word = [](const std::string& t) {
           return t.find_first_of(" \"'$`\\;&|<>") == std::string::npos;
         };
         const bool redist = x.index == "nvidia-redist";
         const bool box = x.index == "nvidia-box";
         if (redist && x.wheel.empty()) {
           r.problem("wheel",
                     "an nvidia-redist wheel needs its path under compute/redist/ (jp/v512/pytorch/torch-...whl)");
         }
         if (!x.url.empty() && (!box || x.url.rfind("https://nvidia.box.com/shared/static/", 0) != 0 ||
                                !x.url.ends_with(".whl") || !shell_word(x.url))) {
           r.problem("url", "only index = \"nvidia-box\" takes a url: https://nvidia.box.com/shared/static/<id>.whl");
         }
         if (box && !x.url.empty() && x.wheel.empty())
           r.problem("wheel", "a url needs the wheel file name to save it as");
         if (!x.wheel.empty()) {
           if (!redist && !box) r.problem("wheel", "only index = \"nvidia-redist\" or \"nvidia-box\" takes a wheel");
           const std::string file = x.wheel.substr(x.wheel.rfind('/') + 1);
           const bool path_ok = redist ? x.wheel.rfind("jp/v", 0) == 0 : file == x.wheel;
           if (!path_ok || file.rfind("torch-" + x.torch + "-", 0) != 0 || !file.ends_with("-linux_aarch64.whl") ||
               !shell_word(file)) {
             r.problem("wheel", std::string("expected ") + (redist ? "jp/v<JetPack>/pytorch/" : "") + "torch-" +
                                    x.torch + "-<python tag>-linux_aarch64.whl");
           }
           const std::string tag = jetson_wheel_python_tag(x);
           if (tag.empty() || std::none_of(x.python.begin(), x.python.end(), [&](const Version& p) {
                 return tag == "cp" + std::to_string(p.major()) + std::to_string(p.minor());
               })) {
             r.problem("wheel", "the file's Python tag '" + tag + "' is not one of the record's python versions");
           }
         }
         x.from = r.provenance();
         kb.jetson_wheels.push_back(std::move(x));
       }},
      {"signature", read_signature},
      {"board",
       [](Record& r, Kb& kb) {
         Board x;
         x.id = r.text("id");
         x.name = r.text("name");
         x.soc = r.text("soc");
         x.accelerator = r.text("accelerator");
         x.path = r.text("path");
         x.advice = r.text("advice");
         x.dt_compatible = r.strings("dt_compatible");
         x.from = r.provenance();
         kb.boards.push_back(std::move(x));
       }},
  };
  return k_readers;
}

// meta.toml's own keys (as_of, schema, note), held to the "meta" field table.
void read_meta(const KbNode& doc, const std::string& file, Kb& kb, Problems& problems, bool prevalidated) {
  const KbTableSpec& spec = *kb_table_spec("meta");
  KbNode keys;
  keys.line = 1;
  for (const auto& field : doc.fields) {
    if (kb_field_spec(spec, field.key) != nullptr) keys.fields.push_back(field);
  }
  Record r(keys, spec, file, problems, prevalidated);
  if (!prevalidated) r.check();
  kb.as_of = r.text("as_of");
}

void read_doc(const KbNode& doc, const std::string& file, Kb& kb, Problems& problems, bool prevalidated) {
  const bool is_meta = file.size() >= 9 && file.compare(file.size() - 9, 9, k_meta_file) == 0;
  for (const auto& [name, node] : doc.fields) {
    if (is_meta && kb_field_spec(*kb_table_spec("meta"), name) != nullptr) continue;
    const KbTableSpec* spec = kb_table_spec(name);
    const auto it = readers().find(name);
    if (spec == nullptr || it == readers().end() || !node.is_array_of_tables()) {
      problems.add(file, node.line,
                   name + ": unknown table (expected [[" + name + "]] to be one of the tables in docs/kb.md)");
      continue;
    }
    for (const auto& item : node.items) {
      Record r(item, *spec, file, problems, prevalidated);
      if (!prevalidated) r.check();
      it->second(r, kb);
      ++kb.records;
    }
  }
  if (is_meta) read_meta(doc, file, kb, problems, prevalidated);
}

// A file as TOML text, or as the tree td_kbc embedded (validated when it was built).
void read_file(const KbFile& f, Kb& kb, Problems& problems) {
  if (!f.tree.empty()) {
    std::string_view in = f.tree;
    auto doc = kb_tree_decode(in);
    if (!doc || !in.empty()) {
      problems.add(f.name, 0, "the embedded form is damaged (rebuild torchdoctor)");
      return;
    }
    read_doc(*doc, f.name, kb, problems, /*prevalidated=*/true);
    return;
  }
  std::uint32_t line = 0;
  auto doc = kb_tree_from_toml(f.text, f.name, line);
  if (!doc) {
    problems.add(f.name, line, doc.error().message);
    return;
  }
  read_doc(*doc, f.name, kb, problems, /*prevalidated=*/false);
}

template <typename T, typename KeyFn>
void check_unique(const std::vector<T>& items, const char* table, KeyFn key, Problems& problems) {
  std::map<std::string, const T*> seen;
  for (const auto& item : items) {
    const std::string k = key(item);
    const auto [it, inserted] = seen.emplace(k, &item);
    if (!inserted) {
      problems.add(item.from.file, item.from.line,
                   std::string(table) + ": duplicate entry '" + k + "' (first at " + it->second->from.file + ":" +
                       std::to_string(it->second->from.line) + ")");
    }
  }
}

// Architecture names are replaced in order: one that is part of a later name ("Ampere" before
// "Ampere+Tegra") would break that name.
void check_arch_name_order(const Kb& kb, Problems& problems) {
  for (std::size_t j = 0; j < kb.arch_names.size(); ++j) {
    for (std::size_t i = 0; i < j; ++i) {
      const auto& early = kb.arch_names[i];
      const auto& late = kb.arch_names[j];
      if (late.name.find(early.name) != std::string::npos) {
        problems.add(late.from.file, late.from.line,
                     "arch_name: '" + late.name + "' must come before '" + early.name +
                         "' (names are replaced in order, as cpp_extension does)");
      }
    }
  }
}

// Duplicates and references between tables.
void cross_check(const Kb& kb, Problems& problems) {
  check_arch_name_order(kb, problems);
  check_unique(
      kb.arch_names, "arch_name", [](const auto& x) { return x.name; }, problems);
  check_unique(
      kb.cuda_releases, "cuda_release", [](const auto& x) { return x.version.str(); }, problems);
  check_unique(
      kb.cuda_majors, "cuda_major", [](const auto& x) { return std::to_string(x.major); }, problems);
  check_unique(
      kb.toolkit_archs, "toolkit_arch", [](const auto& x) { return x.cuda.str(); }, problems);
  check_unique(
      kb.gpus, "gpu", [](const auto& x) { return x.name; }, problems);
  check_unique(
      kb.torch_releases, "torch_release", [](const auto& x) { return x.version.str(); }, problems);
  check_unique(
      kb.torch_wheels, "torch_wheel",
      [](const auto& x) {
        std::string key = x.torch.str() + "+" + x.variant;
        for (const auto& p : x.platforms) key += " " + p;
        return key;
      },
      problems);
  check_unique(
      kb.pytorch_images, "pytorch_image", [](const auto& x) { return x.ref; }, problems);
  check_unique(
      kb.ngc_images, "ngc_pytorch", [](const auto& x) { return x.ref; }, problems);
  check_unique(
      kb.jetpacks, "jetpack", [](const auto& x) { return "L4T " + x.l4t.str(); }, problems);
  check_unique(
      kb.jetson_modules, "jetson_module", [](const auto& x) { return x.id; }, problems);
  check_unique(
      kb.l4t_images, "l4t_image", [](const auto& x) { return x.ref; }, problems);
  check_unique(
      kb.boards, "board", [](const auto& x) { return x.id; }, problems);
  check_unique(
      kb.signatures, "signature", [](const auto& x) { return x.id; }, problems);

  std::set<std::string> releases;
  for (const auto& r : kb.torch_releases) releases.insert(r.version.str());
  for (const auto& w : kb.torch_wheels) {
    if (!releases.count(w.torch.str())) {
      problems.add(w.from.file, w.from.line, "torch_wheel.torch: '" + w.torch.str() + "' has no [[torch_release]]");
    }
  }
  std::set<std::string> modules;
  for (const auto& m : kb.jetson_modules) modules.insert(m.id);
  for (const auto& j : kb.jetpacks) {
    for (const auto& m : j.modules) {
      if (!modules.count(m)) {
        problems.add(j.from.file, j.from.line, "jetpack.modules: '" + m + "' has no [[jetson_module]] with that id");
      }
    }
  }
  std::set<std::string> families;
  for (const auto& g : kb.gpus) families.insert(g.family);
  for (const auto& b : kb.driver_branches) {
    for (const auto& f : b.last_for) {
      if (!families.count(f))
        problems.add(b.from.file, b.from.line, "driver_branch.last_for: '" + f + "' is no [[gpu]] family");
    }
  }
  std::set<std::string> jetpacks;
  for (const auto& j : kb.jetpacks) jetpacks.insert(j.jetpack.str());
  for (const auto& w : kb.jetson_wheels) {
    if (!jetpacks.count(w.jetpack.str())) {
      problems.add(w.from.file, w.from.line, "jetson_wheel.jetpack: '" + w.jetpack.str() + "' has no [[jetpack]]");
    }
  }
}

}  // namespace

std::string jetson_wheel_python_tag(const JetsonWheel& w) {
  // torch-<version>-<python tag>-<abi tag>-linux_aarch64.whl; the version holds no '-'.
  const std::string file = w.wheel.substr(w.wheel.rfind('/') + 1);
  const std::string head = "torch-" + w.torch + "-";
  if (file.rfind(head, 0) != 0) return "";
  const auto end = file.find('-', head.size());
  return end == std::string::npos ? "" : file.substr(head.size(), end - head.size());
}

Result<Kb> parse_kb(const std::vector<KbFile>& files, const std::string& origin) {
  Kb kb;
  kb.origin = origin;
  Problems problems;
  bool has_meta = false;
  for (const auto& f : files) {
    has_meta = has_meta || (f.name.size() >= 9 && f.name.compare(f.name.size() - 9, 9, k_meta_file) == 0);
    read_file(f, kb, problems);
  }
  if (!has_meta) problems.items.push_back(origin + ": no " + k_meta_file + " (it holds as_of)");
  cross_check(kb, problems);
  if (!problems.items.empty()) {
    std::string message;
    for (const auto& p : problems.items) message += (message.empty() ? "" : "\n") + p;
    return make_error(ErrorKind::bad_input, message);
  }
  return kb;
}

Result<std::vector<KbFile>> read_kb_files(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return make_error(ErrorKind::bad_input, dir + ": cannot open the knowledge-base directory");
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n.size() > 5 && n.compare(n.size() - 5, 5, ".toml") == 0) names.push_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  std::vector<KbFile> files;
  for (const auto& n : names) {
    // A KB file is a few hundred KiB; a link to a device or a FIFO is refused, not waited on.
    auto text = read_bounded(dir + "/" + n, k_max_kb_file_bytes, dir + "/" + n);
    if (!text) return Error{ErrorKind::bad_input, text.error().message};
    files.push_back({dir + "/" + n, std::move(*text), {}});
  }
  if (files.empty()) return make_error(ErrorKind::bad_input, dir + ": no .toml files");
  return files;
}

Result<Kb> load_kb_dir(const std::string& dir) {
  auto files = read_kb_files(dir);
  if (!files) return files.error();
  return parse_kb(*files, dir);
}

}  // namespace td
