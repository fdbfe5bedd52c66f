#!/usr/bin/env bash
# The portable release binaries in CI (issue 19): builds both (scripts/build-portable.sh, zig),
# checks their glibc floor, runs the smoke set natively (x86_64) and under qemu-user (aarch64),
# builds the wheels, installs each into fresh venvs with pip and with uv, and runs the wheel checks
# (the x86_64 wheel natively; the aarch64 wheel's contents and tags only: no aarch64 Python here).
# Each step's time is logged ("took N s") for docs/performance.md's CI budget.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

# qemu-user and the aarch64 loader and libc it runs the aarch64 binary with (libc6-arm64-cross,
# which needs no arm64 package architecture); build-portable.sh installs what the builds need.
apt_install qemu-user libc6-arm64-cross binutils file unzip

step() { local name=$1 t0; shift; t0=$(date +%s); "$@"; log "$name took $(( $(date +%s) - t0 )) s"; }

step "portable builds" scripts/build-portable.sh x86_64 aarch64
X86=build/portable-x86_64/torchdoctor
ARM=build/portable-aarch64/torchdoctor
file "$X86" | grep -q "x86-64" || die "$X86 is not an x86_64 binary"
file "$ARM" | grep -q "ARM aarch64" || die "$ARM is not an aarch64 binary"
scripts/check-glibc-floor.sh "$X86" "$ARM"

# smoke BINARY [EMULATOR...]: the issue's smoke set on the fixture trees and what-if flags; each
# command must exit with the status its --help promises for that input.
smoke() {
  local bin=$1 fx=tests/fixtures/roots rc
  shift
  expect() {
    local want=$1
    shift
    log "smoke: $* (exit $want)"
    rc=0
    "$@" >build/portable-smoke.out 2>&1 || rc=$?
    [[ " $want " == *" $rc "* ]] || { cat build/portable-smoke.out >&2; die "smoke: exit $rc, expected $want: $*"; }
  }
  expect 0 "$@" "$bin" --version
  for root in jetson-orin-l4t36 jetson-orin-l4t35 jetson-nano-l4t32 raspberry-pi-4; do
    expect 0 "$@" "$bin" probe --root "$fx/$root" --json
  done
  expect 0 "$@" "$bin" recommend --no-probe --arch aarch64 --jetpack 6.2 --l4t 36.4.3 --gpu sm_87 --python-version 3.10
  expect 0 "$@" "$bin" recommend --no-probe --arch x86_64 --gpu H100 --driver 550.54.15 --python-version 3.11
  # image with what-if flags and --offline against an empty cache: the reference is parsed and the
  # answer is "could not ask a registry" (exit 3); no network in the smoke set.
  expect 3 env XDG_CACHE_HOME="$PWD/build/portable-empty-cache" "$@" "$bin" image nvcr.io/nvidia/pytorch:24.05-py3 --offline --no-probe --arch aarch64 --jetpack 6.2
  expect 1 "$@" "$bin" explain --no-probe --gpu sm_120 --arch x86_64 'CUDA error: no kernel image is available for execution on the device'
}
step "x86_64 smoke" smoke "$PWD/$X86"
step "aarch64 smoke under qemu" smoke "$PWD/$ARM" qemu-aarch64 -L /usr/aarch64-linux-gnu

step "release (dist/)" env TD_RELEASE_NO_BUILD=1 scripts/release.sh
step "wheel checks" scripts/test-wheels.sh
