#!/usr/bin/env python3
"""Fails when a comment or document names a project file that does not exist.

Scans the tracked sources, scripts and documents for paths into the project's own folders
(src/..., docs/....md, tests/..., scripts/... and so on; globs such as src/app/cmd_*.cpp must match
something) and for bare names of top-level documents (DESIGN.md, CONTRIBUTING.md). Prints each
stale reference as file:line: name, exits 1 when there is one.
   scripts/check-references.py
"""
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FOLDERS = "src|include|tests|docs|scripts|bench|data|tools|cmake|deploy|kernels|packaging|python|.ci"
PATH_RE = re.compile(r"(?<![\w/.$:@~-])((?:%s)/[\w./*+-]*[\w*])" % FOLDERS)
DOC_RE = re.compile(r"(?<![\w/.-])([A-Z][A-Z_]+\.md)\b")
TEXT_SUFFIXES = (".cpp", ".hpp", ".h", ".cu", ".py", ".sh", ".md", ".cmake", ".txt", ".toml", ".yaml", ".yml", ".in")
# Where a name is an example of what users write, or output of another tool, not a file here.
SKIP_FILES = ("tests/explain/", "tests/fixtures/", "data/kb/", "tests/fuzz/corpus/", "third_party/", "scripts/check-references.py")  # third_party: upstream paths
# Files of other projects that comments name as sources: the CUDA toolkit's include/cuda.h,
# libnvidia-container's src/cli/*.c, pytorch/pytorch's RELEASE.md.
EXTERNAL = {"include/cuda.h", "src/cli/dsl.c", "src/cli/configure.c", "RELEASE.md"}
# Written by runs, not kept in the tree.
OUTPUTS = ("bench/out/", "build/", "dist/")


def tracked_files():
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for name in out.splitlines():
        if name.startswith(SKIP_FILES):
            continue
        if name.endswith(TEXT_SUFFIXES) or name in ("README.md", ".ci/run") or name.startswith(("scripts/", "bench/")):
            yield name


def exists(ref):
    ref = ref.rstrip(".")
    if any(c in ref for c in "*?["):
        # A git pathspec such as 'src/*.cpp' matches below the folder too.
        return bool(glob.glob(os.path.join(ROOT, ref)) or glob.glob(os.path.join(ROOT, ref.replace("*", "**/*", 1)), recursive=True))
    if os.path.exists(os.path.join(ROOT, ref)):
        return True
    # "src/engine/" style folder mentions, and build outputs named in docs, are not files here.
    return False


def main():
    stale = []
    for name in tracked_files():
        path = os.path.join(ROOT, name)
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.readlines()
        except (UnicodeDecodeError, IsADirectoryError):
            continue
        for number, line in enumerate(lines, 1):
            for m in PATH_RE.finditer(line):
                ref = m.group(1)
                if ref.startswith(OUTPUTS) or ("." not in os.path.basename(ref) and "*" not in ref):
                    continue  # a folder or a command name (scripts/test), checked only when it has a suffix
                if ref not in EXTERNAL and not exists(ref):
                    stale.append(f"{name}:{number}: {ref}")
            for m in DOC_RE.finditer(line):
                ref = m.group(1)
                if ref not in EXTERNAL and not glob.glob(os.path.join(ROOT, "**", ref), recursive=True):
                    stale.append(f"{name}:{number}: {ref}")
    for s in stale:
        print(s)
    if stale:
        print(f"{len(stale)} reference(s) to files that do not exist", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
