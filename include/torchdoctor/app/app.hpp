// The command table and what every command shares: I/O, exit codes, host facts, output format.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "torchdoctor/app/cli.hpp"
#include "torchdoctor/core/host_facts.hpp"
#include "torchdoctor/engine/engine.hpp"
#include "torchdoctor/kb/kb.hpp"
#include "torchdoctor/probe/probe.hpp"
#include "torchdoctor/sys/env.hpp"

namespace td {

/// Exit codes (docs/architecture.md): 0 all good, 1 problem found, 2 bad usage or input, 3 undetermined.
enum ExitCode : int { k_exit_ok = 0, k_exit_problem = 1, k_exit_usage = 2, k_exit_undetermined = 3 };

/// Maps an error to its exit code.
int exit_code_for(const Error& error);

/// What a command may use: streams, environment, whether stdout is a terminal.
struct AppIo {
  std::ostream& out;
  std::ostream& err;
  std::istream& in;
  const Env& env;
  bool out_is_tty = false;
  bool in_is_tty = false;  ///< stdin is a terminal (explain then reads no log from it).
  /// Called with true when the output is to carry colour (--color always into a pipe): the
  /// control-character filter on stdout then lets the renderers' colour sequences through.
  std::function<void(bool)> allow_colour;
};

/// How to print.
enum class Format { text, json, markdown };

/// Output choices after parsing --json/--format/--color.
struct OutputChoice {
  Format format = Format::text;
  bool color = false;
};

/// The one way a command reports an error: "torchdoctor: MESSAGE" on stderr; returns its exit code.
int fail_with(const AppIo& io, const Error& error);

/// Reads the output options; fails on an unknown format or colour mode.
Result<OutputChoice> output_choice(const ParsedArgs& args, const AppIo& io);

/// --timeout SECONDS, the one reading of it for every command (a child process's limit in the
/// probe, a request's limit for the registry): more than 0, at most 3600, fractions allowed.
Result<std::optional<std::chrono::milliseconds>> timeout_option(const ParsedArgs& args);

/// Reads --python, --import-torch and --timeout; fails on a malformed --timeout.
Result<ProbeOptions> probe_options_from(const ParsedArgs& args);

/// What a command asks of the host pipeline besides the options it was given (a command never
/// edits its parsed options to steer this).
struct HostRequest {
  std::vector<std::string> detectors;  ///< Probe only these detectors (empty: all).
  bool facts = true;  ///< false: start from no facts whatever the options (fleet and k8s affinity judge images for
                      ///< every node, not this one).
  bool torch_what_if = true;  ///< false: --torch is not a what-if for the installed torch (recommend reads it as the
                              ///< release to choose from).

  static HostRequest only(std::vector<std::string> names) {
    HostRequest r;
    r.detectors = std::move(names);
    return r;
  }
  static HostRequest no_facts() {
    HostRequest r;
    r.facts = false;
    return r;
  }
  static HostRequest torch_pinned() {
    HostRequest r;
    r.torch_what_if = false;
    return r;
  }
};

/// Produces the host facts a command works on: a probe of / or --root, or --host FILE, or nothing
/// with --no-probe; then the what-if flags. Errors name the flag or file.
Result<HostFacts> gather_host(const ParsedArgs& args, const AppIo& io, const GpuNameResolver& resolve_gpu = {},
                              const HostRequest& request = {});

/// The host every judging command works on, made in one place (docs/architecture.md, "judged_host"):
/// gathered as gather_host does, with --gpu names resolved in `kb`, then enriched from `kb`
/// (driver -> CUDA level, GPU name or PCI id -> capability, L4T -> JetPack and module) and
/// classified, once (judge_host). Engine functions take this host; no command gathers, enriches or
/// classifies its own way.
Result<JudgedHost> judged_host(const ParsedArgs& args, const AppIo& io, const Kb& kb, const HostRequest& request = {});

/// What a judging command works on, built once per run: how to print, the knowledge base
/// (embedded or --kb) and the host judged from the options (judged_host).
struct Session {
  OutputChoice out;
  Kb kb;
  JudgedHost host;
};

/// Builds the session in that order; the first error stops it (report it with fail_with).
Result<Session> open_session(const ParsedArgs& args, const AppIo& io, const HostRequest& request = {});

/// One subcommand.
struct Command {
  const char* name;
  const char* summary;      ///< One line for the command list.
  const char* usage;        ///< "torchdoctor probe [options]"
  const char* description;  ///< A paragraph for --help, with examples.
  std::vector<OptionSpec> (*options)();
  int (*run)(const ParsedArgs& args, AppIo& io);
  int max_arguments = -1;  ///< Positional arguments it takes at most (-1: any number); more is bad usage.
  /// The values its --format takes, comma-separated, the default first ("text,json,markdown");
  /// nullptr when it takes no --format. run_app refuses any other value (exit 2) for every command.
  const char* formats = nullptr;
};

/// The --format values `c` takes ("md" is read as "markdown").
std::vector<std::string> formats_of(const Command& c);

/// The command table.
std::span<const Command> commands();

/// Entry point used by main(): dispatches `args` (without argv[0]) and returns the exit code.
int run_app(const std::vector<std::string>& args, AppIo& io);

/// The torchdoctor version string.
const char* tool_version();

}  // namespace td
