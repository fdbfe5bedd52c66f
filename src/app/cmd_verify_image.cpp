// `torchdoctor verify --image IMAGE`: both suites inside a container started with run-command's
// flags (the GPU, /dev/shm, NGC's ulimits), with this torchdoctor mounted in read-only.
// The portable release binary (TD_PORTABLE: glibc 2.17 and newer, its C++ runtime inside) is mounted
// alone and runs on the image's own glibc, which every glibc-based PyTorch image has; in a musl image
// (Alpine) it cannot start, and the container's error is the result. A development build (Debian's
// glibc, newer than most images') runs there through its own dynamic loader and libraries, mounted
// too. Either way nothing leaks into the image's Python.
#include <link.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "torchdoctor/app/commands.hpp"
#include "torchdoctor/app/kb_input.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/engine/run_plan.hpp"
#include "torchdoctor/registry/image_ref.hpp"
#include "torchdoctor/report/sections.hpp"
#include "torchdoctor/report/verify.hpp"
#include "torchdoctor/sys/subprocess.hpp"

namespace td {
namespace {

constexpr const char* k_dir = "/opt/torchdoctor";

#ifndef TD_PORTABLE
// The shared objects this process has loaded, by the path the loader opened them with (search
// folder + the DT_NEEDED name, so the file name is the soname the binary asks for).
int collect(struct dl_phdr_info* info, std::size_t /*size*/, void* data) {
  auto* out = static_cast<std::vector<std::string>*>(data);
  const std::string name = info->dlpi_name != nullptr ? info->dlpi_name : "";
  if (!name.empty() && name.front() == '/') out->push_back(name);
  return 0;
}
#endif

struct Bundle {
  std::vector<std::pair<std::string, std::string>> mounts;  // host file -> container path
  std::vector<std::string> launcher;                        // words that start torchdoctor inside
};

Result<Bundle> bundle_self() {
  char exe[PATH_MAX];
  if (::realpath("/proc/self/exe", exe) == nullptr)
    return make_error(ErrorKind::io, "cannot find this torchdoctor binary (/proc/self/exe)");
  Bundle b;
  const std::string bin = std::string(k_dir) + "/torchdoctor";
  b.mounts.emplace_back(exe, bin);
#ifdef TD_PORTABLE
  b.launcher = {bin};
#else
  std::vector<std::string> libs;
  dl_iterate_phdr(collect, &libs);
  std::string loader;
  for (const auto& lib : libs) {
    const std::string base = lib.substr(lib.rfind('/') + 1);
    const std::string dst = std::string(k_dir) + "/lib/" + base;
    b.mounts.emplace_back(lib, dst);
    if (base.rfind("ld-", 0) == 0) loader = dst;
  }
  if (loader.empty())
    b.launcher = {bin};  // a static binary
  else
    b.launcher = {loader, "--library-path", std::string(k_dir) + "/lib", bin};
#endif
  return b;
}

// The arguments the torchdoctor inside gets: verify's own options, passed on.
std::vector<std::string> inner_args(const ParsedArgs& args) {
  std::vector<std::string> a{"verify", "--json"};
  for (const char* repeatable : {"suite", "python"}) {
    for (const auto& v : args.all(repeatable)) a.insert(a.end(), {"--" + std::string(repeatable), v});
  }
  if (auto t = args.get("timeout")) a.insert(a.end(), {"--timeout", *t});
  for (const char* sw : {"no-compile", "nvrtc"}) {
    if (args.has(sw)) a.emplace_back("--" + std::string(sw));
  }
  return a;
}

CheckResult container_check(const std::string& status, const std::string& detail, double ms) {
  return CheckResult{"container", "run", "", status, detail, ms, std::nullopt, ""};
}

// The last non-empty line of what the engine said on stderr (its error).
std::string last_line(const std::string& text) {
  const auto ls = lines(text);
  for (auto it = ls.rbegin(); it != ls.rend(); ++it) {
    if (!trim(*it).empty()) return sanitize(trim(*it), 300);
  }
  return "";
}

}  // namespace

int run_verify_image(const ParsedArgs& args, AppIo& io, Format format, bool color) {
  auto fail = [&io](const Error& e) {
    io.err << "torchdoctor: " << e.message << '\n';
    return exit_code_for(e);
  };
  auto ref = parse_image_ref(*args.get("image"));
  if (!ref) return fail(ref.error());
  RunRequest request;
  request.image = ref->original;
  request.ngc = is_ngc_image(*ref);
  if (auto e = args.get("engine")) {
    request.engine = parse_run_engine(*e);
    if (!request.engine || (*request.engine != RunEngine::docker && *request.engine != RunEngine::podman)) {
      return fail(
          make_error(ErrorKind::bad_input, "--engine '" + sanitize(*e) + "': verify --image runs docker or podman"));
    }
  }
  auto kb = load_kb_for(args, io.env);
  if (!kb) return fail(kb.error());
  auto host = judged_host(ParsedArgs{}, io, *kb);
  if (!host) return fail(host.error());
  RunPlan plan = plan_run(*host, request);
  auto bundle = bundle_self();
  if (!bundle) return fail(bundle.error());
  plan.interactive = false;
  plan.container_name = "torchdoctor-verify-" + std::to_string(::getpid()) + "-" + std::to_string(std::time(nullptr));
  plan.read_only_mounts = bundle->mounts;
  plan.command = bundle->launcher;
  const auto inner = inner_args(args);
  plan.command.insert(plan.command.end(), inner.begin(), inner.end());
  const auto argv = run_argv(plan);

  // The image may have to be pulled first: --pull-timeout on top of the suites' own limits.
  long long pull = 900;
  if (auto v = args.get("pull-timeout")) {
    const auto n = parse_uint(*v);
    if (!n || *n == 0 || *n > 86400)
      return fail(
          make_error(ErrorKind::bad_input, "--pull-timeout '" + sanitize(*v) + "': expected seconds from 1 to 86400"));
    pull = static_cast<long long>(*n);
  }
  long long suites = 630;  // native 30 s + torch 600 s
  if (auto t = args.get("timeout")) suites = 2 * static_cast<long long>(std::max(1.0, std::atof(t->c_str())));
  SpawnOptions o;
  o.timeout = std::chrono::seconds(pull + suites);
  if (args.has("verbose")) io.err << "torchdoctor: " << shell_join(argv) << '\n';
  const auto t0 = std::chrono::steady_clock::now();
  auto ran = run_program(argv, o);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::vector<CheckResult> checks;
  for (const auto& r : plan.reasons)
    checks.push_back(
        CheckResult{"container", "gpu_runtime", "", "fail", r.message + " (fix: " + r.fix + ")", 0, std::nullopt, ""});
  if (!ran) {
    checks.push_back(container_check("fail", "could not start " + argv[0] + ": " + ran.error().message, ms));
  } else if (ran->timed_out) {
    SpawnOptions rm;
    rm.timeout = std::chrono::seconds(20);
    rm.max_output = 1U << 16U;
    (void)run_program({argv[0], "rm", "-f", plan.container_name}, rm);
    checks.push_back(container_check("fail",
                                     argv[0] + " run did not finish in " + std::to_string(o.timeout.count() / 1000) +
                                         " s; the container " + plan.container_name + " was removed",
                                     ms));
  } else {
    const auto doc = nlohmann::json::parse(ran->out, nullptr, false);
    auto inside = doc.is_discarded() ? Result<std::vector<CheckResult>>(make_error(ErrorKind::bad_input, "no JSON"))
                                     : checks_from_json(doc);
    if (!inside) {
      const std::string why = last_line(ran->err);
      checks.push_back(
          container_check("fail", argv[0] + " run " + ran->describe_failure() + (why.empty() ? "" : ": " + why), ms));
    } else {
      checks.push_back(
          container_check("pass", "started " + ref->str() + " (GPU access: " + gpu_access_name(plan.gpu) + ")", ms));
      checks.insert(checks.end(), inside->begin(), inside->end());
    }
  }
  if (format == Format::json) {
    io.out << checks_in_image_json(checks, ref->original, argv).dump(2) << '\n';
  } else {
    std::ostringstream text;
    print_checks_in_image(text, checks, ref->str() + " (" + argv[0] + ", " + gpu_access_name(plan.gpu) + ")",
                          color && format == Format::text);
    // --format markdown: the text report, fenced for a bug report.
    io.out << (format == Format::markdown ? render_markdown_report("torchdoctor verify", text.str()) : text.str());
  }
  const bool failed =
      std::any_of(checks.begin(), checks.end(), [](const CheckResult& c) { return c.status == "fail"; });
  return failed ? k_exit_problem : k_exit_ok;
}

}  // namespace td
