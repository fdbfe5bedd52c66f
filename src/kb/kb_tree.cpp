// KB documents as trees: from TOML (toml++), and to/from td_kbc's binary form (varints, no
// alignment, bounds-checked on decode).
#include "kb/kb_tree.hpp"

// Header-only (see cmake/Dependencies.cmake): this is the only file that includes toml++.
// Its internal checks are reachable from malformed input (the fuzzer found parse_key's on a table
// header such as `[a.,b]`), and with NDEBUG toml++ turns them into compiler assumptions (clang's
// __builtin_assume): undefined behaviour on a bad --kb file. Off in every build: the parser then
// reports the input's error, as it does for any other malformed TOML.
#pragma push_macro("NDEBUG")
#undef NDEBUG
#define TOML_ASSERT(expr) static_cast<void>(0)
#define TOML_HEADER_ONLY 1
#include <toml++/toml.h>
#pragma pop_macro("NDEBUG")

#include <cstring>
#include <sstream>

namespace td {
namespace {

constexpr std::size_t k_max_depth = 64;

KbNode convert(const toml::node& n) {
  KbNode k;
  k.line = static_cast<std::uint32_t>(n.source().begin.line);
  if (const auto* s = n.as_string()) {
    k.kind = KbNode::Kind::string;
    k.text = s->get();
  } else if (const auto* i = n.as_integer()) {
    k.kind = KbNode::Kind::integer;
    k.integer = i->get();
  } else if (const auto* f = n.as_floating_point()) {
    k.kind = KbNode::Kind::real;
    k.real = f->get();
  } else if (const auto* b = n.as_boolean()) {
    k.kind = KbNode::Kind::boolean;
    k.boolean = b->get();
  } else if (const auto* a = n.as_array()) {
    k.kind = KbNode::Kind::array;
    k.items.reserve(a->size());
    for (const auto& item : *a) k.items.push_back(convert(item));
  } else if (const auto* t = n.as_table()) {
    k.kind = KbNode::Kind::table;
    for (const auto& [key, value] : *t) k.fields.push_back(KbField{std::string(key.str()), convert(value)});
  } else {
    k.kind = KbNode::Kind::string;  // dates and times: kept as their TOML text
    std::ostringstream ss;
    if (const auto* d = n.as_date())
      ss << d->get();
    else if (const auto* tm = n.as_time())
      ss << tm->get();
    else if (const auto* dt = n.as_date_time())
      ss << dt->get();
    k.text = ss.str();
  }
  return k;
}

void put_varint(std::uint64_t v, std::string& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7fU) | 0x80U));
    v >>= 7U;
  }
  out.push_back(static_cast<char>(v));
}

void put_string(std::string_view s, std::string& out) {
  put_varint(s.size(), out);
  out.append(s);
}

Error truncated() { return make_error(ErrorKind::internal, "embedded knowledge base: truncated or malformed data"); }

bool get_varint(std::string_view& in, std::uint64_t& v) {
  v = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    const auto byte = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    v |= static_cast<std::uint64_t>(byte & 0x7fU) << shift;
    if ((byte & 0x80U) == 0) return true;
  }
  return false;
}

bool get_string(std::string_view& in, std::string& s) {
  std::uint64_t n = 0;
  if (!get_varint(in, n) || n > in.size()) return false;
  s.assign(in.data(), static_cast<std::size_t>(n));
  in.remove_prefix(static_cast<std::size_t>(n));
  return true;
}

bool decode_into(std::string_view& in, KbNode& k, std::size_t depth) {
  if (depth > k_max_depth || in.empty()) return false;
  const auto kind = static_cast<unsigned char>(in.front());
  in.remove_prefix(1);
  if (kind > static_cast<unsigned char>(KbNode::Kind::table)) return false;
  k.kind = static_cast<KbNode::Kind>(kind);
  std::uint64_t v = 0;
  if (!get_varint(in, v)) return false;
  k.line = static_cast<std::uint32_t>(v);
  switch (k.kind) {
    case KbNode::Kind::string:
      return get_string(in, k.text);
    case KbNode::Kind::integer:
      if (!get_varint(in, v)) return false;
      k.integer = static_cast<std::int64_t>(v >> 1U) ^ -static_cast<std::int64_t>(v & 1U);  // zigzag
      return true;
    case KbNode::Kind::real:
      if (in.size() < sizeof(double)) return false;
      std::memcpy(&k.real, in.data(), sizeof(double));
      in.remove_prefix(sizeof(double));
      return true;
    case KbNode::Kind::boolean:
      if (in.empty()) return false;
      k.boolean = in.front() != 0;
      in.remove_prefix(1);
      return true;
    case KbNode::Kind::array:
      if (!get_varint(in, v) || v > in.size()) return false;  // every item takes at least a byte
      k.items.resize(static_cast<std::size_t>(v));
      for (auto& item : k.items) {
        if (!decode_into(in, item, depth + 1)) return false;
      }
      return true;
    case KbNode::Kind::table:
      if (!get_varint(in, v) || v > in.size()) return false;
      k.fields.resize(static_cast<std::size_t>(v));
      for (auto& [key, value] : k.fields) {
        if (!get_string(in, key) || !decode_into(in, value, depth + 1)) return false;
      }
      return true;
  }
  return false;
}

}  // namespace

const KbNode* KbNode::get(std::string_view key) const {
  for (const auto& [k, v] : fields) {
    if (k == key) return &v;
  }
  return nullptr;
}

bool KbNode::is_array_of_tables() const {
  if (kind != Kind::array || items.empty()) return false;
  for (const auto& i : items) {
    if (i.kind != Kind::table) return false;
  }
  return true;
}

Result<KbNode> kb_tree_from_toml(std::string_view text, const std::string& name, std::uint32_t& error_line) {
  try {
    const toml::table doc = toml::parse(text, name);
    return convert(doc);
  } catch (const toml::parse_error& e) {
    error_line = static_cast<std::uint32_t>(e.source().begin.line);
    return make_error(ErrorKind::bad_input, std::string(e.description()));
  }
}

void kb_tree_encode(const KbNode& k, std::string& out) {
  out.push_back(static_cast<char>(k.kind));
  put_varint(k.line, out);
  switch (k.kind) {
    case KbNode::Kind::string:
      put_string(k.text, out);
      break;
    case KbNode::Kind::integer:
      put_varint((static_cast<std::uint64_t>(k.integer) << 1U) ^ static_cast<std::uint64_t>(k.integer >> 63), out);
      break;
    case KbNode::Kind::real:
      out.append(reinterpret_cast<const char*>(&k.real), sizeof(double));
      break;
    case KbNode::Kind::boolean:
      out.push_back(k.boolean ? 1 : 0);
      break;
    case KbNode::Kind::array:
      put_varint(k.items.size(), out);
      for (const auto& i : k.items) kb_tree_encode(i, out);
      break;
    case KbNode::Kind::table:
      put_varint(k.fields.size(), out);
      for (const auto& [key, value] : k.fields) {
        put_string(key, out);
        kb_tree_encode(value, out);
      }
      break;
  }
}

Result<KbNode> kb_tree_decode(std::string_view& in) {
  KbNode k;
  if (!decode_into(in, k, 0)) return truncated();
  return k;
}

}  // namespace td
