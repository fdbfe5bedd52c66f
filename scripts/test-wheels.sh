#!/usr/bin/env bash
# The wheels in dist/ (scripts/release.sh): tags and the binaries' glibc floor for both; then the
# x86_64 wheel installed into fresh venvs with pip and with uv (uv itself from pip, kept in
# ${HOME}/.cache/torchdoctor-ci/uv-venv): `torchdoctor --version`, `python -m torchdoctor probe
# --json`, the API against the binary (tests/wheel/check_wheel.py) and, in the pip venv, a setup.py
# that builds or skips its CUDA extension through torchdoctor.build_env().
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

CACHE=${TD_CI_CACHE:-${HOME}/.cache/torchdoctor-ci}
version=$(sed -n 's/^project(torchdoctor VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
work=build/wheel-test
repo=$PWD
rm -rf "$work" && mkdir -p "$work"

# Tags: the file name and WHEEL say py3-none-manylinux2014_ARCH, and the binary inside keeps to
# manylinux2014's glibc 2.17 (auditwheel would also want to repair; this is its `show` check).
for arch in x86_64 aarch64; do
  whl=dist/torchdoctor-$version-py3-none-manylinux2014_$arch.whl
  [ -f "$whl" ] || die "$whl missing (scripts/release.sh writes it)"
  unzip -p "$whl" "torchdoctor-$version.dist-info/WHEEL" | grep -qx "Tag: py3-none-manylinux2014_$arch" || die "$whl: wrong Tag in WHEEL"
  unzip -p "$whl" "torchdoctor-$version.data/scripts/torchdoctor" >"$work/torchdoctor-$arch"
  file "$work/torchdoctor-$arch" | grep -q "$( [ $arch = x86_64 ] && echo x86-64 || echo 'ARM aarch64')" || die "$whl carries a binary of another architecture"
  scripts/check-glibc-floor.sh "$work/torchdoctor-$arch"
done

whl=$PWD/dist/torchdoctor-$version-py3-none-manylinux2014_x86_64.whl
# check_in VENV: the checks every installer's venv must pass.
# Run from $work: the checkout's own .venv (a CUDA torch) must not be in the picture.
check_in() {
  local venv=$PWD/$1
  (cd "$work" &&
    { "$venv/bin/torchdoctor" --version | grep -qx "torchdoctor $version" || die "$venv: torchdoctor --version"; } &&
    { "$venv/bin/python" -m torchdoctor probe --json >probe.json || die "$venv: python -m torchdoctor probe --json"; } &&
    { "$venv/bin/python" -c 'import json,sys; json.load(open(sys.argv[1]))' probe.json || die "probe --json printed no JSON"; } &&
    "$venv/bin/python" "$repo/tests/wheel/check_wheel.py")
}

log "pip: fresh venv"
timeout 300 python3 -m venv "$work/pip-venv"
timeout 300 "$work/pip-venv/bin/pip" install -q --disable-pip-version-check --no-index "$whl"
check_in "$work/pip-venv"
log "pip venv: setup.py with a CUDA part decided by torchdoctor.build_env()"
ext=$work/cuda_ext
cp -r tests/wheel/cuda_ext "$ext"
(cd "$ext" && timeout 600 "$repo/$work/pip-venv/bin/python" setup.py -q build_ext --inplace) || die "the test setup.py failed"
# The decision it got must be the one the facts give: here the venv has no torch, so CUDA is
# skipped, for that reason, and the built extension has no CUDA part; with a CUDA torch and a
# matching toolkit it would be built and has_cuda() is True.
"$work/pip-venv/bin/python" - "$repo/$ext" <<'PY'
import json, os, sys
sys.path.insert(0, sys.argv[1])
import td_cuda_ext
d = json.load(open(os.path.join(sys.argv[1], "decision.json")))
assert td_cuda_ext.has_cuda() == d["build_cuda"], d
if d["torch"] is None or d["torch"].get("cuda") is None:
    assert not d["build_cuda"] and d["skip_reason"], d
else:
    assert d["build_cuda"] == d["ok"], d
print("setup.py: build_cuda=%s (%s)" % (d["build_cuda"], d["skip_reason"] or ",".join(d["archs"])))
PY

log "uv: fresh venv"
UV_VENV=$CACHE/uv-venv
if ! "$UV_VENV/bin/uv" --version >/dev/null 2>&1; then
  timeout 300 python3 -m venv "$UV_VENV"
  timeout 600 "$UV_VENV/bin/pip" install -q --disable-pip-version-check --timeout 60 --retries 3 uv || die "pip install uv failed"
fi
UV_NO_CONFIG=1 timeout 300 "$UV_VENV/bin/uv" venv -q --python "$(command -v python3)" "$work/uv-venv"
VIRTUAL_ENV=$PWD/$work/uv-venv timeout 300 "$UV_VENV/bin/uv" pip install -q --offline "$whl"
check_in "$work/uv-venv"

# The aarch64 wheel on this x86_64 machine: pip and uv install it for that platform into a folder
# (the wheel's tags must match the platform they are asked for), and its binary runs under qemu-user.
arm_whl=$PWD/dist/torchdoctor-$version-py3-none-manylinux2014_aarch64.whl
timeout 300 "$work/pip-venv/bin/pip" install -q --disable-pip-version-check --no-index --only-binary=:all: \
  --platform manylinux2014_aarch64 --target "$work/arm-pip" "$arm_whl"
VIRTUAL_ENV=$PWD/$work/uv-venv timeout 300 "$UV_VENV/bin/uv" pip install -q --offline \
  --python-platform aarch64-manylinux2014 --target "$work/arm-uv" "$arm_whl"
for d in arm-pip arm-uv; do
  qemu-aarch64 -L /usr/aarch64-linux-gnu "$work/$d/bin/torchdoctor" --version | grep -qx "torchdoctor $version" \
    || die "$d: the aarch64 wheel's torchdoctor --version under qemu"
  # pip/uv --target put the script in TARGET/bin: the package finds it there.
  PYTHONPATH="$PWD/$work/$d" python3 -c 'import os, sys, torchdoctor; b = torchdoctor.find_binary(); assert b == os.path.join(sys.argv[1], "bin", "torchdoctor"), b' "$PWD/$work/$d"
done
log "wheels: ok"
