// HostFacts <-> JSON (schema torchdoctor.host/v1, documented in docs/host-schema.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "torchdoctor/core/host_facts.hpp"
#include "torchdoctor/core/result.hpp"

namespace td {

/// The top-level sections of a snapshot, for reading only some of them.
enum HostSection : std::uint32_t {
  k_host_hostname = 1U << 0U,
  k_host_os = 1U << 1U,
  k_host_cpu = 1U << 2U,
  k_host_container = 1U << 3U,
  k_host_driver = 1U << 4U,
  k_host_gpus = 1U << 5U,
  k_host_gpu_probe = 1U << 6U,
  k_host_jetson = 1U << 7U,
  k_host_board = 1U << 8U,
  k_host_tooling = 1U << 9U,  ///< container_tooling
  k_host_python = 1U << 10U,  ///< torch, python_version, pythons
  k_host_toolkits = 1U << 11U,
  k_host_issues = 1U << 12U,
  k_host_all_sections = 0xffffffffU,
};

/// What to keep of a snapshot. A reader that needs a few facts (fleet placement) skips the other
/// sections and every fact's source and note: their syntax is still checked, nothing is stored.
struct HostReadOptions {
  std::uint32_t sections = k_host_all_sections;
  bool sources = true;  ///< Keep each fact's source and note.
};

/// The largest snapshot read (a host with many GPUs is tens of KiB).
constexpr std::size_t k_max_snapshot_bytes = std::size_t{16} << 20U;

/// Serialises `facts` into a JSON document.
nlohmann::json host_to_json(const HostFacts& facts);

/// Reads a snapshot from a JSON document (written out and read as text: one reader for both).
Result<HostFacts> host_from_json(const nlohmann::json& doc);

/// Reads a snapshot from JSON text in one pass, without a document tree. Errors name the JSON path
/// and what was expected ("gpus.value[0].compute_capability.value: ..."), or the line and byte of a
/// syntax error; `origin` (a file name, may be empty) prefixes them. A syntax error anywhere
/// outranks a wrong schema, which outranks a wrong field.
Result<HostFacts> host_from_text(std::string_view text, const std::string& origin, const HostReadOptions& options = {});

}  // namespace td
