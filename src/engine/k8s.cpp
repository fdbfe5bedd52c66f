// Node labels and image affinity: the two halves of one placement rule, kept in step so that an
// affinity selects a node exactly when judge_fit says the image runs there (tested both ways).
#include "torchdoctor/engine/k8s.hpp"

#include <algorithm>
#include <set>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/engine/engine.hpp"
#include "torchdoctor/engine/gpu_rules.hpp"

namespace td {
namespace {

std::string key(const std::string& name) { return std::string(k_label_prefix) + name; }

std::string sm_label(const ComputeCapability& cc) { return key("gpu.sm." + cc.hardware().digits()); }
const std::string k_sm_unlisted = "gpu.sm.unlisted";

std::uint32_t cuda_code(const Version& v) { return v.major() * 1000 + v.minor() * 10; }

bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// The newest wheel per variant that runs natively on this node (no error, no PTX JIT).
void torch_labels(const JudgedHost& host, const Kb& kb, std::map<std::string, std::string>& out) {
  const HostFacts& f = host.facts();
  const HostClass& h = host.host();
  if (h.platform.empty()) return;
  std::map<std::string, Version> newest;
  for (const auto& w : kb.torch_wheels) {
    if (std::find(w.platforms.begin(), w.platforms.end(), h.platform) == w.platforms.end()) continue;
    const auto reasons = judge_wheel(f, h, kb, w);
    const bool native = std::none_of(reasons.begin(), reasons.end(), [](const Reason& r) {
      return r.severity == Severity::error || r.code == "PTX_JIT" || r.code == "NO_GPU" ||
             r.code == "MINOR_VERSION_COMPAT";
    });
    if (!native) continue;
    auto it = newest.find(w.variant);
    if (it == newest.end() || it->second < w.torch) newest[w.variant] = w.torch;
  }
  for (const auto& [variant, v] : newest) {
    const std::string value = label_value(v.str());
    if (!valid_label_key(key("torch." + variant)) || value.empty()) continue;
    out[key("torch." + variant)] = "true";
    out[key("torch." + variant + ".newest")] = value;
  }
}

std::optional<long long> integer(const std::string& s) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoll(s);
}

}  // namespace

std::string label_value(const std::string& text) {
  std::string v;
  for (char c : text) v += (alnum(c) || c == '.' || c == '_' || c == '-') ? c : '-';
  if (v.size() > 63) v.resize(63);
  while (!v.empty() && !alnum(v.back())) v.pop_back();
  std::size_t start = 0;
  while (start < v.size() && !alnum(v[start])) ++start;
  return v.substr(start);
}

bool valid_label_value(const std::string& v) { return v.empty() || label_value(v) == v; }

bool valid_label_key(const std::string& k) {
  const auto slash = k.find('/');
  const std::string name = slash == std::string::npos ? k : k.substr(slash + 1);
  if (name.empty() || label_value(name) != name) return false;
  if (slash == std::string::npos) return true;
  const std::string prefix = k.substr(0, slash);
  if (prefix.empty() || prefix.size() > 253) return false;
  for (const auto& part : split(prefix, '.')) {
    if (part.empty() || part.size() > 63 || !alnum(part.front()) || !alnum(part.back())) return false;
    if (part.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) return false;
  }
  return true;
}

std::vector<ComputeCapability> label_universe(const Kb& kb) {
  std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
  std::vector<ComputeCapability> out;
  auto add = [&](const ComputeCapability& cc) {
    if (seen.insert({cc.major(), cc.minor()}).second) out.push_back(cc.hardware());
  };
  for (const auto& g : kb.gpus) add(g.cc);
  for (const auto& m : kb.jetson_modules) add(m.cc);
  std::sort(out.begin(), out.end(), [](const ComputeCapability& a, const ComputeCapability& b) {
    return std::pair(a.major(), a.minor()) < std::pair(b.major(), b.minor());
  });
  return out;
}

std::map<std::string, std::string> node_labels(const NodeProfile& n, const JudgedHost& host, const Kb& kb) {
  std::map<std::string, std::string> l;
  if (n.driver) {
    const auto& r = n.driver->release();
    l[key("cuda.driver-version.full")] = label_value(n.driver->str());
    if (!r.empty()) l[key("cuda.driver-version.major")] = std::to_string(r[0]);
    if (r.size() > 1) l[key("cuda.driver-version.minor")] = std::to_string(r[1]);
    if (r.size() > 2) l[key("cuda.driver-version.revision")] = std::to_string(r[2]);
  }
  if (n.cuda_level) {
    l[key("cuda.runtime-version.full")] =
        std::to_string(n.cuda_level->major()) + "." + std::to_string(n.cuda_level->minor());
    l[key("cuda.runtime-version.major")] = std::to_string(n.cuda_level->major());
    l[key("cuda.runtime-version.minor")] = std::to_string(n.cuda_level->minor());
    l[key("cuda.runtime-version.code")] = std::to_string(cuda_code(*n.cuda_level));
  }
  if (n.gpus_known) l[key("gpu.count")] = std::to_string(n.gpu_names.size());
  if (!n.gpu_names.empty()) {
    if (auto p = label_value(n.gpu_names.front()); !p.empty()) l[key("gpu.product")] = p;
  }
  if (!n.family.empty()) l[key("gpu.family")] = label_value(n.family);
  if (!n.ccs.empty()) {
    const auto lowest =
        *std::min_element(n.ccs.begin(), n.ccs.end(), [](const ComputeCapability& a, const ComputeCapability& b) {
          return std::pair(a.major(), a.minor()) < std::pair(b.major(), b.minor());
        });
    l[key("gpu.compute.major")] = std::to_string(lowest.major());
    l[key("gpu.compute.minor")] = std::to_string(lowest.minor());
  }
  const auto universe = label_universe(kb);
  for (const auto& cc : n.ccs) {
    const bool listed = std::any_of(universe.begin(), universe.end(), [&](const ComputeCapability& u) {
      return u.major() == cc.major() && u.minor() == cc.minor();
    });
    l[listed ? sm_label(cc) : key(k_sm_unlisted)] = "true";
  }
  if (n.cc_unknown) l[key(k_sm_unlisted)] = "true";
  if (n.tegra) l[key("tegra")] = n.tegra_sbsa ? "sbsa" : "true";
  if (n.l4t) {
    l[key("l4t.version")] = label_value(n.l4t->str());
    l[key("l4t.release")] = std::to_string(n.l4t->major()) + "." + std::to_string(n.l4t->minor());
    l[key("l4t.major")] = std::to_string(n.l4t->major());
    l[key("l4t.minor")] = std::to_string(n.l4t->minor());
  }
  if (n.jetpack) l[key("jetpack.version")] = label_value(n.jetpack->str());
  torch_labels(host, kb, l);
  if (!kb.as_of.empty()) l[key("kb.as-of")] = label_value(kb.as_of);
  return l;
}

nlohmann::json affinity_for(const ImageNeeds& im, const std::vector<ComputeCapability>& universe, unsigned gpus) {
  using nlohmann::json;
  json exprs = json::array();
  auto expr = [&](const std::string& k, const char* op, const std::vector<std::string>& values) {
    json e{{"key", k}, {"operator", op}};
    if (!values.empty()) e["values"] = values;
    exprs.push_back(std::move(e));
  };
  // A second term (node selector terms are ORed) for the nodes that run the image through CUDA
  // minor-version compatibility: the same major, a driver of at least the major's floor branch.
  json minor_compat = json::array();
  if (!im.archs.empty()) expr("kubernetes.io/arch", "In", im.archs);
  if (im.tegra == ImageNeeds::Tegra::required) {
    expr(key("tegra"), "In", {"true", "sbsa"});
    if (im.l4t) {
      // l4t_runs_on, as labels: r36 split at 36.4, r34/r35/r38 by major, r32.7+, else the release.
      const auto major = im.l4t->major();
      const auto minor = im.l4t->minor();
      if (major == 36) {
        expr(key("l4t.major"), "In", {"36"});
        expr(key("l4t.minor"), minor < 4 ? "Lt" : "Gt", {minor < 4 ? "4" : "3"});
      } else if (major == 34 || major == 35 || major == 38) {
        expr(key("l4t.major"), "In", {std::to_string(major)});
      } else if (major == 32 && minor >= 7) {
        expr(key("l4t.major"), "In", {"32"});
        expr(key("l4t.minor"), "Gt", {"6"});
      } else {
        expr(key("l4t.version"), "In", {label_value(im.l4t->public_version().str())});
      }
    }
  } else if (im.needs_gpu) {
    if (im.tegra == ImageNeeds::Tegra::forbidden) expr(key("tegra"), "NotIn", {"true"});
    expr(key("gpu.count"), "Gt", {"0"});
    if (im.min_cuda && im.minor_compat_driver) {
      minor_compat = exprs;
      minor_compat.push_back({{"key", key("cuda.runtime-version.major")},
                              {"operator", "In"},
                              {"values", {std::to_string(im.min_cuda->major())}}});
      minor_compat.push_back({{"key", key("cuda.driver-version.major")},
                              {"operator", "Gt"},
                              {"values", {std::to_string(im.minor_compat_driver->major() - 1)}}});
    }
    if (im.min_cuda) expr(key("cuda.runtime-version.code"), "Gt", {std::to_string(cuda_code(*im.min_cuda) - 1)});
  }
  // The GPU targets, as judge_fit applies them: the image's own list where it holds for the node's
  // architecture (SASS of the same major, PTX for later GPUs), else its toolkit's bound (a GPU older
  // than all of it cannot run it; newer ones are not constrained, and said). A list read for some
  // architectures only gives one term per side.
  struct Targets {
    const char* arch_op;  // "In" or "NotIn" kernel_archs; null: every architecture
    const std::vector<ComputeCapability>* list;
    bool own;
  };
  std::vector<Targets> groups;
  if (im.needs_gpu && im.tegra != ImageNeeds::Tegra::required) {
    const std::vector<ComputeCapability>* bound = im.toolkit_targets ? &*im.toolkit_targets : nullptr;
    const bool split = im.kernels && !im.kernel_archs.empty();
    if (im.kernels) groups.push_back({split ? "In" : nullptr, &*im.kernels, true});
    if (!im.kernels || split) groups.push_back({split ? "NotIn" : nullptr, bound, false});
  }
  const auto with_targets = [&](const json& base, const Targets& t) {
    json e = base;
    if (t.arch_op != nullptr)
      e.push_back({{"key", "kubernetes.io/arch"}, {"operator", t.arch_op}, {"values", im.kernel_archs}});
    if (t.list == nullptr) return e;
    for (const auto& cc : universe) {
      const bool excluded = t.own ? std::none_of(t.list->begin(), t.list->end(),
                                                 [&](const ComputeCapability& k) { return k.runs_on(cc); })
                                  : fit_gpu(*t.list, {}, cc) == GpuFit::too_old;
      if (excluded) e.push_back({{"key", sm_label(cc)}, {"operator", "DoesNotExist"}});
    }
    if (t.own) e.push_back({{"key", key(k_sm_unlisted)}, {"operator", "DoesNotExist"}});
    return e;
  };
  json terms = json::array();
  for (const json* base : {&exprs, &minor_compat}) {
    if (base->empty() || (base == &exprs && exprs.empty())) continue;
    if (groups.empty()) {
      terms.push_back(json{{"matchExpressions", *base}});
      continue;
    }
    for (const auto& g : groups) terms.push_back(json{{"matchExpressions", with_targets(*base, g)}});
  }
  json doc = json::object();
  if (!terms.empty())
    doc["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"] = terms;
  if (im.needs_gpu) doc["resources"]["limits"]["nvidia.com/gpu"] = gpus;
  return doc;
}

bool match_expressions(const nlohmann::json& exprs, const std::map<std::string, std::string>& labels) {
  for (const auto& e : exprs) {
    const std::string k = e.value("key", "");
    const std::string op = e.value("operator", "");
    const auto it = labels.find(k);
    const bool has = it != labels.end();
    std::vector<std::string> values;
    if (e.contains("values")) values = e["values"].get<std::vector<std::string>>();
    const bool in = has && std::find(values.begin(), values.end(), it->second) != values.end();
    bool ok = false;
    if (op == "In")
      ok = in;
    else if (op == "NotIn")
      ok = !in;
    else if (op == "Exists")
      ok = has;
    else if (op == "DoesNotExist")
      ok = !has;
    else if (op == "Gt" || op == "Lt") {
      const long long none = -1;  // labels and values here are never negative
      const long long have = has ? integer(it->second).value_or(none) : none;
      const long long want = values.size() == 1 ? integer(values[0]).value_or(none) : none;
      ok = have != none && want != none && (op == "Gt" ? have > want : have < want);
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace td
