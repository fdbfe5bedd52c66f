// `torchdoctor image REF...`: what the registry says about images before a pull, judged for this
// host (or the what-if facts): exists, platform, NVIDIA_REQUIRE_*.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "torchdoctor/app/commands.hpp"
#include "torchdoctor/app/image_checks.hpp"
#include "torchdoctor/app/kb_input.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/registry/image_check.hpp"
#include "torchdoctor/registry/inspect.hpp"
#include "torchdoctor/report/image.hpp"
#include "torchdoctor/report/sections.hpp"

namespace td {
namespace {

using nlohmann::json;

Result<std::vector<ImageRef>> read_refs(const ParsedArgs& args) {
  if (args.positionals.empty())
    return make_error(ErrorKind::bad_input, "image: give at least one image reference (e.g. pytorch/pytorch:latest)");
  std::vector<ImageRef> refs;
  std::string errors;
  for (const auto& text : args.positionals) {
    auto ref = parse_image_ref(text);
    if (!ref)
      errors += (errors.empty() ? "" : "\ntorchdoctor: ") + ref.error().message;
    else
      refs.push_back(*ref);
  }
  if (!errors.empty()) return make_error(ErrorKind::bad_input, errors);
  return refs;
}

}  // namespace

std::vector<OptionSpec> image_options() {
  return options_named({host_option_names(), output_option_names(), {"platform"}, registry_option_names(), {"kb"}});
}

int run_image(const ParsedArgs& args, AppIo& io) {
  auto refs = read_refs(args);
  if (!refs) return fail_with(io, refs.error());
  auto parsed_platform = platform_option(args);
  if (!parsed_platform) return fail_with(io, parsed_platform.error());
  Platform platform = *parsed_platform;
  auto session = open_session(args, io);
  if (!session) return fail_with(io, session.error());
  const auto& [out, kb, host] = *session;
  if (!args.has("platform")) {
    const auto& arch = host.facts().cpu.arch;
    const auto machine = arch ? platform_for_machine(*arch) : std::nullopt;
    if (machine)
      platform = *machine;
    else
      io.err << "torchdoctor: this host's architecture is unknown; reading the linux/amd64 image, but whether it runs "
                "here is undetermined (use --arch or --platform)\n";
  }
  auto checked = check_images(*refs, platform, args, io, host, kb);
  if (!checked) return fail_with(io, checked.error());
  bool problem = false;
  bool undetermined = false;
  json doc{{"schema", k_image_schema},
           {"tool_version", tool_version()},
           {"platform", platform.str()},
           {"images", json::array()}};
  std::ostringstream markdown_body;  // --format markdown: the text report, fenced for a bug report
  std::ostream& text_out = out.format == Format::markdown ? markdown_body : io.out;
  for (const auto& c : *checked) {
    const ImageVerdict* v = c.verdict ? &*c.verdict : nullptr;
    problem = problem || (v && v->problem());
    undetermined = undetermined || c.inspection.error.has_value() || (v && v->undetermined());
    if (out.format == Format::json)
      doc["images"].push_back(image_to_json(c.inspection, v));
    else
      text_out << render_image(c.inspection, v, out.color);
  }
  if (out.format == Format::markdown) io.out << render_markdown_report("torchdoctor image", markdown_body.str());
  const int code = problem ? k_exit_problem : (undetermined ? k_exit_undetermined : k_exit_ok);
  if (out.format == Format::json) {
    doc["exit_code"] = code;
    io.out << doc.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
  }
  return code;
}

}  // namespace td
