"""A tiny extension whose CUDA part is built or skipped through torchdoctor.build_env() (seed 002's
case): the CPU part always builds; the CUDA part only when torchdoctor decides so, from the toolkit
and torch.version.cuda (never from a visible GPU). Writes the decision to decision.json for the
test (scripts/test-wheels.sh) to check against the facts."""
import json
import os
import subprocess

from setuptools import Extension, setup

import torchdoctor

env = torchdoctor.build_env()
if not env.ok:  # the CUDA build would fail: say why, as the binary does, instead of failing in nvcc
    raise SystemExit("torchdoctor build-env: " + "; ".join(f"{r.code}: {r.message}" for r in env.reasons))
here = os.path.dirname(os.path.abspath(__file__))
extra_objects = []
macros = []
if env.build_cuda:
    # The decision's own flags and toolkit: one kernel, compiled by nvcc, linked into the extension.
    nvcc = env.toolkit["nvcc"]
    obj = os.path.join(here, "build", "scale.o")
    os.makedirs(os.path.dirname(obj), exist_ok=True)
    subprocess.run([nvcc, "-c", "-Xcompiler", "-fPIC", *env.nvcc_flags.split(), os.path.join(here, "scale.cu"), "-o", obj],
                   check=True)
    extra_objects.append(obj)
    macros.append(("TD_EXT_CUDA", "1"))
with open(os.path.join(here, "decision.json"), "w") as f:
    json.dump({"build_cuda": env.build_cuda, "skip_reason": env.skip_reason, "archs": [a.sm for a in env.archs],
               "ok": env.ok, "torch": env.torch}, f)

setup(
    name="td-cuda-ext-test",
    version="0.0.1",
    ext_modules=[Extension("td_cuda_ext", ["ext.c"], define_macros=macros, extra_objects=extra_objects,
                           libraries=["cudart"] if env.build_cuda else [],
                           library_dirs=[os.path.join(env.toolkit["path"], "lib64")] if env.build_cuda else [])],
)
