// Text and Markdown renderers for sections.
#include <algorithm>

#include "torchdoctor/report/sections.hpp"
#include "torchdoctor/report/style.hpp"

namespace td {
namespace {

std::string_view color_of(Tone t) {
  switch (t) {
    case Tone::good:
      return style::green;
    case Tone::warn:
      return style::yellow;
    case Tone::bad:
      return style::red;
    case Tone::muted:
      return style::dim;
    case Tone::plain:
      break;
  }
  return {};
}

std::string md_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string render_text(const std::vector<Section>& sections, bool color) {
  std::size_t width = 0;
  for (const auto& s : sections) {
    for (const auto& r : s.rows) width = std::max(width, r.label.size());
  }
  std::string out;
  const std::string bold = color ? std::string(style::bold) : "";
  const std::string reset = color ? std::string(style::reset) : "";
  for (const auto& s : sections) {
    if (!out.empty()) out += '\n';
    out += bold + s.title + reset + '\n';
    for (const auto& r : s.rows) {
      out += "  " + r.label + std::string(width - r.label.size() + 2, ' ');
      const std::string c = color ? std::string(color_of(r.tone)) : "";
      out += c + r.value + (c.empty() ? "" : reset);
      if (!r.detail.empty()) out += "  " + style::paint(color, style::dim, "(" + r.detail + ")");
      out += '\n';
    }
    for (const auto& e : s.errors) out += "  " + style::paint(color, style::red, "error") + ": " + e + '\n';
  }
  return out;
}

std::string render_markdown_report(const std::string& heading, const std::string& plain_text) {
  std::size_t longest = 0;
  std::size_t run = 0;
  for (char c : plain_text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(std::max<std::size_t>(3, longest + 1), '`');
  std::string body = plain_text;
  if (!body.empty() && body.back() != '\n') body += '\n';
  return "## " + heading + "\n\n" + fence + "text\n" + body + fence + "\n";
}

std::string render_markdown(const std::vector<Section>& sections, const std::string& heading) {
  std::string out = "## " + heading + "\n";
  for (const auto& s : sections) {
    out += "\n### " + s.title + "\n\n| | value | source |\n|---|---|---|\n";
    for (const auto& r : s.rows)
      out += "| " + md_escape(r.label) + " | " + md_escape(r.value) + " | " + md_escape(r.detail) + " |\n";
    for (const auto& e : s.errors) out += "\n> error: " + md_escape(e) + "\n";
  }
  return out;
}

}  // namespace td
