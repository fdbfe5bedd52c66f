// Micro-benchmarks of the engine and the KB (Google Benchmark). Figures go in docs/performance.md.
//   cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DTD_BUILD_BENCH=ON && ninja -C build/bench
//   td_engine_bench build/bench/bench/td_engine_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include "torchdoctor/engine/engine.hpp"

namespace {

const td::Kb& kb() {
  static const td::Kb k = td::load_embedded_kb().value();
  return k;
}

td::HostFacts host() {
  td::HostFacts f;
  f.cpu.arch = td::Fact<std::string>::known("x86_64", "bench");
  f.cpu.glibc = td::Fact<td::Version>::known(*td::Version::parse("2.35"), "bench");
  f.python_version = td::Fact<td::Version>::known(*td::Version::parse("3.11"), "bench");
  f.driver.version = td::Fact<td::Version>::known(*td::Version::parse("570.86.15"), "bench");
  std::vector<td::GpuFacts> gpus(2);
  for (auto& g : gpus) {
    g.compute_capability = td::Fact<td::ComputeCapability>::known(td::ComputeCapability(8, 9), "bench");
    g.integrated = td::Fact<bool>::known(false, "bench");
  }
  f.gpus = td::Fact<std::vector<td::GpuFacts>>::known(gpus, "bench");
  return f;
}

void load_embedded_kb_bench(benchmark::State& state) {
  for (auto _ : state) {
    auto k = td::load_embedded_kb();
    benchmark::DoNotOptimize(k);
  }
}
BENCHMARK(load_embedded_kb_bench)->Unit(benchmark::kMillisecond);

void recommend_all_candidates(benchmark::State& state) {
  const td::Kb& k = kb();
  const td::JudgedHost judged = td::judge_host(host(), k);
  std::size_t candidates = 0;
  for (auto _ : state) {
    auto r = td::recommend(judged, k);
    candidates = r.all.size();
    benchmark::DoNotOptimize(r);
  }
  state.counters["candidates"] = static_cast<double>(candidates);
}
BENCHMARK(recommend_all_candidates)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
