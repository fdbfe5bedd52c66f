// The knowledge base's schema: one field table per KB table (each field's name, type, whether it is
// required, its allowed values and a one-line description). It is declared once (src/kb/schema.cpp)
// and drives the loader's checks, `torchdoctor kb show schema` and docs/kb.md's field reference.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace td {

/// The type of a KB field's value.
enum class KbType : std::uint8_t {
  string,    ///< "text"
  version,   ///< "12.4.1": a Version
  cc,        ///< "8.6": one compute capability (X.Y, X.Ya, X.Yf)
  date,      ///< "2026-11-22": YYYY-MM-DD
  integer,   ///< 12
  number,    ///< 24 or 79.6
  boolean,   ///< true or false
  strings,   ///< ["a", "b"] (a single string is read as a list of one)
  versions,  ///< ["3.10", "3.12"]
  ccs,       ///< ["8.0", "9.0a"]
  tables,    ///< [[table.key]] records, checked against the nested table's own field table
};

/// One field of a KB table.
struct KbFieldSpec {
  std::string_view name;
  KbType type = KbType::string;
  bool required = false;
  /// Non-empty for a field required only sometimes: says when (the table's reader checks it).
  std::string_view required_when{};
  /// The closed set of values (of each item, for a list); empty: any value. "cu*" allows any
  /// value starting with "cu".
  std::vector<std::string_view> allowed{};
  std::string_view description{};
  /// For KbType::tables: the nested table's name ("signature.refine").
  std::string_view nested{};
  /// Said after "missing: " when a required field is absent.
  std::string_view missing_hint{};
};

/// One KB table: [[name]] records in `file`, or the top-level keys of meta.toml.
struct KbTableSpec {
  std::string_view name;  ///< "cuda_release", "signature.refine", "meta".
  std::string_view file;  ///< The data/kb file that holds it ("cuda.toml").
  std::string_view description;
  std::vector<KbFieldSpec> fields;  ///< In documentation order; provenance (source, confirmed, note) last.
  bool nested = false;              ///< Only inside another table's [[table.key]] records.
  bool top_level = false;           ///< The file's own keys (meta.toml), not [[name]] records.
};

/// Every KB table, in documentation order.
const std::vector<KbTableSpec>& kb_schema();
/// The table `name`, or null.
const KbTableSpec* kb_table_spec(std::string_view name);
/// The field `name` of `table`, or null.
const KbFieldSpec* kb_field_spec(const KbTableSpec& table, std::string_view name);
/// The type's name as the documentation writes it ("version", "list of compute capabilities").
std::string_view kb_type_name(KbType type);
/// True when `value` is one of `field.allowed` (or the field has no closed set).
bool kb_value_allowed(const KbFieldSpec& field, std::string_view value);
/// "a, b or c": the allowed values as a problem or the documentation says them.
std::string kb_allowed_text(const KbFieldSpec& field);

}  // namespace td
