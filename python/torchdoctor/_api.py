from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

_EXE = "torchdoctor"


class TorchdoctorError(RuntimeError):
    """The binary failed: ``message`` is what it said (its stderr), ``returncode`` its exit status."""

    def __init__(self, message: str, returncode: int, command: Sequence[str]) -> None:
        super().__init__(message)
        self.message = message
        self.returncode = returncode
        self.command = list(command)


def find_binary() -> str:
    """The torchdoctor binary this package was installed with (the wheel installs it into the
    environment's scripts folder), else the first one on PATH; $TORCHDOCTOR_BINARY wins."""
    override = os.environ.get("TORCHDOCTOR_BINARY")
    if override:
        return override
    candidates = [sysconfig.get_path("scripts")]
    user_scheme = f"{os.name}_user"
    if user_scheme in sysconfig.get_scheme_names():
        candidates.append(sysconfig.get_path("scripts", scheme=user_scheme))
    # pip install --target: the scripts land in <target>/bin beside the package.
    candidates.append(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bin"))
    for folder in candidates:
        path = os.path.join(folder, _EXE)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    found = shutil.which(_EXE)
    if found:
        return found
    raise TorchdoctorError(
        "the torchdoctor binary is not installed beside this package (looked in "
        + ", ".join(candidates)
        + " and PATH); reinstall the wheel for this platform",
        127,
        [_EXE],
    )


def run(args: Sequence[str], *, ok_codes: Sequence[int] = (0,), env: Optional[Mapping[str, str]] = None,
        timeout: Optional[float] = 600) -> subprocess.CompletedProcess:
    """Runs ``torchdoctor ARGS`` and returns the finished process (text stdout/stderr); raises
    TorchdoctorError with the binary's message when its exit status is not in ok_codes."""
    command = [find_binary(), *args]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, env=None if env is None else dict(env),
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired as e:
        raise TorchdoctorError(f"torchdoctor did not finish in {timeout} s", 124, command) from e
    except OSError as e:
        raise TorchdoctorError(f"cannot run {command[0]}: {e}", 126, command) from e
    if proc.returncode not in ok_codes:
        message = proc.stderr.strip() or proc.stdout.strip() or f"exit status {proc.returncode}"
        raise TorchdoctorError(message, proc.returncode, command)
    return proc


@dataclass(frozen=True)
class Arch:
    """One CUDA architecture to compile: ``sm`` ("sm_90"), and whether PTX is embedded for it."""

    sm: str
    ptx: bool


@dataclass(frozen=True)
class Reason:
    code: str
    severity: str  # "error" or "warning"
    message: str
    fix: str = ""


@dataclass(frozen=True)
class BuildEnv:
    """``torchdoctor build-env --json`` (schema torchdoctor.build-env/v1) as a dataclass."""

    build_cuda: bool
    mode: str
    archs: tuple
    variables: Mapping[str, str]
    nvcc_flags: str
    skip_reason: Optional[str]
    reasons: tuple
    toolkit: Optional[Mapping[str, Any]]
    torch: Optional[Mapping[str, Any]]
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """False when the build would fail (a reason of severity error; the binary exits 1)."""
        return not any(r.severity == "error" for r in self.reasons)

    @property
    def torch_cuda_arch_list(self) -> str:
        return self.variables.get("TORCH_CUDA_ARCH_LIST", "")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "BuildEnv":
        if data.get("schema") != "torchdoctor.build-env/v1":
            raise TorchdoctorError(f"unexpected build-env schema {data.get('schema')!r}", 0, [])
        return cls(
            build_cuda=bool(data["build_cuda"]),
            mode=str(data.get("mode", "")),
            archs=tuple(Arch(a["sm"], bool(a.get("ptx", False))) for a in data.get("archs") or ()),
            variables={str(k): str(v) for k, v in (data.get("variables") or {}).items()},
            nvcc_flags=str(data.get("nvcc_flags") or ""),
            skip_reason=data.get("skip_reason"),
            reasons=tuple(Reason(r.get("code", ""), r.get("severity", ""), r.get("message", ""), r.get("fix", ""))
                          for r in data.get("reasons") or ()),
            toolkit=data.get("toolkit"),
            torch=data.get("torch"),
            raw=data,
        )


def build_env(*, python: Optional[str] = None, targets: Sequence[str] = (), no_torch: bool = False,
              extra_args: Sequence[str] = (), env: Optional[Mapping[str, str]] = None) -> BuildEnv:
    """Whether and for which architectures to compile CUDA, decided by ``torchdoctor build-env``
    from the CUDA toolkit and torch.version.cuda (never from a visible GPU).

    ``python`` defaults to the running interpreter (the one whose torch the extension builds
    against). A decision that the build would fail (exit 1) is returned, with ``ok`` False and the
    problems in ``reasons``; bad input or any other failure raises TorchdoctorError."""
    args = ["build-env", "--json", "--python", python or sys.executable]
    for t in targets:
        args += ["--targets", t]
    if no_torch:
        args.append("--no-torch")
    args += list(extra_args)
    proc = run(args, ok_codes=(0, 1), env=env)
    try:
        data = json.loads(proc.stdout)
    except ValueError as e:
        raise TorchdoctorError(proc.stderr.strip() or f"build-env printed no JSON: {e}", proc.returncode, args) from e
    return BuildEnv.from_json(data)
