// Rendering `k8s`: a node's labels as an NFD features.d file or JSON, and an image's placement
// (affinity and resources) as YAML or JSON (docs/kubernetes.md).
#pragma once

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "torchdoctor/core/result.hpp"

namespace td {

/// An NFD features.d file: "name=value" lines, sorted. Fails when it would exceed NFD's 64 kB.
Result<std::string> features_file(const std::map<std::string, std::string>& labels);
/// The torchdoctor.k8s-labels/v1 document.
std::string labels_json(const std::map<std::string, std::string>& labels);
/// The affinity document `affinity_for` made for `image`: JSON, or YAML under a comment naming it.
std::string render_affinity(const std::string& image, const nlohmann::json& doc, bool json);

}  // namespace td
