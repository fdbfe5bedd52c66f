// Checking images for a host, shared by `image` and `run-command`.
#include "torchdoctor/app/image_checks.hpp"

#include <algorithm>
#include <ctime>
#include <functional>
#include <memory>
#include <ostream>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/engine/images.hpp"
#include "torchdoctor/registry/cache.hpp"
#include "torchdoctor/sys/file_system.hpp"

namespace td {
namespace {

struct RegistrySetup {
  InspectOptions inspect;
  RegistryOptions registry;
  bool use_cache = true;
};

Result<long long> seconds_option(const ParsedArgs& args, const char* name, long long fallback, long long max) {
  const auto v = args.get(name);
  if (!v) return fallback;
  const auto n = parse_uint(*v);
  if (!n || *n == 0 || static_cast<long long>(*n) > max) {
    return make_error(ErrorKind::bad_input, "--" + std::string(name) + " '" + *v +
                                                "': expected a whole number from 1 to " + std::to_string(max));
  }
  return static_cast<long long>(*n);
}

Result<RegistrySetup> read_setup(const ParsedArgs& args) {
  RegistrySetup run;
  auto timeout = timeout_option(args);
  auto connect = seconds_option(args, "connect-timeout", 5, 120);
  auto jobs = seconds_option(args, "jobs", 8, 64);
  auto ttl = seconds_option(args, "tag-ttl", 600, 30LL * 86400);
  auto deadline = seconds_option(args, "deadline", 120, 3600);
  if (!timeout) return timeout.error();
  for (const auto* r : {&connect, &jobs, &ttl, &deadline}) {
    if (!*r) return r->error();
  }
  run.registry.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(*deadline);
  if (*timeout) run.registry.request_timeout = **timeout;
  run.registry.connect_timeout =
      std::min<std::chrono::milliseconds>(std::chrono::seconds(*connect), run.registry.request_timeout);
  for (const auto& h : args.all("insecure-registry")) run.registry.insecure_hosts.insert(to_lower(h));
  run.inspect.jobs = static_cast<unsigned>(*jobs);
  run.inspect.tag_ttl_seconds = *ttl;
  run.inspect.offline = args.has("offline");
  run.inspect.refresh = args.has("refresh");
  run.inspect.now = static_cast<std::int64_t>(std::time(nullptr));
  run.use_cache = !args.has("no-cache");
  if (run.inspect.offline && !run.use_cache)
    return make_error(ErrorKind::bad_input, "--offline needs the cache; drop --no-cache");
  return run;
}

// Appends the knowledge base's reasons that the registry check did not already give, and the
// recommended image where this one does not plainly run (never the image itself).
void add_kb_reasons(ImageVerdict& v, const KbImageJudgement& j, const ImageRef& self,
                    const std::function<std::optional<std::string>()>& instead) {
  for (const auto& r : j.reasons) {
    const bool seen =
        std::any_of(v.reasons.begin(), v.reasons.end(), [&](const ImageReason& x) { return x.code == r.code; });
    if (seen) continue;
    const Severity s = r.severity;
    v.reasons.push_back({r.code, r.message + (r.fix.empty() ? "" : " (" + r.fix + ")"), s});
  }
  if (!v.problem() && !v.undetermined()) return;
  const auto other = instead();
  if (!other) return;
  const auto other_ref = parse_image_ref(*other);
  if (other_ref && other_ref->str() == self.str()) return;
  v.reasons.push_back({"INSTEAD", "for this host use " + *other, Severity::info});
}

// The knowledge base adds what a registry cannot tell (the torch inside, the L4T line) and, offline,
// judges tags it knows without any request.
CheckedImage judge(ImageInspection r, const JudgedHost& host, const Kb& kb, bool offline, bool platform_given,
                   const std::function<std::optional<std::string>()>& instead) {
  std::optional<ImageVerdict> verdict;
  const auto kbj = judge_image_from_kb(host, kb, r.facts.ref.registry, r.facts.ref.repository, r.facts.ref.tag);
  if (!r.error) {
    verdict = check_image(r.facts, host.facts());
    if (kbj.known_tag) add_kb_reasons(*verdict, kbj, r.facts.ref, instead);
  } else if (offline && (kbj.known_tag || kbj.known_repository)) {
    verdict = ImageVerdict{};
    verdict->requirements.state = RequireState::unknown;
    verdict->requirements.message = "not evaluated: offline, and the image's config is not in the cache";
    verdict->reasons.push_back(
        {"FROM_KB", "judged from the knowledge base alone (offline, not in the cache)", Severity::info});
    add_kb_reasons(*verdict, kbj, r.facts.ref, instead);
    r.error.reset();
    r.facts.found = kbj.known_tag;
    r.facts.nearest_tags = kbj.nearest_tags;
  }
  // The platform read was a stand-in: whether the image runs here is not decided.
  if (verdict && !host.facts().cpu.arch && !platform_given) {
    verdict->reasons.push_back(
        {"UNKNOWN_ARCH",
         "this host's CPU architecture is unknown; the " + r.facts.requested.str() +
             " image was read, but whether it runs here is undetermined (give --arch or --platform)",
         Severity::unknown});
  }
  return CheckedImage{std::move(r), std::move(verdict)};
}

}  // namespace

Result<Platform> platform_option(const ParsedArgs& args) {
  if (auto p = args.get("platform")) return parse_platform(*p);
  return Platform{"linux", "amd64", {}, {}};
}

Result<std::vector<CheckedImage>> check_images(const std::vector<ImageRef>& refs, const Platform& platform,
                                               const ParsedArgs& args, const AppIo& io, const JudgedHost& host,
                                               const Kb& kb) {
  auto run = read_setup(args);
  if (!run) return run.error();
  run->inspect.platform = platform;
  std::optional<RegistryCache> cache;
  if (run->use_cache) {
    if (auto dir = RegistryCache::default_dir(io.env)) cache.emplace(*dir);
  }
  if (run->inspect.offline && !cache) {
    return make_error(ErrorKind::bad_input,
                      "--offline needs a cache folder, but neither XDG_CACHE_HOME nor HOME is set");
  }
  if (args.has("verbose"))
    run->registry.log = [&io](const std::string& line) { io.err << "torchdoctor: " << line << '\n'; };
  const auto fs = make_real_file_system("/");
  auto creds = std::make_shared<DockerConfigCredentials>(*fs, io.env, std::chrono::seconds(5));
  RegistryShared shared(run->registry, creds);
  auto results = inspect_images(refs, &shared, cache ? &*cache : nullptr, run->inspect);
  if (args.has("verbose")) {
    for (const auto& w : creds->warnings()) io.err << "torchdoctor: " << w << '\n';
  }
  std::vector<CheckedImage> out;
  out.reserve(results.size());
  // The recommended image is the same for every reference: found once, and only if one needs it.
  std::optional<std::optional<std::string>> recommended;
  const std::function<std::optional<std::string>()> instead = [&]() {
    if (!recommended) recommended = recommended_image(host, kb);
    return *recommended;
  };
  for (auto& r : results)
    out.push_back(judge(std::move(r), host, kb, run->inspect.offline, args.has("platform"), instead));
  return out;
}

}  // namespace td
