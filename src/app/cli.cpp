#include "torchdoctor/app/cli.hpp"

#include <algorithm>
#include <array>

namespace td {
namespace {

constexpr std::array k_host_options{
    OptionSpec{"root", "DIR", "probe the tree under DIR (a mounted image or fixture) instead of /"},
    OptionSpec{"host-root", "DIR", "this machine's own root mounted at DIR (a DaemonSet's /host): files there, GPU libraries here"},
    OptionSpec{"host", "FILE", "use a snapshot from `probe --json` instead of probing ('-' reads stdin)"},
    OptionSpec{"no-probe", nullptr, "start from no facts at all (use with the what-if flags)"},
    OptionSpec{"gpu-timeout", "SECONDS", "give NVML, libcuda and nvidia-smi this long each to answer (default 10)"},
    OptionSpec{"no-cache", nullptr, "ask the GPU libraries and scan torch's libraries again instead of reusing cached answers"},
    OptionSpec{"arch", "ARCH", "what if the CPU architecture were x86_64 or aarch64"},
    OptionSpec{"gpu", "GPU", "what if the GPUs were these (name, sm_XX or X.Y; repeatable; none for no GPU)", true},
    OptionSpec{"driver", "VERSION", "what if the NVIDIA driver were VERSION (550.54.15)"},
    OptionSpec{"cuda-driver", "X.Y", "what if the driver's CUDA level were X.Y"},
    OptionSpec{"l4t", "VERSION", "what if the Jetson L4T release were VERSION (36.4.3)"},
    OptionSpec{"jetpack", "VERSION", "what if the JetPack release were VERSION (6.2)"},
    OptionSpec{"torch", "VERSION", "what if the installed torch were VERSION[+VARIANT] (2.6.0+cu124)"},
    OptionSpec{"python-version", "X.Y", "what if Python were X.Y"},
    OptionSpec{"glibc", "X.Y", "what if glibc were X.Y"},
};

constexpr std::array k_output_options{
    OptionSpec{"json", nullptr, "print JSON (same as --format json)"},
    OptionSpec{"format", "FORMAT", "text, json or markdown"},
    OptionSpec{"color", "WHEN", "auto, always or never (NO_COLOR is respected)"},
};

const OptionSpec* find_spec(std::span<const OptionSpec> specs, const std::string& name) {
  for (const auto& s : specs) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

}  // namespace

std::optional<std::string> ParsedArgs::get(const std::string& name) const {
  const auto it = values.find(name);
  if (it == values.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::all(const std::string& name) const {
  const auto it = values.find(name);
  return it == values.end() ? std::vector<std::string>{} : it->second;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1);
  std::vector<std::size_t> cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

Result<ParsedArgs> parse_args(std::span<const OptionSpec> specs, std::span<const std::string> args,
                              const std::string& command) {
  ParsedArgs out;
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_done || arg.size() < 2 || arg.rfind("--", 0) != 0) {
      if (!options_done && arg.size() >= 2 && arg[0] == '-' && arg != "-") {
        return make_error(ErrorKind::bad_input, command + ": unknown option '" + arg + "' (options start with --)");
      }
      out.positionals.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    const OptionSpec* spec = find_spec(specs, name);
    if (spec == nullptr) {
      std::string msg = command + ": unknown option '--" + name + "'";
      const OptionSpec* best = nullptr;
      std::size_t best_d = 3;
      for (const auto& s : specs) {
        const std::size_t d = edit_distance(name, s.name);
        if (d < best_d) {
          best_d = d;
          best = &s;
        }
      }
      if (best != nullptr) msg += " (did you mean '--" + std::string(best->name) + "'?)";
      return make_error(ErrorKind::bad_input, msg + "; see 'torchdoctor " + command + " --help'");
    }
    std::string value;
    if (spec->metavar != nullptr) {
      if (inline_value) {
        value = *inline_value;
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return make_error(ErrorKind::bad_input, command + ": option '--" + name + "' needs a value " + spec->metavar);
      }
    } else if (inline_value) {
      return make_error(ErrorKind::bad_input, command + ": option '--" + name + "' takes no value");
    }
    auto& slot = out.values[name];
    if (!slot.empty() && !spec->repeatable && spec->metavar != nullptr && slot.back() != value) {
      return make_error(ErrorKind::bad_input, command + ": option '--" + name + "' given twice with different values");
    }
    slot.push_back(value);
  }
  return out;
}

std::span<const OptionSpec> host_options() { return k_host_options; }
std::span<const OptionSpec> output_options() { return k_output_options; }

WhatIf what_if_from(const ParsedArgs& a) {
  WhatIf w;
  w.arch = a.get("arch");
  w.driver = a.get("driver");
  w.cuda_driver = a.get("cuda-driver");
  w.l4t = a.get("l4t");
  w.jetpack = a.get("jetpack");
  w.torch = a.get("torch");
  w.python_version = a.get("python-version");
  w.glibc = a.get("glibc");
  w.gpus = a.all("gpu");
  return w;
}

}  // namespace td
