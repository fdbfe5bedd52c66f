// What refinements and templates see: the facts after the input's, the engine's judgement of them,
// and one hit's captures. Internal to src/explain.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "torchdoctor/engine/engine.hpp"
#include "torchdoctor/engine/gpu_rules.hpp"
#include "torchdoctor/explain/explain.hpp"

namespace td::explain_detail {

/// The facts and findings one explain run decides on.
struct Context {
  const Kb& kb;
  JudgedHost judged;                      ///< The facts after the input's, enriched and classified.
  std::vector<Reason> torch_reasons;      ///< judge_installed on the first torch, if any.
  std::vector<Reason> container_reasons;  ///< container_findings.
  Recommendation rec;
  std::vector<GpuFit> fits;                   ///< Each GPU with a known capability against the torch arch list.
  std::vector<ComputeCapability> torch_arch;  ///< The torch arch list (facts, or the KB wheel's).
  std::vector<ComputeCapability> torch_ptx;
};

/// Builds the context: enrich and classify (judge_host), judge, recommend.
Context make_context(HostFacts facts, const Kb& kb);

/// True when `predicate` (docs/kb.md) holds; `used` collects the facts that decided it.
bool holds(const std::string& predicate, const Context& c, const std::map<std::string, std::string>& captures,
           std::vector<std::string>& used);

/// True when `predicate` is in the vocabulary.
bool known_predicate_name(const std::string& predicate);

/// Fills {name} and {name|fallback} in `text` from captures and facts.
std::string fill(const std::string& text, const Context& c, const std::map<std::string, std::string>& captures);

}  // namespace td::explain_detail
