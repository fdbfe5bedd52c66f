// Loads data/kb/*.toml into a Kb, checking every record: required keys, types, versions, sources,
// unknown keys (typos), duplicates and dangling references. Problems name file, line and key.

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

// Reads one record (a TOML table) with typed getters that record problems and used keys.
class Record {
 public:
  Record(const KbNode& t, std::string file, std::string table, Problems& problems, bool prevalidated = false)
      : m_t(t),
        m_file(std::move(file)),
        m_table(std::move(table)),
        m_problems(problems),
        m_line(t.line),
        m_prevalidated(prevalidated) {}

  /// True for records td_kbc already validated when the binary was built (checks that cost
  /// milliseconds, such as compiling regexes, are not repeated on every run).
  bool prevalidated() const { return m_prevalidated; }

  std::uint32_t line() const { return m_line; }

  void problem(const std::string& key, const std::string& what) {
    const KbNode* n = m_t.get(key);
    const auto line = n != nullptr ? n->line : m_line;
    m_problems.add(m_file, line, m_table + "." + key + ": " + what);
  }

  std::optional<std::string> str(const std::string& key, bool required) {
    m_used.insert(key);
    const KbNode* n = m_t.get(key);
    if (n == nullptr) {
      if (required) problem(key, "missing");
      return std::nullopt;
    }
    if (n->kind == KbNode::Kind::string) return n->text;
    problem(key, "expected a string");
    return std::nullopt;
  }

  std::string text(const std::string& key) { return str(key, false).value_or(""); }

  std::optional<Version> version(const std::string& key, bool required) {
    auto s = str(key, required);
    if (!s) return std::nullopt;
    auto v = Version::parse(*s);
    if (!v) {
      problem(key, v.error().message);
      return std::nullopt;
    }
    return *v;
  }

  std::optional<ComputeCapability> cc(const std::string& key, bool required) {
    auto s = str(key, required);
    if (!s) return std::nullopt;
    auto v = ComputeCapability::parse(*s);
    if (!v) {
      problem(key, v.error().message);
      return std::nullopt;
    }
    return *v;
  }

  std::vector<std::string> strings(const std::string& key, bool required) {
    m_used.insert(key);
    std::vector<std::string> out;
    const KbNode* n = m_t.get(key);
    if (n == nullptr) {
      if (required) problem(key, "missing");
      return out;
    }
    if (n->kind == KbNode::Kind::string) {  // a single string is accepted where a list is
      out.push_back(n->text);
      return out;
    }
    if (n->kind != KbNode::Kind::array) {
      problem(key, "expected a list of strings");
      return out;
    }
    for (const auto& item : n->items) {
      if (item.kind == KbNode::Kind::string)
        out.push_back(item.text);
      else
        problem(key, "expected a list of strings");
    }
    return out;
  }

  std::vector<Version> versions(const std::string& key, bool required) {
    std::vector<Version> out;
    for (const auto& s : strings(key, required)) {
      auto v = Version::parse(s);
      if (v)
        out.push_back(*v);
      else
        problem(key, v.error().message);
    }
    return out;
  }

  std::vector<ComputeCapability> ccs(const std::string& key, bool required) {
    std::vector<ComputeCapability> out;
    for (const auto& s : strings(key, required)) {
      auto v = ComputeCapability::parse(s);
      if (v)
        out.push_back(*v);
      else
        problem(key, v.error().message);
    }
    return out;
  }

  std::optional<double> number(const std::string& key) {
    m_used.insert(key);
    const KbNode* n = m_t.get(key);
    if (n == nullptr) return std::nullopt;
    if (n->kind == KbNode::Kind::real) return n->real;
    if (n->kind == KbNode::Kind::integer) return static_cast<double>(n->integer);
    problem(key, "expected a number");
    return std::nullopt;
  }

  std::optional<std::int64_t> integer(const std::string& key, bool required) {
    m_used.insert(key);
    const KbNode* n = m_t.get(key);
    if (n == nullptr) {
      if (required) problem(key, "missing");
      return std::nullopt;
    }
    if (n->kind == KbNode::Kind::integer) return n->integer;
    problem(key, "expected an integer");
    return std::nullopt;
  }

  bool boolean(const std::string& key, bool fallback) {
    m_used.insert(key);
    const KbNode* n = m_t.get(key);
    if (n == nullptr) return fallback;
    if (n->kind == KbNode::Kind::boolean) return n->boolean;
    problem(key, "expected true or false");
    return fallback;
  }

  // The tables of an array-of-tables key (nested records such as [[signature.refine]]).
  std::vector<const KbNode*> tables(const std::string& key) {
    m_used.insert(key);
    std::vector<const KbNode*> out;
    const KbNode* n = m_t.get(key);
    if (n == nullptr) return out;
    if (!n->is_array_of_tables()) {
      problem(key, "expected [[" + m_table + "." + key + "]] tables");
      return out;
    }
    for (const auto& item : n->items) out.push_back(&item);
    return out;
  }

  const std::string& file() const { return m_file; }
  Problems& problems() { return m_problems; }

  // The provenance keys every record has: source (required), confirmed, note.
  Provenance provenance() {
    Provenance p;
    p.sources = strings("source", false);
    if (p.sources.empty() || std::any_of(p.sources.begin(), p.sources.end(), [](const auto& s) { return s.empty(); })) {
      problem("source", "missing: every record needs the URL or repository path it was read from");
    }
    p.confirmed = boolean("confirmed", true);
    p.note = text("note");
    if (!p.confirmed && p.note.empty()) problem("note", "an unconfirmed record needs a note saying why");
    p.file = m_file;
    p.line = m_line;
    return p;
  }

  // Reports keys the schema does not know (usually typos).
  void finish() {
    for (const auto& [k, _] : m_t.fields) {
      if (!m_used.count(k)) problem(k, "unknown key (see docs/kb.md)");
    }
  }

 private:
  const KbNode& m_t;
  std::string m_file, m_table;
  Problems& m_problems;
  std::uint32_t m_line = 0;
  bool m_prevalidated = false;
  std::set<std::string> m_used;
};

using RecordFn = std::function<void(Record&, Kb&)>;

bool one_of(const std::string& v, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed) {
    if (v == a) return true;
  }
  return false;
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
  x.id = r.str("id", true).value_or("");
  x.patterns = r.strings("pattern", true);
  for (const auto& p : x.patterns) {
    if (p.size() < 3) r.problem("pattern", "'" + p + "' is too short to find in a log (3 characters or more)");
  }
  x.regex = r.text("regex");
  x.captures = r.strings("captures", false);
  x.lines = static_cast<std::uint32_t>(r.integer("lines", false).value_or(1));
  if (x.lines < 1 || x.lines > 4) r.problem("lines", "expected 1 to 4");
  x.kind = r.str("kind", false).value_or("problem");
  if (!one_of(x.kind, {"problem", "fact"})) r.problem("kind", "expected \"problem\" or \"fact\"");
  x.code = r.str("code", x.kind == "problem").value_or("");
  x.severity = r.str("severity", false).value_or("error");
  if (!one_of(x.severity, {"error", "warn", "info"})) r.problem("severity", "expected error, warn or info");
  x.cause = r.str("cause", x.kind == "problem").value_or("");
  x.fix = r.text("fix");
  x.priority = r.integer("priority", false).value_or(50);
  for (const KbNode* t : r.tables("refine")) {
    Record sub(*t, r.file(), "signature.refine", r.problems());
    SignatureRefinement f;
    f.when = sub.strings("when", true);
    f.code = sub.text("code");
    f.severity = sub.text("severity");
    if (!f.severity.empty() && !one_of(f.severity, {"error", "warn", "info"}))
      sub.problem("severity", "expected error, warn or info");
    f.cause = sub.text("cause");
    f.fix = sub.text("fix");
    f.reject = sub.boolean("reject", false);
    sub.text("note");  // why this refinement exists (documentation only)
    sub.finish();
    x.refine.push_back(std::move(f));
  }
  check_regex(r, x);
  x.from = r.provenance();
  kb.signatures.push_back(std::move(x));
}

// The table readers: one per [[table]] name in the data files.
const std::map<std::string, RecordFn>& readers() {
  static const std::map<std::string, RecordFn> k_readers{
      {"cuda_release",
       [](Record& r, Kb& kb) {
         CudaRelease x;
         x.version = r.version("version", true).value_or(Version{});
         x.min_driver_linux = r.version("min_driver_linux", false);
         x.min_driver_windows = r.version("min_driver_windows", false);
         x.released = r.text("released");
         x.from = r.provenance();
         kb.cuda_releases.push_back(std::move(x));
       }},
      {"cuda_major",
       [](Record& r, Kb& kb) {
         CudaMajor x;
         x.major = static_cast<std::uint32_t>(r.integer("major", true).value_or(0));
         x.min_driver_linux = r.version("min_driver_linux", true).value_or(Version{});
         x.min_driver_windows = r.version("min_driver_windows", false);
         x.from = r.provenance();
         kb.cuda_majors.push_back(std::move(x));
       }},
      {"driver_branch",
       [](Record& r, Kb& kb) {
         DriverBranch x;
         x.branch = r.str("branch", true).value_or("");
         x.kind = r.text("kind");
         x.max_cuda = r.version("max_cuda", false);
         x.eol = r.text("eol");
         x.last_for = r.strings("last_for", false);
         x.from = r.provenance();
         kb.driver_branches.push_back(std::move(x));
       }},
      {"toolkit_arch",
       [](Record& r, Kb& kb) {
         ToolkitArch x;
         x.cuda = r.version("cuda", true).value_or(Version{});
         x.sm = r.ccs("sm", true);
         x.arch_specific = r.ccs("arch_specific", false);
         x.family = r.ccs("family", false);
         x.deprecated = r.ccs("deprecated", false);
         x.from = r.provenance();
         kb.toolkit_archs.push_back(std::move(x));
       }},
      {"host_compiler",
       [](Record& r, Kb& kb) {
         HostCompiler x;
         x.cuda = r.version("cuda", true).value_or(Version{});
         x.gcc_min = r.version("gcc_min", false);
         x.gcc_max = r.version("gcc_max", false);
         x.clang_min = r.version("clang_min", false);
         x.clang_max = r.version("clang_max", false);
         x.from = r.provenance();
         kb.host_compilers.push_back(std::move(x));
       }},
      {"gpu",
       [](Record& r, Kb& kb) {
         GpuModel x;
         x.name = r.str("name", true).value_or("");
         x.aliases = r.strings("aliases", false);
         x.lookup_names.push_back(to_lower(x.name));
         for (const auto& a : x.aliases) x.lookup_names.push_back(to_lower(a));
         for (const auto& n : x.lookup_names) x.lookup_words.push_back(gpu_name_words(n));
         for (const auto& text : r.strings("pci_ids", false)) {
           if (const auto id = pci_device_id(text))
             x.pci_ids.push_back(*id);
           else
             r.problem("pci_ids", "'" + text + "' is not a PCI device id like 0x2684");
         }
         x.cc = r.cc("cc", true).value_or(ComputeCapability{});
         x.memory_gib = r.number("memory_gib");
         x.family = r.text("family");
         x.segment = r.text("segment");
         x.from = r.provenance();
         kb.gpus.push_back(std::move(x));
       }},
      {"torch_release",
       [](Record& r, Kb& kb) {
         TorchRelease x;
         x.version = r.version("version", true).value_or(Version{});
         x.released = r.text("released");
         x.python = r.strings("python", true);
         for (const auto& py : x.python) {
           const auto v = Version::parse(py.size() > 1 && py.back() == 't' ? py.substr(0, py.size() - 1) : py);
           if (!v || v->release().size() != 2)
             r.problem("python", "'" + py + "' is not a Python version like 3.12 or 3.13t");
         }
         x.pypi_default_linux_x86_64 = r.text("pypi_default_linux_x86_64");
         x.pypi_default_linux_aarch64 = r.text("pypi_default_linux_aarch64");
         x.from = r.provenance();
         kb.torch_releases.push_back(std::move(x));
       }},
      {"torch_wheel",
       [](Record& r, Kb& kb) {
         TorchWheel x;
         x.torch = r.version("torch", true).value_or(Version{});
         x.variant = r.str("variant", true).value_or("");
         x.cuda = r.version("cuda", false);
         x.arch = r.ccs("arch", false);
         x.ptx = r.ccs("ptx", false);
         x.platforms = r.strings("platforms", true);
         x.glibc = r.version("glibc", false);
         x.index = r.text("index");
         x.python = r.strings("python", false);
         for (const auto& py : x.python) {
           const auto v = Version::parse(py.size() > 1 && py.back() == 't' ? py.substr(0, py.size() - 1) : py);
           if (!v || v->release().size() != 2)
             r.problem("python", "'" + py + "' is not a Python version like 3.12 or 3.13t");
         }
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
         x.ref = r.str("ref", true).value_or("");
         x.torch = r.version("torch", true).value_or(Version{});
         x.cuda = r.version("cuda", false);
         x.cudnn = r.text("cudnn");
         x.flavor = r.text("flavor");
         x.platforms = r.strings("platforms", true);
         x.from = r.provenance();
         kb.pytorch_images.push_back(std::move(x));
       }},
      {"ngc_pytorch",
       [](Record& r, Kb& kb) {
         NgcImage x;
         x.ref = r.str("ref", true).value_or("");
         x.torch = r.text("torch");
         x.cuda = r.version("cuda", false);
         x.min_driver = r.version("min_driver", false);
         x.compat_drivers = r.strings("compat_drivers", false);
         x.platforms = r.strings("platforms", false);
         x.arch = r.ccs("arch", false);
         x.ptx = r.ccs("ptx", false);
         x.arch_platforms = r.strings("arch_platforms", false);
         x.igpu = r.boolean("igpu", false);
         x.python = r.text("python");
         x.ubuntu = r.text("ubuntu");
         x.from = r.provenance();
         kb.ngc_images.push_back(std::move(x));
       }},
      {"jetpack",
       [](Record& r, Kb& kb) {
         JetPackRelease x;
         x.jetpack = r.version("jetpack", true).value_or(Version{});
         x.stage = r.text("stage");
         x.l4t = r.version("l4t", true).value_or(Version{});
         x.cuda = r.version("cuda", false);
         x.cudnn = r.text("cudnn");
         x.tensorrt = r.text("tensorrt");
         x.ubuntu = r.text("ubuntu");
         x.released = r.text("released");
         x.modules = r.strings("modules", false);
         x.cuda_stack = r.str("cuda_stack", false).value_or("tegra");
         if (!one_of(x.cuda_stack, {"tegra", "sbsa"})) r.problem("cuda_stack", "expected \"tegra\" or \"sbsa\"");
         x.from = r.provenance();
         kb.jetpacks.push_back(std::move(x));
       }},
      {"jetson_module",
       [](Record& r, Kb& kb) {
         JetsonModule x;
         x.id = r.str("id", true).value_or("");
         x.name = r.text("name");
         x.soc = r.text("soc");
         x.cc = r.cc("cc", true).value_or(ComputeCapability{});
         x.dt_compatible = r.strings("dt_compatible", false);
         x.p_numbers = r.strings("p_numbers", false);
         x.l4t_major = r.strings("l4t_major", false);
         x.from = r.provenance();
         kb.jetson_modules.push_back(std::move(x));
       }},
      {"l4t_image",
       [](Record& r, Kb& kb) {
         L4tImage x;
         x.ref = r.str("ref", true).value_or("");
         x.l4t = r.version("l4t", true).value_or(Version{});
         // The engine matches L4T major.minor: a bare "36" would read as 36.0 and mismatch every 36.x host.
         if (x.l4t.release().size() < 2)
           r.problem("l4t", "give at least major.minor (\"36.4\"), the L4T line the image is built for");
         x.torch = r.text("torch");
         x.platforms = r.strings("platforms", false);
         x.from = r.provenance();
         kb.l4t_images.push_back(std::move(x));
       }},
      {"jetson_wheel",
       [](Record& r, Kb& kb) {
         JetsonWheel x;
         x.jetpack = r.version("jetpack", true).value_or(Version{});
         x.torch = r.str("torch", true).value_or("");
         x.cuda = r.version("cuda", false);
         x.python = r.versions("python", false);
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
         x.id = r.str("id", true).value_or("");
         x.name = r.text("name");
         x.soc = r.text("soc");
         x.accelerator = r.text("accelerator");
         x.path = r.text("path");
         x.advice = r.text("advice");
         x.dt_compatible = r.strings("dt_compatible", false);
         x.from = r.provenance();
         kb.boards.push_back(std::move(x));
       }},
  };
  return k_readers;
}

void read_meta(const KbNode& doc, const std::string& file, Kb& kb, Problems& problems) {
  const KbNode* as_of = doc.get("as_of");
  if (as_of == nullptr || as_of->kind != KbNode::Kind::string) {
    problems.add(file, 1, "as_of: missing (the date the knowledge base was last checked, YYYY-MM-DD)");
    return;
  }
  kb.as_of = as_of->text;
  if (kb.as_of.size() != 10 || kb.as_of[4] != '-' || kb.as_of[7] != '-') {
    problems.add(file, as_of->line, "as_of: expected YYYY-MM-DD");
  }
}

void read_doc(const KbNode& doc, const std::string& file, Kb& kb, Problems& problems, bool prevalidated) {
  const bool is_meta = file.size() >= 9 && file.compare(file.size() - 9, 9, k_meta_file) == 0;
  for (const auto& [name, node] : doc.fields) {
    if (is_meta && (name == "as_of" || name == "schema" || name == "note")) continue;
    const auto it = readers().find(name);
    if (it == readers().end() || !node.is_array_of_tables()) {
      problems.add(file, node.line,
                   name + ": unknown table (expected [[" + name + "]] to be one of the tables in docs/kb.md)");
      continue;
    }
    for (const auto& item : node.items) {
      Record r(item, file, name, problems, prevalidated);
      it->second(r, kb);
      r.finish();
    }
  }
  if (is_meta) read_meta(doc, file, kb, problems);
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

// Duplicates and references between tables.
void cross_check(const Kb& kb, Problems& problems) {
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
