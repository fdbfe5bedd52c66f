#include "torchdoctor/registry/inspect.hpp"

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

#include "torchdoctor/registry/http.hpp"
#include "torchdoctor/registry/tags.hpp"

namespace td {
namespace {

// Where content comes from: the cache when it has it, else the registry (then stored).
class Source {
 public:
  Source(RegistryClient* client, const RegistryCache* cache, const ImageRef& ref, const InspectOptions& o)
      : m_client(client), m_cache(cache), m_ref(ref), m_options(o) {}

  bool used_network() const { return m_network; }

  Result<std::string> manifest_by_digest(const std::string& digest) {
    if (m_cache != nullptr) {
      if (auto hit = m_cache->blob(digest)) return std::move(*hit);
    }
    if (m_client == nullptr) return offline_miss("manifest " + digest.substr(0, 19));
    m_network = true;
    auto m = m_client->get_manifest(m_ref, digest);
    if (!m) return m.error();
    if (m_cache != nullptr) (void)m_cache->store_blob(m->digest, m->body);
    return std::move(m->body);
  }

  Result<std::string> config(const std::string& digest) {
    if (m_cache != nullptr) {
      if (auto hit = m_cache->blob(digest)) return std::move(*hit);
    }
    if (m_client == nullptr) return offline_miss("config " + digest.substr(0, 19));
    m_network = true;
    auto b = m_client->get_blob(m_ref, digest);
    if (!b) return b.error();
    if (m_cache != nullptr) (void)m_cache->store_blob(digest, *b);
    return std::move(*b);
  }

  // The digest and body of what the reference names.
  Result<std::pair<std::string, std::string>> top() {
    if (!m_ref.digest.empty()) {
      auto body = manifest_by_digest(m_ref.digest);
      if (!body) return body.error();
      return std::pair{m_ref.digest, std::move(*body)};
    }
    if (m_cache != nullptr && (!m_options.refresh || m_client == nullptr)) {
      const auto entry = m_cache->tag(m_ref);
      const bool fresh =
          entry && m_options.now - entry->fetched_at < m_options.tag_ttl_seconds && entry->fetched_at <= m_options.now;
      if (entry && (fresh || m_client == nullptr)) {
        if (auto body = m_cache->blob(entry->digest)) return std::pair{entry->digest, std::move(*body)};
      }
    }
    if (m_client == nullptr) return offline_miss("tag " + m_ref.tag);
    m_network = true;
    auto m = m_client->get_manifest(m_ref, m_ref.tag);
    if (!m) return m.error();
    if (m_cache != nullptr) {
      (void)m_cache->store_blob(m->digest, m->body);
      (void)m_cache->store_tag(m_ref, CachedTag{m->digest, m_options.now});
    }
    return std::pair{m->digest, std::move(m->body)};
  }

 private:
  Error offline_miss(const std::string& what) const {
    return make_error(ErrorKind::unavailable, "--offline: the cache has no " + what + " of " + m_ref.str() +
                                                  " (run once without --offline to fill it)");
  }

  RegistryClient* m_client;
  const RegistryCache* m_cache;
  const ImageRef& m_ref;
  const InspectOptions& m_options;
  bool m_network = false;
};

// Picks the index entry for the requested platform, or a stand-in to read facts from.
std::pair<std::optional<Platform>, bool> choose_platform(const std::vector<Platform>& platforms, const Platform& want) {
  for (const auto& p : platforms) {
    if (platform_matches(want, p) && (want.architecture != "arm64" || p.variant.empty() || p.variant == "v8"))
      return {p, true};
  }
  for (const auto& p : platforms) {
    if (platform_matches(want, p)) return {p, true};
  }
  for (const auto& p : platforms) {
    if (p.os == "linux") return {p, false};
  }
  if (!platforms.empty()) return {platforms.front(), false};
  return {std::nullopt, false};
}

void suggest(RegistryClient* client, ImageFacts& facts, const InspectOptions& o) {
  facts.found = false;
  if (client == nullptr || !o.suggest_tags || !facts.ref.digest.empty()) return;
  auto tags = client->list_tags(facts.ref);
  if (tags) facts.nearest_tags = nearest_tags(facts.ref.tag, *tags);
}

}  // namespace

ImageInspection inspect_image(RegistryClient* client, const RegistryCache* cache, const ImageRef& ref,
                              const InspectOptions& o) {
  ImageInspection out;
  ImageFacts& f = out.facts;
  f.ref = ref;
  f.requested = o.platform;
  Source src(client, cache, ref, o);
  auto fail = [&](Error e) {
    out.error = std::move(e);
    return out;
  };
  auto top = src.top();
  if (!top) {
    if (top.error().kind == ErrorKind::not_found) {
      suggest(client, f, o);
      return out;
    }
    return fail(top.error());
  }
  f.digest = top->first;
  auto parsed = parse_manifest(top->second, "");
  if (!parsed) return fail(parsed.error().with_context(ref.str()));
  std::string config_digest = parsed->config_digest;
  if (parsed->is_index) {
    f.is_index = true;
    f.platforms = parsed->platforms;
    auto [chosen, matches] = choose_platform(f.platforms, o.platform);
    f.platform_available = matches;
    if (!chosen) return fail(make_error(ErrorKind::unavailable, ref.str() + ": the index lists no platform"));
    f.selected = *chosen;
    auto body = src.manifest_by_digest(chosen->digest);
    if (!body) return fail(body.error());
    auto inner = parse_manifest(*body, "");
    if (!inner) return fail(inner.error().with_context(ref.str() + " (" + chosen->str() + ")"));
    if (inner->is_index)
      return fail(make_error(ErrorKind::parse, ref.str() + ": an index inside an index is not supported"));
    config_digest = inner->config_digest;
  }
  auto config = src.config(config_digest);
  if (!config) return fail(config.error());
  if (auto s = apply_config(*config, f); !s) return fail(s.error().with_context(ref.str()));
  if (!f.is_index && f.selected) f.platform_available = platform_matches(o.platform, *f.selected);
  f.from_cache = !src.used_network();
  return out;
}

std::vector<ImageInspection> inspect_images(const std::vector<ImageRef>& refs, RegistryShared* shared,
                                            const RegistryCache* cache, const InspectOptions& o) {
  std::vector<ImageInspection> results(refs.size());
  if (!o.offline) (void)http_init();  // load libcurl before the threads; a failure shows per request
  if (shared != nullptr && !o.offline) shared->plan_repositories(refs);
  std::atomic<std::size_t> next{0};
  auto worker = [&]() {
    std::unique_ptr<RegistryClient> client;
    if (shared != nullptr && !o.offline) client = std::make_unique<RegistryClient>(*shared);
    for (std::size_t i = next++; i < refs.size(); i = next++) {
      results[i] = inspect_image(client.get(), cache, refs[i], o);
    }
  };
  // Threads wait on the network; offline, the cache answers at once and one thread is enough.
  const std::size_t n = o.offline ? 1 : std::clamp<std::size_t>(o.jobs, 1, std::max<std::size_t>(refs.size(), 1));
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < n; ++t) {
    try {
      threads.emplace_back(worker);
    } catch (...) {  // no more threads: the ones we have (and this one) do the rest
      break;
    }
  }
  worker();
  for (auto& t : threads) t.join();
  return results;
}

}  // namespace td
