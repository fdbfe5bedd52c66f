// `torchdoctor image REF...`: what the registry says about images before a pull, judged for this
// host (or the what-if facts): exists, platform, NVIDIA_REQUIRE_*.
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>

#include "torchdoctor/app/commands.hpp"
#include "torchdoctor/app/kb_input.hpp"
#include "torchdoctor/engine/images.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/registry/image_check.hpp"
#include "torchdoctor/registry/inspect.hpp"
#include "torchdoctor/sys/file_system.hpp"

namespace td {
namespace {

using nlohmann::json;

struct ImageRun {
  std::vector<ImageRef> refs;
  InspectOptions inspect;
  RegistryOptions registry;
  bool use_cache = true;
  std::string platform_note;
};

Result<long long> seconds_option(const ParsedArgs& args, const char* name, long long fallback, long long max) {
  const auto v = args.get(name);
  if (!v) return fallback;
  const auto n = parse_uint(*v);
  if (!n || *n == 0 || static_cast<long long>(*n) > max) {
    return make_error(ErrorKind::bad_input, "--" + std::string(name) + " '" + *v + "': expected a whole number from 1 to " + std::to_string(max));
  }
  return static_cast<long long>(*n);
}

Result<ImageRun> read_options(const ParsedArgs& args) {
  ImageRun run;
  if (args.positionals.empty()) return make_error(ErrorKind::bad_input, "image: give at least one image reference (e.g. pytorch/pytorch:latest)");
  std::string errors;
  for (const auto& text : args.positionals) {
    auto ref = parse_image_ref(text);
    if (!ref) errors += (errors.empty() ? "" : "\ntorchdoctor: ") + ref.error().message;
    else run.refs.push_back(*ref);
  }
  if (!errors.empty()) return make_error(ErrorKind::bad_input, errors);
  auto timeout = seconds_option(args, "timeout", 20, 600);
  auto connect = seconds_option(args, "connect-timeout", 5, 120);
  auto jobs = seconds_option(args, "jobs", 8, 64);
  auto ttl = seconds_option(args, "tag-ttl", 600, 30LL * 86400);
  for (const auto* r : {&timeout, &connect, &jobs, &ttl}) {
    if (!*r) return r->error();
  }
  run.registry.request_timeout = std::chrono::seconds(*timeout);
  run.registry.connect_timeout = std::chrono::seconds(std::min(*connect, *timeout));
  for (const auto& h : args.all("insecure-registry")) run.registry.insecure_hosts.insert(to_lower(h));
  run.inspect.jobs = static_cast<unsigned>(*jobs);
  run.inspect.tag_ttl_seconds = *ttl;
  run.inspect.offline = args.has("offline");
  run.inspect.refresh = args.has("refresh");
  run.inspect.now = static_cast<std::int64_t>(std::time(nullptr));
  run.use_cache = !args.has("no-cache");
  if (run.inspect.offline && !run.use_cache) return make_error(ErrorKind::bad_input, "--offline needs the cache; drop --no-cache");
  if (auto p = args.get("platform")) {
    auto platform = parse_platform(*p);
    if (!platform) return platform.error();
    run.inspect.platform = *platform;
  }
  return run;
}

json fact_json(const Fact<Version>& f) { return f ? json(f->str()) : json(nullptr); }
json fact_json(const Fact<std::string>& f) { return f ? json(*f.value) : json(nullptr); }

json platform_json(const Platform& p) {
  json j{{"os", p.os}, {"architecture", p.architecture}, {"variant", p.variant.empty() ? json(nullptr) : json(p.variant)}};
  if (!p.digest.empty()) j["digest"] = p.digest;
  return j;
}

json image_json(const ImageInspection& in, const ImageVerdict* v) {
  const ImageFacts& f = in.facts;
  json j{{"ref", f.ref.original}, {"name", f.ref.str()}};
  j["status"] = in.error ? "error" : (v->problem() ? "problem" : "ok");
  j["error"] = in.error ? json{{"message", in.error->message}} : json(nullptr);
  j["found"] = in.error ? json(nullptr) : json(f.found);
  j["digest"] = f.digest.empty() ? json(nullptr) : json(f.digest);
  j["from_cache"] = f.from_cache;
  j["is_index"] = f.is_index;
  j["platforms"] = json::array();
  for (const auto& p : f.platforms) j["platforms"].push_back(platform_json(p));
  j["requested_platform"] = f.requested.str();
  j["selected_platform"] = f.selected ? json(f.selected->str()) : json(nullptr);
  j["platform_available"] = f.platform_available;
  json require = json::object();
  for (const auto& [k, val] : f.env) {
    if (k.rfind("NVIDIA_REQUIRE_", 0) == 0) require[k] = val;
  }
  const auto disable = f.env.find("NVIDIA_DISABLE_REQUIRE");
  j["facts"] = {{"cuda_version", fact_json(f.cuda_version)},
                {"cudnn_version", fact_json(f.cudnn_version)},
                {"torch_version", fact_json(f.torch_version)},
                {"nvidia_pytorch_version", fact_json(f.nvidia_pytorch_version)},
                {"l4t_version", fact_json(f.l4t_version)},
                {"jetpack_version", fact_json(f.jetpack_version)},
                {"require_jetpack", fact_json(f.require_jetpack)},
                {"nvidia_require", require},
                {"disable_require", disable == f.env.end() ? json(nullptr) : json(disable->second)}};
  j["nearest_tags"] = f.nearest_tags;
  j["reasons"] = json::array();
  j["lints"] = json::array();
  j["requirements"] = nullptr;
  if (v != nullptr) {
    for (const auto& r : v->reasons) j["reasons"].push_back({{"code", r.code}, {"severity", severity_name(r.severity)}, {"message", r.message}});
    j["lints"] = v->lints;
    const auto& q = v->requirements;
    j["requirements"] = {{"state", require_state_name(q.state)},
                         {"variable", q.variable.empty() ? json(nullptr) : json(q.variable)},
                         {"gpu", q.gpu.empty() ? json(nullptr) : json(q.gpu)},
                         {"message", q.message.empty() ? json(nullptr) : json(q.message)},
                         {"unknown_properties", q.unknown_properties}};
  }
  return j;
}

void print_text(std::ostream& out, const ImageInspection& in, const ImageVerdict* v, bool color) {
  const ImageFacts& f = in.facts;
  auto paint = [&](const char* code, const std::string& s) { return color ? std::string("\033[") + code + "m" + s + "\033[0m" : s; };
  const std::string status = in.error ? paint("33", "UNKNOWN") : (v->problem() ? paint("31", "PROBLEM") : paint("32", "OK"));
  out << status << "  " << f.ref.str();
  if (!f.digest.empty()) out << "  (" << f.digest.substr(0, 19) << (f.from_cache ? ", from cache" : "") << ")";
  out << '\n';
  if (in.error) {
    out << "  could not check: " << in.error->message << '\n';
    return;
  }
  if (f.found) {
    std::string plats;
    for (const auto& p : f.platforms) plats += (plats.empty() ? "" : ", ") + p.str();
    out << "  platforms    " << (plats.empty() ? "unknown" : plats) << "  (asked for " << f.requested.str() << ")\n";
    std::string stack;
    auto add = [&](const char* label, const std::optional<std::string>& value) {
      if (value) stack += (stack.empty() ? "" : ", ") + std::string(label) + " " + *value;
    };
    add("CUDA", f.cuda_version ? std::optional(f.cuda_version->str()) : std::nullopt);
    add("cuDNN", f.cudnn_version ? std::optional(f.cudnn_version->str()) : std::nullopt);
    add("torch", f.torch_version ? std::optional(f.torch_version->str()) : std::nullopt);
    add("NGC", f.nvidia_pytorch_version.value);
    add("L4T", f.l4t_version ? std::optional(f.l4t_version->str()) : std::nullopt);
    out << "  contents     " << (stack.empty() ? "no CUDA/torch hints in the config" : stack) << '\n';
    out << "  requirements " << require_state_name(v->requirements.state) << '\n';
  }
  for (const auto& r : v->reasons) {
    out << "  " << (r.severity == ReasonSeverity::error ? "x " : r.severity == ReasonSeverity::warning ? "! " : "i ") << r.code
        << ": " << r.message << '\n';
  }
}

}  // namespace

std::vector<OptionSpec> image_options() {
  std::vector<OptionSpec> specs(host_options().begin(), host_options().end());
  specs.insert(specs.end(), output_options().begin(), output_options().end());
  const std::vector<OptionSpec> own{
      {"platform", "OS/ARCH", "check this platform (linux/arm64) instead of this host's"},
      {"insecure-registry", "HOST", "talk plain HTTP to registry HOST[:PORT] (repeatable)", true},
      {"offline", nullptr, "answer from the disk cache and the knowledge base only (no network)"},
      {"refresh", nullptr, "ask the registry again even for recently cached tags"},
      {"no-cache", nullptr, "neither read nor write the disk cache"},
      {"tag-ttl", "SECONDS", "trust a cached tag this long (default 600)"},
      {"timeout", "SECONDS", "limit for each request, body included (default 20)"},
      {"connect-timeout", "SECONDS", "limit for connecting (default 5)"},
      {"jobs", "N", "references fetched at once (default 8)"},
      {"verbose", nullptr, "log each request to stderr (credentials and tokens never)"},
  };
  specs.insert(specs.end(), own.begin(), own.end());
  specs.push_back(kb_option());
  return specs;
}

// Appends the knowledge base's reasons that the registry check did not already give.
void add_kb_reasons(ImageVerdict& v, const KbImageJudgement& j) {
  for (const auto& r : j.reasons) {
    const bool seen = std::any_of(v.reasons.begin(), v.reasons.end(), [&](const ImageReason& x) { return x.code == r.code; });
    if (seen) continue;
    const ReasonSeverity s = r.severity == Severity::error ? ReasonSeverity::error
                             : r.severity == Severity::warn ? ReasonSeverity::warning
                                                            : ReasonSeverity::info;
    v.reasons.push_back({r.code, r.message + (r.fix.empty() ? "" : " (" + r.fix + ")"), s});
  }
  if (!v.reasons.empty() && j.instead) v.reasons.push_back({"INSTEAD", "for this host use " + *j.instead, ReasonSeverity::info});
}

int run_image(const ParsedArgs& args, AppIo& io) {
  auto out = output_choice(args, io);
  if (!out) {
    io.err << "torchdoctor: " << out.error().message << '\n';
    return k_exit_usage;
  }
  auto run = read_options(args);
  if (!run) {
    io.err << "torchdoctor: " << run.error().message << '\n';
    return exit_code_for(run.error());
  }
  auto host = gather_host(args, io);
  if (!host) {
    io.err << "torchdoctor: " << host.error().message << '\n';
    return exit_code_for(host.error());
  }
  if (!args.has("platform")) {
    const auto machine = host->cpu.arch ? platform_for_machine(*host->cpu.arch) : std::nullopt;
    if (machine) run->inspect.platform = *machine;
    else io.err << "torchdoctor: this host's architecture is unknown; checking linux/amd64 (use --arch or --platform)\n";
  }
  std::optional<RegistryCache> cache;
  if (run->use_cache) {
    if (auto dir = RegistryCache::default_dir(io.env)) cache.emplace(*dir);
  }
  if (run->inspect.offline && !cache) {
    io.err << "torchdoctor: --offline needs a cache folder, but neither XDG_CACHE_HOME nor HOME is set\n";
    return k_exit_usage;
  }
  if (args.has("verbose")) run->registry.log = [&io](const std::string& line) { io.err << "torchdoctor: " << line << '\n'; };
  const auto fs = make_real_file_system("/");
  auto creds = std::make_shared<DockerConfigCredentials>(*fs, io.env, std::chrono::seconds(5));
  RegistryShared shared(run->registry, creds);
  const auto results = inspect_images(run->refs, &shared, cache ? &*cache : nullptr, run->inspect);
  if (args.has("verbose")) {
    for (const auto& w : creds->warnings()) io.err << "torchdoctor: " << w << '\n';
  }
  // The knowledge base adds what a registry cannot tell (the torch inside, the L4T line) and, offline,
  // judges tags it knows without any request.
  auto kb = load_kb_for(args);
  if (!kb) {
    io.err << "torchdoctor: " << kb.error().message << '\n';
    return exit_code_for(kb.error());
  }
  bool problem = false;
  bool undetermined = false;
  json doc{{"schema", k_image_schema}, {"tool_version", tool_version()}, {"platform", run->inspect.platform.str()}, {"images", json::array()}};
  for (auto r : results) {
    std::optional<ImageVerdict> verdict;
    const auto kbj = judge_image_from_kb(*host, *kb, r.facts.ref.registry, r.facts.ref.repository, r.facts.ref.tag);
    if (!r.error) {
      verdict = check_image(r.facts, *host);
      if (kbj.known_tag) add_kb_reasons(*verdict, kbj);
    } else if (run->inspect.offline && (kbj.known_tag || kbj.known_repository)) {
      verdict = ImageVerdict{};
      verdict->requirements.state = RequireState::unknown;
      verdict->requirements.message = "not evaluated: offline, and the image's config is not in the cache";
      verdict->reasons.push_back({"FROM_KB", "judged from the knowledge base alone (offline, not in the cache)", ReasonSeverity::info});
      add_kb_reasons(*verdict, kbj);
      r.error.reset();
      r.facts.found = kbj.known_tag;
      r.facts.nearest_tags = kbj.nearest_tags;
    }
    problem = problem || (verdict && verdict->problem());
    undetermined = undetermined || r.error.has_value();
    if (out->format == Format::json) doc["images"].push_back(image_json(r, verdict ? &*verdict : nullptr));
    else print_text(io.out, r, verdict ? &*verdict : nullptr, out->color);
  }
  const int code = problem ? k_exit_problem : (undetermined ? k_exit_undetermined : k_exit_ok);
  if (out->format == Format::json) {
    doc["exit_code"] = code;
    io.out << doc.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
  }
  return code;
}

}  // namespace td
