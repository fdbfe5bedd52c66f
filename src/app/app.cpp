// Dispatch, help and the pieces every command shares.
#include "torchdoctor/app/app.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "torchdoctor/app/kb_input.hpp"
#include "torchdoctor/core/host_json.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/engine/engine.hpp"
#include "torchdoctor/probe/probe.hpp"
#include "torchdoctor/sys/file_reader.hpp"

#ifndef TD_VERSION
#define TD_VERSION "0.0.0-dev"
#endif

namespace td {

const char* tool_version() { return TD_VERSION; }

int exit_code_for(const Error& error) {
  switch (error.kind) {
    case ErrorKind::bad_input:
      return k_exit_usage;
    case ErrorKind::unavailable:
    case ErrorKind::timeout:
      return k_exit_undetermined;
    default:
      return k_exit_problem;
  }
}

int fail_with(const AppIo& io, const Error& error) {
  io.err << "torchdoctor: " << error.message << '\n';
  return exit_code_for(error);
}

Result<OutputChoice> output_choice(const ParsedArgs& args, const AppIo& io) {
  OutputChoice c;
  if (args.has("json")) c.format = Format::json;
  if (auto f = args.get("format")) {
    if (*f == "json")
      c.format = Format::json;
    else if (*f == "markdown" || *f == "md")
      c.format = Format::markdown;
    else if (*f == "text")
      c.format = Format::text;
    else
      return make_error(ErrorKind::bad_input, "--format '" + *f + "': expected text, json or markdown");
  }
  const std::string when = args.get("color").value_or("auto");
  if (when == "always")
    c.color = true;
  else if (when == "never")
    c.color = false;
  else if (when == "auto")
    c.color = io.out_is_tty && !io.env.get("NO_COLOR").has_value() && io.env.get("TERM") != "dumb";
  else
    return make_error(ErrorKind::bad_input, "--color '" + when + "': expected auto, always or never");
  if (c.format != Format::text) c.color = false;
  if (c.color && io.allow_colour) io.allow_colour(true);
  return c;
}

Result<ProbeOptions> probe_options_from(const ParsedArgs& args) {
  ProbeOptions o;
  o.pythons = args.all("python");
  // Relative interpreter paths are relative to the current directory on the live machine.
  if (!args.has("root")) {
    std::error_code ec;
    for (auto& p : o.pythons) {
      if (!p.empty() && p.front() != '/') p = std::filesystem::absolute(p, ec).string();
    }
  }
  o.import_torch = args.has("import-torch");
  auto t = timeout_option(args);
  if (!t) return t.error();
  if (*t) {
    o.timeout = **t;
    o.import_timeout = o.timeout;
  }
  return o;
}

Result<std::optional<std::chrono::milliseconds>> timeout_option(const ParsedArgs& args) {
  const auto t = args.get("timeout");
  if (!t) return std::optional<std::chrono::milliseconds>{};
  char* end = nullptr;
  const double seconds = std::strtod(t->c_str(), &end);
  if (t->empty() || end != t->c_str() + t->size() || !(seconds > 0) || seconds > 3600) {
    return make_error(ErrorKind::bad_input,
                      "--timeout '" + sanitize(*t) + "': expected seconds between 0 and 3600, such as 10 or 0.5");
  }
  return std::optional(std::chrono::milliseconds(static_cast<long long>(seconds * 1000)));
}

Result<HostFacts> gather_host(const ParsedArgs& args, const AppIo& io, const GpuNameResolver& resolve_gpu,
                              const HostRequest& request) {
  HostFacts facts;
  auto options = probe_options_from(args);
  if (!options) return options.error();
  options->detectors = request.detectors;
  const auto host = args.get("host");
  const auto host_root = args.get("host-root");
  if (host_root && args.has("root"))
    return make_error(ErrorKind::bad_input, "--root and --host-root cannot be used together");
  const auto root = host_root ? host_root : args.get("root");
  if (host && root) return make_error(ErrorKind::bad_input, "--host and --root cannot be used together");
  auto gpu_timeout = GpuProbeOptions::k_default_timeout;
  if (auto t = args.get("gpu-timeout")) {
    auto parsed = parse_gpu_timeout(*t);
    if (!parsed) return parsed.error();
    gpu_timeout = *parsed;
  }
  if (host) {
    const std::string shown = "--host " + sanitize(*host);
    auto text = *host == "-" ? read_stream_bounded(io.in, k_max_snapshot_bytes, shown)
                             : read_bounded(*host, k_max_snapshot_bytes, shown, ReadSource::file_or_pipe);
    if (!text) return Error{ErrorKind::bad_input, text.error().message};
    auto loaded = host_from_text(*text, "--host " + *host);
    if (!loaded) return loaded.error();
    facts = std::move(*loaded);
  } else if (request.facts && !args.has("no-probe")) {
    auto fs = make_real_file_system(root.value_or("/"), host_root.has_value());
    // A mounted tree is not this process: do not read our own environment for it.
    const MapEnv empty_env;
    const Env& env = root && !host_root ? static_cast<const Env&>(empty_env) : io.env;
    if (root && !fs->exists("/")) return make_error(ErrorKind::bad_input, "--root " + *root + ": not a directory");
    if (root) {
      auto listing = fs->list_dir("/");
      if (!listing) return make_error(ErrorKind::bad_input, "--root " + *root + ": " + listing.error().message);
    }
    ProbeContext ctx{*fs, env, std::move(*options)};
    ctx.gpu.timeout = gpu_timeout;
    ctx.gpu.use_cache = !args.has("no-cache");
    facts = probe_host(ctx);
    facts.root = root.value_or("/");
  } else {
    facts.root = "";
  }
  facts.tool_version = tool_version();
  WhatIf what_if = what_if_from(args);
  if (!request.torch_what_if) what_if.torch.reset();
  if (auto s = apply_what_if(what_if, facts, resolve_gpu); !s) return s.error();
  return facts;
}

Result<JudgedHost> judged_host(const ParsedArgs& args, const AppIo& io, const Kb& kb, const HostRequest& request) {
  auto facts = gather_host(args, io, gpu_resolver(kb), request);
  if (!facts) return facts.error();
  return judge_host(std::move(*facts), kb);
}

Result<Session> open_session(const ParsedArgs& args, const AppIo& io, const HostRequest& request) {
  auto out = output_choice(args, io);
  if (!out) return out.error();
  auto kb = load_kb_for(args, io.env);
  if (!kb) return kb.error();
  auto host = judged_host(args, io, *kb, request);
  if (!host) return host.error();
  return Session{*out, std::move(*kb), std::move(*host)};
}

namespace {

void print_options(std::ostream& out, const std::vector<OptionSpec>& specs) {
  std::size_t width = 0;
  for (const auto& s : specs) {
    width = std::max(width, std::string(s.name).size() + (s.metavar ? std::string(s.metavar).size() + 1 : 0));
  }
  for (const auto& s : specs) {
    std::string left = std::string("--") + s.name + (s.metavar ? std::string(" ") + s.metavar : "");
    out << "  " << left << std::string(width + 4 - left.size() + 2, ' ') << s.help << '\n';
  }
}

void print_main_help(std::ostream& out) {
  out << "torchdoctor " << tool_version()
      << " - will this PyTorch + CUDA stack run here, why not, and what to use instead.\n\n"
         "Usage: torchdoctor [COMMAND] [options]\n\n"
         "Commands:\n";
  for (const auto& c : commands()) {
    const std::string name = c.name;
    out << "  " << name << std::string(14 - std::min<std::size_t>(name.size(), 13), ' ') << c.summary << '\n';
  }
  out << "\nWithout a command, torchdoctor runs the doctor.\n"
         "Run 'torchdoctor COMMAND --help' for a command's options.\n"
         "Exit codes: 0 all good, 1 a problem was found, 2 bad usage or input, 3 could not determine.\n";
}

std::string format_list(const std::vector<std::string>& formats) {
  std::string out;
  for (std::size_t i = 0; i < formats.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == formats.size() ? " or " : ", ") + formats[i];
  }
  return out;
}

void print_command_help(std::ostream& out, const Command& c) {
  out << "Usage: " << c.usage << "\n\n" << c.description << "\n\nOptions:\n";
  auto specs = c.options();
  specs.push_back(options_named({{"help"}}).front());
  // --format is one option; its values are this command's own.
  const auto formats = formats_of(c);
  // (k8s has no one default: labels print text, affinity YAML; its usage line says so.)
  const std::string format_help =
      format_list(formats) + (!formats.empty() && formats.front() == "text" ? " (default text)" : "");
  for (auto& s : specs) {
    if (std::string_view(s.name) == "format") s.help = format_help.c_str();
  }
  print_options(out, specs);
}

const Command* find_command(const std::string& name) {
  for (const auto& c : commands()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> formats_of(const Command& c) {
  return c.formats == nullptr ? std::vector<std::string>{} : split(c.formats, ',');
}

int run_app(const std::vector<std::string>& args, AppIo& io) {
  std::vector<std::string> rest = args;
  const Command* cmd = nullptr;
  if (!rest.empty() && (rest[0] == "--help" || rest[0] == "-h" || rest[0] == "help")) {
    if (rest.size() > 1 && rest[0] == "help") {
      if (const Command* c = find_command(rest[1])) {
        print_command_help(io.out, *c);
        return k_exit_ok;
      }
    }
    print_main_help(io.out);
    return k_exit_ok;
  }
  if (!rest.empty() && rest[0] == "--version") {
    io.out << "torchdoctor " << tool_version() << '\n';
    return k_exit_ok;
  }
  if (!rest.empty() && rest[0].rfind('-', 0) != 0) {
    cmd = find_command(rest[0]);
    if (cmd == nullptr) {
      std::string best;
      std::size_t best_d = 3;
      for (const auto& c : commands()) {
        const std::size_t d = edit_distance(rest[0], c.name);
        if (d < best_d) {
          best_d = d;
          best = c.name;
        }
      }
      io.err << "torchdoctor: unknown command '" << rest[0] << "'"
             << (best.empty() ? "" : " (did you mean '" + best + "'?)") << "; see 'torchdoctor --help'\n";
      return k_exit_usage;
    }
    rest.erase(rest.begin());
  } else {
    cmd = find_command("doctor");
  }
  for (const auto& a : rest) {
    if (a == "--help" || a == "-h") {
      print_command_help(io.out, *cmd);
      return k_exit_ok;
    }
  }
  const auto specs = cmd->options();
  auto parsed = parse_args(specs, rest, cmd->name);
  if (!parsed) return fail_with(io, parsed.error());
  if (cmd->max_arguments >= 0 && parsed->positionals.size() > static_cast<std::size_t>(cmd->max_arguments)) {
    const std::string extra = parsed->positionals[static_cast<std::size_t>(cmd->max_arguments)];
    io.err << "torchdoctor: " << cmd->name << ": unexpected argument '" << sanitize(extra) << "'"
           << (cmd->max_arguments == 0 ? " (it takes options only)" : "") << "; see 'torchdoctor " << cmd->name
           << " --help'\n";
    return k_exit_usage;
  }
  // One place decides which --format values a command takes.
  if (auto f = parsed->get("format")) {
    const auto formats = formats_of(*cmd);
    const std::string value = *f == "md" ? "markdown" : *f;
    if (std::find(formats.begin(), formats.end(), value) == formats.end()) {
      io.err << "torchdoctor: " << cmd->name << ": --format '" << sanitize(*f) << "': expected " << format_list(formats)
             << '\n';
      return k_exit_usage;
    }
    if (value != *f) parsed->values["format"] = {value};
  }
  return cmd->run(*parsed, io);
}

}  // namespace td
