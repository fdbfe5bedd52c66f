#!/usr/bin/env bash
# Reads what a torch wheel says about itself, without installing or importing it: the facts a
# knowledge-base record of that wheel needs (docs/kb.md, "Reading a wheel").
#   scripts/read-torch-wheel.sh WHEEL...                  # wheel files already downloaded
#   scripts/read-torch-wheel.sh --download 2.15.0 [PLATFORM]
#       # fetches torch==2.15.0 for cp312 on PLATFORM (default manylinux_2_28_x86_64) with pip
#       # into a temporary folder first (no dependencies), then reads it
# For each wheel it prints the wheel tag, Requires-Python, the CUDA packages it depends on,
# torch/version.py's version and CUDA, and the GPU architectures compiled into
# torch/lib/libtorch_cuda.so as torchdoctor's own fatbinary reader sees them (`probe` on a scratch
# environment holding only the files read). Needs unzip, python3 and a built torchdoctor
# (TORCHDOCTOR=path, else build/release/torchdoctor or build/test/torchdoctor).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib.sh"

td=${TORCHDOCTOR:-}
for c in "$root/build/release/torchdoctor" "$root/build/test/torchdoctor"; do
  [ -n "$td" ] || { [ -x "$c" ] && td=$c; }
done
[ -x "${td:-}" ] || die "no torchdoctor binary: run scripts/bootstrap.sh --version, or set TORCHDOCTOR"
command -v unzip >/dev/null || die "unzip is not installed (apt-get install unzip)"
python=$(command -v python3) || die "python3 is not installed"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/read-torch-wheel.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

wheels=()
if [ "${1:-}" = "--download" ]; then
  [ -n "${2:-}" ] || die "--download needs a torch version (--download 2.15.0 [PLATFORM])"
  platform=${3:-manylinux_2_28_x86_64}
  "$python" -m pip download "torch==$2" --no-deps --only-binary=:all: --python-version 3.12 \
    --platform "$platform" --dest "$scratch/dl" --timeout 60 --retries 3 --progress-bar off \
    --disable-pip-version-check >&2 || die "pip download torch==$2 for $platform failed"
  for w in "$scratch"/dl/torch-*.whl; do wheels+=("$w"); done
else
  [ $# -gt 0 ] || { sed -n '2,12p' "$0"; exit 2; }
  wheels=("$@")
fi

for wheel in "${wheels[@]}"; do
  [ -f "$wheel" ] || die "$wheel: no such file"
  unzip -Z1 "$wheel" >"$scratch/files" 2>/dev/null || die "$wheel: not a readable zip (a wheel is one)"
  echo "== $(basename "$wheel")"
  env="$scratch/env"
  rm -rf "$env"
  "$python" -m venv --without-pip "$env" || die "python3 -m venv failed"
  site=$(echo "$env"/lib/python3*/site-packages)
  meta=$(grep -m1 '\.dist-info/METADATA$' "$scratch/files") || die "$wheel: no dist-info/METADATA"
  unzip -q -o "$wheel" torch/version.py "$meta" "${meta%METADATA}WHEEL" -d "$site" || die "$wheel: no torch/version.py"
  grep -E '^Tag: ' "$site/${meta%METADATA}WHEEL" | sed 's/^/  /'
  grep -E '^Requires-Python: ' "$site/$meta" | sed 's/^/  /'
  grep -E '^Requires-Dist: (cuda-toolkit|nvidia-cuda-runtime|nvidia-cudnn|nvidia-nccl)' "$site/$meta" | sed 's/^/  /' || true
  if grep -qx torch/lib/libtorch_cuda.so "$scratch/files"; then
    unzip -q -o "$wheel" torch/lib/libtorch_cuda.so -d "$site"
  fi
  "$td" probe --python "$env/bin/python" --json --no-cache 2>/dev/null | "$python" -c '
import json, sys
doc = json.load(sys.stdin)
t = (doc.get("torch") or {}).get("value") or []
if not t:
    sys.exit("  torchdoctor found no torch in the scratch environment")
t = t[0]
def v(k):
    return (t.get(k) or {}).get("value")
print("  torch %s, CUDA %s" % (v("version"), v("cuda")))
a = t.get("arch_list") or {}
if a.get("value") is None:
    print("  arch list: unknown (%s)" % a.get("note", "no reason given"))
elif not a["value"]:
    print("  arch list: none (a CPU build, or no libtorch_cuda.so)")
else:
    print("  arch list: " + " ".join(a["value"]))
    if a.get("note"):
        print("  " + a["note"])
'
done
