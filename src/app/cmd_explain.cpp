// `torchdoctor explain`: error text, a log or a collect_env report -> ranked diagnoses.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "torchdoctor/app/commands.hpp"
#include "torchdoctor/app/image_checks.hpp"
#include "torchdoctor/app/kb_input.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/explain/explain.hpp"
#include "torchdoctor/explain/image_refs.hpp"
#include "torchdoctor/registry/image_ref.hpp"
#include "torchdoctor/report/explain.hpp"
#include "torchdoctor/report/sections.hpp"
#include "torchdoctor/report/verdicts.hpp"

namespace td {
namespace {

// What was kept of a long input.
struct KeptText {
  std::string text;
  std::size_t left_out = 0;  // bytes between the kept start and end
};

// Reads `in` to its end (a program piped into explain must never see its pipe closed early) and
// keeps the first and the last `limit / 2` bytes: a failure usually ends the log, its cause may
// open it. The cut falls on line boundaries where one is near.
KeptText keep_head_and_tail(std::istream& in, std::size_t limit) {
  const std::size_t half = limit / 2;
  const std::size_t tail_room = limit - half - 1;  // one byte for the newline that may close the head
  KeptText out;
  std::string tail;  // the bytes after the head; trimmed to its last `tail_room` now and then
  std::string buf(1 << 16, '\0');
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    auto n = static_cast<std::size_t>(in.gcount());
    if (n == 0) break;
    const char* p = buf.data();
    if (out.text.size() < half) {
      const std::size_t take = std::min(n, half - out.text.size());
      out.text.append(p, take);
      p += take;
      n -= take;
    }
    tail.append(p, n);
    if (tail.size() >= 2 * tail_room) {
      out.left_out += tail.size() - tail_room;
      tail.erase(0, tail.size() - tail_room);
    }
  }
  if (tail.size() > tail_room) {
    out.left_out += tail.size() - tail_room;
    tail.erase(0, tail.size() - tail_room);
  }
  if (out.left_out > 0) {
    // Drop the partial line at each side of the gap.
    if (const auto nl = out.text.rfind('\n'); nl != std::string::npos && out.text.size() - nl < 4096) {
      out.left_out += out.text.size() - nl - 1;
      out.text.resize(nl + 1);
    }
    if (const auto nl = tail.find('\n'); nl != std::string::npos && nl < 4096) {
      out.left_out += nl + 1;
      tail.erase(0, nl + 1);
    }
    if (!out.text.empty() && out.text.back() != '\n') out.text += '\n';
  }
  out.text += tail;
  return out;
}

// --file LOG: a regular file or a pipe (`--file <(cmd)`); a folder or a device is bad input.
Result<KeptText> read_log_file(const std::string& path, std::size_t limit) {
  const std::string shown = "--file " + sanitize(path);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return make_error(ErrorKind::bad_input, shown + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
    return make_error(ErrorKind::bad_input,
                      shown + (S_ISDIR(st.st_mode) ? ": a folder" : ": a device or socket") + ", not a log file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorKind::bad_input, shown + ": cannot open the file");
  return keep_head_and_tail(in, limit);
}

// The text to explain: arguments, --file, or stdin.
Result<KeptText> input_text(const ParsedArgs& args, AppIo& io, const InputLimits& limits) {
  const auto file = args.get("file");
  if (file && !args.positionals.empty())
    return make_error(ErrorKind::bad_input, "explain: give the text as arguments or --file, not both");
  if (!args.positionals.empty()) {
    std::string text;
    for (const auto& p : args.positionals) text += (text.empty() ? "" : "\n") + p;
    std::istringstream in(text);
    return keep_head_and_tail(in, limits.max_total);
  }
  if (file && *file != "-") return read_log_file(*file, limits.max_total);
  if (args.get("host") == std::optional<std::string>("-")) {
    return make_error(ErrorKind::bad_input, "explain: stdin cannot carry both --host - and the log; use --file LOG");
  }
  if (!file && io.in_is_tty) {
    return make_error(ErrorKind::bad_input,
                      "explain: no input: give the error text as arguments, --file LOG, or pipe it on stdin");
  }
  return keep_head_and_tail(io.in, limits.max_total);
}

// An image named in the text or with --image, and what the image machinery said about it.
// The images of the text and of --image, judged for the host with `torchdoctor image`'s machinery
// (offline from the cache and the knowledge base with --offline; else online with the registry
// options). A reference from the text that does not parse is skipped; a bad --image is bad input.
Result<std::vector<ExplainedImage>> judge_images(const ParsedArgs& args, const AppIo& io, std::string_view text,
                                                 const JudgedHost& host, const Kb& kb) {
  std::vector<ImageMention> mentions;
  std::vector<bool> given;
  for (const auto& r : args.all("image")) {
    if (!parse_image_ref(r))
      return make_error(ErrorKind::bad_input, "--image '" + sanitize(r) + "': " + parse_image_ref(r).error().message);
    mentions.push_back({r, 0, "--image"});
    given.push_back(true);
  }
  for (auto& m : extract_image_refs(text)) {
    if (!parse_image_ref(m.ref)) continue;
    const auto same =
        std::find_if(mentions.begin(), mentions.end(), [&](const ImageMention& x) { return x.ref == m.ref; });
    if (same != mentions.end()) {
      if (same->line == 0) same->line = m.line;  // the --image also appears in the text
      continue;
    }
    mentions.push_back(std::move(m));
    given.push_back(false);
  }
  std::vector<ExplainedImage> out;
  if (mentions.empty()) return out;
  std::vector<ImageRef> refs;
  for (const auto& m : mentions) refs.push_back(*parse_image_ref(m.ref));
  Platform platform{"linux", "amd64", {}, {}};
  if (auto p = platform_option(args); p && args.has("platform"))
    platform = *p;
  else if (host.facts().cpu.arch) {
    if (const auto machine = platform_for_machine(*host.facts().cpu.arch)) platform = *machine;
  }
  auto checked = check_images(refs, platform, args, io, host, kb);
  if (!checked) return checked.error();
  for (std::size_t i = 0; i < mentions.size() && i < checked->size(); ++i) {
    out.push_back({mentions[i], given[i], std::move((*checked)[i])});
  }
  return out;
}

}  // namespace

std::vector<OptionSpec> explain_options() {
  return options_named(
      {{"file", "image", "platform"}, host_option_names(), output_option_names(), registry_option_names(), {"kb"}});
}

int run_explain(const ParsedArgs& args, AppIo& io) {
  // The text first: it decides whether stdin is the log (then --host - is refused).
  const InputLimits limits;
  auto text = input_text(args, io, limits);
  if (!text) return fail_with(io, text.error());
  auto session = open_session(args, io);
  if (!session) return fail_with(io, session.error());
  const auto& [out, kb, host] = *session;
  const std::size_t left_out = text->left_out;
  TextInput input(std::move(text->text), limits);
  if (left_out > 0) input.set_truncated(left_out);
  const ExplainResult r = explain(input, host, kb);
  if (auto p = platform_option(args); !p) return fail_with(io, p.error());
  auto images = judge_images(args, io, input.text(), *r.host, kb);
  if (!images) return fail_with(io, images.error());
  const bool image_problem = std::any_of(images->begin(), images->end(), [](const ExplainedImage& e) {
    return e.checked.verdict && !e.checked.inspection.error && e.checked.verdict->problem();
  });
  if (out.format == Format::json) {
    auto j = explain_to_json(r, kb);
    j["images"] = explained_images_json(*images);
    io.out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  } else {
    std::ostringstream report;
    report << render_explain(r, kb, out.color);
    report << render_explained_images(*images);
    io.out << (out.format == Format::markdown ? render_markdown_report("torchdoctor explain", report.str())
                                              : report.str());
  }
  if (r.problem() || image_problem) return k_exit_problem;
  // Part of the input was not read and nothing was found: the answer is not "all good".
  return r.input.truncated && r.diagnoses.empty() ? k_exit_undetermined : k_exit_ok;
}

}  // namespace td
