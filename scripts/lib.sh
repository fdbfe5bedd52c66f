# Shared helpers for the project's scripts: bounded network steps, package installs, logging.
# shellcheck shell=bash

log() { printf '\033[1m==> [%s] %s\033[0m\n' "$(date +%T)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi
}

APT_OPTS=(-o Acquire::http::Timeout=30 -o Acquire::https::Timeout=30 -o Acquire::Retries=3 -o DPkg::Lock::Timeout=120)

# apt_install PKG...: installs the packages that are not installed yet; never hangs past 20 minutes.
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  if [ ! -f /tmp/.td-apt-updated ] || [ -n "${TD_APT_UPDATE:-}" ]; then
    as_root timeout 600 apt-get "${APT_OPTS[@]}" update -qq && touch /tmp/.td-apt-updated
  fi
  as_root env DEBIAN_FRONTEND=noninteractive timeout 1200 apt-get "${APT_OPTS[@]}" install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
}

# The packages every build needs (docs/dependencies.md says why each is here).
BUILD_PACKAGES=(g++ cmake ninja-build pkg-config nlohmann-json3-dev libtomlplusplus-dev libcurl4-openssl-dev ca-certificates)
TEST_PACKAGES=(libgtest-dev libgmock-dev python3 python3-yaml curl openssl docker-registry file unzip chromium ccache)
# clang-format and clang-tidy for scripts/lint.sh (the versions Debian ships: the .clang-format and
# .clang-tidy checks are read by those).
LINT_PACKAGES=(clang-format clang-tidy)

jobs() { nproc 2>/dev/null || echo 2; }

# use_compiler_cache: sets TD_CCACHE_FLAG to the CMake flag that puts ccache in front of the
# compiler, with its cache beside the wheel cache (${HOME}/.cache/torchdoctor-ci/ccache, 3 GB at most)
# and paths taken relative to the checkout, so a later run, even from another clean clone, compiles
# only what changed. Empty when ccache is not installed or TD_NO_CCACHE is set.
use_compiler_cache() {
  TD_CCACHE_FLAG=""
  if [ -n "${TD_NO_CCACHE:-}" ] || ! command -v ccache >/dev/null; then return 0; fi
  export CCACHE_DIR="${CCACHE_DIR:-${HOME}/.cache/torchdoctor-ci/ccache}" CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
  export CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-3G}"
  TD_CCACHE_FLAG="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
}

# need_disk WHERE PATH:MB...: stops with a one-line error when the file system holding WHERE has less
# free space than the parts not built yet need. A full disk otherwise surfaces as a pip OSError or a
# CMake "file problem creating" far from its cause. A part counts as built when its path exists.
# TD_IGNORE_DISK=1 goes on regardless.
need_disk() {
  local where=$1 need=0 parts=() item path mb avail_kb
  shift
  for item in "$@"; do
    path=${item%:*} mb=${item##*:}
    [ -e "$path" ] && continue
    need=$((need + mb)) parts+=("$path")
  done
  [ "$need" -gt 0 ] || return 0
  avail_kb=$(df -Pk "$where" 2>/dev/null | awk 'NR == 2 { print $4 }')
  [ -n "$avail_kb" ] || return 0
  if [ "$avail_kb" -lt $((need * 1024)) ]; then
    local have="$((avail_kb / 1024)) MB free at $where; about $need MB are needed for ${parts[*]}"
    [ -n "${TD_IGNORE_DISK:-}" ] && { log "WARNING: $have; going on (TD_IGNORE_DISK)"; return 0; }
    die "only $have (free space or set TD_IGNORE_DISK=1)"
  fi
}
