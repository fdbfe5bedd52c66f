#include "torchdoctor/registry/image_facts.hpp"

#include <algorithm>
#include <iterator>
#include <nlohmann/json.hpp>

#include "torchdoctor/core/arch.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/registry/digest.hpp"
#include "torchdoctor/registry/tags.hpp"

namespace td {
namespace {

using nlohmann::json;

std::string string_at(const json& obj, const char* key) {
  if (!obj.is_object()) return {};
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

bool is_attestation(const json& entry) {
  const auto ann = entry.find("annotations");
  return ann != entry.end() && ann->is_object() && ann->contains("vnd.docker.reference.type");
}

// Sets `fact` from the first of `names` in `map` that parses as a version.
void version_from(Fact<Version>& fact, const std::map<std::string, std::string>& map,
                  std::initializer_list<const char*> names, const char* kind) {
  for (const char* name : names) {
    const auto it = map.find(name);
    if (it == map.end() || it->second.empty()) continue;
    if (auto v = Version::parse(it->second)) {
      fact = Fact<Version>::known(*v, std::string(kind) + ":" + name);
      return;
    }
    fact =
        Fact<Version>::unknown(std::string(kind) + ":" + name, "'" + sanitize(it->second, 40) + "' is not a version");
  }
}

}  // namespace

std::string Platform::str() const {
  std::string s = os + "/" + architecture;
  if (!variant.empty()) s += "/" + variant;
  return s;
}

Result<Platform> parse_platform(std::string_view text) {
  const auto parts = split(text, '/');
  Platform p;
  if (parts.size() == 1) {
    p = Platform{"linux", parts[0], {}, {}};
  } else if (parts.size() == 2 || parts.size() == 3) {
    p = Platform{parts[0], parts[1], parts.size() == 3 ? parts[2] : std::string{}, {}};
  } else {
    return make_error(ErrorKind::bad_input,
                      "platform '" + sanitize(text, 40) + "': expected OS/ARCH[/VARIANT] such as linux/arm64");
  }
  if (p.os.empty() || p.architecture.empty() || (parts.size() == 3 && p.variant.empty())) {
    return make_error(ErrorKind::bad_input, "platform '" + sanitize(text, 40) + "': empty part");
  }
  if (auto machine = platform_for_machine(p.architecture); machine && parts.size() == 1) p = *machine;
  // The values OCI image indexes use (Go's GOOS and GOARCH); anything else is a typo, not a platform.
  constexpr std::string_view k_os[] = {"linux", "windows", "darwin", "freebsd"};
  constexpr std::string_view k_arch[] = {"amd64", "arm64",   "arm",      "386",    "ppc64le",
                                         "s390x", "riscv64", "mips64le", "loong64"};
  const auto known = [](const auto& list, const std::string& v) {
    return std::find(std::begin(list), std::end(list), v) != std::end(list);
  };
  if (!known(k_os, p.os) || !known(k_arch, p.architecture)) {
    return make_error(
        ErrorKind::bad_input,
        "platform '" + sanitize(text, 40) +
            "': expected OS/ARCH[/VARIANT] such as linux/amd64 or linux/arm64 (or a machine name: x86_64, aarch64)");
  }
  return p;
}

std::optional<Platform> platform_for_machine(const std::string& machine) {
  const std::string m = machine_name(machine);
  if (m == "armv7l") return Platform{"linux", "arm", "v7", {}};
  if (m == "x86_64" || m == "aarch64" || m == "ppc64le" || m == "s390x" || m == "riscv64")
    return Platform{"linux", oci_arch(m), {}, {}};
  return std::nullopt;
}

bool platform_matches(const Platform& want, const Platform& have) {
  if (want.os != have.os || want.architecture != have.architecture) return false;
  if (want.variant.empty() || have.variant.empty()) return true;
  return want.variant == have.variant;
}

Result<ParsedManifest> parse_manifest(std::string_view body, std::string_view content_type) {
  const json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return make_error(ErrorKind::parse, "the manifest is not a JSON object");
  std::string media = string_at(doc, "mediaType");
  if (media.empty()) media = std::string(content_type);
  if (media.find("manifest.v1+prettyjws") != std::string::npos || media.find("manifest.v1+json") != std::string::npos) {
    if (media.find("docker") != std::string::npos)
      return make_error(ErrorKind::parse, "schema 1 manifests are not supported");
  }
  ParsedManifest m;
  const auto manifests = doc.find("manifests");
  if (manifests != doc.end()) {
    if (!manifests->is_array()) return make_error(ErrorKind::parse, "the index's 'manifests' is not an array");
    m.is_index = true;
    for (const auto& entry : *manifests) {
      if (!entry.is_object()) return make_error(ErrorKind::parse, "an index entry is not an object");
      const auto plat = entry.find("platform");
      Platform p;
      p.digest = string_at(entry, "digest");
      if (plat != entry.end()) {
        p.os = string_at(*plat, "os");
        p.architecture = string_at(*plat, "architecture");
        p.variant = string_at(*plat, "variant");
      }
      if (p.digest.empty() || is_attestation(entry) || p.os.empty() || p.os == "unknown" || p.architecture == "unknown")
        continue;
      // A digest becomes a URL and a cache path: anything but sha256:<64 hex> is refused here.
      if (!is_sha256_digest(p.digest))
        return make_error(ErrorKind::parse, "the index names an invalid digest '" + sanitize(p.digest, 80) + "'");
      m.platforms.push_back(std::move(p));
    }
    return m;
  }
  const auto config = doc.find("config");
  if (config == doc.end() || !config->is_object())
    return make_error(ErrorKind::parse, "the manifest has neither 'manifests' nor 'config'");
  m.config_digest = string_at(*config, "digest");
  if (m.config_digest.empty()) return make_error(ErrorKind::parse, "the manifest's config has no digest");
  if (!is_sha256_digest(m.config_digest)) {
    return make_error(ErrorKind::parse,
                      "the manifest's config has an invalid digest '" + sanitize(m.config_digest, 80) + "'");
  }
  return m;
}

Status apply_config(std::string_view config_json, ImageFacts& facts) {
  const json doc = json::parse(config_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return make_error(ErrorKind::parse, "the image config is not a JSON object");
  const auto config = doc.find("config");
  if (config != doc.end() && config->is_object()) {
    if (auto env = config->find("Env"); env != config->end() && env->is_array()) {
      for (const auto& item : *env) {
        if (!item.is_string()) continue;
        const std::string kv = item.get<std::string>();
        const auto eq = kv.find('=');
        if (eq != std::string::npos && eq > 0) facts.env[kv.substr(0, eq)] = kv.substr(eq + 1);
      }
    }
    if (auto labels = config->find("Labels"); labels != config->end() && labels->is_object()) {
      for (const auto& [k, v] : labels->items()) {
        if (v.is_string()) facts.labels[k] = v.get<std::string>();
      }
    }
  }
  if (!facts.selected) {
    Platform p{string_at(doc, "os"), string_at(doc, "architecture"), string_at(doc, "variant"), {}};
    if (!p.os.empty() && !p.architecture.empty()) {
      facts.selected = p;
      if (facts.platforms.empty()) facts.platforms.push_back(p);
    }
  }
  derive_image_facts(facts);
  return Ok{};
}

void derive_image_facts(ImageFacts& f) {
  f.cuda_version = Fact<Version>::unknown("env:CUDA_VERSION", "not set in the image");
  version_from(f.cuda_version, f.env, {"CUDA_VERSION"}, "env");
  f.cudnn_version = Fact<Version>::unknown("env:CUDNN_VERSION", "not set in the image");
  version_from(f.cudnn_version, f.env, {"CUDNN_VERSION", "NV_CUDNN_VERSION"}, "env");
  if (!f.cudnn_version) version_from(f.cudnn_version, f.labels, {"com.nvidia.cudnn.version"}, "label");
  f.torch_version = Fact<Version>::unknown("env:PYTORCH_VERSION", "not set in the image");
  version_from(f.torch_version, f.env, {"PYTORCH_VERSION", "PYTORCH_BUILD_VERSION", "TORCH_VERSION"}, "env");
  if (!f.torch_version) {
    version_from(f.torch_version, f.labels,
                 {"com.nvidia.pytorch.version", "org.pytorch.version", "pytorch.version", "torch.version"}, "label");
  }
  f.nvidia_pytorch_version = Fact<std::string>::unknown("env:NVIDIA_PYTORCH_VERSION", "not an NGC PyTorch image");
  if (auto it = f.env.find("NVIDIA_PYTORCH_VERSION"); it != f.env.end() && !it->second.empty()) {
    f.nvidia_pytorch_version = Fact<std::string>::known(it->second, "env:NVIDIA_PYTORCH_VERSION");
  }
  f.l4t_version = Fact<Version>::unknown("env:L4T_VERSION", "no L4T hint in the image");
  version_from(f.l4t_version, f.env, {"L4T_VERSION"}, "env");
  if (!f.l4t_version && f.ref.digest.empty()) {
    if (auto t = l4t_from_tag(f.ref.tag)) {
      if (auto v = Version::parse(*t)) f.l4t_version = Fact<Version>::known(*v, "tag:" + f.ref.tag);
    }
  }
  f.jetpack_version = Fact<Version>::unknown("env:JETPACK_VERSION", "not set in the image");
  version_from(f.jetpack_version, f.env, {"JETPACK_VERSION"}, "env");
  f.require_jetpack = Fact<std::string>::unknown("env:NVIDIA_REQUIRE_JETPACK", "not set in the image");
  if (auto it = f.env.find("NVIDIA_REQUIRE_JETPACK"); it != f.env.end()) {
    f.require_jetpack = Fact<std::string>::known(it->second, "env:NVIDIA_REQUIRE_JETPACK");
  }
}

}  // namespace td
