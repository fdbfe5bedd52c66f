// Each probe detector on the live machine, in-process, one benchmark per detector: shows where a
// probe's time goes once process start is taken out. The gpu_libs row is the cached GPU probe when
// the cache is warm (run bench/probe_cached.sh's environment, or any probe once beforehand).
#include <benchmark/benchmark.h>

#include "torchdoctor/probe/probe.hpp"

namespace {

void run_detector(benchmark::State& state, const td::Detector* detector) {
  const auto fs = td::make_real_file_system("/");
  const auto env = td::make_process_env();
  const td::ProbeContext ctx{*fs, *env};
  td::HostFacts before;
  for (const auto& d : td::detectors()) {  // the facts the earlier detectors leave
    if (&d == detector) break;
    d.run(ctx, before);
  }
  for (auto _ : state) {
    td::HostFacts facts = before;
    detector->run(ctx, facts);
    benchmark::DoNotOptimize(facts);
  }
}

const bool k_registered = [] {
  for (const auto& d : td::detectors()) {
    benchmark::RegisterBenchmark((std::string("detector/") + d.name).c_str(), run_detector, &d)
        ->Unit(benchmark::kMicrosecond);
  }
  return true;
}();

}  // namespace
