"""torchdoctor: does this PyTorch + CUDA stack run here, and why not.

The wheel carries the portable ``torchdoctor`` binary (installed as a script, the way ruff and uv
ship theirs); this package finds it and offers a small typed API over its ``--json`` output.

>>> import torchdoctor
>>> env = torchdoctor.build_env()          # never looks at a visible GPU
>>> if env.build_cuda: os.environ.update(env.variables)
"""

from __future__ import annotations

from ._api import (
    Arch,
    BuildEnv,
    Reason,
    TorchdoctorError,
    build_env,
    find_binary,
    run,
)

__all__ = ["Arch", "BuildEnv", "Reason", "TorchdoctorError", "build_env", "find_binary", "run"]
