// explain: error text, logs and collect_env reports + host facts + the knowledge base's
// [[signature]] table -> ranked diagnoses with cause, evidence and fix. Pure: no I/O here.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "torchdoctor/core/finding.hpp"
#include "torchdoctor/core/host_facts.hpp"
#include "torchdoctor/engine/engine.hpp"
#include "torchdoctor/explain/collect_env.hpp"
#include "torchdoctor/explain/text_input.hpp"
#include "torchdoctor/kb/kb.hpp"

namespace td {

/// Why a diagnosis was made: an input line, a fact, or an engine finding.
struct Evidence {
  std::string kind;      ///< "input", "fact" or "engine".
  std::size_t line = 0;  ///< 1-based input line for "input" (and for facts read from the input).
  std::string text;      ///< The line (shortened, non-printable bytes shown as '?') or the fact.
};

/// One diagnosis.
struct Diagnosis {
  std::string signature;  ///< Signature id, or "collect_env" / "arch_list" for findings on facts alone.
  std::string code;       ///< Reason code.
  Severity severity = Severity::error;
  std::string cause;  ///< One sentence.
  std::vector<Evidence> evidence;
  std::vector<std::string> fix;  ///< Commands or steps, in order.
  std::size_t first_line = 0;    ///< First input line that matched (0: none).
  std::size_t occurrences = 0;   ///< Matching lines seen.
  bool refined = false;          ///< A refinement on facts decided the code or cause.
};

/// One matched line of a signature, with its captures (before any facts are applied).
struct SignatureHit {
  const Signature* signature = nullptr;
  std::size_t line = 0;  ///< 1-based.
  std::string text;      ///< The line, shortened for display.
  std::map<std::string, std::string> captures;
};

/// Options for explain.
struct ExplainOptions {
  std::size_t max_hits_per_signature = 32;  ///< Matching lines examined per signature (all are counted).
  std::size_t regex_window = 2048;          ///< Bytes around a match the regex runs on, per line.
};

/// What explain found.
struct ExplainResult {
  InputStats input;
  std::optional<CollectEnv> collect_env;
  std::vector<Diagnosis> diagnoses;  ///< Ranked: errors first, then facts-confirmed, priority, first line.
  std::vector<std::string> notes;    ///< Things worth knowing that are not diagnoses.
  std::optional<JudgedHost>
      host;  ///< The host the diagnoses were made on (after the input's facts); explain() sets it.
  std::size_t signatures_checked = 0;

  /// True when a diagnosis is a warning or an error (exit 1).
  [[nodiscard]] bool problem() const;
};

/// A log line without what pasting and logging add in front of a message: leading white space,
/// `>` quoting, ANSI colour sequences, timestamps (`2024-01-02T03:04:05Z`, `[2024-01-02 03:04:05,123]`,
/// `03:04:05.123`) and Docker build-log prefixes (`#12 3.456 `); empty for a markdown fence line.
std::string_view strip_log_prefixes(std::string_view line);

/// Text as patterns are compared: ANSI sequences, white space and backticks dropped, ASCII lower case.
std::string normalise_for_match(std::string_view text);

/// Finds every signature's matching lines: patterns are compared case- and white-space-blind on the
/// whole text with line prefixes stripped and lines joined (a message wrapped over lines matches on
/// its first line); then the regex (case-blind) runs on a bounded window of the lines it spans.
std::vector<SignatureHit> find_signatures(const TextInput& input, const Kb& kb, const ExplainOptions& options = {});

/// Explains `input` on `host` (the probed, loaded or what-if facts).
ExplainResult explain(const TextInput& input, const JudgedHost& host, const Kb& kb, const ExplainOptions& options = {});

/// The torch wheels of the knowledge base whose SASS arch list is exactly `sass` (PTX ignored).
std::vector<const TorchWheel*> wheels_with_arch(const Kb& kb, const std::vector<ComputeCapability>& sass);

/// True when `predicate` belongs to the [[signature.refine]] `when` vocabulary (docs/kb.md).
bool known_predicate(const std::string& predicate);

/// Parses "sm_50 sm_60 ...", "['sm_50', 'compute_90']" or "8.0;8.6+PTX" into targets (PTX as PTX).
std::vector<ComputeCapability> parse_arch_list(std::string_view text);

}  // namespace td
