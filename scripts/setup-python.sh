#!/usr/bin/env bash
# Creates .venv with a real CUDA-enabled torch from PyPI, for the tests that check torch/version.py
# reading and the fatbin arch list against torch._C._cuda_getArchFlags(). Idempotent: a second run
# with torch already installed does nothing. Wheels are cached in ~/.cache/torchdoctor-ci/wheels, so
# a rebuilt venv installs offline.
#
#   scripts/setup-python.sh            # .venv with torch (full dependency set, ~2.9 GB of wheels) and kubernetes-validate
#   scripts/setup-python.sh --debian   # also Debian's python3-torch (CPU-only; needs root and apt)
#
# Pinned: torch 2.6.0, whose Linux x86_64 wheel on PyPI is built with CUDA 12.4 (torch.version.cuda
# "12.4"); its nvidia-* dependencies are the cu12 runtime packages (cuDNN 9.1, NCCL 2.21.5, ...).
# Measured on a 2-core CI machine: torch wheel 767 MB in ~14 s, all 23 wheels 2.9 GB in ~72 s,
# venv install ~80 s (5.2 GB unpacked); well inside a 30-minute CI job, so the full set is installed (torch imports).
set -euo pipefail

readonly TORCH_VERSION="2.6.0"
# Validates the Kubernetes manifests torchdoctor writes against the schemas of their kinds (bundled).
readonly K8S_VALIDATE="kubernetes-validate==1.37.0"
readonly TORCH_CUDA="12.4"
readonly REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly VENV="${REPO_ROOT}/.venv"
readonly CACHE="${HOME}/.cache/torchdoctor-ci/wheels"
readonly PYTHON="${PYTHON:-python3}"
# Never hang on the network: bounded socket timeout and a fixed number of retries.
readonly PIP_NET=(--timeout 60 --retries 5 --progress-bar off --disable-pip-version-check)

with_debian=0
for arg in "$@"; do
  case "$arg" in
    --debian) with_debian=1 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "setup-python.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done

# The installed torch version, read from its dist-info (no import, which takes seconds).
installed_torch() {
  local d
  for d in "${VENV}"/lib/python3*/site-packages/torch-*.dist-info; do
    [[ -f "$d/METADATA" ]] && sed -n 's/^Version: //p' "$d/METADATA" && return 0
  done
  return 0
}

setup_venv() {
  if [[ -x "${VENV}/bin/python" && "$(installed_torch)" == "${TORCH_VERSION}" ]]; then
    echo "setup-python: torch ${TORCH_VERSION} already in ${VENV}; nothing to do"
    return 0
  fi
  [[ -x "${VENV}/bin/python" ]] || "${PYTHON}" -m venv "${VENV}"
  mkdir -p "${CACHE}"
  local start=$SECONDS
  # Download into the cache (files already there are reused), then install from the cache only.
  "${VENV}/bin/python" -m pip download "${PIP_NET[@]}" --dest "${CACHE}" "torch==${TORCH_VERSION}"
  echo "setup-python: download step took $((SECONDS - start)) s; cache holds $(du -sh "${CACHE}" | cut -f1)"
  start=$SECONDS
  "${VENV}/bin/python" -m pip install "${PIP_NET[@]}" --no-index --find-links "${CACHE}" "torch==${TORCH_VERSION}"
  echo "setup-python: install step took $((SECONDS - start)) s"
  echo "setup-python: torch $(installed_torch) (CUDA ${TORCH_CUDA}) in ${VENV}"
}

setup_k8s_validate() {
  if [[ -x "${VENV}/bin/kubernetes-validate" ]]; then
    echo "setup-python: kubernetes-validate already in ${VENV}; nothing to do"
    return 0
  fi
  "${VENV}/bin/python" -m pip download "${PIP_NET[@]}" --dest "${CACHE}" "${K8S_VALIDATE}"
  "${VENV}/bin/python" -m pip install "${PIP_NET[@]}" --no-index --find-links "${CACHE}" "${K8S_VALIDATE}"
}

setup_debian() {
  if dpkg-query -W -f='${Status}' python3-torch 2>/dev/null | grep -q "install ok installed"; then
    echo "setup-python: Debian python3-torch already installed; nothing to do"
    return 0
  fi
  apt-get update -o Acquire::Retries=3 -o Acquire::http::Timeout=60
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    -o Acquire::Retries=3 -o Acquire::http::Timeout=60 python3-torch
}

setup_venv
setup_k8s_validate
if (( with_debian )); then setup_debian; fi
