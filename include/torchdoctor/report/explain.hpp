// Rendering explain's diagnoses as text or JSON (schema torchdoctor.explain/v1, docs/explain.md).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "torchdoctor/explain/explain.hpp"
#include "torchdoctor/explain/image_refs.hpp"
#include "torchdoctor/registry/image_check.hpp"

namespace td {

/// The JSON schema name of explain's output.
inline constexpr const char* k_explain_schema = "torchdoctor.explain/v1";

/// The explain document.
nlohmann::json explain_to_json(const ExplainResult& r, const Kb& kb);
/// The explain report as text, with ANSI colour when `color`.
std::string render_explain(const ExplainResult& r, const Kb& kb, bool color);

/// An image the text names (or --image), judged for the host as `image` judges it.
struct ExplainedImage {
  ImageMention mention;
  bool failed_here = false;  ///< --image: the failure happened in this image.
  CheckedImage checked;
};

/// The "images" array of the explain document.
nlohmann::json explained_images_json(const std::vector<ExplainedImage>& images);
/// "Images named, judged for this host:" with each image's status and reasons; empty when none.
std::string render_explained_images(const std::vector<ExplainedImage>& images);

}  // namespace td
