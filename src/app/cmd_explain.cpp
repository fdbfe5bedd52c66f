// `torchdoctor explain`: error text, a log or a collect_env report -> ranked diagnoses.
#include <cstdio>
#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>

#include "torchdoctor/app/commands.hpp"
#include "torchdoctor/app/kb_input.hpp"
#include "torchdoctor/explain/explain.hpp"
#include "torchdoctor/report/explain.hpp"

namespace td {
namespace {

// Reads up to `limit` bytes and says whether more were there; a directory or an unreadable file
// is bad input.
Result<std::pair<std::string, bool>> read_file_capped(const std::string& path, std::size_t limit) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return make_error(ErrorKind::bad_input, "--file " + path + ": cannot open the file");
  std::string text;
  if (std::fseek(f, 0, SEEK_END) == 0) {
    const long size = std::ftell(f);
    if (size > 0) text.reserve(std::min<std::size_t>(static_cast<std::size_t>(size), limit));
    std::rewind(f);
  }
  std::string buf(1 << 16, '\0');
  bool more = false;
  while (true) {
    const std::size_t n = std::fread(buf.data(), 1, buf.size(), f);
    if (n == 0) break;
    const std::size_t room = limit - text.size();
    text.append(buf.data(), std::min(n, room));
    if (n > room) {
      more = true;
      break;
    }
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return make_error(ErrorKind::bad_input, "--file " + path + ": cannot read it (a directory?)");
  return std::make_pair(std::move(text), more);
}

std::pair<std::string, bool> read_stream_capped(std::istream& in, std::size_t limit) {
  std::string text;
  std::string buf(1 << 16, '\0');
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    if (n == 0) break;
    const std::size_t room = limit - text.size();
    text.append(buf.data(), std::min(n, room));
    if (n > room) return {std::move(text), true};
  }
  return {std::move(text), false};
}

// The text to explain: arguments, --file, or stdin.
Result<std::pair<std::string, bool>> input_text(const ParsedArgs& args, AppIo& io, const InputLimits& limits) {
  const auto file = args.get("file");
  if (file && !args.positionals.empty()) return make_error(ErrorKind::bad_input, "explain: give the text as arguments or --file, not both");
  if (!args.positionals.empty()) {
    std::string text;
    for (const auto& p : args.positionals) text += (text.empty() ? "" : "\n") + p;
    return std::make_pair(text.substr(0, limits.max_total), text.size() > limits.max_total);
  }
  if (file && *file != "-") return read_file_capped(*file, limits.max_total);
  if (args.get("host") == std::optional<std::string>("-")) {
    return make_error(ErrorKind::bad_input, "explain: stdin cannot carry both --host - and the log; use --file LOG");
  }
  if (!file && io.in_is_tty) {
    return make_error(ErrorKind::bad_input, "explain: no input: give the error text as arguments, --file LOG, or pipe it on stdin");
  }
  return read_stream_capped(io.in, limits.max_total);
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
  auto facts = gather_host(args, io, gpu_resolver(*kb));
  if (!facts) {
    io.err << "torchdoctor: " << facts.error().message << '\n';
    return exit_code_for(facts.error());
  }
  TextInput input(std::move(text->first), limits);
  if (text->second) input.set_truncated();
  const ExplainResult r = explain(input, *facts, *kb);
  if (out->format == Format::json) io.out << explain_to_json(r, *kb).dump(2) << '\n';
  else io.out << render_explain(r, *kb, out->color);
  return r.problem() ? k_exit_problem : k_exit_ok;
}

}  // namespace td
