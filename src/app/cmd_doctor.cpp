// `torchdoctor` / `torchdoctor doctor`: probe, then a checklist of what works and what does not,
// in the spirit of `flutter doctor`, ending with the recommendation.
#include <nlohmann/json.hpp>
#include <ostream>

#include "torchdoctor/app/commands.hpp"
#include "torchdoctor/app/kb_input.hpp"
#include "torchdoctor/core/host_json.hpp"
#include "torchdoctor/report/sections.hpp"
#include "torchdoctor/report/style.hpp"
#include "torchdoctor/report/verdicts.hpp"

namespace td {
namespace {

std::string machine_line(const HostFacts& f) {
  std::string s = f.cpu.arch ? *f.cpu.arch.value : "unknown architecture";
  if (f.os.pretty_name) s += ", " + *f.os.pretty_name.value;
  if (f.cpu.glibc) s += ", glibc " + f.cpu.glibc.value->str();
  if (f.container.inside && *f.container.inside.value)
    s += ", inside " + f.container.engine.value.value_or("a container");
  if (f.jetson.l4t) s += ", L4T " + f.jetson.l4t.value->str();
  if (f.jetson.jetpack) s += " (JetPack " + f.jetson.jetpack.value->str() + ")";
  return s;
}

std::vector<DoctorCheck> build_checks(const HostFacts& f, const HostClass& h, const Kb& kb, const Recommendation& rec) {
  std::vector<DoctorCheck> checks;
  DoctorCheck machine{"Machine: " + machine_line(f), {}, "machine"};
  // Nothing is verified about a machine whose architecture is unknown: never a ✓.
  if (!f.cpu.arch) {
    machine.reasons.push_back({"UNKNOWN_ARCH", Severity::unknown,
                               "the CPU architecture could not be read" +
                                   (f.cpu.arch.note.empty() ? std::string() : " (" + f.cpu.arch.note + ")"),
                               "give --arch x86_64 or --arch aarch64"});
  }
  if (auto unsupported = arch_unsupported(f)) machine.reasons.push_back(std::move(*unsupported));
  checks.push_back(machine);
  if (h.tegra) {
    DoctorCheck c{"Jetson: " + f.jetson.module.value.value_or("unknown module"), {}, "jetson"};
    // An unknown module is no ✓: its GPU's capability (and what runs on it) cannot be named.
    if (!f.jetson.module) {
      c.reasons.push_back({"UNKNOWN_MODULE", Severity::unknown,
                           "the Jetson module is not known" +
                               (f.jetson.module.note.empty() ? std::string() : " (" + f.jetson.module.note + ")") +
                               ": no device-tree model or compatible string the knowledge base (as of " + kb.as_of +
                               ") names",
                           "cat /proc/device-tree/compatible, or give --gpu with the module's compute capability"});
    }
    if (h.jetpack == nullptr) {
      c.reasons.push_back({"UNKNOWN_L4T", Severity::error,
                           "L4T " + (f.jetson.l4t ? f.jetson.l4t.value->str() : std::string("unknown")) +
                               " is not in the knowledge base (as of " + kb.as_of + ")",
                           ""});
    }
    checks.push_back(c);
  } else if (f.driver.version || f.driver.cuda_level) {
    // --cuda-driver alone stands for a driver of that CUDA level.
    std::string t = f.driver.version ? "NVIDIA driver " + f.driver.version.value->str() : std::string("NVIDIA driver");
    if (f.driver.cuda_level) t += " (CUDA " + f.driver.cuda_level.value->str() + ")";
    if (f.driver.kernel_module) t += ", " + *f.driver.kernel_module.value + " kernel module";
    checks.push_back({t, {}, "driver"});
  } else if (!h.gpus.empty() && f.driver.version.note == "no NVIDIA kernel module loaded") {
    checks.push_back({"NVIDIA driver",
                      {{"NO_DRIVER", Severity::error, "an NVIDIA GPU is present but no NVIDIA driver is loaded",
                        "install the NVIDIA driver and reboot"}},
                      "driver"});
  } else if (!h.gpus.empty()) {
    // Not known to be missing (a snapshot or what-if flags without one): undetermined, as recommend says.
    checks.push_back({"NVIDIA driver",
                      {{"UNKNOWN_DRIVER", Severity::unknown,
                        "the NVIDIA driver is not known" +
                            (f.driver.version.note.empty() ? std::string() : " (" + f.driver.version.note + ")"),
                        "give --driver VERSION (nvidia-smi prints it) or probe the machine itself"}},
                      "driver"});
  }
  if (h.gpus_known && h.gpus.empty() && !h.tegra) checks.push_back({"GPUs: no NVIDIA GPU", {}, "gpus"});
  int i = 0;
  for (const GpuFacts* g : h.gpus) {
    DoctorCheck c{"GPU " + std::to_string(i++) + ": " + g->name.value.value_or("NVIDIA GPU"), {}, "gpu"};
    if (g->compute_capability)
      c.title += " (compute capability " + g->compute_capability.value->str() + ")";
    else
      c.reasons.push_back({"UNKNOWN_GPU", Severity::warn,
                           "compute capability unknown (not in the knowledge base as of " + kb.as_of + ")", ""});
    if (auto dropped = driver_drops_gpu(*g, f, kb)) c.reasons.push_back(std::move(*dropped));
    checks.push_back(c);
  }
  if (f.torch.value && !f.torch.value->empty()) {
    for (const auto& t : *f.torch.value) {
      std::string title = "torch " + (t.version ? t.version.value->str() : std::string("(unknown version)"));
      if (t.python) title += " (" + *t.python.value + ")";
      if (t.imported && !*t.imported.value) title += ", shadowed: import torch loads another";
      auto reasons = judge_installed(f, h, kb, t);
      // The fix for a broken install is the recommended wheel.
      for (auto& r : reasons) {
        if (r.severity == Severity::error && r.fix.empty() && rec.best_wheel) {
          r.fix = rec.best_wheel->install_uv.empty() ? rec.best_wheel->install : rec.best_wheel->install_uv;
        }
      }
      checks.push_back({title, reasons, "torch"});
    }
  } else {
    checks.push_back({"torch: none installed that torchdoctor can see", {}, "torch"});
  }
  const auto containers = container_findings(f, h);
  checks.push_back({"Containers", containers, "containers"});
  return checks;
}

}  // namespace

std::vector<OptionSpec> doctor_options() { return probe_options(); }

int run_doctor(const ParsedArgs& args, AppIo& io) {
  auto session = open_session(args, io);
  if (!session) return fail_with(io, session.error());
  const auto& [out, kb, host] = *session;
  const HostFacts& f = host.facts();
  const Recommendation rec = recommend(host, kb);
  const auto checks = build_checks(f, host.host(), kb, rec);
  const std::string verdict = doctor_verdict(checks);
  const int code = verdict == "does-not-run"   ? k_exit_problem
                   : verdict == "undetermined" ? k_exit_undetermined
                                               : k_exit_ok;
  if (out.format == Format::json) {
    io.out << doctor_to_json(checks, f, rec, kb).dump(2) << '\n';
    return code;
  }
  const std::string text = render_doctor(checks, rec, kb, out.color && out.format == Format::text);
  io.out << (out.format == Format::markdown ? render_markdown_report("torchdoctor", text) : text);
  return code;
}

}  // namespace td
