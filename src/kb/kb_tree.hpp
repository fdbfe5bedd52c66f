// The knowledge base's documents as a small tree (tables, arrays, strings, numbers, booleans, each
// with its line), read from TOML or from the compact binary form td_kbc embeds: the embedded KB is
// validated at build time, so a run decodes the tree instead of parsing TOML again.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "torchdoctor/core/result.hpp"

namespace td {

struct KbField;

/// One value of a KB document.
struct KbNode {
  enum class Kind : std::uint8_t { string, integer, real, boolean, array, table };
  Kind kind = Kind::table;
  std::uint32_t line = 0;
  std::string text;             ///< string
  std::int64_t integer = 0;     ///< integer
  double real = 0;              ///< real
  bool boolean = false;         ///< boolean
  std::vector<KbNode> items;    ///< array
  std::vector<KbField> fields;  ///< table, in document order

  /// The member `key` of a table, or null.
  [[nodiscard]] const KbNode* get(std::string_view key) const;
  /// True for an array whose items are all tables ([[name]] in TOML).
  [[nodiscard]] bool is_array_of_tables() const;
};

/// One member of a table.
struct KbField {
  std::string key;
  KbNode value;
};

/// Parses TOML text into a tree; the error carries the line.
Result<KbNode> kb_tree_from_toml(std::string_view text, const std::string& name, std::uint32_t& error_line);

/// Appends the binary form of `node` to `out`.
void kb_tree_encode(const KbNode& node, std::string& out);
/// Decodes one tree from the front of `in` (advancing it); fails on truncated or malformed data.
Result<KbNode> kb_tree_decode(std::string_view& in);

}  // namespace td
