// `torchdoctor k8s labels` (an NFD features.d file for this node) and `torchdoctor k8s affinity
// IMAGE` (the nodeAffinity and resources that place IMAGE where those labels say it runs).
#include <chrono>
#include <csignal>
#include <ostream>
#include <thread>

#include "torchdoctor/app/commands.hpp"
#include "torchdoctor/app/image_checks.hpp"
#include "torchdoctor/app/kb_input.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/engine/k8s.hpp"
#include "torchdoctor/registry/image_ref.hpp"
#include "torchdoctor/sys/file_writer.hpp"

namespace td {
namespace {

volatile std::sig_atomic_t g_stop = 0;  // set by SIGTERM/SIGINT while --every sleeps
void on_stop(int /*sig*/) { g_stop = 1; }

int fail_with(AppIo& io, const Error& e) {
  io.err << "torchdoctor: " << e.message << '\n';
  return exit_code_for(e);
}

// One round: probe, label, write. Returns the exit code of that round.
int write_labels_once(const ParsedArgs& args, AppIo& io, const Kb& kb, bool json_out) {
  auto facts = gather_host(args, io, gpu_resolver(kb));
  if (!facts) return fail_with(io, facts.error());
  const NodeProfile node = node_profile(*facts, kb);
  const auto labels = node_labels(node, *facts, kb);
  auto file = features_file(labels);
  if (!file) return fail_with(io, file.error());
  if (auto path = args.get("output")) {
    if (auto s = write_file_atomic(*path, *file); !s) return fail_with(io, s.error());
    if (args.has("verbose")) io.err << "torchdoctor: wrote " << labels.size() << " labels to " << *path << '\n';
    return k_exit_ok;
  }
  if (json_out) io.out << nlohmann::json{{"schema", "torchdoctor.k8s-labels/v1"}, {"labels", labels}}.dump(2) << '\n';
  else io.out << *file;
  return k_exit_ok;
}

int run_labels(const ParsedArgs& args, AppIo& io, bool json_out) {
  if (args.positionals.size() != 1) return fail_with(io, make_error(ErrorKind::bad_input, "k8s labels takes no arguments"));
  auto kb = load_kb_for(args);
  if (!kb) return fail_with(io, kb.error());
  std::optional<long long> every;
  if (auto e = args.get("every")) {
    const auto n = parse_uint(*e);
    if (!n || *n < 10 || *n > 7 * 86400) return fail_with(io, make_error(ErrorKind::bad_input, "--every '" + sanitize(*e) + "': expected seconds from 10 to 604800"));
    if (!args.has("output")) return fail_with(io, make_error(ErrorKind::bad_input, "--every rewrites a file: give --output FILE"));
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
  if (args.positionals.size() != 2) return fail_with(io, make_error(ErrorKind::bad_input, "k8s affinity takes one image, e.g. k8s affinity pytorch/pytorch:latest"));
  auto ref = parse_image_ref(args.positionals[1]);
  if (!ref) return fail_with(io, ref.error());
  unsigned gpus = 1;
  if (auto g = args.get("gpus")) {
    const auto n = parse_uint(*g);
    if (!n || *n == 0 || *n > 1024) return fail_with(io, make_error(ErrorKind::bad_input, "--gpus '" + sanitize(*g) + "': expected a number from 1 to 1024"));
    gpus = static_cast<unsigned>(*n);
  }
  auto platform = platform_option(args);
  if (!platform) return fail_with(io, platform.error());
  auto kb = load_kb_for(args);
  if (!kb) return fail_with(io, kb.error());
  ParsedArgs no_probe = args;
  no_probe.values["no-probe"] = {""};
  auto host = gather_host(no_probe, io);
  if (!host) return fail_with(io, host.error());
  auto checked = check_images({*ref}, *platform, args, io, *host, *kb);
  if (!checked) return fail_with(io, checked.error());
  const CheckedImage& c = checked->front();
  const ImageFacts* reg = c.inspection.error ? nullptr : &c.inspection.facts;
  if (reg != nullptr && !reg->found) {
    return fail_with(io, make_error(ErrorKind::bad_input, ref->str() + ": the registry has no such tag (TAG_NOT_FOUND)"));
  }
  const ImageNeeds needs = image_needs(*ref, reg, *kb);
  const auto doc = affinity_for(needs, label_universe(*kb), gpus);
  if (c.inspection.error) io.err << "torchdoctor: the registry was not asked (" << c.inspection.error->message << "); from the knowledge base alone\n";
  for (const auto& u : needs.unknowns) io.err << "torchdoctor: unknown: " << u << " (not constrained)\n";
  if (json_out) io.out << doc.dump(2) << '\n';
  else io.out << "# torchdoctor k8s affinity " << ref->str() << ": spec.affinity of the Pod, resources of its container\n" << to_yaml(doc);
  return k_exit_ok;
}

}  // namespace

std::vector<OptionSpec> k8s_options() {
  std::vector<OptionSpec> specs(host_options().begin(), host_options().end());
  const std::vector<OptionSpec> own{
      {"output", "FILE", "labels: write an NFD feature file atomically (e.g. /etc/kubernetes/node-feature-discovery/features.d/torchdoctor)"},
      {"every", "SECONDS", "labels: rewrite --output every SECONDS until stopped (the DaemonSet's refresh)"},
      {"gpus", "N", "affinity: GPUs the container asks for (default 1)"},
      {"platform", "OS/ARCH", "affinity: read the image's config for this platform (default linux/amd64)"},
      {"format", "FORMAT", "yaml or json (affinity), text or json (labels)"},
      {"json", nullptr, "print JSON"},
  };
  specs.insert(specs.end(), own.begin(), own.end());
  const auto reg = registry_options();
  specs.insert(specs.end(), reg.begin(), reg.end());
  specs.push_back(kb_option());
  return specs;
}

int run_k8s(const ParsedArgs& args, AppIo& io) {
  const std::string format = args.get("format").value_or(args.has("json") ? "json" : "");
  if (!format.empty() && format != "json" && format != "yaml" && format != "text") {
    return fail_with(io, make_error(ErrorKind::bad_input, "--format '" + sanitize(format) + "': expected yaml, json or text"));
  }
  const bool json_out = format == "json";
  const std::string sub = args.positionals.empty() ? "" : args.positionals[0];
  if (sub == "labels") return run_labels(args, io, json_out);
  if (sub == "affinity") return run_affinity(args, io, json_out);
  return fail_with(io, make_error(ErrorKind::bad_input, sub.empty() ? "k8s: say labels or affinity IMAGE" : "k8s '" + sanitize(sub) + "': expected labels or affinity IMAGE"));
}

}  // namespace td
