// `torchdoctor fleet SNAPSHOT... [--image REF...]`: many `probe --json` snapshots (files, folders,
// JSON lines, stdin) judged against images: per image, where it runs and why not elsewhere.
#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <unordered_map>

#include "torchdoctor/app/commands.hpp"
#include "torchdoctor/app/image_checks.hpp"
#include "torchdoctor/app/kb_input.hpp"
#include "torchdoctor/core/host_json.hpp"
#include "torchdoctor/core/json_reader.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/engine/fleet.hpp"
#include "torchdoctor/registry/image_ref.hpp"
#include "torchdoctor/sys/file_reader.hpp"

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
constexpr HostReadOptions k_placement{k_host_hostname | k_host_cpu | k_host_driver | k_host_gpus | k_host_jetson | k_host_board,
                                      /*sources=*/false};

void add_snapshot(Fleet& fleet, const Kb& kb, std::string_view text, const std::string& where) {
  auto facts = host_from_text(text, "", k_placement);
  if (!facts) {
    fleet.problems.push_back({where, facts.error().message});
    return;
  }
  NodeProfile node = node_profile(std::move(*facts), kb);
  if (node.name.empty()) node.name = where;
  const auto [it, fresh] = fleet.seen.emplace(node.name, where);
  if (!fresh) {
    fleet.problems.push_back({where, "node '" + sanitize(node.name) + "' was already read at " + it->second + "; this snapshot is left out"});
    return;
  }
  fleet.nodes.push_back(std::move(node));
}

// A file holds one JSON document (probe --json output) or JSON lines (one snapshot per line).
void read_text(Fleet& fleet, const Kb& kb, const std::string& text, const std::string& name) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) {
    fleet.problems.push_back({name, "empty"});
    return;
  }
  if (JsonReader whole(text); whole.skip() && whole.finish()) {
    add_snapshot(fleet, kb, text, name);
    return;
  }
  // JSON lines only when the first line is a JSON value of its own; else it is one document with
  // an error (a truncated snapshot), reported once rather than once per line.
  const auto first_end = text.find('\n', first);
  const std::string_view first_line(text.data() + first, (first_end == std::string::npos ? text.size() : first_end) - first);
  if (JsonReader line(first_line); !(line.skip() && line.finish())) {
    add_snapshot(fleet, kb, text, name);
    return;
  }
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto nl = text.find('\n', pos);
    const std::string_view line(text.data() + pos, (nl == std::string::npos ? text.size() : nl) - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    ++line_no;
    if (trim(line).empty()) continue;
    add_snapshot(fleet, kb, line, name + ":" + std::to_string(line_no));
  }
}

// The largest snapshot file or stream read (100,000 snapshots as JSON lines are about 300 MB).
constexpr std::size_t k_max_fleet_input = std::size_t{1} << 30U;

Status read_source(Fleet& fleet, const Kb& kb, const std::string& source, std::istream& in) {
  if (source == "-") {
    auto text = read_stream_bounded(in, k_max_fleet_input, "stdin");
    if (!text) return Error{ErrorKind::bad_input, text.error().message};
    read_text(fleet, kb, *text, "stdin");
    return Ok{};
  }
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
    auto text = read_bounded(source, k_max_fleet_input, sanitize(source), ReadSource::file_or_pipe);
    if (!text) return Error{ErrorKind::bad_input, text.error().message};
    read_text(fleet, kb, *text, sanitize(source));
    return Ok{};
  } else {
    return make_error(ErrorKind::bad_input, sanitize(source) + ": no such file or folder");
  }
  for (const auto& f : files) {
    auto text = read_bounded(f.string(), k_max_fleet_input, sanitize(f.string()));
    if (!text) {
      fleet.problems.push_back({sanitize(f.string()), text.error().message});
      continue;
    }
    read_text(fleet, kb, *text, sanitize(f.string()));
  }
  return Ok{};
}

const char* verdict_of(std::uint32_t bits) {
  if (bits == 0) return "runs";
  return (bits & ~k_fit_unknown_mask) != 0 ? "does-not-run" : "unknown";
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

json node_json(const NodeProfile& n) {
  json ccs = json::array();
  for (const auto& c : n.ccs) ccs.push_back(c.str());
  return {{"name", n.name},
          {"arch", n.arch.empty() ? json(nullptr) : json(n.arch)},
          {"gpus", n.gpus_known ? json(n.gpu_names) : json(nullptr)},
          {"compute_capabilities", ccs},
          {"driver", n.driver ? json(n.driver->str()) : json(nullptr)},
          {"cuda_level", n.cuda_level ? json(n.cuda_level->str()) : json(nullptr)},
          {"tegra", n.tegra},
          {"l4t", n.l4t ? json(n.l4t->str()) : json(nullptr)}};
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
          {"jetson", im.tegra == ImageNeeds::Tegra::required ? json(true) : im.tegra == ImageNeeds::Tegra::forbidden ? json(false) : json(nullptr)},
          {"l4t", im.l4t ? json(im.l4t->str()) : json(nullptr)},
          {"unknown", im.unknowns}};
}

// Nodes with the same placement facts (arch, capabilities, driver CUDA level, Jetson L4T) get the
// same verdicts: each image is judged once per group, however many nodes share it.
struct Groups {
  std::vector<std::uint32_t> of;                  // node -> group
  std::vector<std::size_t> size;                  // group -> nodes in it
  std::vector<std::size_t> first;                 // group -> its first node
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
  std::map<std::string, std::pair<std::size_t, std::vector<std::size_t>>> by_code;  // code -> nodes, the first 5 of them
};

// Counts come from the distinct profiles and their sizes; only the examples need the nodes, in
// input order, and the scan stops once every code has five.
Tally tally(const std::vector<std::uint32_t>& group_bits, const Groups& g) {
  Tally t;
  std::vector<std::vector<std::vector<std::size_t>*>> examples_of(group_bits.size());  // group -> its codes' example lists
  std::size_t open = 0;                                                                // codes with fewer than 5 examples
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

void print_text(std::ostream& out, const Fleet& fleet, const std::vector<ImageNeeds>& images, const std::vector<std::vector<std::uint32_t>>& fits,
                const Groups& groups, bool by_node) {
  out << fleet.nodes.size() << " node" << (fleet.nodes.size() == 1 ? "" : "s") << " (" << groups.size.size() << " distinct), " << images.size()
      << " image" << (images.size() == 1 ? "" : "s") << '\n';
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
        << (node.gpu_names.size() == 1 ? "" : "s") << "  driver " << (node.driver ? node.driver->str() : "?") << "  runs " << runs << " of "
        << images.size() << '\n';
  }
}

}  // namespace

std::vector<OptionSpec> fleet_options() {
  std::vector<OptionSpec> specs{
      {"image", "REF", "judge this image on every node (repeatable)", true},
      {"platform", "OS/ARCH", "read the images' config for this platform (default linux/amd64)"},
      {"format", "FORMAT", "text, json or csv (csv: one row per node and image)"},
      {"json", nullptr, "print JSON (same as --format json)"},
      {"by-node", nullptr, "text: also list every node with how many images run there"},
  };
  const auto reg = registry_options();
  specs.insert(specs.end(), reg.begin(), reg.end());
  specs.push_back(kb_option());
  return specs;
}

int run_fleet(const ParsedArgs& args, AppIo& io) {
  auto fail = [&io](const Error& e) {
    io.err << "torchdoctor: " << e.message << '\n';
    return exit_code_for(e);
  };
  const std::string format = args.get("format").value_or(args.has("json") ? "json" : "text");
  if (format != "text" && format != "json" && format != "csv") return fail(make_error(ErrorKind::bad_input, "--format '" + sanitize(format) + "': expected text, json or csv"));
  if (args.positionals.empty()) return fail(make_error(ErrorKind::bad_input, "fleet: give snapshots (files, folders, or - for JSON lines on stdin) from `torchdoctor probe --json`"));
  std::vector<ImageRef> refs;
  for (const auto& r : args.all("image")) {
    auto ref = parse_image_ref(r);
    if (!ref) return fail(ref.error());
    refs.push_back(*ref);
  }
  auto platform = platform_option(args);
  if (!platform) return fail(platform.error());
  auto kb = load_kb_for(args);
  if (!kb) return fail(kb.error());
  Fleet fleet;
  for (const auto& source : args.positionals) {
    if (auto s = read_source(fleet, *kb, source, io.in); !s) return fail(s.error());
  }
  for (const auto& p : fleet.problems) io.err << "torchdoctor: " << p.where << ": " << p.message << '\n';
  if (fleet.nodes.empty()) return fail(make_error(ErrorKind::bad_input, "fleet: no snapshot could be read"));

  std::vector<ImageNeeds> images;
  bool undetermined = false;
  if (!refs.empty()) {
    ParsedArgs no_probe = args;
    no_probe.values["no-probe"] = {""};
    auto host = judged_host(no_probe, io, *kb);
    if (!host) return fail(host.error());
    auto checked = check_images(refs, *platform, args, io, *host, *kb);
    if (!checked) return fail(checked.error());
    for (std::size_t i = 0; i < refs.size(); ++i) {
      const auto& c = (*checked)[i];
      if (c.inspection.error) io.err << "torchdoctor: " << refs[i].str() << ": the registry was not asked (" << c.inspection.error->message << "); judged from the knowledge base\n";
      // The same tag verdict `image` gives: TAG_NOT_FOUND (the registry, or the KB's whole tag set,
      // says it does not exist) or TAG_UNKNOWN (offline, not listed: every node undetermined).
      const auto has = [&c](const char* code) {
        return c.verdict && std::any_of(c.verdict->reasons.begin(), c.verdict->reasons.end(), [code](const ImageReason& r) { return r.code == code; });
      };
      const bool tag_unknown = has("TAG_UNKNOWN");
      const bool missing = !c.inspection.error && !c.inspection.facts.found && !tag_unknown;
      if (missing) io.err << "torchdoctor: " << refs[i].str() << ": no such tag (TAG_NOT_FOUND)\n";
      if (tag_unknown) io.err << "torchdoctor: " << refs[i].str() << ": not listed in the knowledge base (offline): undetermined (TAG_UNKNOWN)\n";
      undetermined = undetermined || missing;
      images.push_back(image_needs(refs[i], c.inspection.error ? nullptr : &c.inspection.facts, *kb));
      images.back().tag_unknown = tag_unknown;
    }
  }
  const Groups groups = group_nodes(fleet.nodes);
  std::vector<std::vector<std::uint32_t>> fits(images.size(), std::vector<std::uint32_t>(groups.size.size()));  // image x group
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
  const int code = any_problem ? k_exit_problem : (undetermined || any_unknown) ? k_exit_undetermined : k_exit_ok;
  if (format == "csv") {
    io.out << "node,image,verdict,reasons\n";
    for (std::size_t i = 0; i < images.size(); ++i) {
      for (std::size_t n = 0; n < fleet.nodes.size(); ++n) {
        const std::uint32_t b = fits[i][groups.of[n]];
        io.out << csv_field(fleet.nodes[n].name) << ',' << csv_field(images[i].ref) << ',' << verdict_of(b) << ',' << codes_of(b) << '\n';
      }
    }
  } else if (format == "json") {
    json doc{{"schema", "torchdoctor.fleet/v1"}, {"tool_version", tool_version()}, {"nodes", json::array()}, {"images", json::array()},
             {"problems", json::array()}, {"exit_code", code}};
    for (const auto& n : fleet.nodes) doc["nodes"].push_back(node_json(n));
    for (const auto& p : fleet.problems) doc["problems"].push_back({{"input", p.where}, {"message", p.message}});
    for (std::size_t i = 0; i < images.size(); ++i) {
      const Tally t = tally(fits[i], groups);
      json img{{"ref", images[i].ref}, {"needs", needs_json(images[i])}, {"runs", t.runs}, {"does_not_run", t.no}, {"undetermined", t.unknown},
               {"not_running", json::array()}};
      for (std::size_t n = 0; n < fleet.nodes.size(); ++n) {
        const std::uint32_t b = fits[i][groups.of[n]];
        if (b == 0) continue;  // every node not listed runs it
        json reasons = json::array();
        for (const auto& [c, w] : describe_fit(images[i], fleet.nodes[n], b)) reasons.push_back({{"code", c}, {"message", w}});
        img["not_running"].push_back({{"node", fleet.nodes[n].name}, {"verdict", verdict_of(b)}, {"reasons", reasons}});
      }
      doc["images"].push_back(std::move(img));
    }
    io.out << doc.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
  } else {
    print_text(io.out, fleet, images, fits, groups, args.has("by-node") || images.empty());
  }
  return code;
}

}  // namespace td
