// The GPU library probe: NVML first, libcuda next, nvidia-smi last, each asked in a time-boxed
// child process; the answer is cached per boot, driver and PCI GPU list, then merged into HostFacts.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "torchdoctor/core/compute_capability.hpp"
#include "torchdoctor/core/host_facts.hpp"
#include "torchdoctor/core/result.hpp"
#include "torchdoctor/core/version.hpp"

namespace td {

class FileSystem;
class Env;
struct ProbeContext;

/// One GPU as NVML, libcuda or nvidia-smi described it; an absent field has its reason in `unknown_why`.
struct VendorGpu {
  std::optional<std::uint32_t> index;  ///< The source's own ordinal.
  std::optional<std::string> name;
  std::optional<std::string> uuid;        ///< GPU-xxxxxxxx-...
  std::optional<std::string> pci_bus_id;  ///< Normalised: 0000:01:00.0
  std::optional<ComputeCapability> compute_capability;
  std::optional<std::uint64_t> memory_bytes;
  std::optional<std::string> mig_mode;  ///< enabled / disabled
  std::optional<bool> integrated;
  std::map<std::string, std::string> unknown_why;  ///< field name -> why it is absent
};

/// What one source said, or why it said nothing.
struct VendorAnswer {
  /// How far the source got.
  enum class Status : std::uint8_t {
    not_asked,  ///< Not tried (nvidia-smi when a library answered, or skipped).
    absent,     ///< The library or program is not there.
    failed,     ///< It is there but failed (init error, timeout, crash); fields may still be partly set.
    answered,   ///< It answered.
  };
  Status status = Status::not_asked;
  std::string error;       ///< One line when not answered: "nvmlInit_v2: Driver Not Loaded (9)".
  bool transient = false;  ///< A timeout or crash: not cached, so the next probe asks again.
  std::string library;     ///< The file that answered (dlinfo), or the nvidia-smi path.
  std::optional<Version> driver_version;
  std::optional<Version> cuda_level;  ///< The CUDA version the driver (or this libcuda) supports.
  std::optional<std::uint32_t> device_count;
  std::vector<VendorGpu> gpus;
  std::vector<std::string> problems;  ///< Calls that failed after init, one line each.
};

/// Everything the GPU library probe learnt: what the cache stores.
struct GpuLibsAnswer {
  VendorAnswer nvml;
  VendorAnswer libcuda;
  VendorAnswer nvidia_smi;
  std::optional<std::string> cuda_visible_devices;  ///< As set for libcuda; nullopt when unset.
};

/// How to run the GPU library probe.
struct GpuProbeOptions {
  static constexpr std::chrono::milliseconds k_default_timeout{10000};
  std::chrono::milliseconds timeout = k_default_timeout;  ///< Per source (--gpu-timeout).
  bool use_cache = true;                                  ///< False with --no-cache.
  std::vector<std::string> nvml_candidates;               ///< Empty: nvml_library_candidates().
  std::vector<std::string> libcuda_candidates;            ///< Empty: libcuda_library_candidates().
  std::map<std::string, std::string> child_env;  ///< Set in each child before loading (test doubles' configuration).
};

/// Parses a --gpu-timeout value in seconds (decimals allowed, 0 < s <= 600).
Result<std::chrono::milliseconds> parse_gpu_timeout(std::string_view seconds);

/// Asks NVML in this process (call it inside a child): loads the first of `candidates`.
VendorAnswer query_nvml(std::span<const std::string> candidates);
/// Asks the CUDA driver library in this process (call it inside a child).
VendorAnswer query_libcuda(std::span<const std::string> candidates);

/// Runs `query` in a child process with `options.timeout`, CUDA_VISIBLE_DEVICES set as
/// `cuda_visible_devices` says; a hang, crash or garbled reply becomes a failed answer naming `label`.
VendorAnswer run_isolated(const std::string& label, const std::function<VendorAnswer()>& query,
                          const GpuProbeOptions& options, const std::optional<std::string>& cuda_visible_devices);

/// Parses `nvidia-smi --query-gpu=<k_smi_fields> --format=csv,noheader,nounits` output.
Result<VendorAnswer> parse_nvidia_smi_csv(std::string_view text);
/// The --query-gpu field list parse_nvidia_smi_csv expects, in order.
extern const char* const k_smi_fields;
/// Runs nvidia-smi from PATH with a timeout and parses its answer.
VendorAnswer query_nvidia_smi(const FileSystem& fs, const Env& env, std::chrono::milliseconds timeout);

/// "00000000:01:00.0" or "0000:01:00.0" -> "0000:01:00.0"; nullopt when not a PCI address.
std::optional<std::string> normalize_pci_bus_id(std::string_view text);

/// The answer as JSON (what the child prints and the cache stores).
nlohmann::json gpu_answer_to_json(const GpuLibsAnswer& answer);
/// One source's answer as JSON.
nlohmann::json vendor_answer_to_json(const VendorAnswer& answer);
/// Reads a GpuLibsAnswer; errors name the JSON path.
Result<GpuLibsAnswer> gpu_answer_from_json(const nlohmann::json& doc);
/// Reads one source's answer.
Result<VendorAnswer> vendor_answer_from_json(const nlohmann::json& doc, const std::string& path);

/// The cache key: format, boot id, driver version, the PCI GPU list and the variables that change
/// which library answers (LD_LIBRARY_PATH, CUDA_VISIBLE_DEVICES).
std::string gpu_cache_key(const FileSystem& fs, const Env& env, const HostFacts& facts);
/// The cache file: $XDG_CACHE_HOME/torchdoctor/gpu-probe.json, else ~/.cache/torchdoctor/...; nullopt without either.
std::optional<std::string> gpu_cache_path(const Env& env);

/// What reading the cache found.
struct CacheLookup {
  enum class State : std::uint8_t { hit, miss, corrupt } state = State::miss;
  std::optional<GpuLibsAnswer> answer;  ///< Set on a hit.
  std::string detail;                   ///< Why a miss or corrupt.
};
/// Reads the cache at `path` (this process's own file, never one inside a probed tree) for `key`.
CacheLookup read_gpu_cache(const std::string& path, const std::string& key);
/// Writes the cache atomically (temp file + rename), creating its folder.
Status write_gpu_cache(const std::string& path, const std::string& key, const GpuLibsAnswer& answer);

/// Merges `answer` into `facts`: driver CUDA level, GPUs matched to the PCI entries by bus id
/// (best source per fact: NVML, then libcuda, then nvidia-smi), gpu_probe facts; disagreements
/// and failures become ProbeIssues of detector "gpu_libs".
void merge_gpu_answer(const GpuLibsAnswer& answer, HostFacts& facts);

/// Asks the sources (NVML, libcuda, then nvidia-smi if neither answered) without the cache.
GpuLibsAnswer ask_gpu_sources(const ProbeContext& ctx);

/// The detector body on the live machine: cache, sources, merge.
void probe_gpu_libs(const ProbeContext& ctx, HostFacts& facts);

}  // namespace td
