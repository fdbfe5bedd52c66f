// A report as titled sections of label/value rows: what every text renderer draws.
#pragma once

#include <string>
#include <vector>

#include "torchdoctor/core/host_facts.hpp"

namespace td {

/// How a row should be emphasised.
enum class Tone { plain, good, warn, bad, muted };

/// One line of a section.
struct Row {
  std::string label;
  std::string value;   ///< "unknown" when the fact is unknown.
  std::string detail;  ///< Source, or the reason a fact is unknown.
  Tone tone = Tone::plain;
};

/// A titled group of rows, with the errors of the detectors that feed it.
struct Section {
  std::string title;
  std::vector<Row> rows;
  std::vector<std::string> errors;
};

/// The probe report's sections for `facts`.
std::vector<Section> probe_sections(const HostFacts& facts);

/// Renders sections as aligned text, with ANSI colour when `color`.
std::string render_text(const std::vector<Section>& sections, bool color);
/// A plain-text report (no colour) as Markdown for a bug report: a heading, then the report in a
/// fenced block (the fence longer than any backtick run inside it).
std::string render_markdown_report(const std::string& heading, const std::string& plain_text);
/// Renders sections as Markdown tables for bug reports.
std::string render_markdown(const std::vector<Section>& sections, const std::string& heading);

}  // namespace td
