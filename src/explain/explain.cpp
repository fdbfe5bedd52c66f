// explain: hits -> facts from their captures -> the engine's view of those facts -> one diagnosis
// per signature, refined (or rejected) by the facts, with evidence and a fix; then what a pasted
// collect_env report shows on its own; ranked.
#include "torchdoctor/explain/explain.hpp"

#include <algorithm>
#include <functional>

#include "context.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/core/what_if.hpp"

namespace td {

using explain_detail::Context;

bool known_predicate(const std::string& predicate) { return explain_detail::known_predicate_name(predicate); }

bool ExplainResult::problem() const {
  return std::any_of(diagnoses.begin(), diagnoses.end(),
                     [](const Diagnosis& d) { return d.severity != Severity::info; });
}

namespace {

constexpr std::size_t k_evidence_lines = 3;

Severity severity_of(const std::string& s) {
  if (s == "info") return Severity::info;
  if (s == "warn") return Severity::warn;
  return Severity::error;
}

TorchInstall& torch_slot(HostFacts& f, const std::string& source) {
  if (!f.torch.value || f.torch.value->empty())
    f.torch = Fact<std::vector<TorchInstall>>::known({TorchInstall{}}, source);
  return f.torch.value->front();
}

bool overridden(const std::string& source) { return source == "override"; }

void apply_gpu(const std::map<std::string, std::string>& cap, const std::string& source, HostFacts& f,
               std::vector<std::string>& notes) {
  const auto cc_it = cap.find("gpu_cc");
  const auto name_it = cap.find("gpu_name");
  if (overridden(f.gpus.source) || (cc_it == cap.end() && name_it == cap.end())) return;
  GpuFacts g;
  if (cc_it != cap.end()) {
    auto cc = ComputeCapability::parse(cc_it->second);
    if (!cc) return;
    g.compute_capability = Fact<ComputeCapability>::known(cc->hardware(), source);
  }
  g.name = Fact<std::string>::known(name_it != cap.end() ? std::string(trim(name_it->second)) : "GPU " + cc_it->second,
                                    source);
  g.integrated = Fact<bool>::unknown(source, "not said");
  if (f.gpus.value) {
    for (auto& have : *f.gpus.value) {
      const bool same_cc = g.compute_capability && have.compute_capability &&
                           have.compute_capability.value->hardware() == *g.compute_capability.value;
      const bool same_name =
          name_it != cap.end() && have.name && contains_icase(*have.name.value, trim(name_it->second));
      if (same_name && !have.compute_capability && g.compute_capability) have.compute_capability = g.compute_capability;
      if (same_cc || same_name) return;  // the input names a GPU the facts already have
    }
    if (!f.gpus.value->empty()) {
      notes.push_back("the input names " + *g.name.value + " (" + source + "), which the host facts (" + f.gpus.source +
                      ") do not list: explaining the machine of the input");
    }
  }
  f.gpus = Fact<std::vector<GpuFacts>>::known({g}, source);
}

// Facts the input states: a GPU and its capability, torch's arch list and CUDA, the driver's CUDA.
void apply_captures(const SignatureHit& h, HostFacts& f, std::vector<std::string>& notes) {
  const std::string source = "input:" + std::to_string(h.line);
  const auto& cap = h.captures;
  apply_gpu(cap, source, f, notes);
  if (const auto it = cap.find("arch_list"); it != cap.end()) {
    auto list = parse_arch_list(it->second);
    TorchInstall& t = torch_slot(f, source);
    if (!list.empty() && !overridden(t.arch_list.source))
      t.arch_list = Fact<std::vector<ComputeCapability>>::known(list, source);
  }
  if (const auto it = cap.find("driver_cuda_int"); it != cap.end() && !overridden(f.driver.cuda_level.source)) {
    if (auto n = parse_uint(it->second); n && *n >= 1000) {
      const auto v = Version::of({static_cast<std::uint32_t>(*n / 1000), static_cast<std::uint32_t>((*n % 1000) / 10)});
      f.driver.cuda_level = Fact<Version>::known(v, source);
      f.driver.cuda_level.note = "decoded from " + it->second;
    }
  }
  if (const auto it = cap.find("driver_cuda"); it != cap.end() && !overridden(f.driver.cuda_level.source)) {
    if (auto v = Version::parse(it->second)) f.driver.cuda_level = Fact<Version>::known(v->truncated(2), source);
  }
  if (const auto it = cap.find("torch_version"); it != cap.end()) {
    TorchInstall& t = torch_slot(f, source);
    if (auto v = Version::parse(it->second); v && !overridden(t.version.source)) {
      t.version = Fact<Version>::known(*v, source);
      if (v->local() == "cpu")
        t.cuda = Fact<Version>::unknown(source, "CPU-only build");
      else if (auto cuda = cuda_of_variant(v->local()))
        t.cuda = Fact<Version>::known(*cuda, source);
    }
  }
  if (const auto it = cap.find("torch_cuda"); it != cap.end()) {
    TorchInstall& t = torch_slot(f, source);
    if (auto v = Version::parse(it->second); v && !overridden(t.cuda.source)) t.cuda = Fact<Version>::known(*v, source);
  }
}

std::vector<std::string> split_fix(const std::string& fix) {
  std::vector<std::string> out;
  for (auto& line : split(fix, '\n')) {
    const std::string t(trim(line));
    if (!t.empty()) out.push_back(t);
  }
  return out;
}

void add_engine_evidence(Diagnosis& d, const Context& c) {
  for (const auto* rs : {&c.torch_reasons, &c.container_reasons}) {
    for (const auto& r : *rs) {
      if (r.code != d.code) continue;
      d.evidence.push_back({"engine", 0, r.message});
      if (d.fix.empty() && !r.fix.empty()) d.fix.push_back(r.fix);
    }
  }
}

std::map<std::string, std::string> merged_captures(const std::vector<const SignatureHit*>& hits) {
  std::map<std::string, std::string> out;
  for (const auto* h : hits) {
    for (const auto& [k, v] : h->captures) out.emplace(k, v);
  }
  return out;
}

// One signature's diagnosis; nullopt when a refinement rejects it (the reason goes to notes).
std::optional<Diagnosis> diagnose(const std::vector<const SignatureHit*>& hits, const Context& c,
                                  std::vector<std::string>& notes) {
  const Signature& s = *hits.front()->signature;
  const auto captures = merged_captures(hits);
  Diagnosis d;
  d.signature = s.id;
  d.code = s.code;
  d.severity = severity_of(s.severity);
  std::string cause = s.cause;
  std::string fix = s.fix;
  std::vector<std::string> used;
  for (const auto& r : s.refine) {
    std::vector<std::string> facts;
    bool all = true;
    for (const auto& p : r.when) {
      if (!explain_detail::holds(p, c, captures, facts)) {
        all = false;
        break;
      }
    }
    if (!all) continue;
    used = facts;
    if (r.reject) {
      std::string why;
      for (const auto& u : facts) why += (why.empty() ? "" : "; ") + u;
      notes.push_back("line " + std::to_string(hits.front()->line) + " matches '" + s.id + "', ruled out by the facts" +
                      (why.empty() ? "" : ": " + why) +
                      (r.cause.empty() ? "" : " - " + explain_detail::fill(r.cause, c, captures)));
      return std::nullopt;
    }
    if (!r.code.empty()) d.code = r.code;
    if (!r.severity.empty()) d.severity = severity_of(r.severity);
    if (!r.cause.empty()) cause = r.cause;
    if (!r.fix.empty()) fix = r.fix;
    d.refined = true;
    break;
  }
  d.cause = explain_detail::fill(cause, c, captures);
  d.fix = split_fix(explain_detail::fill(fix, c, captures));
  d.first_line = hits.front()->line;
  d.occurrences = hits.size();
  for (std::size_t i = 0; i < hits.size() && i < k_evidence_lines; ++i)
    d.evidence.push_back({"input", hits[i]->line, hits[i]->text});
  for (const auto& u : used) d.evidence.push_back({"fact", 0, u});
  add_engine_evidence(d, c);
  return d;
}

std::vector<Evidence> collect_env_evidence(const CollectEnv& env) {
  std::vector<Evidence> out;
  for (const char* key : {"torch_version", "cuda_used_to_build", "gpu_models", "driver", "cuda_available"}) {
    if (const EnvField* f = env.field(key)) {
      std::string label = key;
      for (const auto& [k, l] : collect_env_keys()) {
        if (label == k) label = l;
      }
      out.push_back({"input", f->line, sanitize(label + ": " + f->value, 200)});
    }
  }
  for (const auto& g : env.gpus) {
    if (env.field("gpu_models") == nullptr || env.field("gpu_models")->line != g.line)
      out.push_back({"input", g.line, "GPU: " + g.value});
  }
  return out;
}

// What a collect_env report shows without any error message: the engine's verdict on its torch.
// The doctor's findings on the torch in the facts, as diagnoses (one per code not yet found), from
// `source` with `evidence`: the fix is the finding's own, else the best wheel's install line.
void add_torch_findings(const Context& c, const std::string& source, const std::vector<Evidence>& evidence,
                        std::size_t first_line, std::vector<Diagnosis>& out) {
  for (const auto& r : c.torch_reasons) {
    if (r.severity == Severity::info) continue;
    if (std::any_of(out.begin(), out.end(), [&](const Diagnosis& d) { return d.code == r.code; })) continue;
    Diagnosis d{source, r.code, r.severity, r.message, evidence, {}, first_line, 1, true};
    if (!r.fix.empty())
      d.fix.push_back(r.fix);
    else if (c.rec.best_wheel)
      d.fix.push_back(c.rec.best_wheel->install);
    else
      d.fix.push_back("torchdoctor recommend  # the builds that run on these facts");
    out.push_back(std::move(d));
  }
}

void diagnose_collect_env(const CollectEnv& env, const Context& c, std::vector<Diagnosis>& out) {
  add_torch_findings(c, "collect_env", collect_env_evidence(env), env.first_line, out);
}

// Facts-aware always (issue 18, item 1): when no message in the text names a problem, the doctor's
// verdict on the torch in the facts (what-if flags, --host, --root, a probe, the text's own facts)
// answers the question, e.g. "is_available() is False" with a CPU-only torch.
bool mentions_cuda(std::string_view text) {
  auto icase = [](char a, char b) { return ascii_lower(a) == b; };
  for (std::string_view word : {std::string_view("cuda"), std::string_view("gpu")}) {
    if (std::search(text.begin(), text.end(), word.begin(), word.end(), icase) != text.end()) return true;
  }
  return false;
}

// The doctor's findings run on every explain's facts and are ranked with the signature hits (after
// them at the same severity: the text names what happened, the facts say why here).
void diagnose_facts(const Context& c, const std::function<bool()>& asks_cuda, bool report,
                    std::vector<Diagnosis>& out) {
  const TorchInstall* t = c.judged.facts().torch.value && !c.judged.facts().torch.value->empty()
                              ? &c.judged.facts().torch.value->front()
                              : nullptr;
  if (t == nullptr || !t->version) return;
  const std::string torch = "torch " + t->version.value->str() + " (" + t->version.source + ")";
  const bool gpus_known = c.judged.facts().gpus.value.has_value();
  add_torch_findings(c, "facts", {{"fact", 0, torch}}, 0, out);
  // A CPU-only torch with no GPU known: the engine has nothing to judge it against, but a question
  // about CUDA on a CPU build has one answer. Never the CPU wheel: a CUDA build for the GPU. A pasted
  // report alone may come from a machine without a GPU, so there it is information, not a problem.
  const bool unjudged_cpu_build =
      t->version.value->local() == "cpu" && !gpus_known &&
      std::none_of(out.begin(), out.end(), [](const Diagnosis& d) { return d.code == "CPU_ONLY_BUILD"; });
  const bool asked = asks_cuda();
  if (unjudged_cpu_build && (asked || report)) {
    std::vector<std::string> fix{
        "on the GPU machine: nvidia-smi  # the GPU and the driver version (or: torchdoctor probe)",
        "torchdoctor recommend --gpu GPU --driver DRIVER_VERSION  # the CUDA build for them"};
    if (asked) fix.emplace_back("pip uninstall -y torch  # then install that CUDA build");
    out.push_back({"facts",
                   "CPU_ONLY_BUILD",
                   asked ? Severity::error : Severity::info,
                   "torch " + t->version.value->str() +
                       (asked ? " is a CPU-only build: torch.cuda.is_available() is False with it on any machine; "
                                "a CUDA build matching the GPU and driver is needed"
                              : " is a CPU-only build: CUDA is not available with it; if this machine has an "
                                "NVIDIA GPU, a CUDA build matching the GPU and driver is needed"),
                   {{"fact", 0, torch}},
                   fix,
                   0,
                   1,
                   true});
  }
}

// A printed arch list names the wheel that is really imported.
void check_variant(const Context& c, std::vector<Diagnosis>& out, std::vector<std::string>& notes) {
  const TorchInstall* t = c.judged.facts().torch.value && !c.judged.facts().torch.value->empty()
                              ? &c.judged.facts().torch.value->front()
                              : nullptr;
  if (t == nullptr || !t->arch_list || t->arch_list.source.rfind("input:", 0) != 0) return;
  const auto wheels = wheels_with_arch(c.kb, *t->arch_list.value);
  if (wheels.empty()) return;
  std::string names;
  bool matches = false;
  for (const TorchWheel* w : wheels) {
    names += (names.empty() ? "" : ", ") + w->torch.str() + "+" + w->variant;
    if (t->version && w->variant == t->version.value->local() && w->torch == t->version.value->public_version())
      matches = true;
  }
  if (!t->version || t->version.value->local().empty()) {
    notes.push_back("the arch list printed at " + t->arch_list.source + " is that of torch " + names);
    return;
  }
  if (matches) return;
  const std::size_t line = static_cast<std::size_t>(parse_uint(t->arch_list.source.substr(6)).value_or(0));
  Diagnosis d{
      "arch_list",
      "TORCH_VARIANT_MISMATCH",
      Severity::warn,
      "the arch list printed (" + arch_list_text(*t->arch_list.value, {}) + ") is that of torch " + names +
          ", not of the torch " + t->version.value->str() + " reported (" + t->version.source +
          "): another torch is imported (a second install, another environment, or an --index-url that was not used)",
      {{"input", line, "arch list: " + arch_list_text(*t->arch_list.value, {})},
       {"fact", 0, "torch " + t->version.value->str() + " (" + t->version.source + ")"}},
      {"python -c 'import torch; print(torch.__file__, torch.__version__, torch.cuda.get_arch_list())'",
       "pip uninstall -y torch  # repeat until no torch is left, then install one build"},
      line,
      1,
      true};
  out.push_back(std::move(d));
}

void rank(std::vector<Diagnosis>& ds, const Kb& kb) {
  auto priority = [&](const Diagnosis& d) -> std::int64_t {
    for (const auto& s : kb.signatures) {
      if (s.id == d.signature) return s.priority;
    }
    return d.signature == "facts" ? -1 : 40;
  };
  std::stable_sort(ds.begin(), ds.end(), [&](const Diagnosis& a, const Diagnosis& b) {
    if (a.severity != b.severity) return static_cast<int>(a.severity) > static_cast<int>(b.severity);
    if (priority(a) != priority(b)) return priority(a) > priority(b);
    if (a.refined != b.refined) return a.refined;
    return a.first_line < b.first_line;
  });
}

}  // namespace

ExplainResult explain(const TextInput& input, const JudgedHost& host, const Kb& kb, const ExplainOptions& options) {
  ExplainResult result;
  result.input = input.stats();
  result.signatures_checked = kb.signatures.size();
  HostFacts facts = host.facts();
  if (!input.stats().binary) {
    result.collect_env = parse_collect_env(input);
    if (result.collect_env) {
      auto notes = apply_collect_env(*result.collect_env, facts);
      result.notes.insert(result.notes.end(), notes.begin(), notes.end());
    }
  }
  const auto hits = find_signatures(input, kb, options);
  for (const auto& h : hits) apply_captures(h, facts, result.notes);
  Context c = explain_detail::make_context(std::move(facts), kb);

  // Group hits by signature, in the KB's order.
  for (const auto& s : kb.signatures) {
    std::vector<const SignatureHit*> mine;
    for (const auto& h : hits) {
      if (h.signature == &s) mine.push_back(&h);
    }
    if (mine.empty() || s.kind != "problem") continue;
    if (auto d = diagnose(mine, c, result.notes)) result.diagnoses.push_back(std::move(*d));
  }
  if (result.collect_env) diagnose_collect_env(*result.collect_env, c, result.diagnoses);
  check_variant(c, result.diagnoses, result.notes);
  {
    // The question is the text outside a pasted collect_env report (whose field names mention CUDA);
    // looked for only when a CPU-only torch meets unknown GPUs (the search reads the whole text).
    const auto asks_cuda = [&]() {
      if (!result.collect_env) return mentions_cuda(input.text());
      for (std::size_t i = 0; i < input.line_count(); ++i) {
        const std::size_t n = i + 1;
        if (n >= result.collect_env->first_line && n <= result.collect_env->last_line) continue;
        if (mentions_cuda(input.line(i))) return true;
      }
      return false;
    };
    diagnose_facts(c, asks_cuda, result.collect_env.has_value(), result.diagnoses);
  }
  rank(result.diagnoses, kb);
  if (input.stats().binary) result.notes.push_back("the input looks binary, not like a log");
  result.host.emplace(std::move(c.judged));
  return result;
}

}  // namespace td
