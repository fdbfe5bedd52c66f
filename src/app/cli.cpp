#include "torchdoctor/app/cli.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string_view>

#include "torchdoctor/core/strings.hpp"

namespace td {
namespace {

// Every option torchdoctor takes, defined once: the same name means the same thing, takes the same
// value and reads the same way in every command that takes it (docs/architecture.md, "app"). A
// command lists the names it takes (its *_options() in src/app/cmd_*.cpp); --format's values are the
// command's own (Command::formats), checked in one place (run_app).
constexpr std::array k_option_table{
    // Where the host facts come from (gather_host) and the what-if flags.
    OptionSpec{"root", "DIR", "probe the tree under DIR (a mounted image or fixture) instead of /"},
    OptionSpec{"host-root", "DIR",
               "this machine's own root mounted at DIR (a DaemonSet's /host): files there, GPU libraries here"},
    OptionSpec{"host", "FILE", "use a snapshot from `probe --json` instead of probing ('-' reads stdin)"},
    OptionSpec{"no-probe", nullptr, "start from no facts at all (use with the what-if flags)"},
    OptionSpec{"gpu-timeout", "SECONDS", "give NVML, libcuda and nvidia-smi this long each to answer (default 10)"},
    OptionSpec{"no-cache", nullptr,
               "reuse no cached answer: ask the GPU libraries, torch's libraries and registries again (the registry "
               "cache is neither read nor written)"},
    OptionSpec{"arch", "ARCH", "what if the CPU architecture were x86_64 or aarch64"},
    OptionSpec{"gpu", "GPU", "what if the GPUs were these (name, sm_XX or X.Y; repeatable; none for no GPU)", true},
    OptionSpec{"driver", "VERSION", "what if the NVIDIA driver were VERSION (550.54.15)"},
    OptionSpec{"cuda-driver", "X.Y", "what if the driver's CUDA level were X.Y"},
    OptionSpec{"l4t", "VERSION", "what if the Jetson L4T release were VERSION (36.4.3)"},
    OptionSpec{"jetpack", "VERSION", "what if the JetPack release were VERSION (6.2)"},
    OptionSpec{"torch", "VERSION",
               "what if the installed torch were VERSION[+VARIANT] (2.6.0+cu124); recommend: choose from this release"},
    OptionSpec{"python-version", "X.Y", "what if Python were X.Y"},
    OptionSpec{"glibc", "X.Y", "what if glibc were X.Y"},
    OptionSpec{"python", "PATH",
               "use this Python interpreter (repeatable; default: the ones PATH and version managers lead to)", true},
    OptionSpec{"import-torch", nullptr, "also import torch in each interpreter (seconds; cross-checks the arch list)"},
    OptionSpec{"timeout", "SECONDS",
               "limit for each step waited on: a child process such as python or nvcc (default 10, importing torch "
               "60), a registry request (20), a verify suite (native 30, torch 600)"},
    // Output.
    OptionSpec{"json", nullptr, "print JSON (same as --format json)"},
    OptionSpec{"format", "FORMAT", "output format"},  // the values are the command's own: print_command_help lists them
    OptionSpec{"color", "WHEN", "auto, always or never (NO_COLOR is respected)"},
    OptionSpec{"output", "FILE", "write to FILE (atomically) instead of stdout"},
    OptionSpec{"verbose", nullptr,
               "say more: each registry request (never credentials) and container command on stderr, the knowledge "
               "base's sourcing notes in reports"},
    OptionSpec{"quiet", nullptr, "print only the result: no \"why\" lines on stderr"},
    OptionSpec{"kb", "DIR", "use the knowledge base in DIR instead of the embedded one"},
    // Images and registries.
    OptionSpec{"image", "REF", "a container image reference (repeatable where the command takes several)", true},
    OptionSpec{"platform", "OS/ARCH",
               "judge images for this platform (linux/arm64); default: this host's, or linux/amd64 where no one host "
               "is judged"},
    OptionSpec{"insecure-registry", "HOST", "talk plain HTTP to registry HOST[:PORT] (repeatable)", true},
    OptionSpec{"offline", nullptr, "answer from the disk cache and the knowledge base only (no network)"},
    OptionSpec{"refresh", nullptr, "ask the registry again even for recently cached tags"},
    OptionSpec{"tag-ttl", "SECONDS", "trust a cached tag this long (default 600)"},
    OptionSpec{"deadline", "SECONDS", "limit for all the registry work of the run (default 120)"},
    OptionSpec{"connect-timeout", "SECONDS", "limit for connecting (default 5)"},
    OptionSpec{"jobs", "N", "references fetched at once (default 8)"},
    // Containers (run-command, verify --image, k8s affinity).
    OptionSpec{"engine", "NAME",
               "container engine: docker or podman (run-command also compose, a compose file, or k8s, a Pod); default: "
               "what is installed"},
    OptionSpec{"gpu-count", "N",
               "GPUs a Kubernetes Pod or container asks for (run-command: every GPU seen here; k8s affinity: 1)"},
    OptionSpec{"workdir", "DIR", "the folder mounted at /workspace (default: the current folder)"},
    OptionSpec{"no-mount", nullptr, "mount no folder"},
    OptionSpec{"user", "UID:GID", "run as this user (default: you, so files in /workspace stay yours)"},
    OptionSpec{"as-root", nullptr, "run as the image's user (root) instead of you"},
    OptionSpec{"ipc-host", nullptr, "share the host's IPC namespace (--ipc=host) instead of a sized /dev/shm"},
    OptionSpec{"shm-size", "SIZE", "size of /dev/shm, e.g. 16g (default: a quarter of RAM, 1 to 16 GiB)"},
    OptionSpec{"jupyter", nullptr, "start JupyterLab in /workspace, published on 127.0.0.1"},
    OptionSpec{"port", "N", "the JupyterLab port on this machine (default 8888)"},
    OptionSpec{"name", "NAME", "compose service or Pod name (default torch)"},
    OptionSpec{"no-check", nullptr, "do not check the image for this host (no registry request)"},
    OptionSpec{"pull-timeout", "SECONDS",
               "verify --image: time allowed for pulling and starting it, on top of the suites' (default 900)"},
    // One command's own.
    OptionSpec{"all", nullptr, "recommend: list every candidate with its verdict"},
    OptionSpec{"file", "LOG", "explain: read the error text or log from LOG ('-' reads stdin)"},
    OptionSpec{"by-node", nullptr, "fleet text: also list every node with how many images run there"},
    OptionSpec{"every", "SECONDS",
               "k8s labels: rewrite --output every SECONDS until stopped (the DaemonSet's refresh)"},
    OptionSpec{"suite", "NAME", "verify: run only this suite, native or torch (repeatable; default both)", true},
    OptionSpec{"nvrtc", nullptr, "verify: compile the native kernels with NVRTC even when a fatbinary is embedded"},
    OptionSpec{"no-compile", nullptr, "verify: skip the torch.compile check (it takes seconds to minutes on a CPU)"},
    OptionSpec{"targets", "LIST",
               "build-env: build for these GPUs: sm_XX, X.Y, GPU names or probe --json snapshots/folders "
               "(comma-separated, repeatable)",
               true},
    OptionSpec{"visible-gpus", nullptr,
               "build-env: build for the GPUs this node can see (opt-in: loads NVML/libcuda in a child)"},
    OptionSpec{"no-torch", nullptr,
               "build-env: decide on the CUDA toolkit alone, for a CUDA build that does not link torch"},
    OptionSpec{"from", "URL|DIR",
               "kb update: the bundle to install, a URL (http or https) or a folder holding manifest.json"},
    OptionSpec{"help", nullptr, "show this help"},
};

const std::initializer_list<std::string_view> k_host_names{
    "root",   "host-root",   "host", "no-probe", "gpu-timeout", "no-cache",       "arch", "gpu",
    "driver", "cuda-driver", "l4t",  "jetpack",  "torch",       "python-version", "glibc"};
const std::initializer_list<std::string_view> k_output_names{"json", "format", "color"};
const std::initializer_list<std::string_view> k_registry_names{
    "insecure-registry", "offline",  "refresh",         "no-cache", "tag-ttl",
    "timeout",           "deadline", "connect-timeout", "jobs",     "verbose"};

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

std::span<const OptionSpec> option_table() { return k_option_table; }

std::vector<OptionSpec> options_named(std::initializer_list<std::initializer_list<std::string_view>> groups) {
  std::vector<OptionSpec> out;
  for (const auto& group : groups) {
    for (const auto name : group) {
      const auto it = std::find_if(k_option_table.begin(), k_option_table.end(),
                                   [&](const OptionSpec& o) { return name == o.name; });
      if (it == k_option_table.end())
        throw std::logic_error("option --" + std::string(name) + " is not in the option table");
      // A name in two groups (--no-cache: host and registry) is listed once.
      if (std::none_of(out.begin(), out.end(), [&](const OptionSpec& o) { return name == o.name; })) out.push_back(*it);
    }
  }
  return out;
}

std::initializer_list<std::string_view> host_option_names() { return k_host_names; }
std::initializer_list<std::string_view> output_option_names() { return k_output_names; }
std::initializer_list<std::string_view> registry_option_names() { return k_registry_names; }

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
