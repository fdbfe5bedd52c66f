// What `torchdoctor kb show` prints: one table per topic (a header row, then a row per record),
// drawn as aligned text, Markdown or JSON (torchdoctor.kb-table/v1); and the KB's field tables
// (kb/schema.hpp) as text, JSON (torchdoctor.kb-schema/v1) or the Markdown of docs/kb.md.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "torchdoctor/kb/kb.hpp"
#include "torchdoctor/kb/schema.hpp"

namespace td {

/// A table of text: the header row first, then one row per record.
using KbTable = std::vector<std::vector<std::string>>;

/// One topic of `kb show`: its name, a summary and how its table is made from the KB.
struct KbTopic {
  const char* name;
  const char* summary;
  std::function<KbTable(const Kb&)> table;
};

/// Every topic, in the order `kb show` lists them.
const std::vector<KbTopic>& kb_topics();
/// The topic `name`, or null.
const KbTopic* kb_topic(std::string_view name);

/// A topic's table as aligned text (cells cut at 60 characters), then "(N rows; knowledge base ...)".
std::string kb_table_text(const KbTable& table, const Kb& kb);
/// A topic's table as a Markdown table, then the same footer.
std::string kb_table_markdown(const KbTable& table, const Kb& kb);
/// A topic's table as a torchdoctor.kb-table/v1 document (indented, with a final newline).
std::string kb_table_json(const KbTopic& topic, const KbTable& table, const Kb& kb);

/// The field tables of `tables` as aligned text, one block per table.
std::string kb_schema_text(const std::vector<const KbTableSpec*>& tables);
/// The field tables of `tables` as a torchdoctor.kb-schema/v1 document (indented, with a final newline).
std::string kb_schema_json(const std::vector<const KbTableSpec*>& tables);
/// The field tables of `tables` as Markdown: docs/kb.md's field reference is this, for every table.
std::string kb_schema_markdown(const std::vector<const KbTableSpec*>& tables);

}  // namespace td
