// Command-line parsing: a table of options per command, one general parser, clear errors.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "torchdoctor/core/result.hpp"
#include "torchdoctor/core/what_if.hpp"

namespace td {

/// One option a command accepts.
struct OptionSpec {
  const char* name;     ///< Long name without dashes ("root").
  const char* metavar;  ///< Value name ("DIR"), or nullptr for a switch.
  const char* help;     ///< One line for --help.
  bool repeatable = false;
};

/// Options and positional arguments after parsing.
struct ParsedArgs {
  std::map<std::string, std::vector<std::string>> values;  ///< name -> values ("" for switches).
  std::vector<std::string> positionals;

  /// True when switch or option `name` was given.
  [[nodiscard]] bool has(const std::string& name) const { return values.count(name) != 0; }
  /// The last value of `name`, if given.
  [[nodiscard]] std::optional<std::string> get(const std::string& name) const;
  /// Every value of a repeatable option.
  [[nodiscard]] std::vector<std::string> all(const std::string& name) const;
};

/// Parses `args` against `specs`: --name VALUE, --name=VALUE, switches, "--" ends options.
/// Errors name the option and, for unknown ones, suggest the closest known name.
Result<ParsedArgs> parse_args(std::span<const OptionSpec> specs, std::span<const std::string> args,
                              const std::string& command);

/// Every option torchdoctor takes, each defined once (src/app/cli.cpp).
std::span<const OptionSpec> option_table();
/// The table's rows for these groups of names, in order, each name once. A name that is not in the
/// table is a programming error (std::logic_error; the tests build every command's list).
std::vector<OptionSpec> options_named(std::initializer_list<std::initializer_list<std::string_view>> groups);
/// The names of the options for reading host facts: --root, --host, --no-probe and the what-if flags.
std::initializer_list<std::string_view> host_option_names();
/// --json, --format, --color.
std::initializer_list<std::string_view> output_option_names();
/// The registry client's options (image, run-command, fleet, k8s, explain).
std::initializer_list<std::string_view> registry_option_names();

/// Collects the what-if flags from parsed arguments.
WhatIf what_if_from(const ParsedArgs& args);

}  // namespace td
