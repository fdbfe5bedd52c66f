// Rendering `fleet`: the per-image text report, CSV, the compact JSON document and JSON lines
// (docs/kubernetes.md), and the HTML page's data (report/fleet_html.hpp draws it). Nodes with the
// same placement facts form one group and are judged once.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <unordered_map>
#include <vector>

#include "torchdoctor/engine/fleet.hpp"

namespace td {

/// A snapshot that could not be used, and where it was (file:line).
struct FleetProblem {
  std::string where;
  std::string message;
};

/// The nodes read, in input order.
struct Fleet {
  std::vector<NodeProfile> nodes;
  std::vector<FleetProblem> problems;
  std::unordered_map<std::string, std::string> seen;  ///< Node name -> where first seen.
};

/// Nodes with the same placement facts (arch, capabilities, driver CUDA level, Jetson L4T) get the
/// same verdicts: each image is judged once per group, however many nodes share it.
struct FleetGroups {
  std::vector<std::uint32_t> of;   ///< Node -> group.
  std::vector<std::size_t> size;   ///< Group -> nodes in it.
  std::vector<std::size_t> first;  ///< Group -> its first node.
};
/// Groups `nodes` by their placement facts.
FleetGroups group_nodes(const std::vector<NodeProfile>& nodes);

/// What a report renders: the nodes, the images, and judge_fit's bits per image and group.
struct FleetReport {
  const Fleet& fleet;
  const std::vector<ImageNeeds>& images;
  const std::vector<std::vector<std::uint32_t>>& fits;  ///< Image x group.
  const FleetGroups& groups;
};

/// Machine output is appended to a buffer; on a stream it goes out a megabyte at a time (JSON lines
/// stream as they are made); without one (--output) it is kept whole for an atomic write.
struct FleetSink {
  std::ostream* out;  ///< Null: kept in `buf`.
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

/// The text report: per image where it runs and why not elsewhere (five example nodes per code);
/// with `by_node` a line per node.
void render_fleet_text(std::ostream& out, const FleetReport& r, bool by_node);
/// CSV: node, image, verdict, reasons; one row per node and image.
void write_fleet_csv(FleetSink& sink, const FleetReport& r);
/// `--json` (torchdoctor.fleet/v2, one compact document) or, with `lines`, `--format jsonl`
/// (torchdoctor.fleet-lines/v1: a header, one record per node, a summary).
void write_fleet_machine(FleetSink& sink, bool lines, const FleetReport& r, int exit_code,
                         const std::string& tool_version);
/// The self-contained HTML page.
std::string render_fleet_page(const FleetReport& r, const std::string& tool_version);

}  // namespace td
