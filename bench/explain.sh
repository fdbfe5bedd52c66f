#!/usr/bin/env bash
# Benchmark: `torchdoctor explain` on a generated 10 MB log with a few signatures buried in it
# (target: 100 ms or less). Prints the median; the figures go in docs/performance.md, "explain".
#   bench/explain.sh [RUNS]     (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
RUNS=${1:-20}
apt_install hyperfine "${BUILD_PACKAGES[@]}"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DTD_BUILD_TESTS=OFF >/dev/null
ninja -C build/release torchdoctor >/dev/null
out=bench/out
mkdir -p "$out"
log="$out/explain-10mb.log"
# A training log: progress lines, warnings and a traceback, with four signatures and a collect_env
# report buried at fixed places. Deterministic, so every run reads the same bytes.
python3 - "$log" <<'PY'
import sys
lines, size, i = [], 0, 0
buried = {
    20000: "UserWarning: CUDA initialization: The NVIDIA driver on your system is too old (found version 12040).",
    45000: "ERROR: Unexpected bus error encountered in worker. This might be caused by insufficient shared memory (shm).",
    70000: "RuntimeError: CUDA error: no kernel image is available for execution on the device",
    90000: "nvidia-container-cli: requirement error: unsatisfied condition: cuda>=12.8, please update your driver to a newer version, or use an earlier cuda container: unknown.",
}
report = ["Collecting environment information...", "PyTorch version: 2.8.0+cu128", "Is debug build: False",
          "CUDA used to build PyTorch: 12.8", "ROCM used to build PyTorch: N/A", "", "OS: Ubuntu 22.04.4 LTS (x86_64)",
          "Libc version: glibc-2.35", "Python version: 3.11.9 (main) [GCC 11.4.0] (64-bit runtime)",
          "Is CUDA available: False", "GPU models and configuration: GPU 0: NVIDIA GeForce RTX 4090",
          "Nvidia driver version: 550.54.15", ""]
while size < 10 * 1000 * 1000:
    if i in buried:
        line = buried[i]
    elif i == 100:
        lines.extend(report)
        size += sum(len(l) + 1 for l in report)
        line = "training starts"
    elif i % 997 == 0:
        line = f'  File "/opt/venv/lib/python3.11/site-packages/torch/nn/modules/module.py", line {1500 + i % 300}, in _call_impl'
    else:
        line = f"[2026-11-22 10:{(i // 60) % 60:02d}:{i % 60:02d}] epoch {i // 5000} step {i:7d} loss={1.0 / (1 + i % 977):.6f} lr=3.0e-04 grad_norm={(i * 37) % 100 / 10:.2f} tokens/s={40000 + i % 5000}"
    lines.append(line)
    size += len(line) + 1
    i += 1
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
ls -l "$log" | awk '{print "log:", $5, "bytes"}'
build/release/torchdoctor explain --no-probe --file "$log" > "$out/explain.txt" || true; head -3 "$out/explain.txt"
cmd_np="build/release/torchdoctor explain --no-probe --file $log"
cmd_probe="build/release/torchdoctor explain --file $log"
hyperfine --style basic -N -i --warmup 3 --runs "$RUNS" --export-json "$out/explain.json" "$cmd_np" "$cmd_probe" >/dev/null
python3 - "$out/explain.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"median {r['median']*1000:.1f} ms  min {r['min']*1000:.1f} ms  max {r['max']*1000:.1f} ms  (runs {len(r['times'])})  {r['command']}")
PY
