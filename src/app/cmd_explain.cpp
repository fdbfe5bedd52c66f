// `torchdoctor explain`: error text, a log or a collect_env report -> ranked diagnoses.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>

#include "torchdoctor/app/commands.hpp"
#include "torchdoctor/app/kb_input.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/explain/explain.hpp"
#include "torchdoctor/report/explain.hpp"
#include "torchdoctor/report/sections.hpp"

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
    return make_error(ErrorKind::bad_input, shown + (S_ISDIR(st.st_mode) ? ": a folder" : ": a device or socket") + ", not a log file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorKind::bad_input, shown + ": cannot open the file");
  return keep_head_and_tail(in, limit);
}

// The text to explain: arguments, --file, or stdin.
Result<KeptText> input_text(const ParsedArgs& args, AppIo& io, const InputLimits& limits) {
  const auto file = args.get("file");
  if (file && !args.positionals.empty()) return make_error(ErrorKind::bad_input, "explain: give the text as arguments or --file, not both");
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
    return make_error(ErrorKind::bad_input, "explain: no input: give the error text as arguments, --file LOG, or pipe it on stdin");
  }
  return keep_head_and_tail(io.in, limits.max_total);
}

}  // namespace

std::vector<OptionSpec> explain_options() {
  std::vector<OptionSpec> specs{{"file", "LOG", "read the error text or log from LOG ('-' reads stdin)"}};
  specs.insert(specs.end(), host_options().begin(), host_options().end());
  specs.insert(specs.end(), output_options().begin(), output_options().end());
  specs.push_back(kb_option());
  return specs;
}

int run_explain(const ParsedArgs& args, AppIo& io) {
  auto out = output_choice(args, io);
  if (!out) {
    io.err << "torchdoctor: " << out.error().message << '\n';
    return k_exit_usage;
  }
  const InputLimits limits;
  auto text = input_text(args, io, limits);
  if (!text) {
    io.err << "torchdoctor: " << text.error().message << '\n';
    return exit_code_for(text.error());
  }
  auto kb = load_kb_for(args);
  if (!kb) {
    io.err << "torchdoctor: " << kb.error().message << '\n';
    return exit_code_for(kb.error());
  }
  auto facts = judged_host(args, io, *kb);
  if (!facts) {
    io.err << "torchdoctor: " << facts.error().message << '\n';
    return exit_code_for(facts.error());
  }
  const std::size_t left_out = text->left_out;
  TextInput input(std::move(text->text), limits);
  if (left_out > 0) input.set_truncated(left_out);
  const ExplainResult r = explain(input, *facts, *kb);
  if (out->format == Format::json) io.out << explain_to_json(r, *kb).dump(2) << '\n';
  else if (out->format == Format::markdown) io.out << render_markdown_report("torchdoctor explain", render_explain(r, *kb, false));
  else io.out << render_explain(r, *kb, out->color);
  if (r.problem()) return k_exit_problem;
  // Part of the input was not read and nothing was found: the answer is not "all good".
  return r.input.truncated && r.diagnoses.empty() ? k_exit_undetermined : k_exit_ok;
}

}  // namespace td
