// Output that is safe for a terminal. Text torchdoctor prints carries strings it did not write: a
// GPU name or hostname from another machine's snapshot, a registry's error text, a file name. Every
// byte stdout and stderr receive passes through this filter, so none of them can clear the
// screen, move the cursor, set the window title or write the clipboard: control characters are
// shown as visible escapes ("\x1b", "\r", "\u009b"). On a terminal, the colour sequences the
// renderers emit (SGR: ESC [ n ; ... m with the few parameters they use) pass unchanged; a colour in
// someone else's text is then harmless, and elsewhere no ESC passes at all.
#pragma once

#include <streambuf>
#include <string>
#include <string_view>

namespace td {

/// `text` with its control characters (C0 but newline and tab, DEL, C1 as UTF-8) written as visible
/// escapes; colour sequences are kept only when `keep_colour`.
std::string escape_controls(std::string_view text, bool keep_colour = false);

/// The escaping as a byte-at-a-time state machine: an ESC sequence or a UTF-8 lead byte is held
/// until it is known to be a colour we keep, a C1 control, or something else.
class ControlEscaper {
 public:
  explicit ControlEscaper(bool keep_colour) : m_keep_colour(keep_colour) {}
  /// Appends to `out` what `ch` decides (nothing while a sequence is undecided).
  void feed(char ch, std::string& out);
  /// Keeps (or stops keeping) the renderers' colour sequences from now on.
  void keep_colour(bool keep) { m_keep_colour = keep; }
  /// The input ended: a held sequence is shown escaped.
  void flush(std::string& out);
  /// True when nothing is held.
  [[nodiscard]] bool idle() const { return m_pending.empty(); }

 private:
  bool m_keep_colour;
  std::string m_pending;
};

/// A streambuf that forwards to `target` what escape_controls(…, keep_colour) would make of it,
/// across writes (a sequence split between two writes is judged whole). Colours are kept only for
/// a terminal, where the renderers write them; into a pipe or file every ESC is shown escaped.
class TerminalSafeBuf final : public std::streambuf {
 public:
  TerminalSafeBuf(std::streambuf* target, bool keep_colour) : m_target(target), m_escaper(keep_colour) {}
  TerminalSafeBuf(const TerminalSafeBuf&) = delete;
  TerminalSafeBuf& operator=(const TerminalSafeBuf&) = delete;
  ~TerminalSafeBuf() override { finish(); }

  /// Writes out a sequence still undecided (escaped: it never completed) and flushes the target.
  void finish();
  /// Lets colour sequences through from now on (the user asked for colour into a pipe).
  void keep_colour(bool keep) { m_escaper.keep_colour(keep); }

 protected:
  int_type overflow(int_type ch) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  void emit(std::string& out);
  std::streambuf* m_target;
  ControlEscaper m_escaper;
};

}  // namespace td
