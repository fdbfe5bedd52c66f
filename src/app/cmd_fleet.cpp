// `torchdoctor fleet SNAPSHOT... [--image REF...]`: many `probe --json` snapshots (files, folders,
// JSON lines, stdin) judged against images: per image, where it runs and why not elsewhere.
#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <sstream>
#include <tuple>
#include <unordered_map>

#include "torchdoctor/app/commands.hpp"
#include "torchdoctor/app/image_checks.hpp"
#include "torchdoctor/app/kb_input.hpp"
#include "torchdoctor/core/host_json.hpp"
#include "torchdoctor/core/json_reader.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/engine/engine.hpp"
#include "torchdoctor/engine/fleet.hpp"
#include "torchdoctor/registry/image_ref.hpp"
#include "torchdoctor/report/fleet.hpp"
#include "torchdoctor/sys/file_reader.hpp"
#include "torchdoctor/sys/file_writer.hpp"

namespace td {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// Placement reads a few sections of a snapshot: the rest, and every fact's source and note, are
// only checked for syntax while reading.
constexpr HostReadOptions k_placement{
    k_host_hostname | k_host_cpu | k_host_driver | k_host_gpus | k_host_jetson | k_host_board,
    /*sources=*/false};

void add_snapshot(Fleet& fleet, const Kb& kb, std::string_view text, const std::string& where) {
  auto facts = host_from_text(text, "", k_placement);
  if (!facts) {
    fleet.problems.push_back({where, facts.error().message});
    return;
  }
  NodeProfile node = node_profile(judge_host(std::move(*facts), kb), kb);
  if (node.name.empty()) node.name = where;
  const auto [it, fresh] = fleet.seen.emplace(node.name, where);
  if (!fresh) {
    fleet.problems.push_back({where, "node '" + sanitize(node.name) + "' was already read at " + it->second +
                                         "; this snapshot is left out"});
    return;
  }
  fleet.nodes.push_back(std::move(node));
}

// A file holds one JSON document (probe --json output, over many lines) or JSON lines (one
// snapshot per line), read a line at a time: JSON lines when the first line is a JSON value of its
// own; else the lines are gathered into one document (a truncated snapshot is reported once, not
// once per line). A file of one line is named as the file, a line of many as file:line.
class SnapshotLines {
 public:
  SnapshotLines(Fleet& fleet, const Kb& kb, std::string name) : fleet_(fleet), kb_(kb), name_(std::move(name)) {}
  void line(std::string_view text) {
    ++line_no_;
    if (mode_ == Mode::document) {
      document_.append(text).append(1, '\n');
      return;
    }
    if (trim(text).empty()) return;
    if (mode_ == Mode::first) {
      if (JsonReader r(text); !(r.skip() && r.finish())) {
        mode_ = Mode::document;
        document_.append(text).append(1, '\n');
        return;
      }
      mode_ = Mode::lines;
      pending_.assign(text);
      pending_line_ = line_no_;
      return;
    }
    flush_pending(true);
    add_snapshot(fleet_, kb_, text, where(line_no_));
  }
  void finish() {
    if (mode_ == Mode::document)
      add_snapshot(fleet_, kb_, document_, name_);
    else if (mode_ == Mode::first)
      fleet_.problems.push_back({name_, "empty"});
    else
      flush_pending(false);
  }

 private:
  enum class Mode { first, lines, document };
  std::string where(std::size_t line) const { return name_ + ":" + std::to_string(line); }
  void flush_pending(bool more) {
    if (!pending_line_) return;
    add_snapshot(fleet_, kb_, pending_, more ? where(pending_line_) : name_);
    pending_line_ = 0;
    pending_.clear();
  }
  Fleet& fleet_;
  const Kb& kb_;
  std::string name_;
  Mode mode_ = Mode::first;
  std::size_t line_no_ = 0;
  std::string document_;  // Mode::document: the lines so far
  std::string pending_;   // the first snapshot line, until a second one says the file has several
  std::size_t pending_line_ = 0;
};

// The largest snapshot file or stream read (100,000 full-size snapshots as JSON lines are about
// 450 MB), and the longest line (a snapshot is about 5 kB).
constexpr std::size_t k_max_fleet_input = std::size_t{1} << 30U;
constexpr std::size_t k_max_snapshot_line = std::size_t{64} << 20U;

Status read_source(Fleet& fleet, const Kb& kb, const std::string& source, std::istream& in) {
  const auto read = [&](const std::string& shown, auto&& reader) -> Status {
    SnapshotLines lines(fleet, kb, shown);
    Status s = reader([&lines](std::string_view l) { lines.line(l); });
    if (!s) return s;
    lines.finish();
    return Ok{};
  };
  if (source == "-") {
    const auto s = read("stdin", [&](const LineSink& sink) {
      return read_stream_lines_bounded(in, k_max_fleet_input, k_max_snapshot_line, "stdin", sink);
    });
    if (!s) return Error{ErrorKind::bad_input, s.error().message};
    return Ok{};
  }
  const auto read_file = [&](const std::string& path, ReadSource kind) {
    const std::string shown = sanitize(path);
    return read(shown, [&](const LineSink& sink) {
      return read_lines_bounded(path, k_max_fleet_input, k_max_snapshot_line, shown, kind, sink);
    });
  };
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(source, ec)) {
    for (const auto& e : fs::directory_iterator(source, ec)) {
      const auto ext = e.path().extension().string();
      if (e.is_regular_file() && (ext == ".json" || ext == ".jsonl")) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) fleet.problems.push_back({sanitize(source), "no .json or .jsonl files in this folder"});
  } else if (fs::exists(source, ec)) {
    // A file the user named may be a pipe: `fleet <(kubectl exec ...)`.
    if (auto s = read_file(source, ReadSource::file_or_pipe); !s) return Error{ErrorKind::bad_input, s.error().message};
    return Ok{};
  } else {
    return make_error(ErrorKind::bad_input, sanitize(source) + ": no such file or folder");
  }
  for (const auto& f : files) {
    if (auto s = read_file(f.string(), ReadSource::regular_file); !s)
      fleet.problems.push_back({sanitize(f.string()), s.error().message});
  }
  return Ok{};
}

}  // namespace

std::vector<OptionSpec> fleet_options() {
  return options_named({{"image", "platform", "format", "output", "json", "by-node"}, registry_option_names(), {"kb"}});
}

int run_fleet(const ParsedArgs& args, AppIo& io) {
  const std::string format = args.get("format").value_or(args.has("json") ? "json" : "text");
  if (format != "text" && format != "json" && format != "jsonl" && format != "csv" && format != "html") {
    return fail_with(io, make_error(ErrorKind::bad_input,
                                    "--format '" + sanitize(format) + "': expected text, json, jsonl, csv or html"));
  }
  std::optional<std::string> output = args.get("output");
  if (output) {
    if (output->empty()) return fail_with(io, make_error(ErrorKind::bad_input, "--output: give a file name"));
    if (output->front() != '/') {
      std::error_code ec;
      const auto cwd = fs::current_path(ec);
      if (ec)
        return fail_with(
            io, make_error(ErrorKind::bad_input, "--output " + sanitize(*output) + ": cannot resolve a relative path"));
      *output = (cwd / *output).string();
    }
  }
  if (args.positionals.empty())
    return fail_with(
        io,
        make_error(
            ErrorKind::bad_input,
            "fleet: give snapshots (files, folders, or - for JSON lines on stdin) from `torchdoctor probe --json`"));
  std::vector<ImageRef> refs;
  for (const auto& r : args.all("image")) {
    auto ref = parse_image_ref(r);
    if (!ref) return fail_with(io, ref.error());
    refs.push_back(*ref);
  }
  auto platform = platform_option(args);
  if (!platform) return fail_with(io, platform.error());
  auto kb = load_kb_for(args, io.env);
  if (!kb) return fail_with(io, kb.error());
  Fleet fleet;
  for (const auto& source : args.positionals) {
    if (auto s = read_source(fleet, *kb, source, io.in); !s) return fail_with(io, s.error());
  }
  for (const auto& p : fleet.problems) io.err << "torchdoctor: " << p.where << ": " << p.message << '\n';
  if (fleet.nodes.empty()) return fail_with(io, make_error(ErrorKind::bad_input, "fleet: no snapshot could be read"));

  std::vector<ImageNeeds> images;
  bool undetermined = false;
  if (!refs.empty()) {
    auto host = judged_host(args, io, *kb, HostRequest::no_facts());
    if (!host) return fail_with(io, host.error());
    auto checked = check_images(refs, *platform, args, io, *host, *kb);
    if (!checked) return fail_with(io, checked.error());
    for (std::size_t i = 0; i < refs.size(); ++i) {
      const auto& c = (*checked)[i];
      if (c.inspection.error)
        io.err << "torchdoctor: " << refs[i].str() << ": the registry was not asked (" << c.inspection.error->message
               << "); judged from the knowledge base\n";
      // The same tag verdict `image` gives: TAG_NOT_FOUND (the registry, or the KB's whole tag set,
      // says it does not exist) or TAG_UNKNOWN (offline, not listed: every node undetermined).
      const auto has = [&c](const char* code) {
        return c.verdict && std::any_of(c.verdict->reasons.begin(), c.verdict->reasons.end(),
                                        [code](const ImageReason& r) { return r.code == code; });
      };
      const bool tag_unknown = has("TAG_UNKNOWN");
      const bool missing = !c.inspection.error && !c.inspection.facts.found && !tag_unknown;
      if (missing) io.err << "torchdoctor: " << refs[i].str() << ": no such tag (TAG_NOT_FOUND)\n";
      if (tag_unknown)
        io.err << "torchdoctor: " << refs[i].str()
               << ": not listed in the knowledge base (offline): undetermined (TAG_UNKNOWN)\n";
      undetermined = undetermined || missing;
      images.push_back(image_needs(refs[i], c.inspection.error ? nullptr : &c.inspection.facts, *kb));
      images.back().tag_unknown = tag_unknown;
    }
  }
  const FleetGroups groups = group_nodes(fleet.nodes);
  std::vector<std::vector<std::uint32_t>> fits(images.size(),
                                               std::vector<std::uint32_t>(groups.size.size()));  // image x group
  bool any_problem = !fleet.problems.empty();
  bool any_unknown = false;  // undetermined somewhere, and nothing wrong there
  for (std::size_t i = 0; i < images.size(); ++i) {
    for (std::size_t g = 0; g < groups.size.size(); ++g) {
      const std::uint32_t b = judge_fit(images[i], fleet.nodes[groups.first[g]]);
      fits[i][g] = b;
      any_problem = any_problem || (b & ~k_fit_unknown_mask) != 0;
      any_unknown = any_unknown || (b != 0 && (b & ~k_fit_unknown_mask) == 0);
    }
  }
  FleetSink sink{output ? nullptr : &io.out, {}};
  const int code = any_problem ? k_exit_problem : (undetermined || any_unknown) ? k_exit_undetermined : k_exit_ok;
  const FleetReport report{fleet, images, fits, groups};
  if (format == "csv") {
    write_fleet_csv(sink, report);
  } else if (format == "json" || format == "jsonl") {
    write_fleet_machine(sink, format == "jsonl", report, code, tool_version());
  } else if (format == "html") {
    sink.buf = render_fleet_page(report, tool_version());
  } else {
    std::ostringstream text;
    render_fleet_text(output ? static_cast<std::ostream&>(text) : io.out, report,
                      args.has("by-node") || images.empty());
    sink.buf = text.str();
  }
  if (!output) {
    sink.flush();
    return code;
  }
  if (auto s = write_file_atomic(*output, sink.buf, FileMode::shared); !s) {
    return fail_with(io, make_error(ErrorKind::bad_input, "--output " + sanitize(*output) + ": " + s.error().message));
  }
  return code;
}

}  // namespace td
