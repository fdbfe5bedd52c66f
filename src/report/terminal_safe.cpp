#include "torchdoctor/report/terminal_safe.hpp"

#include <cstdio>

namespace td {
namespace {

constexpr char k_esc = '\x1b';
constexpr std::size_t k_max_sequence = 24;  // longer than any colour sequence we write

// The SGR parameters the renderers use: reset, bold, dim, normal intensity, colours, default colour.
bool allowed_sgr_parameter(std::string_view p) {
  for (const std::string_view ok : {"", "0", "1", "2", "22", "31", "32", "33", "34", "35", "36", "39"}) {
    if (p == ok) return true;
  }
  return false;
}

// "ESC [ params m" with allowed parameters only.
bool is_allowed_colour(std::string_view seq) {
  if (seq.size() < 3 || seq[0] != k_esc || seq[1] != '[' || seq.back() != 'm') return false;
  std::string_view params = seq.substr(2, seq.size() - 3);
  while (true) {
    const auto semi = params.find(';');
    if (!allowed_sgr_parameter(params.substr(0, semi))) return false;
    if (semi == std::string_view::npos) return true;
    params.remove_prefix(semi + 1);
  }
}

// Could `seq` still grow into an allowed colour sequence?
bool may_become_colour(std::string_view seq) {
  if (seq.size() > k_max_sequence) return false;
  if (seq.size() >= 2 && seq[1] != '[') return false;
  for (std::size_t i = 2; i < seq.size(); ++i) {
    const char c = seq[i];
    if (!((c >= '0' && c <= '9') || c == ';')) return false;
  }
  return true;
}

void append_escaped(std::string& out, unsigned char c) {
  char buf[8];
  if (c == '\r') {
    out += "\\r";
    return;
  }
  std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
  out += buf;
}

bool is_control(unsigned char c) { return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f; }

}  // namespace

void ControlEscaper::feed(char ch, std::string& out) {
  const auto c = static_cast<unsigned char>(ch);
  if (!m_pending.empty()) {
    if (m_pending[0] == '\xc2') {
      m_pending.clear();
      if (c >= 0x80 && c <= 0x9f) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
        out += buf;
        return;
      }
      out += '\xc2';
    } else {
      m_pending += ch;
      if (m_keep_colour && is_allowed_colour(m_pending)) {
        out += m_pending;
        m_pending.clear();
        return;
      }
      if (m_keep_colour && may_become_colour(m_pending)) return;
      // Not ours: show the ESC, then read what followed it as ordinary text.
      const std::string rest = m_pending.substr(1);
      m_pending.clear();
      append_escaped(out, k_esc);
      for (char r : rest) feed(r, out);
      return;
    }
  }
  if (ch == k_esc || ch == '\xc2') {
    m_pending = ch;
    return;
  }
  if (is_control(c)) {
    append_escaped(out, c);
    return;
  }
  out += ch;
}

void ControlEscaper::flush(std::string& out) {
  if (m_pending.empty()) return;
  const std::string rest = m_pending;
  m_pending.clear();
  if (rest[0] == '\xc2') {
    out += rest;
    return;
  }
  append_escaped(out, k_esc);
  for (std::size_t i = 1; i < rest.size(); ++i) feed(rest[i], out);
  flush(out);
}

std::string escape_controls(std::string_view text, bool keep_colour) {
  std::string out;
  out.reserve(text.size());
  ControlEscaper e(keep_colour);
  for (char c : text) e.feed(c, out);
  e.flush(out);
  return out;
}

void TerminalSafeBuf::emit(std::string& out) {
  if (!out.empty()) m_target->sputn(out.data(), static_cast<std::streamsize>(out.size()));
  out.clear();
}

TerminalSafeBuf::int_type TerminalSafeBuf::overflow(int_type ch) {
  if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
  std::string out;
  m_escaper.feed(traits_type::to_char_type(ch), out);
  emit(out);
  return ch;
}

std::streamsize TerminalSafeBuf::xsputn(const char* s, std::streamsize n) {
  std::string out;
  std::streamsize i = 0;
  while (i < n) {
    // Fast path: a run of ordinary bytes with nothing held goes straight through.
    if (m_escaper.idle()) {
      std::streamsize j = i;
      while (j < n) {
        const auto c = static_cast<unsigned char>(s[j]);
        if (is_control(c) || c == 0xc2) break;
        ++j;
      }
      if (j > i) m_target->sputn(s + i, j - i);
      i = j;
      if (i == n) break;
    }
    m_escaper.feed(s[i], out);
    emit(out);
    ++i;
  }
  return n;
}

int TerminalSafeBuf::sync() { return m_target->pubsync(); }

void TerminalSafeBuf::finish() {
  std::string out;
  m_escaper.flush(out);
  emit(out);
  m_target->pubsync();
}

}  // namespace td
