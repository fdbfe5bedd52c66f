// Rendering `fleet` (report/fleet.hpp).
#include "torchdoctor/report/fleet.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <tuple>

#include "torchdoctor/report/fleet_html.hpp"

namespace td {
namespace {

using nlohmann::json;
using Groups = FleetGroups;
using Sink = FleetSink;

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

}  // namespace

void render_fleet_text(std::ostream& out, const FleetReport& report, bool by_node) {
  const Fleet& fleet = report.fleet;
  const std::vector<ImageNeeds>& images = report.images;
  const std::vector<std::vector<std::uint32_t>>& fits = report.fits;
  const FleetGroups& groups = report.groups;
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

namespace {

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
}  // namespace

void write_fleet_machine(FleetSink& sink, bool lines, const FleetReport& report, int code, const std::string& version) {
  const Fleet& fleet = report.fleet;
  const std::vector<ImageNeeds>& images = report.images;
  const std::vector<std::vector<std::uint32_t>>& fits = report.fits;
  const FleetGroups& groups = report.groups;
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
  const std::string head = "\"tool_version\":" + json(version).dump() + ",";
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
std::string render_fleet_page(const FleetReport& report, const std::string& version) {
  const Fleet& fleet = report.fleet;
  const std::vector<ImageNeeds>& images = report.images;
  const std::vector<std::vector<std::uint32_t>>& fits = report.fits;
  const FleetGroups& groups = report.groups;
  const ReasonTable reasons = reason_table(images, fits, fleet, groups);
  FleetPicture p;
  p.tool_version = version;
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

FleetGroups group_nodes(const std::vector<NodeProfile>& nodes) {
  FleetGroups g;
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

void write_fleet_csv(FleetSink& sink, const FleetReport& r) {
  sink.buf += "node,image,verdict,reasons\n";
  for (std::size_t i = 0; i < r.images.size(); ++i) {
    for (std::size_t n = 0; n < r.fleet.nodes.size(); ++n) {
      const std::uint32_t b = r.fits[i][r.groups.of[n]];
      sink.buf.append(csv_field(r.fleet.nodes[n].name))
          .append(1, ',')
          .append(csv_field(r.images[i].ref))
          .append(1, ',')
          .append(verdict_of(b))
          .append(1, ',')
          .append(codes_of(b))
          .append(1, '\n');
      sink.flush_if_big();
    }
  }
}

}  // namespace td
