#!/usr/bin/env bash
# On a machine with an NVIDIA GPU and a CUDA torch: both verify suites for real, the native suite's
# wall time (target 1 s), and its copy bandwidth next to what torch measures for the same copies
# (64 MiB, pinned host memory, 10 copies after one warm-up) in the same run (target: within 10%).
#   bench/verify_bench.sh BUILD_DIR [PYTHON]
set -uo pipefail
D=$(cd "${1:?usage: $0 BUILD_DIR [PYTHON]}" && pwd)
PY=${2:-python3}
TD="$D/torchdoctor"
echo "== torchdoctor verify (both suites, $PY) =="
"$TD" verify --python "$(command -v "$PY")"; echo "exit code: $?"
echo "== verify --suite native --nvrtc (NVRTC on the embedded source) =="
"$TD" verify --suite native --nvrtc | grep -E "load_kernels|FAIL|passed" -A1
echo "== native suite wall time, 5 runs =="
for i in 1 2 3 4 5; do
  s=$(date +%s%N); "$TD" verify --suite native >/dev/null; e=$(date +%s%N)
  echo "run $i: $(( (e - s) / 1000000 )) ms"
done
echo "== bandwidth: native suite vs torch, same run =="
native=$("$TD" verify --suite native --json)
"$PY" - "$native" <<'PY'
import json, sys, time, torch
checks = {c["name"]: c for c in json.loads(sys.argv[1])["checks"] if c["name"].endswith("bandwidth")}
n = 64 << 20
host = torch.empty(n, dtype=torch.uint8).pin_memory()
a = torch.empty(n, dtype=torch.uint8, device="cuda")
b = torch.empty(n, dtype=torch.uint8, device="cuda")
def gbs(copy):
    copy(); torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(10):
        copy()
    torch.cuda.synchronize()
    return n * 10 / (time.perf_counter() - t) / 1e9
torch_gbs = {"h2d_bandwidth": gbs(lambda: a.copy_(host)), "d2h_bandwidth": gbs(lambda: host.copy_(a)),
             "d2d_bandwidth": gbs(lambda: b.copy_(a))}
for name, t in torch_gbs.items():
    ours = checks[name]["value"]
    print(f"{name:14s} torchdoctor {ours:8.1f} GB/s   torch {t:8.1f} GB/s   ratio {ours / t:.3f}")
PY
echo "== build-env on this node =="
"$TD" build-env; echo "exit code: $?"
