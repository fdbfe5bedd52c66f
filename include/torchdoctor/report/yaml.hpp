// YAML written by hand for the manifests torchdoctor prints (k8s affinity, compose files, Pods):
// every scalar that a YAML reader could take for something else is double-quoted.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace td {

/// A YAML scalar: plain when no YAML 1.1 or 1.2 reader could take it for something else, else
/// double-quoted (a JSON string, which YAML reads the same).
std::string yaml_scalar(const std::string& text);

/// JSON written as block-style YAML (strings quoted when YAML could read them as something else).
std::string to_yaml(const nlohmann::json& value);

}  // namespace td
