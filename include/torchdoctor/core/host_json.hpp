// HostFacts <-> JSON (schema torchdoctor.host/v1, documented in docs/host-schema.md).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "torchdoctor/core/host_facts.hpp"
#include "torchdoctor/core/result.hpp"

namespace td {

/// Serialises `facts` into a JSON document.
nlohmann::json host_to_json(const HostFacts& facts);

/// Reads a snapshot; errors name the JSON path and what was expected.
Result<HostFacts> host_from_json(const nlohmann::json& doc);

/// Parses `text` as JSON and reads a snapshot; `origin` names the input in errors.
Result<HostFacts> host_from_text(std::string_view text, const std::string& origin);

}  // namespace td
