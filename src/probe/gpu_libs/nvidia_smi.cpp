// The last resort: nvidia-smi's CSV query, run from PATH with a timeout. Slow (it initialises the
// driver itself) and it cannot tell the driver's CUDA level, so only used when NVML and libcuda fail.
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/gpu_libs.hpp"
#include "torchdoctor/sys/env.hpp"
#include "torchdoctor/sys/subprocess.hpp"

namespace td {

const char* const k_smi_fields = "driver_version,name,uuid,pci.bus_id,compute_cap,memory.total,mig.mode.current";

namespace {

// nvidia-smi writes "[N/A]", "[Not Supported]" or "N/A" for what it cannot tell.
std::optional<std::string> cell(const std::vector<std::string>& cells, std::size_t i) {
  if (i >= cells.size()) return std::nullopt;
  const std::string v(trim(cells[i]));
  if (v.empty() || v.front() == '[' || v == "N/A") return std::nullopt;
  return sanitize(v, 120);
}

}  // namespace

Result<VendorAnswer> parse_nvidia_smi_csv(std::string_view text) {
  VendorAnswer out;
  out.status = VendorAnswer::Status::answered;
  std::uint32_t index = 0;
  for (std::string_view line : lines(text)) {
    if (trim(line).empty()) continue;
    const auto cells = split(line, ',');
    if (cells.size() != 7) {
      return make_error(ErrorKind::parse, "line " + std::to_string(index + 1) + ": expected 7 fields, got " +
                                              std::to_string(cells.size()) + ": '" + sanitize(line, 60) + "'");
    }
    VendorGpu gpu;
    gpu.index = index++;
    if (auto v = cell(cells, 0)) {
      if (auto parsed = Version::parse(*v)) out.driver_version = *parsed;
    }
    gpu.name = cell(cells, 1);
    gpu.uuid = cell(cells, 2);
    if (auto v = cell(cells, 3)) gpu.pci_bus_id = normalize_pci_bus_id(*v);
    if (auto v = cell(cells, 4)) {
      if (auto cc = ComputeCapability::parse(*v)) gpu.compute_capability = *cc;
    }
    if (auto v = cell(cells, 5)) {
      if (auto mib = parse_uint(*v)) gpu.memory_bytes = static_cast<std::uint64_t>(*mib) << 20U;
    }
    if (auto v = cell(cells, 6)) gpu.mig_mode = to_lower(*v) == "enabled" ? "enabled" : "disabled";
    const auto note_if_missing = [&gpu](bool present, const char* field) {
      if (!present) gpu.unknown_why[field] = "nvidia-smi did not report it";
    };
    note_if_missing(gpu.name.has_value(), "name");
    note_if_missing(gpu.uuid.has_value(), "uuid");
    note_if_missing(gpu.pci_bus_id.has_value(), "pci_bus_id");
    note_if_missing(gpu.compute_capability.has_value(), "compute_capability");
    note_if_missing(gpu.memory_bytes.has_value(), "memory_bytes");
    note_if_missing(gpu.mig_mode.has_value(), "mig_mode");
    out.gpus.push_back(std::move(gpu));
  }
  out.device_count = index;
  return out;
}

VendorAnswer query_nvidia_smi(const FileSystem& fs, const Env& env, std::chrono::milliseconds timeout) {
  VendorAnswer out;
  const auto path = find_in_path(fs, env, "nvidia-smi");
  if (!path) {
    out.status = VendorAnswer::Status::absent;
    out.error = "nvidia-smi: not found on PATH";
    return out;
  }
  out.library = *path;
  SpawnOptions spawn;
  spawn.timeout = timeout;
  spawn.max_output = 1U << 20U;
  auto run = run_program({*path, std::string("--query-gpu=") + k_smi_fields, "--format=csv,noheader,nounits"}, spawn);
  out.status = VendorAnswer::Status::failed;
  if (!run) {
    out.error = "nvidia-smi: " + run.error().message;
    return out;
  }
  if (!run->succeeded()) {
    out.transient = run->timed_out || run->signal.has_value();
    std::string said(trim(run->out.empty() ? run->err : run->out));
    if (const auto nl = said.find('\n'); nl != std::string::npos) said.resize(nl);
    out.error = "nvidia-smi " + run->describe_failure() + (said.empty() ? "" : ": " + sanitize(said, 160));
    return out;
  }
  auto parsed = parse_nvidia_smi_csv(run->out);
  if (!parsed) {
    out.error = "nvidia-smi: " + parsed.error().message;
    return out;
  }
  parsed->library = *path;
  return std::move(*parsed);
}

}  // namespace td
