#include "torchdoctor/report/style.hpp"

namespace td::style {

std::string_view of(Severity s) {
  switch (s) {
    case Severity::error:
      return red;
    case Severity::warn:
    case Severity::unknown:
      return yellow;
    case Severity::info:
      return dim;
  }
  return {};
}

std::string paint(bool on, std::string_view colour, std::string_view text) {
  if (!on || colour.empty()) return std::string(text);
  std::string out;
  out.reserve(colour.size() + text.size() + reset.size());
  out.append(colour).append(text).append(reset);
  return out;
}

}  // namespace td::style
