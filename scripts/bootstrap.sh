#!/usr/bin/env bash
# One command for a newcomer: install what is missing, build torchdoctor, run it on this machine.
#   ./scripts/bootstrap.sh [torchdoctor arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

apt_install "${BUILD_PACKAGES[@]}"
log "configuring and building (build/release)"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DTD_BUILD_TESTS=OFF >/dev/null
ninja -C build/release -j "$(jobs)" torchdoctor
log "running build/release/torchdoctor $*"
exec build/release/torchdoctor "$@"
