// The gpu_libs detector: on the live machine, the cached answer or a fresh one from NVML, libcuda
// and (last) nvidia-smi, merged into the facts; for a --root tree, a note that it was skipped.
#include "torchdoctor/probe/gpu_libs.hpp"

#include "torchdoctor/probe/probe.hpp"
#include "torchdoctor/sys/dynamic_library.hpp"

namespace td {
namespace {

constexpr const char* k_skipped = "not probed: --root names another tree, whose GPU libraries cannot run here";

void mark_skipped(HostFacts& facts) {
  auto& p = facts.gpu_probe;
  p.answered_by = Fact<std::string>::unknown("", k_skipped);
  p.cache = Fact<std::string>::unknown("", k_skipped);
  p.nvml_library = Fact<std::string>::unknown("nvml", k_skipped);
  p.libcuda_library = Fact<std::string>::unknown("libcuda", k_skipped);
  p.libcuda_forward_compat = Fact<bool>::unknown("libcuda", k_skipped);
  p.libcuda_cuda_level = Fact<Version>::unknown("libcuda", k_skipped);
  p.cuda_visible_devices = Fact<std::string>::unknown("", k_skipped);
  p.cuda_device_count = Fact<std::uint32_t>::unknown("libcuda", k_skipped);
  if (!facts.driver.cuda_level) facts.driver.cuda_level = Fact<Version>::unknown("nvml", k_skipped);
}

bool any_transient(const GpuLibsAnswer& a) { return a.nvml.transient || a.libcuda.transient || a.nvidia_smi.transient; }

}  // namespace

GpuLibsAnswer ask_gpu_sources(const ProbeContext& ctx) {
  const GpuProbeOptions& o = ctx.gpu;
  GpuLibsAnswer a;
  a.cuda_visible_devices = ctx.env.get("CUDA_VISIBLE_DEVICES");
  const auto nvml = o.nvml_candidates.empty() ? nvml_library_candidates() : o.nvml_candidates;
  const auto cuda = o.libcuda_candidates.empty() ? libcuda_library_candidates() : o.libcuda_candidates;
  a.nvml = run_isolated(
      "NVML", [&nvml] { return query_nvml(nvml); }, o, a.cuda_visible_devices);
  // libcuda too when NVML answered: it tells which libcuda programs will load (a forward-compat
  // one?) and what CUDA_VISIBLE_DEVICES leaves them.
  a.libcuda = run_isolated(
      "libcuda", [&cuda] { return query_libcuda(cuda); }, o, a.cuda_visible_devices);
  if (a.nvml.status != VendorAnswer::Status::answered && a.libcuda.status != VendorAnswer::Status::answered) {
    a.nvidia_smi = query_nvidia_smi(ctx.fs, ctx.env, o.timeout);
  }
  return a;
}

void probe_gpu_libs(const ProbeContext& ctx, HostFacts& facts) {
  const auto path = ctx.gpu.use_cache ? gpu_cache_path(ctx.env) : std::nullopt;
  const std::string key = path ? gpu_cache_key(ctx.fs, ctx.env, facts) : std::string();
  const CacheLookup lookup = path ? read_gpu_cache(*path, key) : CacheLookup{};
  if (lookup.state == CacheLookup::State::hit) {
    merge_gpu_answer(*lookup.answer, facts);
    facts.gpu_probe.cache = Fact<std::string>::known("hit", "file:" + *path);
    return;
  }
  const GpuLibsAnswer answer = ask_gpu_sources(ctx);
  merge_gpu_answer(answer, facts);
  if (!path) {
    facts.gpu_probe.cache = Fact<std::string>::known("disabled", "");
    facts.gpu_probe.cache.note =
        ctx.gpu.use_cache ? "neither XDG_CACHE_HOME nor HOME is an absolute path" : "--no-cache";
    return;
  }
  const bool corrupt = lookup.state == CacheLookup::State::corrupt;
  auto& cache = facts.gpu_probe.cache;
  cache = Fact<std::string>::known(corrupt ? "corrupt" : "miss", "file:" + *path);
  cache.note = corrupt ? "ignored (" + lookup.detail + ")" : lookup.detail;
  if (any_transient(answer)) {
    cache.note += "; not written: a GPU library timed out or crashed, the next probe asks again";
  } else if (auto written = write_gpu_cache(*path, key, answer); !written) {
    cache.note += "; not written: " + written.error().message;
  } else {
    cache.note += corrupt ? "; rewritten" : "; written";
  }
}

void detect_gpu_libs(const ProbeContext& ctx, HostFacts& facts) {
  if (!ctx.fs.is_live_root()) {
    mark_skipped(facts);
    return;
  }
  probe_gpu_libs(ctx, facts);
}

}  // namespace td
