#include "torchdoctor/report/verdicts.hpp"
#include "torchdoctor/core/host_json.hpp"
#include "torchdoctor/report/style.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace td {
namespace {

std::string candidate_title(const Candidate& c) {
  if (c.kind == "image") return c.ref;
  if (c.variant.find(':') != std::string::npos) return "torch " + c.torch + " [" + c.variant + "]";
  return "torch " + c.torch + (c.variant.empty() ? "" : "+" + c.variant);
}

}  // namespace

nlohmann::json reason_to_json(const Reason& r) {
  nlohmann::json j{{"code", r.code}, {"severity", severity_name(r.severity)}, {"message", r.message}};
  if (!r.fix.empty()) j["fix"] = r.fix;
  return j;
}

nlohmann::json reasons_to_json(const std::vector<Reason>& reasons) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : reasons) out.push_back(reason_to_json(r));
  return out;
}

nlohmann::json candidate_to_json(const Candidate& c) {
  nlohmann::json j{{"kind", c.kind},
                   {"torch", c.torch},
                   {"variant", c.variant},
                   {"ok", c.ok() && !is_undetermined(c.reasons)},
                   {"native", c.native()},
                   {"verdict", has_error(c.reasons)         ? "does-not-run"
                               : is_undetermined(c.reasons) ? "undetermined"
                                                            : "runs"},
                   {"reasons", reasons_to_json(c.reasons)}};
  j["ref"] = c.ref.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.ref);
  j["install"] = c.install;
  if (!c.install_uv.empty()) j["install_uv"] = c.install_uv;
  j["platform"] = c.platform;
  return j;
}

nlohmann::json recommendation_to_json(const Recommendation& r, const Kb& kb, bool all) {
  nlohmann::json best = nlohmann::json::object();
  if (r.best_wheel) {
    best["wheel"] = {{"torch", r.best_wheel->torch},       {"variant", r.best_wheel->variant},
                     {"install", r.best_wheel->install},   {"install_uv", r.best_wheel->install_uv},
                     {"platform", r.best_wheel->platform}, {"reasons", reasons_to_json(r.best_wheel->reasons)}};
  } else {
    best["wheel"] = nullptr;
  }
  best["image"] = r.best_image ? nlohmann::json{{"ref", r.best_image->ref},
                                                {"torch", r.best_image->torch},
                                                {"platform", r.best_image->platform},
                                                {"reasons", reasons_to_json(r.best_image->reasons)}}
                               : nlohmann::json(nullptr);
  nlohmann::json candidates = nlohmann::json::array();
  for (const auto& c : all ? r.all : r.rejected_newer) candidates.push_back(candidate_to_json(c));
  nlohmann::json notes = nlohmann::json::array();
  for (const auto& n : r.notes) notes.push_back(reason_to_json(n));
  return {{"schema", "torchdoctor.recommend/v1"},
          {"kb_as_of", kb.as_of},
          {"best", best},
          {"candidates", candidates},
          {"notes", notes}};
}

const char* severity_mark(Severity s) {
  switch (s) {
    case Severity::error:
      return "x ";
    case Severity::unknown:
      return "? ";
    case Severity::warn:
      return "! ";
    case Severity::info:
      break;
  }
  return "i ";
}

std::string render_reasons(const std::vector<Reason>& reasons, bool color, const std::string& indent) {
  std::string out;
  for (const auto& r : reasons) {
    const std::string c = color ? std::string(style::of(r.severity)) : "";
    const std::string reset = color ? std::string(style::reset) : "";
    out += indent + c + r.code + reset + " — " + r.message + "\n";
    if (!r.fix.empty()) out += indent + "  → " + r.fix + "\n";
  }
  return out;
}

namespace {

// A candidate's reasons less its knowledge-base sourcing note (KB_UNCONFIRMED), which only
// --verbose prints in full; `unconfirmed` says whether there was one.
std::vector<Reason> without_sourcing(const std::vector<Reason>& reasons, bool& unconfirmed) {
  std::vector<Reason> shown;
  unconfirmed = false;
  for (const auto& x : reasons) {
    if (x.code == "KB_UNCONFIRMED")
      unconfirmed = true;
    else
      shown.push_back(x);
  }
  return shown;
}

std::string labelled(const Candidate& c, const char* gap = "  ") {
  return candidate_title(c) + (c.platform.empty() ? "" : gap + ("(" + c.platform + ")"));
}

// One line per code: how many candidates it rejects, the newest ones, the fix of the newest (which
// then also covers the older ones: a newer driver, a newer Python).
std::string render_rejections_by_code(const std::vector<Candidate>& list, bool color) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Candidate*>> by_code;
  for (const auto& c : list) {
    std::set<std::string> seen;
    for (const auto& x : c.reasons) {
      if (x.severity == Severity::info || !seen.insert(x.code).second) continue;
      if (!by_code.count(x.code)) order.push_back(x.code);
      by_code[x.code].push_back(&c);
    }
  }
  const auto newer = [](const Candidate* a, const Candidate* b) {
    const auto va = Version::parse(a->torch);
    const auto vb = Version::parse(b->torch);
    return va && vb && *vb < *va;
  };
  std::string out;
  for (const auto& code : order) {
    auto cs = by_code[code];
    std::stable_sort(cs.begin(), cs.end(), newer);
    const Reason* first = nullptr;
    for (const auto& x : cs.front()->reasons) {
      if (x.code == code) first = &x;
    }
    const std::string c = color && first != nullptr ? std::string(style::of(first->severity)) : "";
    const std::string reset = color ? std::string(style::reset) : "";
    std::string names;
    const std::size_t shown = std::min<std::size_t>(cs.size(), 3);
    for (std::size_t i = 0; i < shown; ++i) names += (i == 0 ? "" : ", ") + labelled(*cs[i], " ");
    if (cs.size() > shown) names += ", ...";
    out += "  " + c + code + reset + " (" + std::to_string(cs.size()) +
           (cs.size() == 1 ? " candidate" : " candidates") + "): " + names + "\n";
    if (first != nullptr && !first->fix.empty()) out += "    → " + first->fix + "\n";
  }
  return out;
}

}  // namespace

std::string render_recommendation(const Recommendation& r, const Kb& kb, bool all, bool verbose, bool color) {
  const std::string bold = color ? std::string(style::bold) : "";
  const std::string reset = color ? std::string(style::reset) : "";
  std::string out;
  if (!r.notes.empty()) out += render_reasons(r.notes, color, "") + "\n";
  // A best pick's findings; its sourcing note in full only with --verbose.
  const auto findings = [&](const Candidate& c) {
    bool unconfirmed = false;
    const auto shown = verbose ? c.reasons : without_sourcing(c.reasons, unconfirmed);
    return render_reasons(shown, color, "    ") +
           (unconfirmed ? "    (its knowledge-base record is unconfirmed: --verbose says why)\n" : "");
  };
  out += bold + "Best wheel" + reset + "\n";
  if (r.best_wheel) {
    out += "  " + labelled(*r.best_wheel) + "\n";
    if (!r.best_wheel->install.empty()) out += "    " + r.best_wheel->install + "\n";
    if (!r.best_wheel->install_uv.empty()) out += "    " + r.best_wheel->install_uv + "\n";
    if (r.best_wheel->install.find("PYTORCH_INDEX_URL") != std::string::npos) {
      out += "    (PYTORCH_INDEX_URL: the PyTorch wheel index shown by pytorch.org's install selector)\n";
    }
    out += findings(*r.best_wheel);
  } else {
    out += "  none of the known wheels runs natively here\n";
  }
  out += "\n" + bold + "Best image" + reset + "\n";
  if (r.best_image) {
    out += "  " + labelled(*r.best_image) + "\n    " + r.best_image->install + "\n" + findings(*r.best_image);
  } else {
    out += "  none of the known images fits this host\n";
  }
  if (!all && !verbose && !r.rejected_newer.empty()) {
    out += "\n" + bold + "Newer candidates that do not run natively here, by reason" + reset +
           "  (--verbose lists each)\n";
    out += render_rejections_by_code(r.rejected_newer, color);
  }
  const auto& list = all ? r.all : r.rejected_newer;
  if ((all || verbose) && !list.empty()) {
    out += "\n" + bold + (all ? "All candidates" : "Newer candidates that do not run natively here") + reset + "\n";
    for (const auto& c : list) {
      // In a list, an unconfirmed record is a tag on its line (its note in full with --verbose).
      bool unconfirmed = false;
      const auto shown = verbose ? c.reasons : without_sourcing(c.reasons, unconfirmed);
      out += "  " + labelled(c) +
             (c.native()                   ? "  ok"
              : is_undetermined(c.reasons) ? "  undetermined"
              : c.ok()                     ? "  runs, with caveats"
                                           : "  does not run") +
             (unconfirmed ? "  (knowledge-base record unconfirmed)" : "") + "\n";
      out += render_reasons(shown, color, "    ");
    }
  }
  out += "\n(knowledge base as of " + kb.as_of + ")\n";
  return out;
}

std::string doctor_verdict(const std::vector<DoctorCheck>& checks) {
  bool problem = false;
  bool undetermined = false;
  for (const auto& c : checks) {
    problem = problem || has_error(c.reasons) || has_warning(c.reasons);
    undetermined = undetermined || is_undetermined(c.reasons);
  }
  return problem ? "does-not-run" : undetermined ? "undetermined" : "runs";
}

nlohmann::json doctor_to_json(const std::vector<DoctorCheck>& checks, const HostFacts& host, const Recommendation& rec,
                              const Kb& kb) {
  nlohmann::json jc = nlohmann::json::array();
  for (const auto& c : checks) {
    jc.push_back({{"check", c.check},
                  {"title", c.title},
                  {"ok", is_clean(c.reasons)},
                  {"undetermined", is_undetermined(c.reasons)},
                  {"reasons", reasons_to_json(c.reasons)}});
  }
  const std::string verdict = doctor_verdict(checks);
  return {{"schema", "torchdoctor.doctor/v1"},
          {"ok", verdict == "runs"},
          {"verdict", verdict},
          {"checks", jc},
          {"host", host_to_json(host)},
          {"recommendation", recommendation_to_json(rec, kb, false)}};
}

namespace {

std::string check_mark(const std::vector<Reason>& reasons, bool color) {
  if (has_error(reasons)) return style::paint(color, style::red, "[✗]");
  if (has_warning(reasons)) return style::paint(color, style::yellow, "[!]");
  if (is_undetermined(reasons)) return style::paint(color, style::yellow, "[?]");
  return style::paint(color, style::green, "[✓]");
}

}  // namespace

std::string render_doctor(const std::vector<DoctorCheck>& checks, const Recommendation& rec, const Kb& kb, bool color) {
  std::string text;
  for (const auto& c : checks) {
    text += check_mark(c.reasons, color) + " " + c.title + "\n";
    text += render_reasons(c.reasons, color, "    ");
  }
  text += "\n";
  if (rec.best_wheel) {
    const std::string v = rec.best_wheel->variant;
    text += "Recommended wheel: torch " + rec.best_wheel->torch +
            (v.find(':') != std::string::npos ? " [" + v + "]" : "+" + v) + "\n";
    if (!rec.best_wheel->install.empty()) text += "    " + rec.best_wheel->install + "\n";
    if (!rec.best_wheel->install_uv.empty()) text += "    " + rec.best_wheel->install_uv + "\n";
    text += render_reasons(rec.best_wheel->reasons, color, "    ");
  }
  if (rec.best_image)
    text += "Recommended image: " + rec.best_image->ref + "\n" + render_reasons(rec.best_image->reasons, color, "    ");
  text += render_reasons(rec.notes, color, "");
  const std::string verdict = doctor_verdict(checks);
  text += "\n" +
          std::string(verdict == "does-not-run"   ? "Problems found"
                      : verdict == "undetermined" ? "No problems found, but not everything could be decided"
                                                  : "No problems found") +
          " (knowledge base as of " + kb.as_of +
          "). Details: torchdoctor probe; choices: torchdoctor recommend --all\n";
  return text;
}

}  // namespace td
