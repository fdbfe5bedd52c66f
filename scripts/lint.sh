#!/usr/bin/env bash
# The project's lint, run by scripts/test.sh before any build and usable alone:
#   1. clang-format: every C++ file as .clang-format says (scripts/lint.sh --fix rewrites them);
#   2. scripts/check-references.py: no comment or document names a project file that is not there;
#   3. clang-tidy with the agreed checks (.clang-tidy) on every source file, given a build folder
#      with compile_commands.json (TD_LINT_BUILD, default build/test; skipped, said so, without one).
#   scripts/lint.sh [--fix] [--no-tidy | --tidy-only]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
fix=0 tidy=1 format=1
for a in "$@"; do
  case $a in
    --fix) fix=1 ;; --no-tidy) tidy=0 ;; --tidy-only) format=0 ;;
    *) die "lint.sh: unknown argument '$a' (--fix, --no-tidy, --tidy-only)" ;;
  esac
done
apt_install "${LINT_PACKAGES[@]}"
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.cu' | grep -v '^third_party/')
if [ $format = 0 ]; then
  :
elif [ $fix = 1 ]; then
  clang-format -i "${files[@]}"
  log "formatted ${#files[@]} files"
else
  if ! clang-format --dry-run -Werror "${files[@]}" 2>/tmp/td-format.$$; then
    grep -E '^[^ ].*: (error|warning):' /tmp/td-format.$$ | cut -d: -f1 | sort -u | sed 's/^/  not formatted: /' >&2
    rm -f /tmp/td-format.$$
    die "clang-format: the files above differ from .clang-format (scripts/lint.sh --fix formats them)"
  fi
  rm -f /tmp/td-format.$$
  log "clang-format: ${#files[@]} files as .clang-format says"
fi
if [ $format = 1 ]; then
  scripts/check-references.py || die "stale references above (comments or docs naming files that do not exist)"
  log "references: every project file named in comments and docs exists"
fi
if [ $tidy = 1 ]; then
  build=${TD_LINT_BUILD:-build/test}
  if [ ! -f "$build/compile_commands.json" ]; then
    log "SKIPPED: clang-tidy (no $build/compile_commands.json: configure a build first)"
  else
    mapfile -t sources < <(git ls-files 'src/*.cpp' | grep -v '^third_party/')
    printf '%s\n' "${sources[@]}" | xargs -P "$(jobs)" -n 8 clang-tidy -p "$build" --quiet --extra-arg=-Wno-unknown-warning-option 2>/dev/null >/tmp/td-tidy.$$ || true
    if grep -q 'error:\|warning:' /tmp/td-tidy.$$; then
      grep -A3 'error:\|warning:' /tmp/td-tidy.$$ >&2; rm -f /tmp/td-tidy.$$
      die "clang-tidy: the findings above (.clang-tidy lists the agreed checks)"
    fi
    rm -f /tmp/td-tidy.$$
    log "clang-tidy: ${#sources[@]} files clean"
  fi
fi
