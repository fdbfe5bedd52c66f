// NVIDIA_REQUIRE_* semantics, written from libnvidia-container's src/cli/dsl.c and src/cli/configure.c
// (parsing, short-circuit order, version comparison, error text) and nvidia-container-toolkit's
// internal/config/image/cuda_image.go (which variables count, legacy CUDA_VERSION, DISABLE_REQUIRE).
// Unlike the runtime, a host fact we do not know makes a factor *unknown* rather than true.
#include "torchdoctor/registry/require.hpp"

#include <algorithm>
#include <array>

#include "torchdoctor/core/strings.hpp"

namespace td {
namespace {

constexpr std::size_t k_expr_max = 128;  // dsl.c EXPR_MAX: longer failing factors are "invalid"
constexpr std::string_view k_op_chars = "<>=!";
constexpr std::string_view k_cuda_greater = "cuda>=";

enum class Tri { yes, no, unknown, invalid };

struct Factor {
  std::string property;  // lower-case
  std::string op;
  std::string value;
};

std::optional<Factor> parse_factor(std::string_view text) {
  const auto n = text.find_first_of(k_op_chars);
  if (n == 0 || n == std::string_view::npos) return std::nullopt;
  auto end = text.find_first_not_of(k_op_chars, n);
  if (end == std::string_view::npos) end = text.size();
  Factor f{to_lower(text.substr(0, n)), std::string(text.substr(n, end - n)), std::string(text.substr(end))};
  constexpr std::array<std::string_view, 6> ops{"=", "!=", "<", "<=", ">", ">="};
  if (std::find(ops.begin(), ops.end(), f.op) == ops.end() || f.value.empty()) return std::nullopt;
  if (f.property != "cuda" && f.property != "driver" && f.property != "arch" && f.property != "brand")
    return std::nullopt;
  return f;
}

bool only_digits_and_dots(std::string_view s) { return s.find_first_not_of("0123456789.") == std::string_view::npos; }

// Splits like repeated strsep(): consecutive separators give empty fields, which callers skip.
std::vector<std::string> fields(std::string_view s, char sep) { return split(s, sep); }

Tri tri(std::optional<bool> b) { return b ? (*b ? Tri::yes : Tri::no) : Tri::invalid; }

Tri evaluate_factor(const Factor& f, const RequireHost& host, const RequireGpu* gpu,
                    std::vector<std::string>& unknown) {
  auto version_rule = [&](const std::optional<std::string>& have) {
    if (!have) {
      unknown.push_back(f.property);
      return Tri::unknown;
    }
    return tri(require_compare_version(*have, f.op, f.value));
  };
  if (f.property == "cuda") return version_rule(host.cuda);
  if (f.property == "driver") return version_rule(host.driver);
  if (gpu == nullptr) return Tri::yes;  // configure.c: no device visible, arch and brand assumed ok
  if (f.property == "arch") return version_rule(gpu->arch);
  if (!gpu->brand) {
    unknown.push_back(f.property);
    return Tri::unknown;
  }
  if (f.op == "=") return to_lower(*gpu->brand) == to_lower(f.value) ? Tri::yes : Tri::no;
  if (f.op == "!=") return to_lower(*gpu->brand) != to_lower(f.value) ? Tri::yes : Tri::no;
  return Tri::invalid;
}

std::string unsatisfied_text(const std::string& requirement) {
  const std::string first = requirement.substr(0, requirement.find(' '));
  std::string text = "unsatisfied condition: " + first;
  if (first.rfind(k_cuda_greater, 0) == 0) {
    text += ", please update your driver to a newer version, or use an earlier cuda container";
  }
  return text;
}

std::string dotted(const Version& v, std::size_t parts = 0) {
  std::string s;
  const auto& r = v.release();
  const std::size_t n = parts == 0 ? r.size() : std::min(parts, r.size());
  for (std::size_t i = 0; i < n; ++i) s += (i ? "." : "") + std::to_string(r[i]);
  return s;
}

}  // namespace

const char* require_state_name(RequireState state) {
  switch (state) {
    case RequireState::satisfied:
      return "satisfied";
    case RequireState::unsatisfied:
      return "unsatisfied";
    case RequireState::unknown:
      return "unknown";
    case RequireState::invalid:
      return "invalid";
    case RequireState::disabled:
      return "disabled";
  }
  return "unknown";
}

std::optional<bool> require_compare_version(const std::string& lhs, const std::string& op, const std::string& rhs) {
  if (!only_digits_and_dots(lhs) || !only_digits_and_dots(rhs)) return std::nullopt;
  // Walk both numbers part by part while both have text left; then any non-zero rest decides.
  std::size_t i = 0;
  std::size_t j = 0;
  auto number = [](const std::string& s, std::size_t& pos) -> std::optional<unsigned long long> {
    const std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start || pos - start > 18) return std::nullopt;
    return std::stoull(s.substr(start, pos - start));
  };
  while (i < lhs.size() && j < rhs.size()) {
    const auto a = number(lhs, i);
    const auto b = number(rhs, j);
    if (!a || !b) return std::nullopt;
    if (*a != *b) {
      if (op == "=") return false;
      if (op == "!=") return true;
      return (op == "<" || op == "<=") ? *a < *b : *a > *b;
    }
    while (i < lhs.size() && lhs[i] == '.') ++i;
    while (j < rhs.size() && rhs[j] == '.') ++j;
  }
  while (i < lhs.size() && (lhs[i] == '.' || lhs[i] == '0')) ++i;
  while (j < rhs.size() && (rhs[j] == '.' || rhs[j] == '0')) ++j;
  const bool lhs_rest = i < lhs.size();
  const bool rhs_rest = j < rhs.size();
  if (op == "!=") return lhs_rest || rhs_rest;
  if (!lhs_rest && !rhs_rest && (op == "=" || op == "<=" || op == ">=")) return true;
  if (op == "=") return false;
  if (op == "<" || op == "<=") return !lhs_rest && rhs_rest;
  return lhs_rest && !rhs_rest;
}

RequireOutcome evaluate_requirement(const std::string& requirement, const RequireHost& host, const RequireGpu* gpu) {
  RequireOutcome out;
  if (gpu != nullptr) out.gpu = gpu->label;
  bool any_unknown = false;
  bool any_term = false;  // dsl.c starts from "true": a requirement without terms holds
  for (const auto& term : fields(requirement, ' ')) {
    if (term.empty()) continue;
    any_term = true;
    Tri term_state = Tri::yes;
    std::vector<std::string> unknown;
    for (const auto& text : fields(term, ',')) {
      if (text.empty()) continue;
      const auto factor = parse_factor(text);
      Tri t = factor ? evaluate_factor(*factor, host, gpu, unknown) : Tri::invalid;
      if (t == Tri::no && factor->property.size() + factor->op.size() + factor->value.size() + 2 >= k_expr_max) {
        t = Tri::invalid;
      }
      if (t == Tri::invalid) {
        out.state = RequireState::invalid;
        out.message = "invalid expression";
        return out;
      }
      if (t == Tri::no) {
        term_state = Tri::no;
        break;
      }
      if (t == Tri::unknown) term_state = Tri::unknown;
    }
    if (term_state == Tri::yes) {
      out.state = RequireState::satisfied;
      out.unknown_properties.clear();
      return out;
    }
    if (term_state == Tri::unknown) {
      any_unknown = true;
      for (auto& u : unknown) {
        if (std::find(out.unknown_properties.begin(), out.unknown_properties.end(), u) ==
            out.unknown_properties.end()) {
          out.unknown_properties.push_back(u);
        }
      }
    }
  }
  if (any_unknown) {
    out.state = RequireState::unknown;
    return out;
  }
  if (!any_term) return out;
  out.state = RequireState::unsatisfied;
  out.message = unsatisfied_text(requirement);
  return out;
}

bool requirements_disabled(const std::map<std::string, std::string>& env) {
  const auto it = env.find("NVIDIA_DISABLE_REQUIRE");
  if (it == env.end()) return false;
  const std::string& v = it->second;
  return v == "1" || v == "t" || v == "T" || v == "TRUE" || v == "true" || v == "True";
}

std::vector<std::pair<std::string, std::string>> image_requirements(const std::map<std::string, std::string>& env) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : env) {
    if (name.rfind("NVIDIA_REQUIRE_", 0) != 0 || name.rfind("NVIDIA_REQUIRE_JETPACK", 0) == 0) continue;
    out.emplace_back(name, value);
  }
  const auto cuda = env.find("CUDA_VERSION");
  const auto require_cuda = env.find("NVIDIA_REQUIRE_CUDA");
  if (cuda != env.end() && !cuda->second.empty() && (require_cuda == env.end() || require_cuda->second.empty())) {
    if (auto v = Version::parse(cuda->second); v && v->release().size() >= 2) {
      out.emplace_back("CUDA_VERSION", "cuda>=" + dotted(*v, 2));
    }
  }
  return out;
}

RequireOutcome evaluate_image_requirements(const std::map<std::string, std::string>& env, const RequireHost& host) {
  RequireOutcome out;
  if (requirements_disabled(env)) {
    out.state = RequireState::disabled;
    out.variable = "NVIDIA_DISABLE_REQUIRE";
    return out;
  }
  const auto reqs = image_requirements(env);
  std::vector<const RequireGpu*> devices;
  const RequireGpu unknown_gpu{"GPU (not probed)", std::nullopt, std::nullopt};
  if (!host.gpus)
    devices.push_back(&unknown_gpu);
  else if (host.gpus->empty())
    devices.push_back(nullptr);
  else
    for (const auto& g : *host.gpus) devices.push_back(&g);
  std::optional<RequireOutcome> first_unknown;
  for (const RequireGpu* gpu : devices) {
    for (const auto& [name, value] : reqs) {
      RequireOutcome o = evaluate_requirement(value, host, gpu);
      o.variable = name;
      if (o.state == RequireState::invalid || o.state == RequireState::unsatisfied) return o;
      if (o.state == RequireState::unknown && !first_unknown) first_unknown = o;
    }
  }
  if (first_unknown) return *first_unknown;
  return out;
}

std::optional<std::string> brand_from_gpu_name(const std::string& name) {
  const std::string n = to_lower(name);
  const bool rtx = n.find("rtx") != std::string::npos;
  if (n.find("titan") != std::string::npos) return rtx ? "titanrtx" : "titan";
  if (n.find("geforce") != std::string::npos) return rtx ? "geforcertx" : "geforce";
  if (n.find("quadro") != std::string::npos) return rtx ? "quadrortx" : "quadro";
  if (n.find("tesla") != std::string::npos) return "tesla";
  if (rtx) return "nvidiartx";  // RTX A6000, RTX 6000 Ada, RTX PRO: workstation boards
  // Data-centre boards without "Tesla" in the name report the NVIDIA brand.
  for (const char* dc : {"a100", "a800", "a30", "a40", "a10", "a16", "h100", "h200", "h800", "h20", "l40", "l20", "l4",
                         "b100", "b200", "b300", "gb200", "gh200"}) {
    if (n.find(dc) != std::string::npos) return "nvidia";
  }
  for (const char* old : {"v100", "p100", "p40", "p4", "t4", "k80"}) {
    if (n.find(old) != std::string::npos) return "tesla";
  }
  return std::nullopt;
}

RequireHost require_host_from(const HostFacts& facts) {
  RequireHost h;
  if (facts.driver.cuda_level) h.cuda = dotted(*facts.driver.cuda_level, 2);
  if (facts.driver.version) h.driver = dotted(*facts.driver.version);
  if (facts.gpus) {
    h.gpus.emplace();
    std::size_t i = 0;
    for (const auto& g : *facts.gpus) {
      RequireGpu r;
      r.label = "GPU " + std::to_string(i++) + (g.name ? " (" + *g.name + ")" : "");
      if (g.compute_capability) {
        r.arch = std::to_string(g.compute_capability->major()) + "." + std::to_string(g.compute_capability->minor());
      }
      if (g.name) r.brand = brand_from_gpu_name(*g.name);
      h.gpus->push_back(std::move(r));
    }
  }
  return h;
}

std::vector<std::string> lint_requirements(const std::map<std::string, std::string>& env) {
  std::vector<std::string> lints;
  for (const auto& [name, value] : env) {
    if (name == "NVIDIA_DISABLE_REQUIRES") {
      lints.push_back(
          "NVIDIA_DISABLE_REQUIRES is set, but the NVIDIA runtime reads NVIDIA_DISABLE_REQUIRE (no S): "
          "the requirements are still enforced");
    } else if (name.rfind("NVIDIA_REQUIRES_", 0) == 0) {
      lints.push_back(name + " is ignored by the NVIDIA runtime; did you mean NVIDIA_REQUIRE_" + name.substr(16) + "?");
    } else if (name == "NVIDIA_DISABLE_REQUIRE" && !requirements_disabled(env) && value != "0" && value != "f" &&
               value != "F" && value != "false" && value != "FALSE" && value != "False") {
      lints.push_back("NVIDIA_DISABLE_REQUIRE='" + sanitize(value, 40) +
                      "' is not a boolean (1, true, 0, false): the runtime treats it as false");
    }
  }
  for (const auto& [name, value] : image_requirements(env)) {
    for (const auto& term : fields(value, ' ')) {
      for (const auto& text : fields(term, ',')) {
        if (text.empty()) continue;
        const auto f = parse_factor(text);
        const bool bad_value =
            f && f->property != "brand" && (!only_digits_and_dots(f->value) || f->value.front() == '.');
        const bool bad_brand_op = f && f->property == "brand" && f->op != "=" && f->op != "!=";
        if (!f || bad_value || bad_brand_op) {
          lints.push_back(name + ": '" + sanitize(text, 60) +
                          "' is not a valid condition; the runtime fails with 'invalid expression' when it reaches it");
        }
      }
    }
  }
  const auto cuda = env.find("CUDA_VERSION");
  const auto req = env.find("NVIDIA_REQUIRE_CUDA");
  if (cuda != env.end() && req != env.end() && !req->second.empty()) {
    const auto version = Version::parse(cuda->second);
    const std::string first = req->second.substr(0, req->second.find(' '));
    std::optional<std::string> asked;
    for (const auto& text : fields(first, ',')) {
      if (const auto f = parse_factor(text); f && f->property == "cuda" && f->op == ">=") asked = f->value;
    }
    if (version && asked) {
      const std::string have = dotted(*version, 2);
      if (require_compare_version(have, "=", *asked) != std::optional<bool>(true)) {
        lints.push_back("NVIDIA_REQUIRE_CUDA asks for cuda>=" + *asked + " but CUDA_VERSION is " + cuda->second +
                        ": the driver check does not match the CUDA inside the image");
      }
    } else if (version && !asked) {
      lints.push_back("NVIDIA_REQUIRE_CUDA does not start with cuda>=" + dotted(*version, 2) +
                      " although CUDA_VERSION is " + cuda->second +
                      ": the driver is not checked against the CUDA inside");
    }
  }
  return lints;
}

}  // namespace td
