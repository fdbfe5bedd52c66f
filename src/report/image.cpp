// The image report: one image's registry facts and verdict as text or JSON (torchdoctor.image/v1).
#include "torchdoctor/report/image.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "torchdoctor/report/style.hpp"
#include "torchdoctor/report/verdicts.hpp"

namespace td {
namespace {

using nlohmann::json;

json fact_json(const Fact<Version>& f) { return f ? json(f->str()) : json(nullptr); }
json fact_json(const Fact<std::string>& f) { return f ? json(*f.value) : json(nullptr); }

json platform_json(const Platform& p) {
  json j{
      {"os", p.os}, {"architecture", p.architecture}, {"variant", p.variant.empty() ? json(nullptr) : json(p.variant)}};
  if (!p.digest.empty()) j["digest"] = p.digest;
  return j;
}

}  // namespace

json image_to_json(const ImageInspection& in, const ImageVerdict* v) {
  const ImageFacts& f = in.facts;
  json j{{"ref", f.ref.original}, {"name", f.ref.str()}};
  j["status"] = in.error ? "error" : v->problem() ? "problem" : v->undetermined() ? "undetermined" : "ok";
  j["error"] = in.error ? json{{"message", in.error->message}} : json(nullptr);
  j["found"] = in.error ? json(nullptr) : json(f.found);
  j["digest"] = f.digest.empty() ? json(nullptr) : json(f.digest);
  j["from_cache"] = f.from_cache;
  j["is_index"] = f.is_index;
  j["platforms"] = json::array();
  for (const auto& p : f.platforms) j["platforms"].push_back(platform_json(p));
  j["requested_platform"] = f.requested.str();
  j["selected_platform"] = f.selected ? json(f.selected->str()) : json(nullptr);
  j["platform_available"] = f.platform_available;
  json require = json::object();
  for (const auto& [k, val] : f.env) {
    if (k.rfind("NVIDIA_REQUIRE_", 0) == 0) require[k] = val;
  }
  const auto disable = f.env.find("NVIDIA_DISABLE_REQUIRE");
  j["facts"] = {{"cuda_version", fact_json(f.cuda_version)},
                {"cudnn_version", fact_json(f.cudnn_version)},
                {"torch_version", fact_json(f.torch_version)},
                {"nvidia_pytorch_version", fact_json(f.nvidia_pytorch_version)},
                {"l4t_version", fact_json(f.l4t_version)},
                {"jetpack_version", fact_json(f.jetpack_version)},
                {"require_jetpack", fact_json(f.require_jetpack)},
                {"nvidia_require", require},
                {"disable_require", disable == f.env.end() ? json(nullptr) : json(disable->second)}};
  j["nearest_tags"] = f.nearest_tags;
  j["reasons"] = json::array();
  j["lints"] = json::array();
  j["requirements"] = nullptr;
  if (v != nullptr) {
    for (const auto& r : v->reasons)
      j["reasons"].push_back({{"code", r.code}, {"severity", severity_name(r.severity)}, {"message", r.message}});
    j["lints"] = v->lints;
    const auto& q = v->requirements;
    j["requirements"] = {{"state", require_state_name(q.state)},
                         {"variable", q.variable.empty() ? json(nullptr) : json(q.variable)},
                         {"gpu", q.gpu.empty() ? json(nullptr) : json(q.gpu)},
                         {"message", q.message.empty() ? json(nullptr) : json(q.message)},
                         {"unknown_properties", q.unknown_properties}};
  }
  return j;
}

std::string render_image(const ImageInspection& in, const ImageVerdict* v, bool color) {
  std::ostringstream out;
  const ImageFacts& f = in.facts;
  const std::string status = in.error            ? style::paint(color, style::yellow, "UNKNOWN")
                             : v->problem()      ? style::paint(color, style::red, "PROBLEM")
                             : v->undetermined() ? style::paint(color, style::yellow, "UNDETERMINED")
                                                 : style::paint(color, style::green, "OK");
  out << status << "  " << f.ref.str();
  if (!f.digest.empty()) out << "  (" << f.digest.substr(0, 19) << (f.from_cache ? ", from cache" : "") << ")";
  out << '\n';
  if (in.error) {
    out << "  could not check: " << in.error->message << '\n';
    return out.str();
  }
  if (f.found) {
    std::string plats;
    // Distinct platforms, at most a line's worth: an index may list thousands of entries.
    constexpr std::size_t k_shown = 12;
    std::vector<std::string> distinct;
    for (const auto& p : f.platforms) {
      if (std::find(distinct.begin(), distinct.end(), p.str()) == distinct.end()) distinct.push_back(p.str());
    }
    for (std::size_t i = 0; i < distinct.size() && i < k_shown; ++i) plats += (plats.empty() ? "" : ", ") + distinct[i];
    if (distinct.size() > k_shown) plats += " and " + std::to_string(distinct.size() - k_shown) + " more";
    out << "  platforms    " << (plats.empty() ? "unknown" : plats) << "  (asked for " << f.requested.str() << ")\n";
    std::string stack;
    auto add = [&](const char* label, const std::optional<std::string>& value) {
      if (value) stack += (stack.empty() ? "" : ", ") + std::string(label) + " " + *value;
    };
    add("CUDA", f.cuda_version ? std::optional(f.cuda_version->str()) : std::nullopt);
    add("cuDNN", f.cudnn_version ? std::optional(f.cudnn_version->str()) : std::nullopt);
    add("torch", f.torch_version ? std::optional(f.torch_version->str()) : std::nullopt);
    add("NGC", f.nvidia_pytorch_version.value);
    add("L4T", f.l4t_version ? std::optional(f.l4t_version->str()) : std::nullopt);
    out << "  contents     " << (stack.empty() ? "no CUDA/torch hints in the config" : stack) << '\n';
    out << "  requirements " << require_state_name(v->requirements.state) << '\n';
  }
  for (const auto& r : v->reasons) {
    out << "  " << severity_mark(r.severity) << r.code << ": " << r.message << '\n';
  }
  return out.str();
}

}  // namespace td
