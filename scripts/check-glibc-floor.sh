#!/usr/bin/env bash
# check-glibc-floor.sh BINARY...: fails when a binary needs a glibc symbol version newer than 2.17
# (the manylinux2014 floor), or is not dynamically linked against glibc as the wheel tags say.
set -euo pipefail
status=0
for bin in "$@"; do
  versions=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9][0-9.]*' | sort -uV)
  newest=$(printf '%s\n' "$versions" | tail -n1)
  [ -n "$newest" ] || { echo "error: $bin: no GLIBC symbol versions (not a glibc binary?)" >&2; status=1; continue; }
  if [ "$(printf '%s\n' GLIBC_2.17 "$newest" | sort -V | tail -n1)" != GLIBC_2.17 ]; then
    echo "error: $bin needs $newest, newer than GLIBC_2.17:" >&2
    objdump -T "$bin" | grep -E "$(printf '%s\n' "$versions" | sort -V | awk '$0 > "GLIBC_2.17"' | paste -sd'|')" | head -20 >&2 || true
    status=1
  else
    echo "$bin: newest glibc symbol version $newest (floor GLIBC_2.17): ok"
  fi
done
exit $status
