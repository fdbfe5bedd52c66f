#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, coverage on the whole library) and runs each
# for SECONDS on a copy of its committed seed corpus.
#   scripts/fuzz.sh [SECONDS] [TARGET...]      (default 20 s each, every target)
# Prints one line per target: executions, coverage, corpus size, crashes. A crash exits 1 and leaves
# the reproducer in build/fuzz/artifacts/.
# TD_FUZZ_BUILD=DIR uses a build folder already configured with the fuzz targets (the CI's sanitizer
# build: clang, -DTD_SANITIZE=ON -DTD_BUILD_FUZZ=ON) instead of configuring build/fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
SECONDS_EACH=${1:-20}
shift || true
B=${TD_FUZZ_BUILD:-build/fuzz}
if [ -z "${TD_FUZZ_BUILD:-}" ]; then
  apt_install clang libclang-rt-14-dev "${BUILD_PACKAGES[@]}"
  cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" \
    -DTD_BUILD_TESTS=OFF -DTD_BUILD_FUZZ=ON -DTD_WARNINGS_AS_ERRORS=OFF >/dev/null
fi
[ -f "$B/build.ninja" ] || die "$B is not a configured build folder"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=($(sed -n '/^set(TD_FUZZ_TARGETS/,/)/p' tests/fuzz/CMakeLists.txt | sed 's/set(TD_FUZZ_TARGETS//; s/)//' | tr ' ' '\n' | grep -v '^$'))
fi
if ! ninja -C "$B" -j "$(jobs)" $(printf 'fuzz_%s ' "${targets[@]}") >"$B/fuzz-build.log" 2>&1; then
  tail -40 "$B/fuzz-build.log"
  die "building the fuzz targets failed (whole log: $B/fuzz-build.log)"
fi
mkdir -p "$B/artifacts"
failed=0
for t in "${targets[@]}"; do
  work=$B/corpus/$t
  rm -rf "$work"; mkdir -p "$work"
  [ -d tests/fuzz/corpus/$t ] && cp tests/fuzz/corpus/$t/* "$work"/ 2>/dev/null || true
  dict=()
  case $t in version|compute_capability) dict=(-dict=tests/fuzz/version.dict) ;; kb) dict=(-dict=tests/fuzz/kb.dict) ;; explain) dict=(-dict=tests/fuzz/explain.dict) ;; esac
  log=$B/$t.log
  if $B/tests/fuzz/fuzz_$t "$work" "${dict[@]}" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix=$B/artifacts/$t- -print_final_stats=1 >"$log" 2>&1; then status=ok; else status=CRASH; failed=1; fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  printf '%-20s %-6s execs=%-10s cov=%-6s corpus=%s\n' "$t" "$status" "${execs:-?}" "${cov:-?}" "$(ls "$work" | wc -l)"
  [ $status = ok ] || tail -30 "$log"
done
exit $failed
