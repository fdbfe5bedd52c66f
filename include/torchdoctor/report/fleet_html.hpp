// `fleet --format html`: one self-contained page (inline CSS and script, nothing fetched) with the
// placement matrix. Rows are profiles (nodes with identical judgement), so 100,000 nodes stay a few
// hundred rows; each cell is coloured runs / does not run / undetermined, with its reason codes and
// messages on hover. Node names, GPU names and messages come from untrusted snapshots: every string
// is escaped (html_escape) before it reaches the page.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace td {

struct FleetPicture {
  struct Reason {
    std::string code;
    std::string message;
  };
  struct Cell {
    char verdict = 'r';                ///< 'r' runs, 'n' does not run, 'u' undetermined.
    std::vector<std::size_t> reasons;  ///< Indices into `reasons`.
  };
  struct Profile {
    std::string facts;               ///< What the nodes share: arch, GPUs, driver, L4T.
    std::vector<std::string> nodes;  ///< Its node names.
    std::vector<Cell> cells;         ///< One per image.
  };
  std::string tool_version;
  std::vector<std::string> images;  ///< Image references, the columns.
  std::vector<Reason> reasons;
  std::vector<Profile> profiles;  ///< The rows.
};

/// `text` safe in HTML text and in a quoted attribute: & < > " ' as entities, control characters
/// (but newline and tab) dropped.
std::string html_escape(std::string_view text);

/// The whole page.
std::string render_fleet_html(const FleetPicture& picture);

}  // namespace td
