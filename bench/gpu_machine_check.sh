#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: the real probe next to nvidia-smi's answers, the uncached probe
# against `nvidia-smi -q` and collect_env, per-detector costs, the cached-probe benchmark and the
# test suite. Usage: bench/gpu_machine_check.sh BUILD_DIR [OUT_DIR]  (a build with tests; the
# tests hold absolute paths, so BUILD_DIR is linked at the path it was built in when that is absent).
D=$(cd "${1:?usage: $0 BUILD_DIR [OUT_DIR]}" && pwd)
OUT=${2:-${OUT:-/tmp}}
SRC=$(cd "$(dirname "$0")/.." && pwd)
echo "== checkout: $(pwd) branch $(git rev-parse --abbrev-ref HEAD 2>/dev/null) =="
BUILT_AT=$(grep -m1 '^CMAKE_CACHEFILE_DIR' "$D/CMakeCache.txt" 2>/dev/null | cut -d= -f2)
if [ -n "$BUILT_AT" ] && [ ! -e "$BUILT_AT" ]; then mkdir -p "$(dirname "$BUILT_AT")" && ln -s "$D" "$BUILT_AT"; fi
export XDG_CACHE_HOME=/tmp/tdcache
echo "== nvidia-smi =="; nvidia-smi
Q=driver_version,name,uuid,pci.bus_id,compute_cap,memory.total,mig.mode.current
echo "== nvidia-smi --query-gpu=$Q =="; nvidia-smi --query-gpu=$Q --format=csv,noheader,nounits
echo "== query fields about cuda =="; nvidia-smi --help-query-gpu | grep -i -A1 cuda | head -20
echo "== libraries =="; ldconfig -p | grep -E "libcuda\.so|nvidia-ml"; ls -d /usr/local/cuda*/compat 2>/dev/null
echo "== probe (uncached) =="; "$D/torchdoctor" probe --no-cache
"$D/torchdoctor" probe --json --no-cache > "$OUT/probe.json"
"$D/torchdoctor" probe --json > /dev/null
echo "== probe --import-torch (python3 on PATH) =="; "$D/torchdoctor" probe --import-torch | sed -n '/Python and torch/,$p'
echo "== doctor =="; "$D/torchdoctor" doctor; echo "doctor exit code: $?"
echo "== recommend =="; "$D/torchdoctor" recommend | head -30
echo "== probe (cached) =="; "$D/torchdoctor" probe | sed -n '/NVIDIA driver/,/^$/p'
t() { local n=$1; shift; local s; s=$(date +%s%N); for _ in $(seq "$n"); do "$@" >/dev/null 2>&1; done; echo "$(( ($(date +%s%N) - s) / n / 1000 )) us mean over $n: $*"; }
echo "== timings =="
t 10 "$D/torchdoctor" probe --json --no-cache
t 200 "$D/torchdoctor" probe --json
t 200 "$D/torchdoctor" --version
t 10 nvidia-smi -q
t 10 nvidia-smi --query-gpu=$Q --format=csv,noheader,nounits
t 3 python3 -m torch.utils.collect_env
echo "== per detector (real libraries, cache warm) =="; LD_LIBRARY_PATH="$D/bench${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$D/bench/td_bench_probe" --benchmark_min_time=0.2 2>&1 | tail -13 || echo "(no td_bench_probe: configure with -DTD_BUILD_BENCH=ON)"
echo "== bench/probe_cached.sh (fakes) =="; (cd "$SRC" && bash bench/probe_cached.sh "$D" 200 2>&1 | tail -8 && cp bench/out/probe_cached.* "$OUT/")
echo "== unit tests =="; "$D/tests/td_unit_tests" 2>&1 | tail -4
echo "== integration tests =="; "$D/tests/td_integration_tests" 2>&1 | grep -E "SKIPPED|FAILED|PASSED|Failure" | head -20
