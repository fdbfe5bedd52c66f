// One colour style for every report: the few SGR sequences the renderers use (the terminal filter,
// report/terminal_safe.hpp, lets only these through, and only when colour is on).
#pragma once

#include <string>
#include <string_view>

#include "torchdoctor/core/finding.hpp"

namespace td::style {

inline constexpr std::string_view bold = "\033[1m";
inline constexpr std::string_view dim = "\033[2m";
inline constexpr std::string_view red = "\033[31m";     ///< does not run, a failure, an error
inline constexpr std::string_view green = "\033[32m";   ///< runs, passed
inline constexpr std::string_view yellow = "\033[33m";  ///< a caveat, undetermined, skipped
inline constexpr std::string_view reset = "\033[0m";

/// The colour of a finding: error red, warn and unknown yellow, info dim.
std::string_view of(Severity s);

/// `text` in `colour` when `on`; `text` unchanged otherwise.
std::string paint(bool on, std::string_view colour, std::string_view text);

}  // namespace td::style
