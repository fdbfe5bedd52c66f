// main: adapts argv to run_app; nothing else lives here.
#include <unistd.h>

#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "torchdoctor/app/app.hpp"
#include "torchdoctor/report/terminal_safe.hpp"
#ifdef TD_KB_TEST_KEY
#include "torchdoctor/kb/bundle.hpp"
#endif

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  // Everything printed passes the control-character filter (report/terminal_safe.hpp): text from
  // snapshots, registries and files never reaches the terminal as escape sequences.
  td::TerminalSafeBuf out_buf(std::cout.rdbuf(), ::isatty(STDOUT_FILENO) == 1);
  td::TerminalSafeBuf err_buf(std::cerr.rdbuf(), ::isatty(STDERR_FILENO) == 1);
  std::ostream out(&out_buf);
  std::ostream err(&err_buf);
  err.setf(std::ios::unitbuf);
  int code = td::k_exit_undetermined;
#ifdef TD_KB_TEST_KEY
  // Only torchdoctor_testkey (tests/CMakeLists.txt, never installed) trusts the suite's key.
  td::trust_kb_key(TD_KB_TEST_KEY);
#endif
  try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    const auto env = td::make_process_env();
    td::AppIo io{
        out, err, std::cin, *env, ::isatty(STDOUT_FILENO) == 1, ::isatty(STDIN_FILENO) == 1, [&out_buf](bool keep) {
          out_buf.keep_colour(keep);
        }};
    code = td::run_app(args, io);
  } catch (const std::bad_alloc&) {
    err << "torchdoctor: out of memory; nothing was decided\n";
  } catch (const std::exception& e) {
    // Library code returns errors; reaching here is a bug, reported in one line, never an abort.
    err << "torchdoctor: internal error: " << e.what() << "; please report it\n";
  }
  out_buf.finish();
  err_buf.finish();
  return code;
}
