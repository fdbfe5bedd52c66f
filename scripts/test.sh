#!/usr/bin/env bash
# One command that installs what the tests need, builds, and runs the whole test suite:
#   0. lint: clang-format and references to project files (scripts/lint.sh), before any build;
#   1. the native build and every unit and integration test (real torch in .venv, Debian's CPU-only
#      python3-torch, a real docker-registry with a token server and a hostile server on loopback),
#      then clang-tidy's agreed checks (.clang-tidy) on its compile commands;
#   2. the same tests built with clang, AddressSanitizer + UndefinedBehaviorSanitizer, and from the
#      same build a short libFuzzer smoke of every parser (scripts/fuzz.sh, 3 s each by default);
#   3. the aarch64 cross-build and its tests under qemu-user;
#   4. the portable release binaries (zig, glibc 2.17 and newer) for x86_64 and aarch64, their smoke
#      set (aarch64 under qemu-user), dist/ and the wheels installed with pip and uv
#      (scripts/test-portable.sh).
# Each stage can be skipped with TD_SKIP_TIDY=1, TD_SKIP_SANITIZE=1, TD_SKIP_FUZZ=1, TD_SKIP_CROSS=1,
# TD_SKIP_PORTABLE=1 (the skip is printed). A test that skips where tests/expected-skips.txt does not expect it fails the
# run (scripts/check-skips.py). Compiles go through ccache (scripts/lib.sh: use_compiler_cache).
#   ./scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

apt_install "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}" "${LINT_PACKAGES[@]}"
# The registry tests start their loopback servers once per run (tests/registry/start.sh); the run
# stops them and removes their state when it ends, however it ends.
trap 'tests/registry/stop.sh' EXIT

# Sizes measured on a clean clone (MB, 2026-11-30): the venv with torch and its wheel cache, then one
# folder per build. Skipped stages need no room.
disk_parts=(.venv:5439 "${HOME}/.cache/torchdoctor-ci/wheels:2900" "${HOME}/.cache/torchdoctor-ci/ccache:1500" build/test:77)
[ -n "${TD_SKIP_SANITIZE:-}" ] || disk_parts+=(build/sanitize:1968)
[ -n "${TD_SKIP_CROSS:-}" ] || disk_parts+=(build/aarch64:61)
# The portable stage (2026-12-05): two zig builds, the ziglang venv and zig's own cache (its libc++
# and glibc stubs per target, and each compile's output).
[ -n "${TD_SKIP_PORTABLE:-}" ] || disk_parts+=(build/portable-x86_64:430 build/portable-aarch64:460 "${HOME}/.cache/torchdoctor-ci/zig-venv:440" "${HOME}/.cache/torchdoctor-ci/zig-cache:2300")
need_disk . "${disk_parts[@]}"

use_compiler_cache
log "lint: format and references (clang-tidy runs once the native build is configured)"
scripts/lint.sh --no-tidy

log "Python with a real CUDA torch (.venv) and Debian's CPU-only python3-torch"
scripts/setup-python.sh --debian || log "WARNING: scripts/setup-python.sh failed; the torch tests will skip and say why"

log "native build and tests (build/test)"
# -O2 as RelWithDebInfo, without its -g: debug information is a third of the compile time and CI
# reads test output, not core files (TD_TEST_CXX_FLAGS='-O2 -g -DNDEBUG' brings it back).
cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo ${TD_CCACHE_FLAG} \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="${TD_TEST_CXX_FLAGS:--O2 -DNDEBUG}" -DTD_BUILD_TESTS=ON >/dev/null
ninja -C build/test -j "$(jobs)"
(cd build/test && ctest --output-on-failure -j "$(jobs)" --timeout 300 --output-junit junit.xml)
scripts/check-skips.py native build/test/junit.xml
if [ -n "${TD_SKIP_TIDY:-}" ]; then
  log "SKIPPED: clang-tidy (TD_SKIP_TIDY is set)"
else
  log "clang-tidy: the agreed checks (.clang-tidy) on every source file"
  TD_LINT_BUILD=build/test scripts/lint.sh --tidy-only
fi

# One clang build serves both the sanitized tests and the fuzz smoke: the library carries ASan, UBSan
# and libFuzzer's coverage instrumentation (cmake/Warnings.cmake), the fuzz targets link it. -O1 with
# line tables only: ASan's reports keep file:line, the tests run faster than at -O0, and the build
# writes no full debug information. clang's warnings are not errors here (the native gcc build has -Werror).
if [ -n "${TD_SKIP_SANITIZE:-}" ]; then
  log "SKIPPED: sanitizer build and fuzz smoke (TD_SKIP_SANITIZE is set)"
else
  apt_install clang libclang-rt-14-dev
  log "ASan+UBSan build (clang) and tests (build/sanitize)"
  # The kernels' fatbinary is covered by the native build; here the NVRTC path runs instead.
  cmake -S . -B build/sanitize -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ ${TD_CCACHE_FLAG} \
    -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only -fno-omit-frame-pointer" -DTD_BUILD_TESTS=ON \
    -DTD_SANITIZE=ON -DTD_BUILD_FUZZ=ON -DTD_WARNINGS_AS_ERRORS=OFF -DTD_BUILD_KERNELS=OFF >/dev/null
  ninja -C build/sanitize -j "$(jobs)"
  (cd build/sanitize && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
     ctest --output-on-failure -j "$(jobs)" --timeout 600 --output-junit junit.xml)
  scripts/check-skips.py sanitize build/sanitize/junit.xml
  if [ -n "${TD_SKIP_FUZZ:-}" ]; then
    log "SKIPPED: fuzz smoke (TD_SKIP_FUZZ is set)"
  else
    log "fuzz smoke: every target for ${TD_FUZZ_SECONDS:-3} s (build/sanitize)"
    TD_FUZZ_BUILD=build/sanitize scripts/fuzz.sh "${TD_FUZZ_SECONDS:-3}"
  fi
fi

if [ -n "${TD_SKIP_CROSS:-}" ]; then
  log "SKIPPED: aarch64 cross-build under qemu (TD_SKIP_CROSS is set)"
else
  scripts/test-aarch64.sh
fi

if [ -n "${TD_SKIP_PORTABLE:-}" ]; then
  log "SKIPPED: portable binaries and wheels (TD_SKIP_PORTABLE is set)"
else
  scripts/test-portable.sh
fi
