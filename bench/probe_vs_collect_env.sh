#!/usr/bin/env bash
# Benchmark: `torchdoctor probe --json` against `python -m torch.utils.collect_env` on the same
# machine, in one run. Prints medians and the ratio; the figures go in docs/performance.md.
#   bench/probe_vs_collect_env.sh [RUNS]     (default 20 probe runs, 5 collect_env runs)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
RUNS=${1:-20}
apt_install hyperfine "${BUILD_PACKAGES[@]}"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DTD_BUILD_TESTS=OFF >/dev/null
ninja -C build/release torchdoctor >/dev/null
PY=$PWD/.venv/bin/python
[ -x "$PY" ] || scripts/setup-python.sh
"$PY" -c "import torch" || die "the benchmark venv has no importable torch"
out=bench/out
mkdir -p "$out"
# The probe finds interpreters on PATH. A version-manager shim (pyenv's python3 is a bash script)
# has to be run to learn its version, which costs more than the whole probe; measure the common
# case instead: a venv with torch first on PATH, then the system directories.
export PATH="$PWD/.venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
hyperfine --style basic -N --warmup 3 --runs "$RUNS" --export-json "$out/probe.json" \
  "build/release/torchdoctor probe --json --no-cache" 2>/dev/null || \
hyperfine --style basic -N --warmup 3 --runs "$RUNS" --export-json "$out/probe.json" "build/release/torchdoctor probe --json"
hyperfine --style basic -N --warmup 1 --runs 5 --export-json "$out/collect_env.json" "$PY -m torch.utils.collect_env"
python3 - "$out/probe.json" "$out/collect_env.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["results"][0]
c = json.load(open(sys.argv[2]))["results"][0]
print(f"probe:       median {p['median']*1000:.2f} ms  (runs {len(p['times'])}, {p['command']})")
print(f"collect_env: median {c['median']*1000:.0f} ms  (runs {len(c['times'])})")
print(f"ratio:       {c['median']/p['median']:.0f}x")
PY
