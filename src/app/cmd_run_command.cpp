// `torchdoctor run-command IMAGE [-- COMMAND...]`: the exact command that starts IMAGE on this host
// with the GPU, shared memory, NGC's ulimits, the working folder and a non-root user; the image is
// checked for this host first (registry, cache or knowledge base).
#include <unistd.h>
#include <algorithm>

#include <climits>
#include <cstdlib>
#include <ostream>

#include "torchdoctor/app/commands.hpp"
#include "torchdoctor/app/image_checks.hpp"
#include "torchdoctor/app/kb_input.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/engine/run_plan.hpp"
#include "torchdoctor/registry/image_ref.hpp"
#include "torchdoctor/report/run_command.hpp"

namespace td {
namespace {

Result<std::uint64_t> parse_size(const std::string& text) {
  std::string t = to_lower(text);
  std::uint64_t unit = 1;
  for (const auto& [suffix, mult] : std::initializer_list<std::pair<const char*, std::uint64_t>>{{"gib", 1ULL << 30U},
                                                                                                 {"gb", 1ULL << 30U},
                                                                                                 {"gi", 1ULL << 30U},
                                                                                                 {"g", 1ULL << 30U},
                                                                                                 {"mib", 1ULL << 20U},
                                                                                                 {"mb", 1ULL << 20U},
                                                                                                 {"mi", 1ULL << 20U},
                                                                                                 {"m", 1ULL << 20U}}) {
    const std::string s = suffix;
    if (t.size() > s.size() && t.compare(t.size() - s.size(), s.size(), s) == 0) {
      t.resize(t.size() - s.size());
      unit = mult;
      break;
    }
  }
  const auto n = parse_uint(t);
  if (!n || *n == 0 || *n > (1ULL << 50U) / unit || *n * unit < (1ULL << 20U)) {
    return make_error(ErrorKind::bad_input, "--shm-size '" + sanitize(text) +
                                                "': expected a size of at least 1 MiB such as 8g, 16GiB or 512m");
  }
  return *n * unit;
}

Result<UserIds> parse_user(const std::string& text) {
  const auto colon = text.find(':');
  const auto uid = parse_uint(text.substr(0, colon));
  const auto gid = colon == std::string::npos ? std::nullopt : parse_uint(text.substr(colon + 1));
  if (!uid || !gid || *uid > UINT_MAX || *gid > UINT_MAX) {
    return make_error(ErrorKind::bad_input,
                      "--user '" + sanitize(text) + "': expected numeric UID:GID such as 1000:1000");
  }
  return UserIds{static_cast<unsigned>(*uid), static_cast<unsigned>(*gid)};
}

// Kubernetes object names (and safe compose service names): a DNS-1123 label.
bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 63 || n.front() == '-' || n.back() == '-') return false;
  return n.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos;
}

Result<unsigned> small_number(const ParsedArgs& args, const char* name, unsigned fallback, unsigned max) {
  const auto v = args.get(name);
  if (!v) return fallback;
  const auto n = parse_uint(*v);
  if (!n || *n == 0 || *n > max) {
    return make_error(ErrorKind::bad_input, "--" + std::string(name) + " '" + sanitize(*v) +
                                                "': expected a whole number from 1 to " + std::to_string(max));
  }
  return static_cast<unsigned>(*n);
}

Result<std::string> working_folder(const ParsedArgs& args) {
  if (args.has("no-mount")) return std::string();
  const std::string given = args.get("workdir").value_or(".");
  char buf[PATH_MAX];
  if (::realpath(given.c_str(), buf) == nullptr) {
    return make_error(ErrorKind::bad_input, "--workdir '" + sanitize(given) + "': no such folder");
  }
  return std::string(buf);
}

Result<RunRequest> read_request(const ParsedArgs& args, const ImageRef& ref) {
  RunRequest r;
  r.image = ref.original;
  r.ngc = is_ngc_image(ref);
  r.command.assign(args.positionals.begin() + 1, args.positionals.end());
  if (auto e = args.get("engine")) {
    r.engine = parse_run_engine(*e);
    if (!r.engine)
      return make_error(ErrorKind::bad_input,
                        "--engine '" + sanitize(*e) + "': expected docker, podman, compose or k8s");
  }
  auto dir = working_folder(args);
  if (!dir) return dir.error();
  r.host_dir = *dir;
  if (args.has("as-root") && args.has("user"))
    return make_error(ErrorKind::bad_input, "--as-root and --user contradict each other; give one");
  if (auto u = args.get("user")) {
    auto ids = parse_user(*u);
    if (!ids) return ids.error();
    r.user = *ids;
  } else if (!args.has("as-root") && ::getuid() != 0) {
    r.user = UserIds{::getuid(), ::getgid()};
  }
  if (args.has("ipc-host") && args.has("shm-size"))
    return make_error(ErrorKind::bad_input, "--ipc-host and --shm-size contradict each other; give one");
  r.ipc_host = args.has("ipc-host");
  if (auto s = args.get("shm-size")) {
    auto bytes = parse_size(*s);
    if (!bytes) return bytes.error();
    r.shm_bytes = *bytes;
  }
  if (args.has("jupyter")) {
    if (!r.command.empty())
      return make_error(ErrorKind::bad_input,
                        "--jupyter starts JupyterLab: drop the command after the image, or drop --jupyter");
    auto port = small_number(args, "port", 8888, 65535);
    if (!port) return port.error();
    r.jupyter_port = *port;
  } else if (args.has("port")) {
    return make_error(ErrorKind::bad_input, "--port is the JupyterLab port: use it with --jupyter");
  }
  if (args.has("gpu-count")) {
    auto n = small_number(args, "gpu-count", 1, 1024);
    if (!n) return n.error();
    r.gpu_count = *n;
  }
  r.name = args.get("name").value_or("torch");
  if (!valid_name(r.name)) {
    return make_error(
        ErrorKind::bad_input,
        "--name '" + sanitize(r.name) + "': use lower-case letters, digits and '-' (at most 63, a Kubernetes name)");
  }
  return r;
}

}  // namespace

std::vector<OptionSpec> run_command_options() {
  return options_named({host_option_names(),
                        output_option_names(),
                        {"engine", "workdir", "no-mount", "user", "as-root", "ipc-host", "shm-size", "jupyter", "port",
                         "gpu-count", "name", "no-check", "quiet"},
                        registry_option_names(),
                        {"kb"}});
}

int run_run_command(const ParsedArgs& args, AppIo& io) {
  auto out = output_choice(args, io);
  if (!out) return fail_with(io, out.error());
  if (args.positionals.empty()) {
    return fail_with(
        io, make_error(ErrorKind::bad_input,
                       "run-command: give an image, e.g. torchdoctor run-command nvcr.io/nvidia/pytorch:24.05-py3"));
  }
  auto ref = parse_image_ref(args.positionals[0]);
  if (!ref) return fail_with(io, ref.error());
  auto request = read_request(args, *ref);
  if (!request) return fail_with(io, request.error());
  auto kb = load_kb_for(args, io.env);
  if (!kb) return fail_with(io, kb.error());
  auto host = judged_host(args, io, *kb);
  if (!host) return fail_with(io, host.error());
  const RunPlan plan = plan_run(*host, *request);

  std::optional<CheckedImage> checked;
  std::string skipped_why = "not checked (--no-check)";
  bool arch_unknown = false;
  if (!args.has("no-check")) {
    const auto& arch = host->facts().cpu.arch;
    const auto platform = arch ? platform_for_machine(*arch) : std::nullopt;
    if (!platform) {
      skipped_why = "not checked: this host's architecture is unknown (give --arch)";
      arch_unknown = true;
    } else {
      auto results = check_images({*ref}, *platform, args, io, *host, *kb);
      if (!results) return fail_with(io, results.error());
      checked = std::move(results->front());
    }
  }
  RunImageCheck check = summarize_image_check(checked, skipped_why);
  check.undetermined = check.undetermined || arch_unknown;
  const bool problem = has_error(plan.reasons) || check.problem;
  const int code = problem ? k_exit_problem : check.undetermined ? k_exit_undetermined : k_exit_ok;
  const std::string text = render_run(plan);
  if (out->format == Format::json) {
    io.out << run_command_json(plan, text, check, code, tool_version());
    return code;
  }
  io.out << text;
  if (!args.has("quiet"))
    io.err << render_run_why(plan, check, ref->str());
  else if (problem)
    io.err << "torchdoctor: this command will not work as it is: run without --quiet to see why\n";
  return code;
}

}  // namespace td
