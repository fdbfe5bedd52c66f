// `torchdoctor kb check DIR` and `torchdoctor kb show TOPIC`: validate and read the knowledge base.
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <ostream>

#include "torchdoctor/app/commands.hpp"
#include "torchdoctor/app/kb_input.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/kb/bundle.hpp"
#include "torchdoctor/kb/schema.hpp"
#include "torchdoctor/registry/http.hpp"
#include "torchdoctor/report/kb_tables.hpp"
#include "torchdoctor/sys/file_reader.hpp"

namespace td {
namespace {

int kb_check(const ParsedArgs& args, AppIo& io) {
  if (args.positionals.size() != 2) {
    io.err << "torchdoctor: kb check: expected one directory (torchdoctor kb check DIR)\n";
    return k_exit_usage;
  }
  auto kb = load_kb_dir(args.positionals[1]);
  if (!kb) {
    io.err << kb.error().message << '\n';
    return k_exit_usage;
  }
  io.out << args.positionals[1] << ": valid, " << kb->records << " records, as of " << kb->as_of << '\n';
  return k_exit_ok;
}

// Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil): no <chrono> calendar needed.
long days_from_civil(long y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long>(doe) - 719468;
}

// Days from `as_of` (YYYY-MM-DD) to today (UTC); null when as_of is not a date.
std::optional<long> days_since(const std::string& as_of) {
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  if (std::sscanf(as_of.c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
    return std::nullopt;
  const long today = static_cast<long>(std::time(nullptr) / 86400);
  return today - days_from_civil(y, m, d);
}

std::string age_text(const std::string& as_of) {
  const auto days = days_since(as_of);
  if (!days) return "";
  if (*days < 0) return " (dated in the future: check this machine's clock)";
  return " (" + std::to_string(*days) + (*days == 1 ? " day" : " days") + " old)";
}

const char* state_name(InstalledKb::State s) {
  switch (s) {
    case InstalledKb::State::absent:
      return "none";
    case InstalledKb::State::in_use:
      return "in use";
    case InstalledKb::State::older:
      return "not used: not newer than the embedded knowledge base";
    case InstalledKb::State::invalid:
      return "not used: invalid";
  }
  return "";
}

// `kb status`: which KB the other commands use, its date and age, where it came from, and why an
// installed update is or is not used.
int kb_status(const ParsedArgs& args, AppIo& io) {
  auto embedded = load_embedded_kb();
  if (!embedded) return fail_with(io, embedded.error());
  const auto dir = args.get("kb");
  InstalledKb installed = read_installed_kb(io.env, embedded->as_of);
  std::string in_use = "embedded";
  std::string as_of = embedded->as_of;
  std::string source = "built into this torchdoctor (data/kb at build time)";
  if (dir) {
    auto kb = load_kb_for(args, io.env);
    if (!kb) return fail_with(io, kb.error());
    in_use = "directory";
    as_of = kb->as_of;
    source = *dir + " (--kb)";
  } else if (installed.state == InstalledKb::State::in_use) {
    in_use = "installed update";
    as_of = installed.as_of;
    source = installed.dir + (installed.from.empty() ? "" : ", from " + installed.from) +
             (installed.installed_at.empty() ? "" : ", installed " + installed.installed_at);
  }
  std::vector<std::string> keys;
  for (const auto& k : kb_trusted_keys()) keys.push_back(k);
  const auto days = days_since(as_of);
  if (args.has("json") || args.get("format") == "json") {
    nlohmann::json j{{"schema", "torchdoctor.kb-status/v1"},
                     {"in_use", in_use},
                     {"as_of", as_of},
                     {"age_days", days ? nlohmann::json(*days) : nlohmann::json(nullptr)},
                     {"source", source},
                     {"embedded_as_of", embedded->as_of},
                     {"installed",
                      {{"dir", installed.dir},
                       {"state", state_name(installed.state)},
                       {"as_of", installed.as_of},
                       {"version", installed.version},
                       {"from", installed.from},
                       {"installed_at", installed.installed_at},
                       {"problem", installed.problem}}},
                     {"trusted_keys", keys},
                     {"test_key_trusted", kb_test_key_trusted()}};
    io.out << j.dump(2) << '\n';
    return k_exit_ok;
  }
  io.out << "Knowledge base in use: " << in_use << ", as of " << as_of << age_text(as_of) << '\n';
  io.out << "  source:    " << source << '\n';
  io.out << "  embedded:  as of " << embedded->as_of << '\n';
  io.out << "  installed: "
         << (installed.dir.empty() ? "(no XDG_DATA_HOME or HOME: no place for updates)" : installed.dir) << ": "
         << state_name(installed.state);
  if (!installed.as_of.empty())
    io.out << " (as of " << installed.as_of << (installed.version.empty() ? "" : ", version " + installed.version)
           << ")";
  if (!installed.problem.empty()) io.out << ": " << installed.problem;
  io.out << '\n';
  io.out << "  signing keys trusted: " << (keys.empty() ? "none (this build accepts no update)" : join(keys, ", "))
         << (kb_test_key_trusted() ? " (includes the TEST key: a test build, not for use)" : "") << '\n';
  return k_exit_ok;
}

// `kb update --from URL|DIR`: fetch a bundle, check its signature (trusted keys only), its files'
// sizes and SHA-512 and the KB itself, and install it when it is newer than the KB in use.
int kb_update(const ParsedArgs& args, AppIo& io) {
  const auto from = args.get("from");
  if (!from)
    return fail_with(io,
                     make_error(ErrorKind::bad_input,
                                "kb update: give --from URL or --from DIR (a bundle made by scripts/kb-bundle.py)"));
  const std::string target = installed_kb_dir(io.env);
  if (target.empty())
    return fail_with(
        io, make_error(ErrorKind::bad_input,
                       "kb update: neither XDG_DATA_HOME nor HOME is set (an absolute path): nowhere to install"));
  BundleData data;
  const bool url = from->rfind("http://", 0) == 0 || from->rfind("https://", 0) == 0;
  if (url) {
    if (auto s = http_init(); !s)
      return fail_with(io, make_error(ErrorKind::unavailable, "kb update: " + s.error().message));
    auto timeout = timeout_option(args);
    if (!timeout) return fail_with(io, timeout.error());
    HttpSession http;
    std::string base = *from;
    if (base.size() >= 13 && base.compare(base.size() - 13, 13, "manifest.json") == 0) base.erase(base.size() - 13);
    if (base.empty() || base.back() != '/') base += '/';
    const auto get = [&](const std::string& name, std::size_t limit) -> Result<std::string> {
      HttpRequest rq;
      rq.url = base + name;
      rq.max_body = limit;
      if (*timeout) rq.timeout = **timeout;
      auto r = http.perform(rq);
      if (!r) return make_error(ErrorKind::unavailable, redact_url(rq.url) + ": " + r.error().message);
      if (r->status == 404 && name == k_bundle_signature)
        return make_error(ErrorKind::bad_input, redact_url(rq.url) + ": not found: the bundle is unsigned");
      if (r->status != 200)
        return make_error(r->status == 404 ? ErrorKind::bad_input : ErrorKind::unavailable,
                          redact_url(rq.url) + ": HTTP " + std::to_string(r->status));
      return std::move(r->body);
    };
    auto manifest = get(k_bundle_manifest, 1U << 20U);
    if (!manifest) return fail_with(io, manifest.error());
    auto sig = get(k_bundle_signature, 4096);
    if (!sig) return fail_with(io, sig.error());
    data.manifest = std::move(*manifest);
    data.signature = std::move(*sig);
    auto m = verify_manifest(data.manifest, data.signature);
    if (!m)
      return fail_with(io,
                       make_error(ErrorKind::bad_input, "kb update: " + redact_url(*from) + ": " + m.error().message));
    std::size_t total = 0;
    for (const auto& f : m->files) {
      total += f.size;
      if (total > k_bundle_max_total)
        return fail_with(io, make_error(ErrorKind::bad_input,
                                        "kb update: the bundle is larger than " + limit_text(k_bundle_max_total)));
      auto text = get(f.name, f.size + 1);
      if (!text) {
        if (text.error().kind == ErrorKind::bad_input) continue;  // a missing file: reported as partial below
        return fail_with(io, text.error());
      }
      data.files[f.name] = std::move(*text);
    }
  } else {
    std::string dir = *from;
    if (dir.size() >= 13 && dir.compare(dir.size() - 13, 13, "manifest.json") == 0) dir.erase(dir.size() - 13);
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    if (dir.empty()) dir = ".";
    auto d = read_bundle_dir(dir);
    if (!d)
      return fail_with(io, make_error(d.error().kind == ErrorKind::not_found ? ErrorKind::bad_input : d.error().kind,
                                      "kb update: " + d.error().message));
    data = std::move(*d);
  }
  auto manifest = verify_manifest(data.manifest, data.signature);
  if (!manifest)
    return fail_with(
        io, make_error(ErrorKind::bad_input, "kb update: " + redact_url(*from) + ": " + manifest.error().message));
  auto kb = kb_from_bundle(*manifest, data.files, "bundle");
  if (!kb)
    return fail_with(io,
                     make_error(ErrorKind::bad_input, "kb update: " + redact_url(*from) + ": " + kb.error().message));
  auto current = load_kb_for(args, io.env);
  if (!current) return fail_with(io, current.error());
  if (!(current->as_of < manifest->as_of)) {
    io.out << "Not installed: the bundle is as of " << manifest->as_of << ", the knowledge base in use as of "
           << current->as_of << (manifest->as_of == current->as_of ? " (already current)" : " (the bundle is older)")
           << '\n';
    return manifest->as_of == current->as_of ? k_exit_ok : k_exit_problem;
  }
  if (auto s = install_bundle(data, target, redact_url(*from)); !s)
    return fail_with(io, make_error(ErrorKind::io, "kb update: " + s.error().message));
  io.out << "Installed the knowledge base as of " << manifest->as_of
         << (manifest->version.empty() ? "" : " (version " + manifest->version + ")") << " in " << target
         << "; it replaces the one as of " << current->as_of << '\n';
  return k_exit_ok;
}

// `kb show schema [TABLE]`: the KB's field tables (kb/schema.hpp), as text, JSON or Markdown.
int kb_show_schema(const ParsedArgs& args, AppIo& io) {
  std::vector<const KbTableSpec*> tables;
  if (args.positionals.size() > 2) {
    const KbTableSpec* t = kb_table_spec(args.positionals[2]);
    if (t == nullptr) {
      io.err << "torchdoctor: kb show schema: unknown table '" << args.positionals[2] << "'; tables:";
      for (const auto& s : kb_schema()) io.err << ' ' << s.name;
      io.err << '\n';
      return k_exit_usage;
    }
    tables.push_back(t);
  } else {
    for (const auto& s : kb_schema()) tables.push_back(&s);
  }
  const auto format = args.get("format");
  if (args.has("json") || format == "json")
    io.out << kb_schema_json(tables);
  else if (format == "markdown" || format == "md")
    io.out << kb_schema_markdown(tables);
  else
    io.out << kb_schema_text(tables);
  return k_exit_ok;
}

// `kb show TOPIC`: one topic's table (report/kb_tables.hpp), or the field tables.
int kb_show(const ParsedArgs& args, AppIo& io) {
  const std::string name = args.positionals.size() > 1 ? args.positionals[1] : "";
  if (name == "schema") return kb_show_schema(args, io);
  const KbTopic* topic = kb_topic(name);
  if (topic == nullptr) {
    io.err << "torchdoctor: kb show: " << (name.empty() ? "a topic is needed" : "unknown topic '" + name + "'")
           << "; topics:";
    for (const auto& t : kb_topics()) io.err << ' ' << t.name;
    io.err << " schema\n";
    return k_exit_usage;
  }
  auto kb = load_kb_for(args, io.env);
  if (!kb) return fail_with(io, kb.error());
  const KbTable table = topic->table(*kb);
  const auto format = args.get("format");
  if (args.has("json") || format == "json")
    io.out << kb_table_json(*topic, table, *kb);
  else if (format == "markdown" || format == "md")
    io.out << kb_table_markdown(table, *kb);
  else
    io.out << kb_table_text(table, *kb);
  return k_exit_ok;
}

}  // namespace

std::vector<OptionSpec> kb_options() { return options_named({output_option_names(), {"kb", "from", "timeout"}}); }

int run_kb(const ParsedArgs& args, AppIo& io) {
  const std::string sub = args.positionals.empty() ? "" : args.positionals[0];
  // Two words at most ("show TOPIC", "check DIR"), but "show schema TABLE".
  const bool schema = sub == "show" && args.positionals.size() > 1 && args.positionals[1] == "schema";
  if (args.positionals.size() > (schema ? 3U : 2U)) {
    io.err << "torchdoctor: kb: unexpected argument '" << args.positionals[schema ? 3 : 2]
           << "'; see 'torchdoctor kb --help'\n";
    return k_exit_usage;
  }
  if (sub == "check") return kb_check(args, io);
  if (sub == "status") return kb_status(args, io);
  if (sub == "update") return kb_update(args, io);
  if (sub == "show") return kb_show(args, io);
  io.err << "torchdoctor: kb: expected 'check DIR', 'show TOPIC', 'status' or 'update --from URL|DIR'; topics:";
  for (const auto& t : kb_topics()) io.err << ' ' << t.name;
  io.err << " schema\n";
  return k_exit_usage;
}

}  // namespace td
