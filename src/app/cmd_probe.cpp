// `torchdoctor probe`: describe this machine (or a tree, or a snapshot) fact by fact.
#include <nlohmann/json.hpp>
#include <ostream>

#include "torchdoctor/app/commands.hpp"
#include "torchdoctor/app/kb_input.hpp"
#include "torchdoctor/core/host_json.hpp"
#include "torchdoctor/report/sections.hpp"

namespace td {

std::vector<OptionSpec> probe_options() {
  return options_named({host_option_names(), {"python", "import-torch", "timeout"}, output_option_names(), {"kb"}});
}

int run_probe(const ParsedArgs& args, AppIo& io) {
  auto out = output_choice(args, io);
  if (!out) return fail_with(io, out.error());
  if (!args.positionals.empty()) {
    io.err << "torchdoctor: probe: unexpected argument '" << args.positionals.front() << "'\n";
    return k_exit_usage;
  }
  // GPU names in --gpu are looked up in the knowledge base, loaded only when one is given.
  std::optional<Result<Kb>> kb;
  const GpuNameResolver resolver = [&](const std::string& name) -> std::optional<NamedGpu> {
    if (!kb) kb = load_kb_for(args, io.env);
    if (!kb->ok()) return std::nullopt;
    return gpu_resolver(kb->value())(name);
  };
  auto facts = gather_host(args, io, resolver);
  if (!facts) return fail_with(io, facts.error());
  switch (out->format) {
    case Format::json:
      io.out << host_to_json(*facts).dump(2) << '\n';
      break;
    case Format::markdown:
      io.out << render_markdown(probe_sections(*facts), "torchdoctor probe");
      break;
    case Format::text:
      io.out << render_text(probe_sections(*facts), out->color);
      break;
  }
  return k_exit_ok;
}

}  // namespace td
