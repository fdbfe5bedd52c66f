// Kubernetes: a node's profile as Node Feature Discovery labels, and an image's needs as the
// nodeAffinity that selects exactly the nodes whose labels say it runs (docs/kubernetes.md).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "torchdoctor/engine/fleet.hpp"

namespace td {

/// The prefix of every label torchdoctor writes.
inline constexpr const char* k_label_prefix = "torchdoctor.dev/";

/// The labels for a node: driver and CUDA level (GFD's names under our prefix), GPUs and their
/// compute capabilities, Jetson L4T/JetPack, and per torch variant whether its newest wheel runs
/// natively and which release that is (from `kb`). Sorted by name.
std::map<std::string, std::string> node_labels(const NodeProfile& node, const JudgedHost& host, const Kb& kb);

/// Label values, restricted to what Kubernetes accepts: up to 63 of [A-Za-z0-9._-], starting and
/// ending alphanumeric (other characters become '-'); empty when nothing is left.
std::string label_value(const std::string& text);
/// True when `key` is a valid label key (optional DNS-subdomain prefix, a name of up to 63 characters).
bool valid_label_key(const std::string& key);
/// True when `value` is a valid label value.
bool valid_label_value(const std::string& value);

/// The Pod spec fragment placing `image` where it runs: spec.affinity (nodeAffinity with one
/// required term) and the container's resources; `universe` is every compute capability a node
/// label can name (the KB's GPUs and Jetson modules).
nlohmann::json affinity_for(const ImageNeeds& image, const std::vector<ComputeCapability>& universe, unsigned gpus);

/// Every compute capability the KB can label a node with.
std::vector<ComputeCapability> label_universe(const Kb& kb);

/// Evaluates one nodeSelectorTerm's matchExpressions against a node's labels, as the scheduler does.
bool match_expressions(const nlohmann::json& expressions, const std::map<std::string, std::string>& labels);

}  // namespace td
