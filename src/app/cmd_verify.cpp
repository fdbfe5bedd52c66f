// `torchdoctor verify`: run real work (the native CUDA suite and the torch suite) and report every
// check as pass, fail or skip with the reason and its time.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "torchdoctor/app/commands.hpp"
#include "torchdoctor/app/kb_input.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/gpu_libs.hpp"
#include "torchdoctor/report/sections.hpp"
#include "torchdoctor/report/verify.hpp"
#include "torchdoctor/verify/native.hpp"
#include "torchdoctor/verify/torch_suite.hpp"

namespace td {

namespace {

const std::vector<std::string> k_verify_detectors{"os", "cpu", "gpu", "python"};

Result<std::chrono::milliseconds> seconds_option(const ParsedArgs& args, const char* name,
                                                 std::chrono::milliseconds fallback) {
  auto v = args.get(name);
  if (!v) return fallback;
  auto parsed = parse_gpu_timeout(*v);
  if (!parsed)
    return make_error(ErrorKind::bad_input, "--" + std::string(name) + " '" + sanitize(*v, 40) +
                                                "': expected seconds, more than 0 and at most 600");
  return *parsed;
}

// The interpreters whose torch the suite runs with: --python, else each one that has torch.
std::vector<std::string> torch_pythons(const ParsedArgs& args, const HostFacts& facts, std::string& none_why) {
  std::vector<std::string> out = args.all("python");
  if (!out.empty()) return out;
  if (facts.torch) {
    for (const auto& t : *facts.torch) {
      if (t.python && std::find(out.begin(), out.end(), *t.python) == out.end()) out.push_back(*t.python);
    }
  }
  if (out.empty()) {
    std::string found;
    if (facts.pythons) {
      for (const auto& p : *facts.pythons) found += (found.empty() ? "" : ", ") + p.path;
    }
    none_why = "no torch found" + (found.empty() ? std::string(" and no Python interpreter") : " in " + found) +
               " (name one with --python)";
  }
  return out;
}

}  // namespace

std::vector<OptionSpec> verify_options() {
  return options_named(
      {{"suite", "python", "timeout", "nvrtc", "no-compile", "image", "engine", "pull-timeout", "verbose"},
       output_option_names(),
       {"kb"}});
}

int run_verify(const ParsedArgs& args, AppIo& io) {
  auto out = output_choice(args, io);
  if (!out) return fail_with(io, out.error());
  bool native = true;
  bool torch = true;
  if (args.has("suite")) {
    native = torch = false;
    for (const auto& s : args.all("suite")) {
      if (s == "native")
        native = true;
      else if (s == "torch")
        torch = true;
      else {
        io.err << "torchdoctor: --suite '" << sanitize(s, 40) << "': expected native or torch\n";
        return k_exit_usage;
      }
    }
  }
  auto native_timeout = seconds_option(args, "timeout", std::chrono::seconds(30));
  auto torch_timeout = seconds_option(args, "timeout", std::chrono::seconds(600));
  if (!native_timeout || !torch_timeout) {
    io.err << "torchdoctor: " << (native_timeout ? torch_timeout.error() : native_timeout.error()).message << '\n';
    return k_exit_usage;
  }
  if (args.all("image").size() > 1) {
    io.err << "torchdoctor: verify: --image given more than once; the suites run in one image at a time\n";
    return k_exit_usage;
  }
  if (args.has("image")) return run_verify_image(args, io, out->format, out->color);
  for (const char* only_image : {"engine", "verbose", "pull-timeout"}) {
    if (args.has(only_image)) {
      io.err << "torchdoctor: --" << only_image << " goes with --image IMAGE\n";
      return k_exit_usage;
    }
  }
  // --python and --timeout reach the probe too: finding the interpreters runs them.
  auto facts = gather_host(args, io, {}, HostRequest::only(k_verify_detectors));
  if (!facts) return fail_with(io, facts.error());
  std::vector<CheckResult> checks;
  if (native) {
    NativeOptions o;
    o.timeout = *native_timeout;
    o.force_nvrtc = args.has("nvrtc");
    auto r = run_native_suite(o);
    checks.insert(checks.end(), r.begin(), r.end());
  }
  if (torch) {
    std::string none_why;
    const auto pythons = torch_pythons(args, *facts, none_why);
    if (pythons.empty()) checks.push_back(CheckResult{"torch", "suite", "", "skip", none_why, 0, std::nullopt, ""});
    TorchSuiteOptions o;
    o.timeout = *torch_timeout;
    o.no_compile = args.has("no-compile");
    o.expect_gpu = facts->gpus && !facts->gpus->empty();
    for (const auto& py : pythons) {
      auto r = run_torch_suite(py, o);
      for (auto& c : r) {
        if (pythons.size() > 1 && c.device.empty()) c.device = py;
      }
      checks.insert(checks.end(), r.begin(), r.end());
    }
  }
  if (out->format == Format::json) {
    io.out << checks_json(checks).dump(2) << '\n';
  } else if (out->format == Format::markdown) {
    std::ostringstream text;
    print_checks(text, checks, false);
    io.out << render_markdown_report("torchdoctor verify", text.str());
  } else {
    print_checks(io.out, checks, out->color);
  }
  const bool failed =
      std::any_of(checks.begin(), checks.end(), [](const CheckResult& c) { return c.status == "fail"; });
  return failed ? k_exit_problem : k_exit_ok;
}

}  // namespace td
