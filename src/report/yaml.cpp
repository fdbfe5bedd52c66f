// Block-style YAML from JSON values, quoting what YAML 1.1 or 1.2 could read as something else.
#include "torchdoctor/report/yaml.hpp"

#include <nlohmann/json.hpp>
#include <sstream>

#include "torchdoctor/core/strings.hpp"

namespace td {
namespace {

bool plain_yaml(const std::string& s) {
  if (s.empty()) return false;
  static const char* const k_reserved[] = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"};
  const std::string low = to_lower(s);
  for (const char* r : k_reserved) {
    if (low == r) return false;
  }
  const char c = s[0];
  if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') return false;
  return s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./") == std::string::npos;
}

std::string scalar(const nlohmann::json& v) {
  return v.is_string() ? yaml_scalar(v.get_ref<const std::string&>()) : v.dump();
}

void emit(std::ostream& o, const nlohmann::json& v, int indent, bool in_list);

void emit_object(std::ostream& o, const nlohmann::json& v, int indent, bool first_inline) {
  bool first = true;
  for (const auto& [k, x] : v.items()) {
    if (!(first && first_inline)) o << std::string(static_cast<std::size_t>(indent), ' ');
    first = false;
    o << scalar(nlohmann::json(k)) << ':';
    if ((x.is_object() && !x.empty()) || (x.is_array() && !x.empty())) {
      o << '\n';
      emit(o, x, indent + 2, false);
    } else {
      o << ' ' << (x.is_object() ? "{}" : x.is_array() ? "[]" : scalar(x)) << '\n';
    }
  }
}

void emit(std::ostream& o, const nlohmann::json& v, int indent, bool /*in_list*/) {
  if (v.is_object()) {
    emit_object(o, v, indent, false);
  } else if (v.is_array()) {
    for (const auto& x : v) {
      o << std::string(static_cast<std::size_t>(indent), ' ') << "- ";
      if (x.is_object() && !x.empty())
        emit_object(o, x, indent + 2, true);
      else
        o << (x.is_object() ? "{}" : x.is_array() ? "[]" : scalar(x)) << '\n';
    }
  } else {
    o << std::string(static_cast<std::size_t>(indent), ' ') << scalar(v) << '\n';
  }
}

}  // namespace

std::string yaml_scalar(const std::string& text) {
  return plain_yaml(text) ? text : nlohmann::json(text).dump(-1, ' ', true);
}

std::string to_yaml(const nlohmann::json& value) {
  std::ostringstream o;
  emit(o, value, 0, false);
  return o.str();
}

}  // namespace td
