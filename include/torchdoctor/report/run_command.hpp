// Rendering `run-command`: the plan written for its engine (a shell command line, a compose file or
// a Pod), why it looks as it does, and the torchdoctor.run_command/v1 document (docs/run-command.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "torchdoctor/engine/run_plan.hpp"
#include "torchdoctor/registry/image_check.hpp"

namespace td {

/// The image check's outcome as run-command reports it.
struct RunImageCheck {
  std::string status = "skipped";  ///< ok, problem, undetermined, unknown (not checkable) or skipped.
  std::string message;             ///< "checked", "checked (from the cache)", "judged from the knowledge base ...".
  std::vector<ImageReason> reasons;
  bool problem = false;
  bool undetermined = false;
};

/// The outcome of checking the image, or `skipped_why` when it was not checked.
RunImageCheck summarize_image_check(const std::optional<CheckedImage>& checked, const std::string& skipped_why);

/// A compose file with one service.
std::string compose_yaml(const RunPlan& plan);
/// A Kubernetes Pod manifest.
std::string k8s_pod_yaml(const RunPlan& plan);
/// The plan written for its engine: a shell command line, or YAML.
std::string render_run(const RunPlan& plan);
/// Why: one line per decision and per problem with its fix, then the image check's verdict and reasons.
std::string render_run_why(const RunPlan& plan, const RunImageCheck& check, const std::string& image);
/// The torchdoctor.run_command/v1 document; `text` is render_run's.
std::string run_command_json(const RunPlan& plan, const std::string& text, const RunImageCheck& check, int exit_code,
                             const std::string& tool_version);

}  // namespace td
