#include "torchdoctor/report/explain.hpp"
#include "torchdoctor/report/style.hpp"

#include <nlohmann/json.hpp>

#include "torchdoctor/core/host_json.hpp"
#include "torchdoctor/core/strings.hpp"

namespace td {
namespace {

std::string read_summary(const ExplainResult& r) {
  std::string s = "read " + std::to_string(r.input.lines) + (r.input.lines == 1 ? " line, " : " lines, ") +
                  std::to_string(r.input.bytes) + (r.input.bytes == 1 ? " byte" : " bytes");
  if (r.input.encoding != "utf-8") s += " (" + r.input.encoding + ")";
  return s;
}

// Input notes the reader adds: limits hit, binary or empty input.
std::vector<std::string> input_notes(const ExplainResult& r) {
  std::vector<std::string> out;
  if (r.input.bytes == 0) out.push_back("the input is empty");
  if (r.input.truncated) {
    out.push_back("the input is longer than 64 MiB: its first and last 32 MiB were read, " +
                  human_bytes(r.input.left_out) + " between them were not");
  }
  if (r.input.long_lines > 0) {
    out.push_back(std::to_string(r.input.long_lines) + (r.input.long_lines == 1 ? " line is" : " lines are") +
                  " longer than 64 KiB: only the first 64 KiB of each was read");
  }
  if (r.input.non_text > 0 && !r.input.binary) {
    out.push_back(std::to_string(r.input.non_text) +
                  " bytes are not text (control bytes or invalid UTF-8); they were skipped over");
  }
  return out;
}

}  // namespace

nlohmann::json explain_to_json(const ExplainResult& r, const Kb& kb) {
  nlohmann::json diagnoses = nlohmann::json::array();
  int rank = 0;
  for (const auto& d : r.diagnoses) {
    nlohmann::json evidence = nlohmann::json::array();
    for (const auto& e : d.evidence) {
      nlohmann::json je{{"kind", e.kind}, {"text", e.text}};
      je["line"] = e.line > 0 ? nlohmann::json(e.line) : nlohmann::json(nullptr);
      evidence.push_back(je);
    }
    diagnoses.push_back({{"rank", ++rank},
                         {"code", d.code},
                         {"severity", severity_name(d.severity)},
                         {"signature", d.signature},
                         {"cause", d.cause},
                         {"evidence", evidence},
                         {"fix", d.fix},
                         {"first_line", d.first_line > 0 ? nlohmann::json(d.first_line) : nlohmann::json(nullptr)},
                         {"occurrences", d.occurrences},
                         {"refined", d.refined}});
  }
  nlohmann::json env = nullptr;
  if (r.collect_env) {
    nlohmann::json fields = nlohmann::json::object();
    for (const auto& [k, f] : r.collect_env->fields) fields[k] = {{"value", f.value}, {"line", f.line}};
    auto list = [](const std::vector<EnvField>& v) {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& f : v) a.push_back({{"value", f.value}, {"line", f.line}});
      return a;
    };
    env = {{"first_line", r.collect_env->first_line},
           {"last_line", r.collect_env->last_line},
           {"fields", fields},
           {"gpus", list(r.collect_env->gpus)},
           {"cudnn", list(r.collect_env->cudnn)},
           {"libraries", list(r.collect_env->libraries)}};
  }
  auto notes = input_notes(r);
  notes.insert(notes.end(), r.notes.begin(), r.notes.end());
  return {{"schema", k_explain_schema},
          {"kb_as_of", kb.as_of},
          {"input",
           {{"bytes", r.input.bytes},
            {"lines", r.input.lines},
            {"long_lines", r.input.long_lines},
            {"non_text_bytes", r.input.non_text},
            {"truncated", r.input.truncated},
            {"left_out_bytes", r.input.left_out},
            {"binary", r.input.binary},
            {"encoding", r.input.encoding}}},
          {"signatures_checked", r.signatures_checked},
          {"found", !r.diagnoses.empty()},
          {"problem", r.problem()},
          {"diagnoses", diagnoses},
          {"collect_env", env},
          {"notes", notes},
          {"host", r.host ? host_to_json(r.host->facts()) : nlohmann::json(nullptr)}};
}

std::string render_explain(const ExplainResult& r, const Kb& kb, bool color) {
  const std::string bold = color ? std::string(style::bold) : "";
  const std::string dim = color ? std::string(style::dim) : "";
  const std::string reset = color ? std::string(style::reset) : "";
  std::string out;
  std::string head = read_summary(r);
  if (r.collect_env) {
    head += "; a collect_env report at lines " + std::to_string(r.collect_env->first_line) + "-" +
            std::to_string(r.collect_env->last_line);
  }
  if (r.diagnoses.empty()) {
    out += bold + "No known signature found" + reset + " (" + head + "; " + std::to_string(r.signatures_checked) +
           " signatures checked, knowledge base as of " + kb.as_of + ").\n";
  } else {
    out += bold + std::to_string(r.diagnoses.size()) + (r.diagnoses.size() == 1 ? " diagnosis" : " diagnoses") + reset +
           " (" + head + "; knowledge base as of " + kb.as_of + ")\n";
  }
  int rank = 0;
  for (const auto& d : r.diagnoses) {
    const std::string c = color ? std::string(style::of(d.severity)) : "";
    out += "\n" + std::to_string(++rank) + ". " + c + d.code + reset + " (" + severity_name(d.severity) + ") " +
           d.cause + "\n";
    out += "   " + dim + "evidence:" + reset + "\n";
    for (const auto& e : d.evidence) {
      if (e.kind == "input")
        out += "     line " + std::to_string(e.line) + ": " + e.text + "\n";
      else
        out += "     " + e.kind + ": " + e.text + "\n";
    }
    if (d.occurrences > 1) out += "     (" + std::to_string(d.occurrences) + " matching lines)\n";
    if (!d.fix.empty()) {
      out += "   " + dim + "fix:" + reset + "\n";
      for (const auto& f : d.fix) out += "     " + f + "\n";
    }
  }
  auto notes = input_notes(r);
  notes.insert(notes.end(), r.notes.begin(), r.notes.end());
  if (!notes.empty()) {
    out += "\n" + dim + "Notes:" + reset + "\n";
    for (const auto& n : notes) out += "  - " + sanitize(n, 400) + "\n";
  }
  return out;
}

}  // namespace td
