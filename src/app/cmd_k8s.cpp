// `torchdoctor k8s labels` (an NFD features.d file for this node) and `torchdoctor k8s affinity
// IMAGE` (the nodeAffinity and resources that place IMAGE where those labels say it runs).
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <ostream>
#include <thread>

#include "torchdoctor/app/commands.hpp"
#include "torchdoctor/app/image_checks.hpp"
#include "torchdoctor/app/kb_input.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/engine/k8s.hpp"
#include "torchdoctor/registry/image_ref.hpp"
#include "torchdoctor/report/k8s.hpp"
#include "torchdoctor/sys/file_reader.hpp"
#include "torchdoctor/sys/file_writer.hpp"

namespace td {
namespace {

volatile std::sig_atomic_t g_stop = 0;  // set by SIGTERM/SIGINT while --every sleeps
void on_stop(int /*sig*/) { g_stop = 1; }

// Temporaries of killed runs next to the labels file: hidden ones (".NAME.tmp.XXXXXX", which NFD
// skips) and those of torchdoctor 0.1.0 ("NAME.XXXXXX", which NFD read as a second, stale labels
// file). Only files older than a minute: a younger one may be another writer's.
void remove_label_temporaries(const std::string& path) {
  const auto slash = path.rfind('/');
  const std::string dir = path.substr(0, slash == 0 ? 1 : slash);
  const std::string base = path.substr(slash + 1);
  remove_stale_temporaries(dir, std::chrono::seconds(60));
  std::error_code ec;
  const auto now = std::filesystem::file_time_type::clock::now();
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() != base.size() + 7 || name.compare(0, base.size() + 1, base + ".") != 0) continue;
    const bool suffix = std::all_of(name.begin() + static_cast<long>(base.size()) + 1, name.end(),
                                    [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
    std::error_code e2;
    if (!suffix || !e.is_regular_file(e2) || e.is_symlink(e2) ||
        now - e.last_write_time(e2) <= std::chrono::seconds(60))
      continue;
    // Only a file that holds our labels: a user's "NAME.backup" is not ours to remove.
    const auto head = read_bounded(e.path().string(), 1U << 16U, name);
    if (head && head->rfind(k_label_prefix, 0) == 0) std::filesystem::remove(e.path(), e2);
  }
}

// One round: probe, label, write. Returns the exit code of that round.
int write_labels_once(const ParsedArgs& args, AppIo& io, const Kb& kb, bool json_out) {
  auto host = judged_host(args, io, kb);
  if (!host) return fail_with(io, host.error());
  const NodeProfile node = node_profile(*host, kb);
  const auto labels = node_labels(node, *host, kb);
  auto file = features_file(labels);
  if (!file) return fail_with(io, file.error());
  if (auto path = args.get("output")) {
    const std::string shown = "--output " + sanitize(*path);
    if (path->empty() || path->front() != '/') {
      char cwd[4096];
      if (::getcwd(cwd, sizeof cwd) == nullptr)
        return fail_with(io, make_error(ErrorKind::bad_input, shown + ": cannot resolve a relative path"));
      *path = std::string(cwd) + "/" + *path;
    }
    remove_label_temporaries(*path);
    // NFD reads the file: readable as the file was (or by all, less the umask), never a device or link replaced.
    if (auto s = write_file_atomic(*path, *file, FileMode::shared); !s)
      return fail_with(io, make_error(ErrorKind::bad_input, shown + ": " + s.error().message));
    if (args.has("verbose")) io.err << "torchdoctor: wrote " << labels.size() << " labels to " << *path << '\n';
    return k_exit_ok;
  }
  io.out << (json_out ? labels_json(labels) : *file);
  return k_exit_ok;
}

int run_labels(const ParsedArgs& args, AppIo& io, bool json_out) {
  if (args.positionals.size() != 1)
    return fail_with(io, make_error(ErrorKind::bad_input, "k8s labels takes no arguments"));
  auto kb = load_kb_for(args, io.env);
  if (!kb) return fail_with(io, kb.error());
  std::optional<long long> every;
  if (auto e = args.get("every")) {
    const auto n = parse_uint(*e);
    if (!n || *n < 10 || *n > 7 * 86400)
      return fail_with(
          io, make_error(ErrorKind::bad_input, "--every '" + sanitize(*e) + "': expected seconds from 10 to 604800"));
    if (!args.has("output"))
      return fail_with(io, make_error(ErrorKind::bad_input, "--every rewrites a file: give --output FILE"));
    every = static_cast<long long>(*n);
  }
  if (!every) return write_labels_once(args, io, *kb, json_out);
  std::signal(SIGTERM, on_stop);
  std::signal(SIGINT, on_stop);
  while (g_stop == 0) {
    // A failed round is reported and retried at the next one: the DaemonSet keeps running.
    (void)write_labels_once(args, io, *kb, json_out);
    for (long long s = 0; s < *every && g_stop == 0; ++s) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return k_exit_ok;
}

int run_affinity(const ParsedArgs& args, AppIo& io, bool json_out) {
  if (args.positionals.size() != 2)
    return fail_with(
        io, make_error(ErrorKind::bad_input, "k8s affinity takes one image, e.g. k8s affinity pytorch/pytorch:latest"));
  auto ref = parse_image_ref(args.positionals[1]);
  if (!ref) return fail_with(io, ref.error());
  unsigned gpus = 1;
  if (auto g = args.get("gpu-count")) {
    const auto n = parse_uint(*g);
    if (!n || *n == 0 || *n > 1024)
      return fail_with(
          io, make_error(ErrorKind::bad_input, "--gpu-count '" + sanitize(*g) + "': expected a number from 1 to 1024"));
    gpus = static_cast<unsigned>(*n);
  }
  auto platform = platform_option(args);
  if (!platform) return fail_with(io, platform.error());
  auto kb = load_kb_for(args, io.env);
  if (!kb) return fail_with(io, kb.error());
  auto host = judged_host(args, io, *kb, HostRequest::no_facts());
  if (!host) return fail_with(io, host.error());
  auto checked = check_images({*ref}, *platform, args, io, *host, *kb);
  if (!checked) return fail_with(io, checked.error());
  const CheckedImage& c = checked->front();
  const ImageFacts* reg = c.inspection.error ? nullptr : &c.inspection.facts;
  if (reg != nullptr && !reg->found) {
    // No affinity for a tag that does not exist (exit 1), or that nothing could confirm (offline,
    // and the KB does not list it: exit 3). The reason is the one `image` gives.
    const ImageReason* why = nullptr;
    if (c.verdict) {
      for (const auto& r : c.verdict->reasons) {
        if (r.code == "TAG_NOT_FOUND" || r.code == "TAG_UNKNOWN") {
          why = &r;
          break;
        }
      }
    }
    const bool missing = why == nullptr || why->code == "TAG_NOT_FOUND";
    io.err << "torchdoctor: " << ref->str() << ": "
           << (why ? why->code + " - " + why->message : std::string("TAG_NOT_FOUND - the registry has no such tag"))
           << '\n';
    return missing ? k_exit_problem : k_exit_undetermined;
  }
  const ImageNeeds needs = image_needs(*ref, reg, *kb);
  const auto doc = affinity_for(needs, label_universe(*kb), gpus);
  if (c.inspection.error)
    io.err << "torchdoctor: the registry was not asked (" << c.inspection.error->message
           << "); from the knowledge base alone\n";
  for (const auto& u : needs.unknowns) io.err << "torchdoctor: unknown: " << u << " (not constrained)\n";
  io.out << render_affinity(ref->str(), doc, json_out);
  return k_exit_ok;
}

}  // namespace

std::vector<OptionSpec> k8s_options() {
  return options_named({host_option_names(),
                        {"output", "every", "gpu-count", "platform", "format", "json"},
                        registry_option_names(),
                        {"kb"}});
}

int run_k8s(const ParsedArgs& args, AppIo& io) {
  // The app has refused any --format but the command's own (yaml, text, json).
  const bool json_out = args.get("format").value_or(args.has("json") ? "json" : "") == "json";
  const std::string sub = args.positionals.empty() ? "" : args.positionals[0];
  if (sub == "labels") return run_labels(args, io, json_out);
  if (sub == "affinity") return run_affinity(args, io, json_out);
  return fail_with(io, make_error(ErrorKind::bad_input,
                                  sub.empty() ? "k8s: say labels or affinity IMAGE"
                                              : "k8s '" + sanitize(sub) + "': expected labels or affinity IMAGE"));
}

}  // namespace td
