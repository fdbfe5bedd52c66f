// Rendering `image`: one image's registry facts and verdict, as text or JSON.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "torchdoctor/registry/image_check.hpp"
#include "torchdoctor/registry/inspect.hpp"

namespace td {

/// One image of the torchdoctor.image/v1 document (docs/report-schema.md): ref, digest, platforms,
/// the config's facts, the NVIDIA_REQUIRE_* state, reasons and lints. `v` is null when the registry
/// could not be asked.
nlohmann::json image_to_json(const ImageInspection& in, const ImageVerdict* v);
/// The text: a status line (OK, PROBLEM, UNDETERMINED, UNKNOWN) with the digest, then platforms,
/// contents, requirements and one line per reason.
std::string render_image(const ImageInspection& in, const ImageVerdict* v, bool color);

}  // namespace td
