// Findings: the one vocabulary every layer reports in. A reason (finding) has a stable code from the
// one code table (src/core/finding.cpp, `kb show codes`), a severity, one human sentence and the fix.
#pragma once

#include <string>
#include <vector>

namespace td {

/// How much a reason matters: error = will not run; unknown = a fact the answer needs is unknown,
/// so it is undetermined (never "ok"); warn = runs with a caveat; info = context. Ordered by weight.
enum class Severity { info, warn, unknown, error };

/// One reason behind a verdict.
struct Reason {
  std::string code;  ///< Stable code such as GPU_ARCH_MISSING (never renamed).
  Severity severity = Severity::error;
  std::string message;  ///< One sentence with the facts that decided it.
  std::string fix;      ///< What to do instead (a command where there is one); may be empty.
};

/// Every reason code with its meaning, for --help, docs and the JSON consumers.
struct ReasonCode {
  const char* code;
  const char* meaning;
};
/// The table of reason codes.
const std::vector<ReasonCode>& reason_codes();

/// "error", "unknown", "warn" or "info".
const char* severity_name(Severity s);
/// True when any reason is an error.
bool has_error(const std::vector<Reason>& reasons);
/// True when any reason is a warning (runs, with a caveat worth fixing).
bool has_warning(const std::vector<Reason>& reasons);
/// True when no reason is an error, an unknown or a warning.
bool is_clean(const std::vector<Reason>& reasons);
/// True when no reason is an error but one is unknown: the answer is undetermined.
bool is_undetermined(const std::vector<Reason>& reasons);

}  // namespace td
