// `torchdoctor kb check DIR` and `torchdoctor kb show TOPIC`: validate and read the knowledge base.
#include <cstdio>
#include <ctime>
#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>

#include "torchdoctor/app/commands.hpp"
#include "torchdoctor/app/kb_input.hpp"
#include "torchdoctor/core/finding.hpp"
#include "torchdoctor/kb/bundle.hpp"
#include "torchdoctor/kb/queries.hpp"
#include "torchdoctor/registry/http.hpp"
#include "torchdoctor/sys/file_reader.hpp"

namespace td {
namespace {

using Table = std::vector<std::vector<std::string>>;  // first row: header

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}
template <typename T>
std::string join_str(const std::vector<T>& v) {
  std::vector<std::string> s;
  for (const auto& x : v) s.push_back(x.str());
  return join(s, " ");
}
std::string opt(const std::optional<Version>& v) { return v ? v->str() : "-"; }
std::string pci_ids_text(const std::vector<std::uint16_t>& ids) {
  std::vector<std::string> texts;
  for (auto id : ids) texts.push_back(pci_device_id_str(id));
  return join(texts, " ");
}
std::string src(const Provenance& p) {
  return (p.confirmed ? "" : "UNCONFIRMED ") + (p.sources.empty() ? "" : p.sources.front());
}

struct Topic {
  const char* name;
  const char* summary;
  std::function<Table(const Kb&)> table;
};

const std::vector<Topic>& topics() {
  static const std::vector<Topic> k_topics{
      {"cuda", "CUDA toolkit releases and the driver each needs",
       [](const Kb& kb) {
         Table t{{"cuda", "released", "min driver (Linux)", "min driver (Windows)", "source"}};
         for (const auto& r : kb.cuda_releases)
           t.push_back({r.version.str(), r.released, opt(r.min_driver_linux), opt(r.min_driver_windows), src(r.from)});
         for (const auto& m : kb.cuda_majors)
           t.push_back({std::to_string(m.major) + ".x (minor-version compat)", "", m.min_driver_linux.str(),
                        opt(m.min_driver_windows), src(m.from)});
         return t;
       }},
      {"drivers", "data-center driver branches",
       [](const Kb& kb) {
         Table t{{"branch", "kind", "max cuda", "eol", "source"}};
         for (const auto& b : kb.driver_branches) t.push_back({b.branch, b.kind, opt(b.max_cuda), b.eol, src(b.from)});
         return t;
       }},
      {"toolkits", "compute capabilities each nvcc compiles for",
       [](const Kb& kb) {
         Table t{{"cuda", "sm", "deprecated", "a / f targets", "source"}};
         for (const auto& a : kb.toolkit_archs)
           t.push_back({a.cuda.str(), join_str(a.arch), join_str(a.deprecated),
                        join_str(a.arch_specific) + " " + join_str(a.family_specific), src(a.from)});
         return t;
       }},
      {"compilers", "host compilers nvcc supports",
       [](const Kb& kb) {
         Table t{{"cuda", "gcc", "clang", "source"}};
         for (const auto& c : kb.host_compilers)
           t.push_back({c.cuda.str(), opt(c.gcc_min) + " .. " + opt(c.gcc_max),
                        opt(c.clang_min) + " .. " + opt(c.clang_max), src(c.from)});
         return t;
       }},
      {"gpus", "GPU models, PCI ids and compute capabilities",
       [](const Kb& kb) {
         Table t{{"name", "cc", "pci ids", "family", "source"}};
         for (const auto& g : kb.gpus)
           t.push_back({g.name, g.cc.str(), pci_ids_text(g.pci_ids), g.family, src(g.from)});
         return t;
       }},
      {"torch", "PyTorch releases and their Python versions",
       [](const Kb& kb) {
         Table t{{"torch", "released", "python", "PyPI default (x86_64 / aarch64)", "source"}};
         for (const auto& r : kb.torch_releases)
           t.push_back({r.version.str(), r.released, join(r.python, " "),
                        r.pypi_default_linux_x86_64 + " / " + r.pypi_default_linux_aarch64, src(r.from)});
         return t;
       }},
      {"wheels", "torch wheels per variant: CUDA, arch list, platforms",
       [](const Kb& kb) {
         Table t{{"torch", "variant", "cuda", "sass", "ptx", "platforms", "glibc", "index", "source"}};
         for (const auto& w : kb.torch_wheels)
           t.push_back({w.torch.str(), w.variant, opt(w.cuda), join_str(w.arch), join_str(w.ptx),
                        join(w.platforms, " "), opt(w.glibc), w.index, src(w.from)});
         return t;
       }},
      {"images", "pytorch/pytorch and nvcr.io/nvidia/pytorch images",
       [](const Kb& kb) {
         Table t{{"ref", "torch", "cuda", "platforms", "driver", "source"}};
         for (const auto& i : kb.pytorch_images)
           t.push_back({i.ref, i.torch.str(), opt(i.cuda), join(i.platforms, " "), "", src(i.from)});
         for (const auto& i : kb.ngc_images) {
           std::string driver = i.min_driver ? i.min_driver->str() + "+" : "";
           if (!i.compat_drivers.empty())
             driver += (driver.empty() ? "" : "; ") + std::string("data-center: ") + join(i.compat_drivers, " ");
           t.push_back(
               {i.ref, i.torch, opt(i.cuda), join(i.platforms, " ") + (i.igpu ? " (iGPU)" : ""), driver, src(i.from)});
         }
         return t;
       }},
      {"jetson", "JetPack / L4T / CUDA and Jetson modules",
       [](const Kb& kb) {
         Table t{{"jetpack", "l4t", "cuda", "stack", "cudnn", "tensorrt", "modules", "source"}};
         for (const auto& j : kb.jetpacks)
           t.push_back({j.jetpack.str(), j.l4t.str(), opt(j.cuda), j.cuda_stack, j.cudnn, j.tensorrt,
                        join(j.modules, " "), src(j.from)});
         for (const auto& m : kb.jetson_modules)
           t.push_back({"module " + m.id, m.soc, "cc " + m.cc.str(), "", "", join(m.dt_compatible, " "), src(m.from)});
         return t;
       }},
      {"jetson-builds", "L4T images and NVIDIA's torch wheels for Jetson",
       [](const Kb& kb) {
         Table t{{"kind", "ref / jetpack", "l4t / cuda", "torch", "source"}};
         for (const auto& i : kb.l4t_images) t.push_back({"image", i.ref, i.l4t.str(), i.torch, src(i.from)});
         for (const auto& w : kb.jetson_wheels)
           t.push_back({"wheel (" + w.index + ")", "JetPack " + w.jetpack.str(), opt(w.cuda), w.torch, src(w.from)});
         return t;
       }},
      {"boards", "ARM boards without an NVIDIA GPU",
       [](const Kb& kb) {
         Table t{{"board", "soc", "path", "advice", "source"}};
         for (const auto& b : kb.boards)
           t.push_back({b.name.empty() ? b.id : b.name, b.soc, b.path, b.advice, src(b.from)});
         return t;
       }},
      {"codes", "reason codes and what they mean",
       [](const Kb&) {
         Table t{{"code", "meaning"}};
         for (const auto& c : reason_codes()) t.push_back({c.code, c.meaning});
         return t;
       }},
  };
  return k_topics;
}

std::string render_table(const Table& t) {
  std::vector<std::size_t> width(t.front().size(), 0);
  for (const auto& row : t) {
    for (std::size_t i = 0; i < row.size(); ++i)
      width[i] = std::max(width[i], std::min<std::size_t>(row[i].size(), 60));
  }
  std::string out;
  for (const auto& row : t) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      const bool cut = row[i].size() > 60 && i + 1 < row.size();
      const std::size_t shown = cut ? 60 : row[i].size();
      out.append(row[i], 0, cut ? 57 : row[i].size());
      if (cut) out += "...";
      if (i + 1 < row.size()) out.append(width[i] - std::min(shown, width[i]) + 2, ' ');
    }
    out += '\n';
  }
  return out;
}

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
  std::size_t records = kb->cuda_releases.size() + kb->cuda_majors.size() + kb->driver_branches.size() +
                        kb->toolkit_archs.size() + kb->host_compilers.size() + kb->gpus.size() +
                        kb->torch_releases.size() + kb->torch_wheels.size() + kb->pytorch_images.size() +
                        kb->ngc_images.size() + kb->jetpacks.size() + kb->jetson_modules.size() +
                        kb->l4t_images.size() + kb->jetson_wheels.size() + kb->boards.size();
  io.out << args.positionals[1] << ": valid, " << records << " records, as of " << kb->as_of << '\n';
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

}  // namespace

std::vector<OptionSpec> kb_options() { return options_named({output_option_names(), {"kb", "from", "timeout"}}); }

int run_kb(const ParsedArgs& args, AppIo& io) {
  const std::string sub = args.positionals.empty() ? "" : args.positionals[0];
  if (sub == "check") return kb_check(args, io);
  if (sub == "status") return kb_status(args, io);
  if (sub == "update") return kb_update(args, io);
  if (sub == "show") {
    auto kb = load_kb_for(args, io.env);
    if (!kb) return fail_with(io, kb.error());
    const std::string name = args.positionals.size() > 1 ? args.positionals[1] : "";
    for (const auto& t : topics()) {
      if (name != t.name) continue;
      const Table table = t.table(*kb);
      if (args.has("json") || args.get("format") == "json") {
        nlohmann::json rows = nlohmann::json::array();
        for (std::size_t i = 1; i < table.size(); ++i) {
          nlohmann::json row = nlohmann::json::object();
          for (std::size_t c = 0; c < table[i].size(); ++c) row[table[0][c]] = table[i][c];
          rows.push_back(row);
        }
        io.out << nlohmann::json{{"schema", "torchdoctor.kb-table/v1"},
                                 {"topic", t.name},
                                 {"as_of", kb->as_of},
                                 {"rows", rows}}
                      .dump(2)
               << '\n';
      } else {
        io.out << render_table(table) << "(" << table.size() - 1 << " rows; knowledge base " << kb->origin << ", as of "
               << kb->as_of << ")\n";
      }
      return k_exit_ok;
    }
    io.err << "torchdoctor: kb show: " << (name.empty() ? "a topic is needed" : "unknown topic '" + name + "'")
           << "; topics:";
    for (const auto& t : topics()) io.err << ' ' << t.name;
    io.err << '\n';
    return k_exit_usage;
  }
  io.err << "torchdoctor: kb: expected 'check DIR', 'show TOPIC', 'status' or 'update --from URL|DIR'; topics:";
  for (const auto& t : topics()) io.err << ' ' << t.name;
  io.err << '\n';
  return k_exit_usage;
}

}  // namespace td
