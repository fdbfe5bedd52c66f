#!/usr/bin/env bash
# fleet at scale (issue: fleets): N synthetic snapshots (bench/fleet_gen.py) x 50 images the knowledge
# base knows, judged offline on one core (taskset -c 0). Prints wall and CPU time and peak memory per
# run (CPU time is the figure to read when the machine is not quiet).
#   bench/fleet.sh [NODES] [RUNS]       (default 100000 nodes, 3 runs)
# Then the output formats on the compact fleet (wall time, peak memory, output size): text, json,
# jsonl, html; with TD_BIN_BEFORE=another binary, the same formats of that binary in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
NODES=${1:-100000}
RUNS=${2:-3}
BIN=${TD_BIN:-build/release/torchdoctor}
[ -x "$BIN" ] || { echo "fleet.sh: build $BIN first (cmake --build build/release)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/fleet_gen.py "$NODES" "$work/nodes.jsonl"
python3 bench/fleet_gen.py "$NODES" "$work/full.jsonl" --full
# 50 images: 12 Jetson and NGC images of the KB, then every 2nd pytorch/pytorch tag.
"$BIN" kb show images --json | python3 -c '
import json, sys
rows = json.load(sys.stdin)["rows"]
refs = [r["ref"] for r in rows]
pt = [r for r in refs if r.startswith("pytorch/pytorch:")][::2]
other = [r for r in refs if not r.startswith("pytorch/pytorch:")]
print("\n".join((other[:12] + pt)[:50]))' > "$work/images.txt"
args=()
while read -r ref; do args+=(--image "$ref"); done < "$work/images.txt"
echo "fleet: $NODES nodes ($(du -h "$work/nodes.jsonl" | cut -f1) of JSON lines), ${#args[@]} args = $(wc -l < "$work/images.txt") images, one core"
for f in nodes full; do
  for i in $(seq "$RUNS"); do
    XDG_CACHE_HOME="$work/cache" /usr/bin/time -f "$f run $i: %e s wall (%U s user, %S s sys), %M KB peak RSS" taskset -c 0 "$BIN" fleet "$work/$f.jsonl" --offline "${args[@]}" >"$work/out.txt" 2>"$work/err.txt" || true
    tail -1 "$work/err.txt"
  done
  echo "  $(du -h "$work/$f.jsonl" | cut -f1) input; first lines of the report:"; head -4 "$work/out.txt" | sed 's/^/    /'
done
for bin in ${TD_BIN_BEFORE:+"$TD_BIN_BEFORE"} "$BIN"; do
  for fmt in text json jsonl html; do
    [ "$bin" = "${TD_BIN_BEFORE:-}" ] && [ "$fmt" != text ] && [ "$fmt" != json ] && continue
    for i in $(seq "$RUNS"); do
      XDG_CACHE_HOME="$work/cache" /usr/bin/time -f "%e s wall (%U s user, %S s sys), %M KB peak RSS" taskset -c 0 "$bin" fleet "$work/nodes.jsonl" --offline --format "$fmt" "${args[@]}" >"$work/out.$fmt" 2>"$work/err.txt" || true
      echo "$bin --format $fmt run $i: $(tail -1 "$work/err.txt"), $(stat -c %s "$work/out.$fmt") bytes out"
    done
  done
done
