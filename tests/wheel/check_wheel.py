"""Run inside a fresh venv with the torchdoctor wheel installed: the API against the binary's own
answers. Usage: python check_wheel.py"""
import json
import os
import subprocess
import sys

import torchdoctor

binary = torchdoctor.find_binary()
assert os.path.dirname(binary) == os.path.dirname(sys.executable), f"binary {binary} not in this venv's scripts"
env = torchdoctor.build_env()
raw = json.loads(subprocess.run([binary, "build-env", "--json", "--python", sys.executable], capture_output=True,
                                text=True, check=False).stdout)
assert env.build_cuda == raw["build_cuda"] and env.skip_reason == raw["skip_reason"], (env, raw)
assert [a.sm for a in env.archs] == [a["sm"] for a in raw["archs"]]
off = torchdoctor.build_env(env={**os.environ, "TORCHDOCTOR_CUDA": "off"})
assert off.build_cuda is False and off.mode == "off", off
try:
    torchdoctor.build_env(env={**os.environ, "TORCHDOCTOR_CUDA": "sometimes"})
except torchdoctor.TorchdoctorError as e:
    assert e.returncode == 2 and "TORCHDOCTOR_CUDA='sometimes'" in e.message, (e.returncode, e.message)
else:
    raise AssertionError("a bad TORCHDOCTOR_CUDA did not raise")
print("check_wheel: ok (build_cuda=%s, skip_reason=%r)" % (env.build_cuda, env.skip_reason))
