// Rendering explain's diagnoses as text or JSON (schema torchdoctor.explain/v1, docs/explain.md).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "torchdoctor/explain/explain.hpp"

namespace td {

/// The JSON schema name of explain's output.
inline constexpr const char* k_explain_schema = "torchdoctor.explain/v1";

/// The explain document.
nlohmann::json explain_to_json(const ExplainResult& r, const Kb& kb);
/// The explain report as text, with ANSI colour when `color`.
std::string render_explain(const ExplainResult& r, const Kb& kb, bool color);

}  // namespace td
