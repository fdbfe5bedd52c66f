// What `torchdoctor kb show` prints: the topics' tables as text or JSON, and the KB's field tables
// (kb/schema.hpp) as text, JSON or Markdown (docs/kb.md's field reference).
#include "torchdoctor/report/kb_tables.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "torchdoctor/core/finding.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/kb/queries.hpp"

namespace td {
namespace {

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

std::string render_table(const KbTable& t) {
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

// One row per field: key, type, required, allowed values, description.
KbTable field_rows(const KbTableSpec& t) {
  KbTable rows{{"key", "type", "required", "allowed", "description"}};
  for (const auto& f : t.fields) {
    const std::string required = f.required                ? "yes"
                                 : f.required_when.empty() ? "no"
                                                           : "when " + std::string(f.required_when);
    std::string type(kb_type_name(f.type));
    if (f.type == KbType::tables) type += " [[" + std::string(f.nested) + "]]";
    rows.push_back({std::string(f.name), type, required, kb_allowed_text(f), std::string(f.description)});
  }
  return rows;
}

std::string title(const KbTableSpec& t) {
  return (t.top_level ? std::string("top-level keys") : "[[" + std::string(t.name) + "]]") + " in data/kb/" +
         std::string(t.file);
}

// A Markdown cell: '|' would end it.
std::string cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

// A Markdown table: the header row, its rule, the rows; `code` puts the first column in backticks.
std::string markdown_table(const KbTable& t, bool code) {
  std::string out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    for (const auto& c : t[i]) {
      const bool quoted = code && i > 0 && &c == &t[i].front() && !c.empty();
      out += "| " + (quoted ? "`" + c + "`" : cell(c)) + " ";
    }
    out += "|\n";
    if (i == 0) {
      for (std::size_t c = 0; c < t[0].size(); ++c) out += "|---";
      out += "|\n";
    }
  }
  return out;
}

}  // namespace

const std::vector<KbTopic>& kb_topics() {
  static const std::vector<KbTopic> k_topics{
      {"cuda", "CUDA toolkit releases and the driver each needs",
       [](const Kb& kb) {
         KbTable t{{"cuda", "released", "min driver (Linux)", "min driver (Windows)", "source"}};
         for (const auto& r : kb.cuda_releases)
           t.push_back({r.version.str(), r.released, opt(r.min_driver_linux), opt(r.min_driver_windows), src(r.from)});
         for (const auto& m : kb.cuda_majors)
           t.push_back({std::to_string(m.major) + ".x (minor-version compat)", "", m.min_driver_linux.str(),
                        opt(m.min_driver_windows), src(m.from)});
         return t;
       }},
      {"drivers", "data-center driver branches",
       [](const Kb& kb) {
         KbTable t{{"branch", "kind", "max cuda", "eol", "source"}};
         for (const auto& b : kb.driver_branches) t.push_back({b.branch, b.kind, opt(b.max_cuda), b.eol, src(b.from)});
         return t;
       }},
      {"toolkits", "compute capabilities each nvcc compiles for",
       [](const Kb& kb) {
         KbTable t{{"cuda", "sm", "deprecated", "a / f targets", "source"}};
         for (const auto& a : kb.toolkit_archs)
           t.push_back({a.cuda.str(), join_str(a.arch), join_str(a.deprecated),
                        join_str(a.arch_specific) + " " + join_str(a.family_specific), src(a.from)});
         return t;
       }},
      {"compilers", "host compilers nvcc supports",
       [](const Kb& kb) {
         KbTable t{{"cuda", "gcc", "clang", "source"}};
         for (const auto& c : kb.host_compilers)
           t.push_back({c.cuda.str(), opt(c.gcc_min) + " .. " + opt(c.gcc_max),
                        opt(c.clang_min) + " .. " + opt(c.clang_max), src(c.from)});
         return t;
       }},
      {"arch-names", "the architecture names TORCH_CUDA_ARCH_LIST may hold, in the order they are expanded",
       [](const Kb& kb) {
         KbTable t{{"name", "architectures", "source"}};
         for (const auto& a : kb.arch_names) t.push_back({a.name, a.archs, src(a.from)});
         return t;
       }},
      {"gpus", "GPU models, PCI ids and compute capabilities",
       [](const Kb& kb) {
         KbTable t{{"name", "cc", "pci ids", "family", "source"}};
         for (const auto& g : kb.gpus)
           t.push_back({g.name, g.cc.str(), pci_ids_text(g.pci_ids), g.family, src(g.from)});
         return t;
       }},
      {"torch", "PyTorch releases and their Python versions",
       [](const Kb& kb) {
         KbTable t{{"torch", "released", "python", "PyPI default (x86_64 / aarch64)", "source"}};
         for (const auto& r : kb.torch_releases)
           t.push_back({r.version.str(), r.released, join(r.python, " "),
                        r.pypi_default_linux_x86_64 + " / " + r.pypi_default_linux_aarch64, src(r.from)});
         return t;
       }},
      {"wheels", "torch wheels per variant: CUDA, arch list, platforms",
       [](const Kb& kb) {
         KbTable t{{"torch", "variant", "cuda", "sass", "ptx", "platforms", "glibc", "index", "source"}};
         for (const auto& w : kb.torch_wheels)
           t.push_back({w.torch.str(), w.variant, opt(w.cuda), join_str(w.arch), join_str(w.ptx),
                        join(w.platforms, " "), opt(w.glibc), w.index, src(w.from)});
         return t;
       }},
      {"images", "pytorch/pytorch and nvcr.io/nvidia/pytorch images",
       [](const Kb& kb) {
         KbTable t{{"ref", "torch", "cuda", "platforms", "driver", "source"}};
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
         KbTable t{{"jetpack", "l4t", "cuda", "stack", "cudnn", "tensorrt", "modules", "source"}};
         for (const auto& j : kb.jetpacks)
           t.push_back({j.jetpack.str(), j.l4t.str(), opt(j.cuda), j.cuda_stack, j.cudnn, j.tensorrt,
                        join(j.modules, " "), src(j.from)});
         for (const auto& m : kb.jetson_modules)
           t.push_back({"module " + m.id, m.soc, "cc " + m.cc.str(), "", "", join(m.dt_compatible, " "), src(m.from)});
         return t;
       }},
      {"jetson-builds", "L4T images and NVIDIA's torch wheels for Jetson",
       [](const Kb& kb) {
         KbTable t{{"kind", "ref / jetpack", "l4t / cuda", "torch", "source"}};
         for (const auto& i : kb.l4t_images) t.push_back({"image", i.ref, i.l4t.str(), i.torch, src(i.from)});
         for (const auto& w : kb.jetson_wheels)
           t.push_back({"wheel (" + w.index + ")", "JetPack " + w.jetpack.str(), opt(w.cuda), w.torch, src(w.from)});
         return t;
       }},
      {"boards", "ARM boards without an NVIDIA GPU",
       [](const Kb& kb) {
         KbTable t{{"board", "soc", "path", "advice", "source"}};
         for (const auto& b : kb.boards)
           t.push_back({b.name.empty() ? b.id : b.name, b.soc, b.path, b.advice, src(b.from)});
         return t;
       }},
      {"codes", "reason codes and what they mean",
       [](const Kb&) {
         KbTable t{{"code", "meaning"}};
         for (const auto& c : reason_codes()) t.push_back({c.code, c.meaning});
         return t;
       }},
  };
  return k_topics;
}

const KbTopic* kb_topic(std::string_view name) {
  for (const auto& t : kb_topics()) {
    if (name == t.name) return &t;
  }
  return nullptr;
}

std::string kb_table_text(const KbTable& table, const Kb& kb) {
  return render_table(table) + "(" + std::to_string(table.size() - 1) + " rows; knowledge base " + kb.origin +
         ", as of " + kb.as_of + ")\n";
}

std::string kb_table_markdown(const KbTable& table, const Kb& kb) {
  return markdown_table(table, false) + "\n(" + std::to_string(table.size() - 1) + " rows; knowledge base " +
         kb.origin + ", as of " + kb.as_of + ")\n";
}

std::string kb_table_json(const KbTopic& topic, const KbTable& table, const Kb& kb) {
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t i = 1; i < table.size(); ++i) {
    nlohmann::json row = nlohmann::json::object();
    for (std::size_t c = 0; c < table[i].size(); ++c) row[table[0][c]] = table[i][c];
    rows.push_back(row);
  }
  return nlohmann::json{
             {"schema", "torchdoctor.kb-table/v1"}, {"topic", topic.name}, {"as_of", kb.as_of}, {"rows", rows}}
             .dump(2) +
         "\n";
}

std::string kb_schema_text(const std::vector<const KbTableSpec*>& tables) {
  std::string out;
  for (const auto* t : tables) {
    out += (out.empty() ? "" : "\n") + title(*t) + ": " + std::string(t->description) + "\n";
    out += render_table(field_rows(*t));
  }
  return out;
}

std::string kb_schema_json(const std::vector<const KbTableSpec*>& tables) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto* t : tables) {
    nlohmann::json fields = nlohmann::json::array();
    for (const auto& f : t->fields) {
      std::vector<std::string> allowed(f.allowed.begin(), f.allowed.end());
      fields.push_back({{"key", f.name},
                        {"type", kb_type_name(f.type)},
                        {"required", f.required},
                        {"required_when", f.required_when},
                        {"allowed", allowed},
                        {"nested", f.nested},
                        {"description", f.description}});
    }
    list.push_back({{"table", t->name},
                    {"file", "data/kb/" + std::string(t->file)},
                    {"nested", t->nested},
                    {"top_level", t->top_level},
                    {"description", t->description},
                    {"fields", fields}});
  }
  return nlohmann::json{{"schema", "torchdoctor.kb-schema/v1"}, {"tables", list}}.dump(2) + "\n";
}

std::string kb_schema_markdown(const std::vector<const KbTableSpec*>& tables) {
  std::string out;
  for (const auto* t : tables) {
    std::string sentence = cell(std::string(t->description));
    if (!sentence.empty() && sentence[0] >= 'a' && sentence[0] <= 'z')
      sentence[0] = static_cast<char>(sentence[0] - 'a' + 'A');
    out += (out.empty() ? "" : "\n") + std::string("#### ") + title(*t) + "\n\n" + sentence + ".\n\n";
    out += markdown_table(field_rows(*t), true);
  }
  return out;
}

}  // namespace td
