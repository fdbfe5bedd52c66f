#!/usr/bin/env bash
# One command that installs what the tests need, builds, and runs the whole test suite.
#   ./scripts/test.sh            everything
#   TD_SKIP_CROSS=1 ./scripts/test.sh   skip the aarch64 build under qemu (prints that it skipped)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

apt_install "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"

log "native build and tests (build/test)"
cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTD_BUILD_TESTS=ON >/dev/null
ninja -C build/test -j "$(jobs)"
(cd build/test && ctest --output-on-failure -j "$(jobs)" --timeout 300)

if [ -n "${TD_SKIP_CROSS:-}" ]; then
  log "SKIPPED: aarch64 cross-build under qemu (TD_SKIP_CROSS is set)"
else
  scripts/test-aarch64.sh
fi
