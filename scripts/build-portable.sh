#!/usr/bin/env bash
# Builds the portable release binaries with zig (`ziglang` from the Python package registry, kept in
# ${HOME}/.cache/torchdoctor-ci/zig-venv): build/portable-x86_64/torchdoctor and
# build/portable-aarch64/torchdoctor, both for glibc 2.17 and newer with libc++ inside.
#   scripts/build-portable.sh [x86_64|aarch64]...   (default: both)
# Then checks that neither binary needs a glibc symbol version newer than 2.17.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

# The header-only dependencies come from Debian's -dev packages; the aarch64 build runs its KB
# compiler (td_kbc) under qemu-user with the aarch64 loader and libc of libc6-arm64-cross (no arm64
# package architecture needed); python3-venv for zig's venv; binutils for the glibc floor check.
apt_install cmake ninja-build nlohmann-json3-dev libtomlplusplus-dev libcurl4-openssl-dev python3-venv \
  qemu-user libc6-arm64-cross binutils

ZIG_VERSION=${TD_ZIG_VERSION:-0.17.1}
CACHE=${TD_CI_CACHE:-${HOME}/.cache/torchdoctor-ci}
ZIG_VENV=$CACHE/zig-venv
if ! "$ZIG_VENV/bin/python" -m ziglang version 2>/dev/null | grep -qx "$ZIG_VERSION"; then
  log "installing ziglang $ZIG_VERSION into $ZIG_VENV"
  mkdir -p "$CACHE"
  timeout 300 python3 -m venv "$ZIG_VENV"
  timeout 600 "$ZIG_VENV/bin/pip" install -q --disable-pip-version-check --timeout 60 --retries 3 "ziglang==$ZIG_VERSION" \
    || die "pip install ziglang==$ZIG_VERSION failed"
fi
export TD_ZIG="$ZIG_VENV/bin/python -m ziglang"
# zig's own compile cache beside it (survives between CI runs).
export ZIG_GLOBAL_CACHE_DIR=${ZIG_GLOBAL_CACHE_DIR:-$CACHE/zig-cache} ZIG_LOCAL_CACHE_DIR=${ZIG_LOCAL_CACHE_DIR:-$CACHE/zig-cache}
# It keeps every compile's output (about 2 MB each, 2.2 GB after one build of both targets) and
# never shrinks: past 4 GB it starts again (rebuilding its libc++ for both targets takes minutes).
if [ -d "$ZIG_GLOBAL_CACHE_DIR" ] && [ "$(du -sm "$ZIG_GLOBAL_CACHE_DIR" | cut -f1)" -gt 4096 ]; then
  log "zig's cache is over 4 GB: starting it again"
  rm -rf "$ZIG_GLOBAL_CACHE_DIR"
fi

# The header-only dependencies, from the build machine's Debian packages, in a folder of their own
# (cmake/toolchains/zig.cmake says why not /usr/include). curl's headers are the same for every
# architecture (curl/system.h decides by the compiler's macros).
DEPS=build/portable-deps
rm -rf "$DEPS" && mkdir -p "$DEPS"
ln -s /usr/include/nlohmann "$DEPS/nlohmann"
ln -s /usr/include/toml++ "$DEPS/toml++"
ln -s "/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/curl" "$DEPS/curl"
for d in nlohmann toml++ curl; do [ -e "$DEPS/$d" ] || die "$DEPS/$d: missing (scripts/bootstrap.sh installs the -dev packages)"; done

use_compiler_cache
arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(x86_64 aarch64)
for arch in "${arches[@]}"; do
  case $arch in x86_64|aarch64) ;; *) die "unknown architecture: $arch (x86_64 or aarch64)";; esac
  dir=build/portable-$arch
  # The compiler is a wrapper script written at configure time, with the -target inside it: ccache
  # knows it by zig's version and the target, not by the script's time stamp (a fresh clone writes a
  # new one), so later CI runs hit the cache and the two targets never share an object.
  export CCACHE_COMPILERCHECK="string:ziglang-$ZIG_VERSION-$arch-linux-gnu.2.17"
  log "portable $arch build ($dir)"
  start=$(date +%s)
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
    -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/zig.cmake -DTD_ZIG_TARGET="$arch-linux-gnu.2.17" \
    -DCMAKE_EXE_LINKER_FLAGS="-s" -DTD_DEPS_INCLUDE_DIR="$PWD/$DEPS" -DTD_BUILD_TESTS=OFF -DTD_BUILD_KERNELS=OFF -DTD_WARNINGS_AS_ERRORS=OFF \
    ${TD_CCACHE_FLAG:+"$TD_CCACHE_FLAG"} >/dev/null
  # Linked with -s: the release binary carries no symbols or debug info (zig's objcopy cannot strip;
  # docs/performance.md has its size). td_kbc runs at build time (aarch64: under qemu-user, cmake/toolchains/zig.cmake).
  ninja -C "$dir" -j "$(jobs)" torchdoctor
  log "portable $arch build took $(( $(date +%s) - start )) s"
  scripts/check-glibc-floor.sh "$dir/torchdoctor"
done
