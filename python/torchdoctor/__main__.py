"""``python -m torchdoctor ARGS``: runs the binary with ARGS (its exit status is ours)."""

from __future__ import annotations

import os
import sys

from ._api import find_binary


def main() -> None:
    binary = find_binary()
    argv = [binary, *sys.argv[1:]]
    if os.name == "posix":
        os.execv(binary, argv)
    import subprocess  # pragma: no cover - non-POSIX

    sys.exit(subprocess.call(argv))


if __name__ == "__main__":
    main()
