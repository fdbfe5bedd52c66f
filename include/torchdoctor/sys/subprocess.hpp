// Subprocess: run a program or a function in a child process with a time limit. A hung or
// crashing child (a driver call, an interpreter) becomes an error, never a hang or a crash of ours.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "torchdoctor/core/result.hpp"

namespace td {

/// How a child ended.
struct ChildOutcome {
  std::string out;               ///< Captured stdout (or the function's reply).
  std::string err;               ///< Captured stderr.
  std::optional<int> exit_code;  ///< Set when it exited.
  std::optional<int> signal;     ///< Set when a signal killed it (SIGSEGV, ...).
  bool timed_out = false;        ///< True when we killed it at the deadline.
  std::chrono::milliseconds elapsed{0};

  /// True when it exited with status 0.
  [[nodiscard]] bool succeeded() const { return exit_code && *exit_code == 0 && !timed_out; }
  /// One line describing a failure: "timed out after 10 s", "killed by signal 11 (Segmentation fault)".
  [[nodiscard]] std::string describe_failure() const;
};

/// What to run and how.
struct SpawnOptions {
  std::chrono::milliseconds timeout{10000};
  std::optional<std::map<std::string, std::string>> env;  ///< Replaces the environment when set.
  std::vector<std::string> unset_env;                     ///< Variables removed from the inherited environment.
  std::string input;                                      ///< Written to the child's stdin.
  std::size_t max_output = 16U << 20U;                    ///< Output beyond this is dropped.
  std::map<std::string, std::string> set_env;             ///< Variables set on top of the inherited environment.
};

/// Runs `argv` (argv[0] searched in PATH when it has no slash). Fails only when it cannot start.
Result<ChildOutcome> run_program(const std::vector<std::string>& argv, const SpawnOptions& options = {});

/// Forks and runs `fn` in the child; its return value is the reply in ChildOutcome::out. The
/// child exits right after `fn`, so `fn` may load libraries and call into drivers safely.
Result<ChildOutcome> run_in_child(const std::function<std::string()>& fn, const SpawnOptions& options = {});

}  // namespace td
