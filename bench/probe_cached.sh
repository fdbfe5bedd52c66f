#!/usr/bin/env bash
# Times `torchdoctor probe --json` with the fake GPU libraries on the library path and a warm GPU
# probe cache (the usual case: a second probe on the same boot), next to the same probe with
# --no-cache and the bare process start (`--version`). Target for the cached probe: 5 ms or less.
#
# Needs a build with the tests (they build the fakes):
#   cmake -G Ninja -S . -B build && ninja -C build -j2
# Usage: bench/probe_cached.sh [BUILD_DIR] [RUNS]
# Writes bench/out/probe_cached.{md,json} with hyperfine, else bench/out/probe_cached.txt.
set -euo pipefail

build=${1:-build}
runs=${2:-200}
bin=$(cd "$build" && pwd)/torchdoctor
fakes=$(cd "$build" && pwd)/tests/fakes
out=bench/out
[ -x "$bin" ] || { echo "no $bin: build first" >&2; exit 2; }
[ -f "$fakes/nvml/libnvidia-ml.so.1" ] || { echo "no fakes in $fakes: build with TD_BUILD_TESTS=ON" >&2; exit 2; }
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/gpu.json" <<'JSON'
{"driver": "550.54.15", "cuda": "12.4",
 "gpus": [{"name": "NVIDIA GeForce RTX 4090", "uuid": "GPU-0123abcd-4567-89ab-cdef-0123456789ab",
           "bus_id": "00000000:01:00.0", "cc": "8.9", "memory": 25757220864},
          {"name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-fedcba98-7654-3210-fedc-ba9876543210",
           "bus_id": "00000000:41:00.0", "cc": "9.0", "memory": 85520809984, "mig": "enabled"}]}
JSON
export TD_FAKE_GPU_CONFIG="$work/gpu.json" LD_LIBRARY_PATH="$fakes/nvml:$fakes/cuda${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" XDG_CACHE_HOME="$work/cache"

"$bin" probe --json > /dev/null  # fills the cache
if ! "$bin" probe --json | tr -d ' \n' | grep -q '"value":"hit"'; then
  echo "the second probe was not a cache hit" >&2
  exit 1
fi

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "machine: $(uname -m), $(nproc) CPUs, kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "binary: $bin"
} > "$out/probe_cached.env"
cat "$out/probe_cached.env"

if command -v hyperfine > /dev/null; then
  hyperfine -N --warmup 20 --runs "$runs" \
    --export-markdown "$out/probe_cached.md" --export-json "$out/probe_cached.json" \
    -n "probe, cached" "$bin probe --json" \
    -n "probe, --no-cache" "$bin probe --json --no-cache" \
    -n "process start (--version)" "$bin --version"
  exit 0
fi

# No hyperfine: a plain loop with date +%s%N; prints mean, median and min in milliseconds.
measure() {
  local name=$1
  shift
  for _ in $(seq 1 20); do "$@" > /dev/null; done
  for _ in $(seq 1 "$runs"); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" > /dev/null
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000))
  done | sort -n | awk -v name="$name" '{ v[NR] = $1; s += $1 }
    END { printf "%-28s mean %.2f ms  median %.2f ms  min %.2f ms  (%d runs)\n", name, s / NR / 1000, v[int((NR + 1) / 2)] / 1000, v[1] / 1000, NR }'
}
{
  measure "probe, cached" "$bin" probe --json
  measure "probe, --no-cache" "$bin" probe --json --no-cache
  measure "process start (--version)" "$bin" --version
} | tee "$out/probe_cached.txt"
