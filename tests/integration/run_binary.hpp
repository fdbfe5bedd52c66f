// Runs the torchdoctor binary with arguments, optional stdin and environment; captures everything.
#pragma once

#include <string>
#include <vector>

namespace td::test {

/// What a run of the binary produced.
struct RunResult {
  int code = -1;
  std::string out;
  std::string err;
};

/// Runs TD_BINARY with `args`, feeding `input` on stdin, with `env` (KEY=VALUE) added to a clean
/// environment (PATH=/usr/bin:/bin and HOME=/nonexistent unless `env` sets them).
RunResult run_td(const std::vector<std::string>& args, const std::string& input = {},
                 const std::vector<std::string>& env = {});

/// The absolute path of a fixture root by scenario name.
std::string fixture_root(const std::string& name);

}  // namespace td::test
