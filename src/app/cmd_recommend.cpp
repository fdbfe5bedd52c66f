// `torchdoctor recommend`: the best wheel and image for this host (or the what-if facts).
#include <algorithm>
#include <nlohmann/json.hpp>
#include <ostream>

#include "torchdoctor/app/commands.hpp"
#include "torchdoctor/app/kb_input.hpp"
#include "torchdoctor/report/sections.hpp"
#include "torchdoctor/report/verdicts.hpp"

namespace td {

std::vector<OptionSpec> recommend_options() {
  return options_named({host_option_names(), output_option_names(), {"all", "verbose", "kb"}});
}

int run_recommend(const ParsedArgs& args, AppIo& io) {
  // For recommend, --torch pins the release to choose from (not the installed torch).
  RecommendOptions options;
  if (auto pin = args.get("torch")) {
    auto v = Version::parse(*pin);
    if (!v || v->release().size() < 2 || !v->local().empty()) {
      io.err << "torchdoctor: --torch '" << *pin << "': expected a torch release like 2.6 or 2.6.0\n";
      return k_exit_usage;
    }
    options.torch = *v;
  }
  auto session = open_session(args, io, HostRequest::torch_pinned());
  if (!session) return fail_with(io, session.error());
  const auto& [out, kb, host] = *session;
  const Recommendation r = recommend(host, kb, options);
  if (out.format == Format::json) {
    io.out << recommendation_to_json(r, kb, args.has("all")).dump(2) << '\n';
  } else if (out.format == Format::markdown) {
    io.out << render_markdown_report("torchdoctor recommend",
                                     render_recommendation(r, kb, args.has("all"), args.has("verbose"), false));
  } else {
    io.out << render_recommendation(r, kb, args.has("all"), args.has("verbose"), out.color);
  }
  if (r.best_wheel) return k_exit_ok;
  // Nothing chosen because a fact is unknown (the driver, the architecture), not because nothing
  // fits: undetermined.
  const bool undetermined = std::any_of(
      r.all.begin(), r.all.end(), [](const Candidate& c) { return c.kind == "wheel" && is_undetermined(c.reasons); });
  return undetermined ? k_exit_undetermined : k_exit_problem;
}

}  // namespace td
