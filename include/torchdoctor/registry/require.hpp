// The NVIDIA_REQUIRE_* evaluator: libnvidia-container's requirement language (src/cli/dsl.c and
// src/cli/configure.c), evaluated before the pull against this host's (or what-if) facts.
//
//   requirement := term (' ' term)*      space is OR
//   term        := factor (',' factor)*  comma is AND
//   factor      := property op value     property: cuda, driver, arch, brand; op: = != < <= > >=
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "torchdoctor/core/host_facts.hpp"

namespace td {

/// One GPU as the requirement language sees it.
struct RequireGpu {
  std::string label;                 ///< "GPU 0 (NVIDIA GeForce RTX 4090)" for messages.
  std::optional<std::string> arch;   ///< Compute capability "8.9"; unknown when not probed.
  std::optional<std::string> brand;  ///< NVML-style brand (geforce, tesla, nvidiartx ...); unknown when not derivable.
};

/// The host side of the evaluation; unknown facts make a factor unknown instead of guessed.
struct RequireHost {
  std::optional<std::string> cuda;              ///< The driver's CUDA level, "12.4".
  std::optional<std::string> driver;            ///< The driver release, "550.54.15".
  std::optional<std::vector<RequireGpu>> gpus;  ///< Unknown when GPUs were not enumerated.
};

/// How an evaluation ended.
enum class RequireState { satisfied, unsatisfied, unknown, invalid, disabled };

/// The name of a state: "satisfied", "unsatisfied", "unknown", "invalid", "disabled".
const char* require_state_name(RequireState state);

/// The result of one requirement string on one device (or of all requirements of an image).
struct RequireOutcome {
  RequireState state = RequireState::satisfied;
  /// libnvidia-container's text for unsatisfied/invalid: "unsatisfied condition: cuda>=12.4, please
  /// update your driver to a newer version, or use an earlier cuda container", "invalid expression".
  std::string message;
  std::string variable;  ///< NVIDIA_REQUIRE_* that decided (image-level evaluation).
  std::string gpu;       ///< Label of the GPU it was decided on; empty when evaluated without a device.
  std::vector<std::string> unknown_properties;  ///< Properties whose host value was unknown.
};

/// Compares two dotted versions as dsl_compare_version does; nullopt for a malformed value.
std::optional<bool> require_compare_version(const std::string& lhs, const std::string& op, const std::string& rhs);

/// Evaluates one requirement string for one device (`gpu` null: no device, arch/brand hold).
RequireOutcome evaluate_requirement(const std::string& requirement, const RequireHost& host, const RequireGpu* gpu);

/// The requirements an image's environment carries, in evaluation order: every NVIDIA_REQUIRE_*
/// except NVIDIA_REQUIRE_JETPACK*, plus cuda>=MAJOR.MINOR for a CUDA_VERSION-only (legacy) image.
std::vector<std::pair<std::string, std::string>> image_requirements(const std::map<std::string, std::string>& env);

/// True when NVIDIA_DISABLE_REQUIRE parses as true (Go strconv.ParseBool).
bool requirements_disabled(const std::map<std::string, std::string>& env);

/// Evaluates every requirement of `env`, per GPU, ANDed; the first failure decides.
RequireOutcome evaluate_image_requirements(const std::map<std::string, std::string>& env, const RequireHost& host);

/// The requirement view of host facts (driver CUDA level, driver release, GPUs' CC and brand).
RequireHost require_host_from(const HostFacts& facts);

/// The NVML-style brand of a GPU name ("NVIDIA GeForce RTX 4090" -> geforcertx); nullopt when unclear.
std::optional<std::string> brand_from_gpu_name(const std::string& name);

/// Likely mistakes in an image's NVIDIA environment, one sentence each.
std::vector<std::string> lint_requirements(const std::map<std::string, std::string>& env);

}  // namespace td
