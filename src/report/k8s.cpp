// The k8s reports: NFD's features.d file, the labels' JSON, and the affinity as YAML or JSON.
#include "torchdoctor/report/k8s.hpp"

#include <nlohmann/json.hpp>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/engine/k8s.hpp"
#include "torchdoctor/report/yaml.hpp"

namespace td {
namespace {

constexpr std::size_t k_nfd_limit = 64 * 1024;  // NFD ignores feature files larger than this

}  // namespace

Result<std::string> features_file(const std::map<std::string, std::string>& labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    if (!valid_label_key(k))
      return make_error(ErrorKind::bad_input, "label key '" + sanitize(k) + "' is not valid in Kubernetes");
    if (!valid_label_value(v))
      return make_error(ErrorKind::bad_input, "label " + k + "='" + sanitize(v) + "': not a valid value");
    out += k + "=" + v + "\n";
  }
  if (out.size() > k_nfd_limit) {
    return make_error(ErrorKind::bad_input,
                      "the labels take " + std::to_string(out.size()) + " bytes; NFD reads at most 65536 per file");
  }
  return out;
}

std::string labels_json(const std::map<std::string, std::string>& labels) {
  return nlohmann::json{{"schema", "torchdoctor.k8s-labels/v1"}, {"labels", labels}}.dump(2) + "\n";
}

std::string render_affinity(const std::string& image, const nlohmann::json& doc, bool json) {
  if (json) return doc.dump(2) + "\n";
  return "# torchdoctor k8s affinity " + image + ": spec.affinity of the Pod, resources of its container\n" +
         to_yaml(doc);
}

}  // namespace td
