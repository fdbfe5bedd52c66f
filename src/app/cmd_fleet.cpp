// `torchdoctor fleet SNAPSHOT... [--image REF...]`: many `probe --json` snapshots (files, folders,
// JSON lines, stdin) judged against images: per image, where it runs and why not elsewhere.
#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <sstream>
#include <tuple>
#include <unordered_map>

#include "torchdoctor/app/commands.hpp"
#include "torchdoctor/app/image_checks.hpp"
#include "torchdoctor/app/kb_input.hpp"
#include "torchdoctor/core/host_json.hpp"
#include "torchdoctor/core/json_reader.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/engine/engine.hpp"
#include "torchdoctor/engine/fleet.hpp"
#include "torchdoctor/registry/image_ref.hpp"
#include "torchdoctor/report/fleet_html.hpp"
#include "torchdoctor/sys/file_reader.hpp"
#include "torchdoctor/sys/file_writer.hpp"

namespace td {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct InputProblem {
  std::string where;  // file:line
  std::string message;
};

struct Fleet {
  std::vector<NodeProfile> nodes;
  std::vector<InputProblem> problems;
  std::unordered_map<std::string, std::string> seen;  // node name -> where first seen
};

// Placement reads a few sections of a snapshot: the rest, and every fact's source and note, are
// only checked for syntax while reading.
constexpr HostReadOptions k_placement{
    k_host_hostname | k_host_cpu | k_host_driver | k_host_gpus | k_host_jetson | k_host_board,
    /*sources=*/false};

void add_snapshot(Fleet& fleet, const Kb& kb, std::string_view text, const std::string& where) {
  auto facts = host_from_text(text, "", k_placement);
  if (!facts) {
    fleet.problems.push_back({where, facts.error().message});
    return;
  }
  enrich_host(*facts, kb);
  NodeProfile node = node_profile(*facts, kb);
  if (node.name.empty()) node.name = where;
  const auto [it, fresh] = fleet.seen.emplace(node.name, where);
  if (!fresh) {
    fleet.problems.push_back({where, "node '" + sanitize(node.name) + "' was already read at " + it->second +
                                         "; this snapshot is left out"});
    return;
  }
  fleet.nodes.push_back(std::move(node));
}

// A file holds one JSON document (probe --json output, over many lines) or JSON lines (one
// snapshot per line), read a line at a time: JSON lines when the first line is a JSON value of its
// own; else the lines are gathered into one document (a truncated snapshot is reported once, not
// once per line). A file of one line is named as the file, a line of many as file:line.
class SnapshotLines {
 public:
  SnapshotLines(Fleet& fleet, const Kb& kb, std::string name) : fleet_(fleet), kb_(kb), name_(std::move(name)) {}
  void line(std::string_view text) {
    ++line_no_;
    if (mode_ == Mode::document) {
      document_.append(text).append(1, '\n');
      return;
    }
    if (trim(text).empty()) return;
    if (mode_ == Mode::first) {
      if (JsonReader r(text); !(r.skip() && r.finish())) {
        mode_ = Mode::document;
        document_.append(text).append(1, '\n');
        return;
      }
      mode_ = Mode::lines;
      pending_.assign(text);
      pending_line_ = line_no_;
      return;
    }
    flush_pending(true);
    add_snapshot(fleet_, kb_, text, where(line_no_));
  }
  void finish() {
    if (mode_ == Mode::document)
      add_snapshot(fleet_, kb_, document_, name_);
    else if (mode_ == Mode::first)
      fleet_.problems.push_back({name_, "empty"});
    else
      flush_pending(false);
  }

 private:
  enum class Mode { first, lines, document };
  std::string where(std::size_t line) const { return name_ + ":" + std::to_string(line); }
  void flush_pending(bool more) {
    if (!pending_line_) return;
    add_snapshot(fleet_, kb_, pending_, more ? where(pending_line_) : name_);
    pending_line_ = 0;
    pending_.clear();
  }
  Fleet& fleet_;
  const Kb& kb_;
  std::string name_;
  Mode mode_ = Mode::first;
  std::size_t line_no_ = 0;
  std::string document_;  // Mode::document: the lines so far
  std::string pending_;   // the first snapshot line, until a second one says the file has several
  std::size_t pending_line_ = 0;
};

// The largest snapshot file or stream read (100,000 full-size snapshots as JSON lines are about
// 450 MB), and the longest line (a snapshot is about 5 kB).
constexpr std::size_t k_max_fleet_input = std::size_t{1} << 30U;
constexpr std::size_t k_max_snapshot_line = std::size_t{64} << 20U;

Status read_source(Fleet& fleet, const Kb& kb, const std::string& source, std::istream& in) {
  const auto read = [&](const std::string& shown, auto&& reader) -> Status {
    SnapshotLines lines(fleet, kb, shown);
    Status s = reader([&lines](std::string_view l) { lines.line(l); });
    if (!s) return s;
    lines.finish();
    return Ok{};
  };
  if (source == "-") {
    const auto s = read("stdin", [&](const LineSink& sink) {
      return read_stream_lines_bounded(in, k_max_fleet_input, k_max_snapshot_line, "stdin", sink);
    });
    if (!s) return Error{ErrorKind::bad_input, s.error().message};
    return Ok{};
  }
  const auto read_file = [&](const std::string& path, ReadSource kind) {
    const std::string shown = sanitize(path);
    return read(shown, [&](const LineSink& sink) {
      return read_lines_bounded(path, k_max_fleet_input, k_max_snapshot_line, shown, kind, sink);
    });
  };
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(source, ec)) {
    for (const auto& e : fs::directory_iterator(source, ec)) {
      const auto ext = e.path().extension().string();
      if (e.is_regular_file() && (ext == ".json" || ext == ".jsonl")) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) fleet.problems.push_back({sanitize(source), "no .json or .jsonl files in this folder"});
  } else if (fs::exists(source, ec)) {
    // A file the user named may be a pipe: `fleet <(kubectl exec ...)`.
    if (auto s = read_file(source, ReadSource::file_or_pipe); !s) return Error{ErrorKind::bad_input, s.error().message};
    return Ok{};
  } else {
    return make_error(ErrorKind::bad_input, sanitize(source) + ": no such file or folder");
  }
  for (const auto& f : files) {
    if (auto s = read_file(f.string(), ReadSource::regular_file); !s)
      fleet.problems.push_back({sanitize(f.string()), s.error().message});
  }
  return Ok{};
}

const char* verdict_of(std::uint32_t bits) {
  if (bits == 0) return "runs";
  return (bits & ~k_fit_unknown_mask) != 0 ? "does-not-run" : "undetermined";
}

std::vector<FitBit> bits_of(std::uint32_t bits) {
  std::vector<FitBit> out;
  for (std::uint32_t b = 1; b != 0 && b <= bits; b <<= 1U) {
    if ((bits & b) != 0U) out.push_back(static_cast<FitBit>(b));
  }
  return out;
}

std::string codes_of(std::uint32_t bits) {
  std::string s;
  const char* last = nullptr;
  for (auto b : bits_of(bits)) {
    const char* code = fit_code(b);
    if (last != nullptr && std::string_view(last) == code) continue;  // two bits can share a code
    s += (s.empty() ? "" : " ") + std::string(code);
    last = code;
  }
  return s;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

json needs_json(const ImageNeeds& im) {
  json k = nullptr;
  if (im.kernels) {
    k = json::array();
    for (const auto& c : *im.kernels) k.push_back(c.str());
  }
  return {{"archs", im.archs},
          {"needs_gpu", im.needs_gpu},
          {"min_cuda", im.min_cuda ? json(im.min_cuda->str()) : json(nullptr)},
          {"kernels", k},
          {"jetson", im.tegra == ImageNeeds::Tegra::required    ? json(true)
                     : im.tegra == ImageNeeds::Tegra::forbidden ? json(false)
                                                                : json(nullptr)},
          {"l4t", im.l4t ? json(im.l4t->str()) : json(nullptr)},
          {"unknown", im.unknowns}};
}

// Nodes with the same placement facts (arch, capabilities, driver CUDA level, Jetson L4T) get the
// same verdicts: each image is judged once per group, however many nodes share it.
struct Groups {
  std::vector<std::uint32_t> of;   // node -> group
  std::vector<std::size_t> size;   // group -> nodes in it
  std::vector<std::size_t> first;  // group -> its first node
};

void placement_key(const NodeProfile& n, std::string& k) {
  k.assign(n.arch);
  k += '|';
  k += n.gpus_known ? 'g' : '-';
  k += n.cc_unknown ? 'u' : '-';
  k += n.tegra ? 't' : '-';
  k += n.tegra_sbsa ? 's' : '-';
  for (const auto& cc : n.ccs) k.append("|").append(cc.str());
  k.append("|").append(n.cuda_level ? n.cuda_level->str() : "?");
  k.append("|").append(n.l4t ? n.l4t->str() : "?");
}

Groups group_nodes(const std::vector<NodeProfile>& nodes) {
  Groups g;
  std::unordered_map<std::string, std::uint32_t> index;
  g.of.reserve(nodes.size());
  std::string key;
  for (std::size_t n = 0; n < nodes.size(); ++n) {
    placement_key(nodes[n], key);
    const auto [it, fresh] = index.try_emplace(key, static_cast<std::uint32_t>(g.size.size()));
    if (fresh) {
      g.size.push_back(0);
      g.first.push_back(n);
    }
    g.of.push_back(it->second);
    ++g.size[it->second];
  }
  return g;
}

struct Tally {
  std::size_t runs = 0, no = 0, unknown = 0;
  std::map<std::string, std::pair<std::size_t, std::vector<std::size_t>>>
      by_code;  // code -> nodes, the first 5 of them
};

// Counts come from the distinct profiles and their sizes; only the examples need the nodes, in
// input order, and the scan stops once every code has five.
Tally tally(const std::vector<std::uint32_t>& group_bits, const Groups& g) {
  Tally t;
  std::vector<std::vector<std::vector<std::size_t>*>> examples_of(
      group_bits.size());  // group -> its codes' example lists
  std::size_t open = 0;    // codes with fewer than 5 examples
  for (std::size_t gi = 0; gi < group_bits.size(); ++gi) {
    const std::uint32_t b = group_bits[gi];
    if (b == 0) {
      t.runs += g.size[gi];
      continue;
    }
    ((b & ~k_fit_unknown_mask) != 0 ? t.no : t.unknown) += g.size[gi];
    const char* last = nullptr;
    for (auto bit : bits_of(b)) {
      const char* code = fit_code(bit);
      if (last != nullptr && std::string_view(last) == code) continue;  // two bits can share a code
      last = code;
      auto [it, fresh] = t.by_code.try_emplace(code);
      it->second.first += g.size[gi];
      open += fresh ? 1 : 0;
      examples_of[gi].push_back(&it->second.second);
    }
  }
  for (std::size_t n = 0; n < g.of.size() && open > 0; ++n) {
    for (auto* examples : examples_of[g.of[n]]) {
      if (examples->size() >= 5) continue;
      examples->push_back(n);
      open -= examples->size() == 5 ? 1 : 0;
    }
  }
  return t;
}

void print_text(std::ostream& out, const Fleet& fleet, const std::vector<ImageNeeds>& images,
                const std::vector<std::vector<std::uint32_t>>& fits, const Groups& groups, bool by_node) {
  out << fleet.nodes.size() << " node" << (fleet.nodes.size() == 1 ? "" : "s") << " (" << groups.size.size()
      << " distinct), " << images.size() << " image" << (images.size() == 1 ? "" : "s") << '\n';
  for (std::size_t i = 0; i < images.size(); ++i) {
    const Tally t = tally(fits[i], groups);
    out << '\n' << images[i].ref << "\n  runs on " << t.runs << " of " << fleet.nodes.size();
    if (t.no) out << "; does not run on " << t.no;
    if (t.unknown) out << "; undetermined on " << t.unknown;
    out << '\n';
    for (const auto& [code, entry] : t.by_code) {
      const auto& [count, examples] = entry;
      out << "  " << code << " x" << count << ": ";
      for (std::size_t k = 0; k < examples.size(); ++k) out << (k ? ", " : "") << fleet.nodes[examples[k]].name;
      if (count > examples.size()) out << ", ...";
      const NodeProfile& first = fleet.nodes[examples[0]];
      for (const auto& [c, w] : describe_fit(images[i], first, fits[i][groups.of[examples[0]]])) {
        if (c == code) out << "  (" << first.name << ": " << w << ")";
      }
      out << '\n';
    }
    for (const auto& u : images[i].unknowns) out << "  not known about the image: " << u << " (not checked)\n";
  }
  if (!by_node) return;
  out << "\nBy node\n";
  for (std::size_t n = 0; n < fleet.nodes.size(); ++n) {
    std::size_t runs = 0;
    for (const auto& row : fits) runs += row[groups.of[n]] == 0 ? 1 : 0;
    const auto& node = fleet.nodes[n];
    out << "  " << node.name << "  " << (node.arch.empty() ? "?" : node.arch) << "  " << node.gpu_names.size() << " GPU"
        << (node.gpu_names.size() == 1 ? "" : "s") << "  driver " << (node.driver ? node.driver->str() : "?")
        << "  runs " << runs << " of " << images.size() << '\n';
  }
}

// Machine output is appended to a buffer; on stdout it goes out a megabyte at a time (JSON lines
// stream as they are made), with --output it is written whole, atomically.
struct Sink {
  std::ostream* out;  // null: kept for --output
  std::string buf;
  void flush() {
    if (out == nullptr) return;
    out->write(buf.data(), static_cast<std::streamsize>(buf.size()));
    buf.clear();
  }
  void flush_if_big() {
    if (buf.size() >= (std::size_t{1} << 20U)) flush();
  }
};

// A JSON string; invalid UTF-8 (untrusted node and GPU names) becomes U+FFFD.
void put_str(std::string& o, std::string_view s) {
  bool plain = true;
  for (const unsigned char c : s) plain = plain && c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  if (plain) {
    o.append(1, '"').append(s).append(1, '"');
    return;
  }
  o += json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

void put_opt(std::string& o, const std::optional<Version>& v) {
  if (v)
    put_str(o, v->str());
  else
    o += "null";
}

void put_node(std::string& o, const NodeProfile& n, std::uint32_t profile) {
  o += "{\"name\":";
  put_str(o, n.name);
  o += ",\"arch\":";
  if (n.arch.empty())
    o += "null";
  else
    put_str(o, n.arch);
  o += ",\"gpus\":";
  if (!n.gpus_known)
    o += "null";
  else {
    o += '[';
    for (std::size_t k = 0; k < n.gpu_names.size(); ++k) {
      if (k) o += ',';
      put_str(o, n.gpu_names[k]);
    }
    o += ']';
  }
  o += ",\"compute_capabilities\":[";
  for (std::size_t k = 0; k < n.ccs.size(); ++k) {
    if (k) o += ',';
    put_str(o, n.ccs[k].str());
  }
  o += "],\"driver\":";
  put_opt(o, n.driver);
  o += ",\"cuda_level\":";
  put_opt(o, n.cuda_level);
  o += n.tegra ? ",\"tegra\":true,\"l4t\":" : ",\"tegra\":false,\"l4t\":";
  put_opt(o, n.l4t);
  o += ",\"profile\":" + std::to_string(profile) + "}";
}

// The reasons table: each distinct (image, code, message) once. A message carries the facts of the
// profile it was judged on (the driver's CUDA level, the GPUs' capabilities), so one code of one
// image has as many messages as there are distinct such facts, never one per node.
struct ReasonTable {
  std::vector<std::tuple<std::size_t, std::string, std::string>> rows;  // image, code, message
  std::vector<std::vector<std::vector<std::size_t>>> of;                // image -> profile -> row indices
};

ReasonTable reason_table(const std::vector<ImageNeeds>& images, const std::vector<std::vector<std::uint32_t>>& fits,
                         const Fleet& fleet, const Groups& groups) {
  ReasonTable t;
  std::map<std::tuple<std::size_t, std::string, std::string>, std::size_t> index;
  t.of.resize(images.size());
  for (std::size_t i = 0; i < images.size(); ++i) {
    t.of[i].resize(groups.size.size());
    for (std::size_t g = 0; g < groups.size.size(); ++g) {
      if (fits[i][g] == 0) continue;
      for (auto& [c, w] : describe_fit(images[i], fleet.nodes[groups.first[g]], fits[i][g])) {
        auto key = std::make_tuple(i, std::move(c), std::move(w));
        const auto [it, fresh] = index.try_emplace(key, t.rows.size());
        if (fresh) t.rows.push_back(std::move(key));
        t.of[i][g].push_back(it->second);
      }
    }
  }
  return t;
}

void put_indices(std::string& o, const std::vector<std::size_t>& v) {
  o += '[';
  for (std::size_t k = 0; k < v.size(); ++k) {
    if (k) o += ',';
    o += std::to_string(v[k]);
  }
  o += ']';
}

// `--json` (torchdoctor.fleet/v2, one compact document) and `--format jsonl`
// (torchdoctor.fleet-lines/v1: a header, one record per node, a summary); docs/kubernetes.md.
void write_machine(Sink& sink, bool lines, const Fleet& fleet, const std::vector<ImageNeeds>& images,
                   const std::vector<std::vector<std::uint32_t>>& fits, const Groups& groups, int code) {
  const ReasonTable reasons = reason_table(images, fits, fleet, groups);
  std::string& o = sink.buf;
  std::vector<Tally> tallies;
  tallies.reserve(images.size());
  for (const auto& row : fits) tallies.push_back(tally(row, groups));
  auto put_reasons = [&] {
    o += "\"reasons\":[";
    for (std::size_t r = 0; r < reasons.rows.size(); ++r) {
      const auto& [i, c, w] = reasons.rows[r];
      o += r ? ",{\"image\":" : "{\"image\":";
      o += std::to_string(i) + ",\"code\":";
      put_str(o, c);
      o += ",\"message\":";
      put_str(o, w);
      o += '}';
    }
    o += ']';
  };
  auto put_problems = [&] {
    o += "\"problems\":[";
    for (std::size_t k = 0; k < fleet.problems.size(); ++k) {
      o += k ? ",{\"input\":" : "{\"input\":";
      put_str(o, fleet.problems[k].where);
      o += ",\"message\":";
      put_str(o, fleet.problems[k].message);
      o += '}';
    }
    o += ']';
  };
  auto put_image = [&](std::size_t i, bool with_profiles) {
    o += "{\"ref\":";
    put_str(o, images[i].ref);
    o += ",\"needs\":" + needs_json(images[i]).dump(-1, ' ', false, json::error_handler_t::replace);
    o += ",\"runs\":" + std::to_string(tallies[i].runs) + ",\"does_not_run\":" + std::to_string(tallies[i].no) +
         ",\"undetermined\":" + std::to_string(tallies[i].unknown);
    if (with_profiles) {
      // Per profile: its verdict and reason rows; node n's verdict is profiles[nodes[n].profile].
      o += ",\"profiles\":[";
      for (std::size_t g = 0; g < groups.size.size(); ++g) {
        o += g ? ",{\"verdict\":\"" : "{\"verdict\":\"";
        o += verdict_of(fits[i][g]);
        o += "\",\"reasons\":";
        put_indices(o, reasons.of[i][g]);
        o += '}';
      }
      o += ']';
    }
    o += '}';
  };
  const std::string head = "\"tool_version\":" + json(tool_version()).dump() + ",";
  if (!lines) {
    o += "{\"schema\":\"torchdoctor.fleet/v2\"," + head + "\"exit_code\":" + std::to_string(code) +
         ",\"profiles\":" + std::to_string(groups.size.size()) + ",";
    put_reasons();
    o += ",\"images\":[";
    for (std::size_t i = 0; i < images.size(); ++i) {
      if (i) o += ',';
      put_image(i, true);
    }
    o += "],";
    put_problems();
    o += ",\"nodes\":[";
    for (std::size_t n = 0; n < fleet.nodes.size(); ++n) {
      if (n) o += ',';
      put_node(o, fleet.nodes[n], groups.of[n]);
      sink.flush_if_big();
    }
    o += "]}\n";
    return;
  }
  o += "{\"record\":\"fleet\",\"schema\":\"torchdoctor.fleet-lines/v1\"," + head +
       "\"nodes\":" + std::to_string(fleet.nodes.size()) + ",\"images\":[";
  for (std::size_t i = 0; i < images.size(); ++i) {
    if (i) o += ',';
    put_image(i, false);
  }
  o += "],";
  put_reasons();
  o += "}\n";
  // One record per node: the node, and the images it does not run keyed by image index, each
  // with its reason rows (an image not named there runs).
  for (std::size_t n = 0; n < fleet.nodes.size(); ++n) {
    const std::uint32_t g = groups.of[n];
    o += "{\"record\":\"node\",\"node\":";
    put_node(o, fleet.nodes[n], g);
    std::size_t runs = 0;
    std::string no;
    std::string unknown;
    for (std::size_t i = 0; i < images.size(); ++i) {
      const std::uint32_t b = fits[i][g];
      if (b == 0) {
        ++runs;
        continue;
      }
      std::string& to = (b & ~k_fit_unknown_mask) != 0 ? no : unknown;
      to += to.empty() ? "\"" : ",\"";
      to += std::to_string(i) + "\":";
      put_indices(to, reasons.of[i][g]);
    }
    o += ",\"runs\":" + std::to_string(runs) + ",\"does_not_run\":{" + no + "},\"undetermined\":{" + unknown + "}}\n";
    sink.flush_if_big();
  }
  o += "{\"record\":\"end\",";
  put_problems();
  o += ",\"exit_code\":" + std::to_string(code) + "}\n";
}

// `--format html`: the placement picture, rows by profile (report/fleet_html.hpp).
std::string fleet_html(const Fleet& fleet, const std::vector<ImageNeeds>& images,
                       const std::vector<std::vector<std::uint32_t>>& fits, const Groups& groups) {
  const ReasonTable reasons = reason_table(images, fits, fleet, groups);
  FleetPicture p;
  p.tool_version = tool_version();
  for (const auto& im : images) p.images.push_back(im.ref);
  for (const auto& [i, c, w] : reasons.rows) p.reasons.push_back({c, w});
  p.profiles.resize(groups.size.size());
  for (std::size_t g = 0; g < groups.size.size(); ++g) {
    const NodeProfile& n = fleet.nodes[groups.first[g]];
    std::string facts = n.arch.empty() ? "arch ?" : n.arch;
    if (!n.gpus_known)
      facts += ", GPUs ?";
    else if (n.ccs.empty())
      facts += ", no GPU";
    else {
      facts += ", sm";
      for (const auto& cc : n.ccs) facts += " " + cc.str();
    }
    if (n.cc_unknown) facts += " (a capability unknown)";
    facts += ", driver CUDA " + (n.cuda_level ? n.cuda_level->str() : std::string("?"));
    if (n.tegra)
      facts += std::string(", Jetson") + (n.tegra_sbsa ? " (SBSA)" : "") + " L4T " +
               (n.l4t ? n.l4t->str() : std::string("?"));
    p.profiles[g].facts = std::move(facts);
    p.profiles[g].nodes.reserve(groups.size[g]);
    for (std::size_t i = 0; i < images.size(); ++i) {
      const std::uint32_t b = fits[i][g];
      p.profiles[g].cells.push_back({b == 0 ? 'r' : (b & ~k_fit_unknown_mask) != 0 ? 'n' : 'u', reasons.of[i][g]});
    }
  }
  for (std::size_t n = 0; n < fleet.nodes.size(); ++n) p.profiles[groups.of[n]].nodes.push_back(fleet.nodes[n].name);
  return render_fleet_html(p);
}

}  // namespace

std::vector<OptionSpec> fleet_options() {
  return options_named({{"image", "platform", "format", "output", "json", "by-node"}, registry_option_names(), {"kb"}});
}

int run_fleet(const ParsedArgs& args, AppIo& io) {
  const std::string format = args.get("format").value_or(args.has("json") ? "json" : "text");
  if (format != "text" && format != "json" && format != "jsonl" && format != "csv" && format != "html") {
    return fail_with(io, make_error(ErrorKind::bad_input,
                                    "--format '" + sanitize(format) + "': expected text, json, jsonl, csv or html"));
  }
  std::optional<std::string> output = args.get("output");
  if (output) {
    if (output->empty()) return fail_with(io, make_error(ErrorKind::bad_input, "--output: give a file name"));
    if (output->front() != '/') {
      std::error_code ec;
      const auto cwd = fs::current_path(ec);
      if (ec)
        return fail_with(
            io, make_error(ErrorKind::bad_input, "--output " + sanitize(*output) + ": cannot resolve a relative path"));
      *output = (cwd / *output).string();
    }
  }
  if (args.positionals.empty())
    return fail_with(
        io,
        make_error(
            ErrorKind::bad_input,
            "fleet: give snapshots (files, folders, or - for JSON lines on stdin) from `torchdoctor probe --json`"));
  std::vector<ImageRef> refs;
  for (const auto& r : args.all("image")) {
    auto ref = parse_image_ref(r);
    if (!ref) return fail_with(io, ref.error());
    refs.push_back(*ref);
  }
  auto platform = platform_option(args);
  if (!platform) return fail_with(io, platform.error());
  auto kb = load_kb_for(args, io.env);
  if (!kb) return fail_with(io, kb.error());
  Fleet fleet;
  for (const auto& source : args.positionals) {
    if (auto s = read_source(fleet, *kb, source, io.in); !s) return fail_with(io, s.error());
  }
  for (const auto& p : fleet.problems) io.err << "torchdoctor: " << p.where << ": " << p.message << '\n';
  if (fleet.nodes.empty()) return fail_with(io, make_error(ErrorKind::bad_input, "fleet: no snapshot could be read"));

  std::vector<ImageNeeds> images;
  bool undetermined = false;
  if (!refs.empty()) {
    auto host = judged_host(args, io, *kb, HostRequest::no_facts());
    if (!host) return fail_with(io, host.error());
    auto checked = check_images(refs, *platform, args, io, *host, *kb);
    if (!checked) return fail_with(io, checked.error());
    for (std::size_t i = 0; i < refs.size(); ++i) {
      const auto& c = (*checked)[i];
      if (c.inspection.error)
        io.err << "torchdoctor: " << refs[i].str() << ": the registry was not asked (" << c.inspection.error->message
               << "); judged from the knowledge base\n";
      // The same tag verdict `image` gives: TAG_NOT_FOUND (the registry, or the KB's whole tag set,
      // says it does not exist) or TAG_UNKNOWN (offline, not listed: every node undetermined).
      const auto has = [&c](const char* code) {
        return c.verdict && std::any_of(c.verdict->reasons.begin(), c.verdict->reasons.end(),
                                        [code](const ImageReason& r) { return r.code == code; });
      };
      const bool tag_unknown = has("TAG_UNKNOWN");
      const bool missing = !c.inspection.error && !c.inspection.facts.found && !tag_unknown;
      if (missing) io.err << "torchdoctor: " << refs[i].str() << ": no such tag (TAG_NOT_FOUND)\n";
      if (tag_unknown)
        io.err << "torchdoctor: " << refs[i].str()
               << ": not listed in the knowledge base (offline): undetermined (TAG_UNKNOWN)\n";
      undetermined = undetermined || missing;
      images.push_back(image_needs(refs[i], c.inspection.error ? nullptr : &c.inspection.facts, *kb));
      images.back().tag_unknown = tag_unknown;
    }
  }
  const Groups groups = group_nodes(fleet.nodes);
  std::vector<std::vector<std::uint32_t>> fits(images.size(),
                                               std::vector<std::uint32_t>(groups.size.size()));  // image x group
  bool any_problem = !fleet.problems.empty();
  bool any_unknown = false;  // undetermined somewhere, and nothing wrong there
  for (std::size_t i = 0; i < images.size(); ++i) {
    for (std::size_t g = 0; g < groups.size.size(); ++g) {
      const std::uint32_t b = judge_fit(images[i], fleet.nodes[groups.first[g]]);
      fits[i][g] = b;
      any_problem = any_problem || (b & ~k_fit_unknown_mask) != 0;
      any_unknown = any_unknown || (b != 0 && (b & ~k_fit_unknown_mask) == 0);
    }
  }
  Sink sink{output ? nullptr : &io.out, {}};
  const int code = any_problem ? k_exit_problem : (undetermined || any_unknown) ? k_exit_undetermined : k_exit_ok;
  if (format == "csv") {
    sink.buf += "node,image,verdict,reasons\n";
    for (std::size_t i = 0; i < images.size(); ++i) {
      for (std::size_t n = 0; n < fleet.nodes.size(); ++n) {
        const std::uint32_t b = fits[i][groups.of[n]];
        sink.buf.append(csv_field(fleet.nodes[n].name))
            .append(1, ',')
            .append(csv_field(images[i].ref))
            .append(1, ',')
            .append(verdict_of(b))
            .append(1, ',')
            .append(codes_of(b))
            .append(1, '\n');
        sink.flush_if_big();
      }
    }
  } else if (format == "json" || format == "jsonl") {
    write_machine(sink, format == "jsonl", fleet, images, fits, groups, code);
  } else if (format == "html") {
    sink.buf = fleet_html(fleet, images, fits, groups);
  } else {
    std::ostringstream text;
    print_text(output ? static_cast<std::ostream&>(text) : io.out, fleet, images, fits, groups,
               args.has("by-node") || images.empty());
    sink.buf = text.str();
  }
  if (!output) {
    sink.flush();
    return code;
  }
  if (auto s = write_file_atomic(*output, sink.buf, FileMode::shared); !s) {
    return fail_with(io, make_error(ErrorKind::bad_input, "--output " + sanitize(*output) + ": " + s.error().message));
  }
  return code;
}

}  // namespace td
