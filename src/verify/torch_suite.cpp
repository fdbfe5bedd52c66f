// The torch suite: the embedded script run with a chosen interpreter, its JSON answer read back.
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/sys/subprocess.hpp"
#include "torchdoctor/verify/torch_suite.hpp"

namespace td {

std::vector<CheckResult> run_torch_suite(const std::string& python, const TorchSuiteOptions& options) {
  std::vector<CheckResult> out;
  const auto failed = [&](std::string why, double ms) {
    out.push_back(CheckResult{"torch", "suite", python, "fail", std::move(why), ms, std::nullopt, ""});
    return out;
  };
  const std::string script(embedded_torch_suite());
  if (script.empty()) return failed("this torchdoctor was built without the torch suite script", 0);
  const nlohmann::json opts{{"expect_gpu", options.expect_gpu}, {"no_compile", options.no_compile}};
  SpawnOptions spawn;
  spawn.timeout = options.timeout;
  spawn.max_output = 4U << 20U;
  spawn.unset_env = {"PYTHONSTARTUP", "PYTHONINSPECT"};
  // The suite ends with os._exit (workers must not keep it alive), so torch's own temporary folders
  // and torch.compile's cache would stay behind in /tmp after every run. It gets a TMPDIR of its
  // own, removed afterwards, also when it was killed at the timeout.
  std::string tmpdir;
  {
    std::error_code ec;
    const auto base = std::filesystem::temp_directory_path(ec);
    std::string tmpl = (ec ? std::string("/tmp") : base.string()) + "/torchdoctor-verify-XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr) tmpdir = tmpl;
  }
  if (!tmpdir.empty()) spawn.set_env["TMPDIR"] = tmpdir;
  auto run = run_program({python, "-c", script, opts.dump()}, spawn);
  if (!tmpdir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(tmpdir, ec);
  }
  if (!run) return failed("could not start " + python + ": " + run.error().message, 0);
  const double ms = static_cast<double>(run->elapsed.count());
  if (run->timed_out) {
    return failed(
        "the torch suite did not finish in " + std::to_string(options.timeout.count() / 1000) + " s; it was killed",
        ms);
  }
  std::string_view answer;
  for (auto line : lines(run->out)) {
    if (line.starts_with("TD-RESULT:")) answer = line.substr(10);
  }
  if (answer.empty()) {
    std::string last;
    for (auto line : lines(run->err)) {
      if (!trim(line).empty()) last = std::string(trim(line));
    }
    return failed(python + " " + (run->succeeded() ? "gave no answer" : run->describe_failure()) +
                      (last.empty() ? "" : ": " + sanitize(last, 300)),
                  ms);
  }
  const auto doc = nlohmann::json::parse(answer, nullptr, false);
  if (doc.is_discarded() || !doc.is_array()) return failed(python + " gave an unreadable answer", ms);
  for (const auto& c : doc) {
    if (!c.is_object()) continue;
    out.push_back(CheckResult{"torch", c.value("name", "?"), c.value("device", ""), c.value("status", "fail"),
                              c.value("detail", ""), c.value("ms", 0.0), std::nullopt, ""});
  }
  return out;
}

}  // namespace td
