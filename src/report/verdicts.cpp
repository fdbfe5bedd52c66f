#include "torchdoctor/report/verdicts.hpp"
#include "torchdoctor/report/style.hpp"

#include <nlohmann/json.hpp>

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
  nlohmann::json j{{"kind", c.kind}, {"torch", c.torch}, {"variant", c.variant}, {"ok", c.ok() && !is_undetermined(c.reasons)}, {"native", c.native()},
                   {"verdict", has_error(c.reasons) ? "does-not-run" : is_undetermined(c.reasons) ? "undetermined" : "runs"},
                   {"reasons", reasons_to_json(c.reasons)}};
  j["ref"] = c.ref.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.ref);
  j["install"] = c.install;
  if (!c.install_uv.empty()) j["install_uv"] = c.install_uv;
  return j;
}

nlohmann::json recommendation_to_json(const Recommendation& r, const Kb& kb, bool all) {
  nlohmann::json best = nlohmann::json::object();
  if (r.best_wheel) {
    best["wheel"] = {{"torch", r.best_wheel->torch},
                     {"variant", r.best_wheel->variant},
                     {"install", r.best_wheel->install},
                     {"install_uv", r.best_wheel->install_uv},
                     {"reasons", reasons_to_json(r.best_wheel->reasons)}};
  } else {
    best["wheel"] = nullptr;
  }
  best["image"] = r.best_image ? nlohmann::json{{"ref", r.best_image->ref}, {"torch", r.best_image->torch}, {"reasons", reasons_to_json(r.best_image->reasons)}}
                               : nlohmann::json(nullptr);
  nlohmann::json candidates = nlohmann::json::array();
  for (const auto& c : all ? r.all : r.rejected_newer) candidates.push_back(candidate_to_json(c));
  nlohmann::json notes = nlohmann::json::array();
  for (const auto& n : r.notes) notes.push_back(reason_to_json(n));
  return {{"schema", "torchdoctor.recommend/v1"}, {"kb_as_of", kb.as_of}, {"best", best},
          {"candidates", candidates}, {"notes", notes}};
}

const char* severity_mark(Severity s) {
  switch (s) {
    case Severity::error: return "x ";
    case Severity::unknown: return "? ";
    case Severity::warn: return "! ";
    case Severity::info: break;
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

std::string render_recommendation(const Recommendation& r, const Kb& kb, bool all, bool color) {
  const std::string bold = color ? std::string(style::bold) : "";
  const std::string reset = color ? std::string(style::reset) : "";
  std::string out;
  if (!r.notes.empty()) out += render_reasons(r.notes, color, "") + "\n";
  out += bold + "Best wheel" + reset + "\n";
  if (r.best_wheel) {
    out += "  " + candidate_title(*r.best_wheel) + "\n    " + r.best_wheel->install + "\n";
    if (!r.best_wheel->install_uv.empty()) out += "    " + r.best_wheel->install_uv + "\n";
    if (r.best_wheel->install.find("PYTORCH_INDEX_URL") != std::string::npos) {
      out += "    (PYTORCH_INDEX_URL: the PyTorch wheel index shown by pytorch.org's install selector)\n";
    }
    out += render_reasons(r.best_wheel->reasons, color, "    ");
  } else {
    out += "  none of the known wheels runs natively here\n";
  }
  out += "\n" + bold + "Best image" + reset + "\n";
  if (r.best_image) {
    out += "  " + r.best_image->ref + "\n    " + r.best_image->install + "\n" + render_reasons(r.best_image->reasons, color, "    ");
  } else {
    out += "  none of the known images fits this host\n";
  }
  const auto& list = all ? r.all : r.rejected_newer;
  if (!list.empty()) {
    out += "\n" + bold + (all ? "All candidates" : "Newer candidates that do not run natively here") + reset + "\n";
    for (const auto& c : list) {
      // In a list, an unconfirmed record is a tag on its line; the best picks above say it in full.
      std::vector<Reason> shown;
      bool unconfirmed = false;
      for (const auto& x : c.reasons) {
        if (x.code == "KB_UNCONFIRMED") unconfirmed = true;
        else shown.push_back(x);
      }
      out += "  " + candidate_title(c) + (c.native() ? "  ok" : is_undetermined(c.reasons) ? "  undetermined" : c.ok() ? "  runs, with caveats" : "  does not run") +
             (unconfirmed ? "  (knowledge-base record unconfirmed)" : "") + "\n";
      out += render_reasons(shown, color, "    ");
    }
  }
  out += "\n(knowledge base as of " + kb.as_of + ")\n";
  return out;
}

}  // namespace td
