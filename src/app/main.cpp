// main: adapts argv to run_app; nothing else lives here.
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "torchdoctor/app/app.hpp"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  const std::vector<std::string> args(argv + 1, argv + argc);
  const auto env = td::make_process_env();
  td::AppIo io{std::cout, std::cerr, std::cin, *env, ::isatty(STDOUT_FILENO) == 1,
                 ::isatty(STDIN_FILENO) == 1};
  const int code = td::run_app(args, io);
  std::cout.flush();
  return code;
}
