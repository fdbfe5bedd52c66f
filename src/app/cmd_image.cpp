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
#include "torchdoctor/report/sections.hpp"
#include "torchdoctor/report/style.hpp"
#include "torchdoctor/report/verdicts.hpp"

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

json fact_json(const Fact<Version>& f) { return f ? json(f->str()) : json(nullptr); }
json fact_json(const Fact<std::string>& f) { return f ? json(*f.value) : json(nullptr); }

json platform_json(const Platform& p) {
  json j{
      {"os", p.os}, {"architecture", p.architecture}, {"variant", p.variant.empty() ? json(nullptr) : json(p.variant)}};
  if (!p.digest.empty()) j["digest"] = p.digest;
  return j;
}

json image_json(const ImageInspection& in, const ImageVerdict* v) {
  const ImageFacts& f = in.facts;
  json j{{"ref", f.ref.original}, {"name", f.ref.str()}};
  j["status"] = in.error ? "error" : v->problem() ? "problem" : v->undetermined() ? "undetermined" : "ok";
  j["error"] = in.error ? json{{"message", in.error->message}} : json(nullptr);
  j["found"] = in.error ? json(nullptr) : json(f.found);
  j["digest"] = f.digest.empty() ? json(nullptr) : json(f.digest);
  j["from_cache"] = f.from_cache;
  j["is_index"] = f.is_index;
  j["platforms"] = json::array();
  for (const auto& p : f.platforms) j["platforms"].push_back(platform_json(p));
  j["requested_platform"] = f.requested.str();
  j["selected_platform"] = f.selected ? json(f.selected->str()) : json(nullptr);
  j["platform_available"] = f.platform_available;
  json require = json::object();
  for (const auto& [k, val] : f.env) {
    if (k.rfind("NVIDIA_REQUIRE_", 0) == 0) require[k] = val;
  }
  const auto disable = f.env.find("NVIDIA_DISABLE_REQUIRE");
  j["facts"] = {{"cuda_version", fact_json(f.cuda_version)},
                {"cudnn_version", fact_json(f.cudnn_version)},
                {"torch_version", fact_json(f.torch_version)},
                {"nvidia_pytorch_version", fact_json(f.nvidia_pytorch_version)},
                {"l4t_version", fact_json(f.l4t_version)},
                {"jetpack_version", fact_json(f.jetpack_version)},
                {"require_jetpack", fact_json(f.require_jetpack)},
                {"nvidia_require", require},
                {"disable_require", disable == f.env.end() ? json(nullptr) : json(disable->second)}};
  j["nearest_tags"] = f.nearest_tags;
  j["reasons"] = json::array();
  j["lints"] = json::array();
  j["requirements"] = nullptr;
  if (v != nullptr) {
    for (const auto& r : v->reasons)
      j["reasons"].push_back({{"code", r.code}, {"severity", severity_name(r.severity)}, {"message", r.message}});
    j["lints"] = v->lints;
    const auto& q = v->requirements;
    j["requirements"] = {{"state", require_state_name(q.state)},
                         {"variable", q.variable.empty() ? json(nullptr) : json(q.variable)},
                         {"gpu", q.gpu.empty() ? json(nullptr) : json(q.gpu)},
                         {"message", q.message.empty() ? json(nullptr) : json(q.message)},
                         {"unknown_properties", q.unknown_properties}};
  }
  return j;
}

void print_text(std::ostream& out, const ImageInspection& in, const ImageVerdict* v, bool color) {
  const ImageFacts& f = in.facts;
  const std::string status = in.error            ? style::paint(color, style::yellow, "UNKNOWN")
                             : v->problem()      ? style::paint(color, style::red, "PROBLEM")
                             : v->undetermined() ? style::paint(color, style::yellow, "UNDETERMINED")
                                                 : style::paint(color, style::green, "OK");
  out << status << "  " << f.ref.str();
  if (!f.digest.empty()) out << "  (" << f.digest.substr(0, 19) << (f.from_cache ? ", from cache" : "") << ")";
  out << '\n';
  if (in.error) {
    out << "  could not check: " << in.error->message << '\n';
    return;
  }
  if (f.found) {
    std::string plats;
    // Distinct platforms, at most a line's worth: an index may list thousands of entries.
    constexpr std::size_t k_shown = 12;
    std::vector<std::string> distinct;
    for (const auto& p : f.platforms) {
      if (std::find(distinct.begin(), distinct.end(), p.str()) == distinct.end()) distinct.push_back(p.str());
    }
    for (std::size_t i = 0; i < distinct.size() && i < k_shown; ++i) plats += (plats.empty() ? "" : ", ") + distinct[i];
    if (distinct.size() > k_shown) plats += " and " + std::to_string(distinct.size() - k_shown) + " more";
    out << "  platforms    " << (plats.empty() ? "unknown" : plats) << "  (asked for " << f.requested.str() << ")\n";
    std::string stack;
    auto add = [&](const char* label, const std::optional<std::string>& value) {
      if (value) stack += (stack.empty() ? "" : ", ") + std::string(label) + " " + *value;
    };
    add("CUDA", f.cuda_version ? std::optional(f.cuda_version->str()) : std::nullopt);
    add("cuDNN", f.cudnn_version ? std::optional(f.cudnn_version->str()) : std::nullopt);
    add("torch", f.torch_version ? std::optional(f.torch_version->str()) : std::nullopt);
    add("NGC", f.nvidia_pytorch_version.value);
    add("L4T", f.l4t_version ? std::optional(f.l4t_version->str()) : std::nullopt);
    out << "  contents     " << (stack.empty() ? "no CUDA/torch hints in the config" : stack) << '\n';
    out << "  requirements " << require_state_name(v->requirements.state) << '\n';
  }
  for (const auto& r : v->reasons) {
    out << "  " << severity_mark(r.severity) << r.code << ": " << r.message << '\n';
  }
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
    const auto machine = host.cpu.arch ? platform_for_machine(*host.cpu.arch) : std::nullopt;
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
      doc["images"].push_back(image_json(c.inspection, v));
    else
      print_text(text_out, c.inspection, v, out.color);
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
