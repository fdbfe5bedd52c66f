#include "torchdoctor/registry/image_check.hpp"

#include "torchdoctor/core/strings.hpp"

namespace td {
namespace {

std::string platform_list(const std::vector<Platform>& platforms) {
  std::vector<std::string> names;
  for (const auto& p : platforms) names.push_back(p.str());
  return names.empty() ? "none" : join(names, ", ");
}

// What the host offers, for the end of an unsatisfied-requirement message.
std::string host_summary(const HostFacts& host) {
  std::vector<std::string> parts;
  if (host.driver.version) parts.push_back("driver " + host.driver.version->str());
  if (host.driver.cuda_level) parts.push_back("supports CUDA up to " + host.driver.cuda_level->truncated(2).str());
  return parts.empty() ? "" : " (this host: " + join(parts, ", ") + ")";
}

void requirement_reasons(const ImageFacts& image, const HostFacts& host, ImageVerdict& v) {
  v.requirements = evaluate_image_requirements(image.env, require_host_from(host));
  const RequireOutcome& r = v.requirements;
  const std::string where = r.gpu.empty() ? "" : " on " + r.gpu;
  switch (r.state) {
    case RequireState::satisfied:
      break;
    case RequireState::unsatisfied:
      v.reasons.push_back({"REQUIRE_UNSATISFIED",
                           r.variable + where + ": " + r.message + host_summary(host) +
                               "; the NVIDIA runtime refuses to start this container",
                           Severity::error});
      break;
    case RequireState::invalid:
      v.reasons.push_back({"REQUIRE_INVALID",
                           r.variable + ": " + r.message + "; the NVIDIA runtime refuses to start this container",
                           Severity::error});
      break;
    case RequireState::unknown:
      v.reasons.push_back({"REQUIRE_UNKNOWN",
                           r.variable + " cannot be checked: this host's " + join(r.unknown_properties, ", ") +
                               " is unknown (probe a GPU host, or give --driver/--cuda-driver/--gpu)",
                           Severity::warn});
      break;
    case RequireState::disabled:
      if (!image_requirements(image.env).empty()) {
        v.reasons.push_back({"REQUIRE_DISABLED",
                             "NVIDIA_DISABLE_REQUIRE is set: the runtime skips the image's requirements",
                             Severity::info});
      }
      break;
  }
}

}  // namespace

bool ImageVerdict::problem() const {
  for (const auto& r : reasons) {
    if (r.severity == Severity::error) return true;
  }
  return false;
}

bool ImageVerdict::undetermined() const {
  if (problem()) return false;
  for (const auto& r : reasons) {
    if (r.severity == Severity::unknown) return true;
  }
  return false;
}

ImageVerdict check_image(const ImageFacts& image, const HostFacts& host) {
  ImageVerdict v;
  if (!image.found) {
    std::string msg = image.ref.digest.empty() ? "tag '" + image.ref.tag + "' not found in " + image.ref.name()
                                               : "digest " + image.ref.digest + " not found in " + image.ref.name();
    if (!image.nearest_tags.empty()) msg += "; nearest tags: " + join(image.nearest_tags, ", ");
    v.reasons.push_back({"TAG_NOT_FOUND", msg, Severity::error});
    return v;
  }
  if (!image.platform_available) {
    std::string msg = "no " + image.requested.str() + " build: the image has " + platform_list(image.platforms) +
                      "; here it would fail with 'exec format error'";
    v.reasons.push_back({"ARCH_MISMATCH", msg, Severity::error});
  }
  requirement_reasons(image, host, v);
  v.lints = lint_requirements(image.env);
  for (const auto& l : v.lints) v.reasons.push_back({"IMAGE_LINT", l, Severity::warn});
  return v;
}

}  // namespace td
