// Runs the torchdoctor binary with arguments, optional stdin and environment; captures everything.
#pragma once

#include <nlohmann/json.hpp>
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
/// environment: PATH=/usr/bin:/bin and HOME set to a new empty folder, removed after the run, unless
/// `env` sets them.
RunResult run_td(const std::vector<std::string>& args, const std::string& input = {},
                 const std::vector<std::string>& env = {});

/// run_td with another build of the binary (TD_TESTKEY_BINARY: the one that trusts the test key).
RunResult run_binary(const std::string& binary, const std::vector<std::string>& args, const std::string& input = {},
                     const std::vector<std::string>& env = {});

/// TD_BINARY as a shell command word, behind TD_EMULATOR when tests are cross-built (for pipelines).
std::string binary_for_shell();
/// The standard output of a shell command (popen).
std::string capture(const std::string& command);
/// True when the system python3 can import yaml (PyYAML; scripts/test.sh installs python3-yaml).
bool have_pyyaml();
/// YAML text loaded with PyYAML and printed as JSON; a discarded value when it does not load.
nlohmann::json yaml_to_json(const std::string& yaml);

/// `image --offline --json --no-probe EXTRA...` judged from the knowledge base alone (an empty cache),
/// its JSON report; expects exit code `want` (none when `want` is negative) and valid JSON.
nlohmann::json offline_image(const std::vector<std::string>& extra, int want);

/// The absolute path of a fixture root by scenario name.
std::string fixture_root(const std::string& name);

}  // namespace td::test
