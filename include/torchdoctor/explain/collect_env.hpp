// A pasted `python -m torch.utils.collect_env` report, read field by field (every field the script
// has printed from torch 1.x to today), tolerant of truncation, hand edits, quoting and CRLF.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "torchdoctor/core/host_facts.hpp"
#include "torchdoctor/explain/text_input.hpp"

namespace td {

/// One field as printed, with its 1-based line in the input.
struct EnvField {
  std::string value;
  std::size_t line = 0;
};

/// The report: every recognised field by its canonical key, the GPU lines, the cuDNN candidates,
/// the CPU block and the library lines.
struct CollectEnv {
  std::map<std::string, EnvField> fields;  ///< "torch_version", "cuda_used_to_build", "os", ...
  std::vector<EnvField> gpus;              ///< "NVIDIA GeForce RTX 4090", "Orin (nvgpu)"
  std::vector<EnvField> cudnn;             ///< Paths or versions listed for cuDNN.
  std::map<std::string, EnvField> cpu;     ///< lscpu / Windows keys of the CPU block.
  std::vector<EnvField> libraries;         ///< "[pip3] torch==2.6.0+cu124" lines, as printed.
  std::size_t first_line = 0, last_line = 0;

  /// The value of `key`, if the report has it and it says something ("N/A", "Could not collect"
  /// and "No CUDA" say nothing).
  [[nodiscard]] std::optional<std::string> known(const std::string& key) const;
  /// The field of `key`, even when it says nothing.
  [[nodiscard]] const EnvField* field(const std::string& key) const;
};

/// Finds and reads a collect_env report in `input`; nullopt when there is none (fewer than three
/// of its fields).
std::optional<CollectEnv> parse_collect_env(const TextInput& input);

/// The canonical keys parse_collect_env knows, with the label collect_env prints for each.
const std::vector<std::pair<const char*, const char*>>& collect_env_keys();

/// Writes what the report says into `facts` (source "collect_env:LINE"); facts with source
/// "override" (what-if flags) are kept. Returns one note per thing worth saying about the report
/// (two torch installs, a ROCm build, a toolkit that is not torch's runtime).
std::vector<std::string> apply_collect_env(const CollectEnv& env, HostFacts& facts);

}  // namespace td
