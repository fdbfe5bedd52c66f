// Rendering verdicts: reasons, recommendations and the doctor's checklist, as text or JSON.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "torchdoctor/engine/engine.hpp"

namespace td {

/// A reason as JSON {code, severity, message, fix}.
nlohmann::json reason_to_json(const Reason& r);
/// Reasons as a JSON array of reason_to_json objects.
nlohmann::json reasons_to_json(const std::vector<Reason>& reasons);
/// A candidate as JSON {kind, torch, variant, ref, ok, native, install, reasons}.
nlohmann::json candidate_to_json(const Candidate& c);
/// The recommend document (schema torchdoctor.recommend/v1).
nlohmann::json recommendation_to_json(const Recommendation& r, const Kb& kb, bool all);

/// "CODE — message" lines with the fix under it, indented by `indent`.
/// The one-character mark of a severity in line-oriented text: "x " error, "? " unknown, "! " warn, "i " info.
const char* severity_mark(Severity s);
/// Renders reasons as indented lines.
std::string render_reasons(const std::vector<Reason>& reasons, bool color, const std::string& indent);
/// One line of the doctor's checklist.
struct DoctorCheck {
  std::string title;
  std::vector<Reason> reasons;
  /// What is checked, a stable name for the JSON (docs/report-schema.md): machine, jetson, driver,
  /// gpus, gpu, torch, containers.
  std::string check{};
};
/// The doctor's verdict over its checks: runs, does-not-run (an error or a warning) or undetermined.
std::string doctor_verdict(const std::vector<DoctorCheck>& checks);
/// The doctor document (schema torchdoctor.doctor/v1; docs/report-schema.md).
nlohmann::json doctor_to_json(const std::vector<DoctorCheck>& checks, const HostFacts& host, const Recommendation& rec,
                              const Kb& kb);
/// The doctor's text: a [✓]/[✗]/[!]/[?] line per check with its findings, the recommended wheel and
/// image, and a last line with the verdict.
std::string render_doctor(const std::vector<DoctorCheck>& checks, const Recommendation& rec, const Kb& kb, bool color);

/// Text: the best wheel and image with their findings, newer rejected candidates grouped by code;
/// `all` lists every candidate, `verbose` each rejected one and the KB's sourcing notes in full.
std::string render_recommendation(const Recommendation& r, const Kb& kb, bool all, bool verbose, bool color);

}  // namespace td
