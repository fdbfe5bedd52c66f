// The images explain found in the text (or was given with --image), each judged for the host.
#include <cctype>
#include <nlohmann/json.hpp>
#include <sstream>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/report/explain.hpp"
#include "torchdoctor/report/verdicts.hpp"

namespace td {
namespace {

const char* image_status(const CheckedImage& c) {
  if (c.inspection.error || !c.verdict) return "unknown";
  return c.verdict->problem() ? "problem" : "ok";
}

}  // namespace

nlohmann::json explained_images_json(const std::vector<ExplainedImage>& images) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& e : images) {
    const auto& in = e.checked.inspection;
    nlohmann::json j{{"ref", e.mention.ref},
                     {"name", in.facts.ref.str()},
                     {"line", e.mention.line == 0 ? nlohmann::json(nullptr) : nlohmann::json(e.mention.line)},
                     {"found_by", e.mention.how},
                     {"failed_here", e.failed_here},
                     {"status", image_status(e.checked)},
                     {"error", in.error ? nlohmann::json(in.error->message) : nlohmann::json(nullptr)},
                     {"found", in.error ? nlohmann::json(nullptr) : nlohmann::json(in.facts.found)},
                     {"nearest_tags", in.facts.nearest_tags},
                     {"reasons", nlohmann::json::array()}};
    if (e.checked.verdict) {
      for (const auto& r : e.checked.verdict->reasons) {
        j["reasons"].push_back({{"code", r.code}, {"severity", severity_name(r.severity)}, {"message", r.message}});
      }
    }
    arr.push_back(std::move(j));
  }
  return arr;
}

std::string render_explained_images(const std::vector<ExplainedImage>& images) {
  std::ostringstream out;
  if (images.empty()) return out.str();
  out << "\nImages " << (images.size() == 1 ? "named" : "named (" + std::to_string(images.size()) + ")")
      << ", judged for this host:\n";
  for (const auto& e : images) {
    const auto& in = e.checked.inspection;
    std::string status = image_status(e.checked);
    for (char& c : status) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out << "  " << status << "  " << sanitize(e.mention.ref, 200);
    if (e.failed_here)
      out << "  (--image: the failure happened here)";
    else if (e.mention.line > 0)
      out << "  (line " << e.mention.line << ")";
    out << '\n';
    if (in.error) {
      out << "    could not check: " << sanitize(in.error->message, 300) << '\n';
      continue;
    }
    if (!e.checked.verdict) continue;
    for (const auto& r : e.checked.verdict->reasons) {
      out << "    " << severity_mark(r.severity) << r.code << ": " << sanitize(r.message, 400) << '\n';
    }
    if (!in.facts.found && !in.facts.nearest_tags.empty()) {
      std::string tags;
      for (std::size_t i = 0; i < in.facts.nearest_tags.size() && i < 5; ++i)
        tags += (i ? ", " : "") + in.facts.nearest_tags[i];
      out << "    nearest tags: " << sanitize(tags, 300) << '\n';
    }
  }
  return out.str();
}

}  // namespace td
