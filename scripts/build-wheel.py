#!/usr/bin/env python3
"""build-wheel.py BINARY ARCH VERSION OUTDIR: writes the platform wheel
torchdoctor-VERSION-py3-none-manylinux2014_ARCH.whl from python/torchdoctor and the portable binary.

The binary goes into the wheel's scripts (torchdoctor-VERSION.data/scripts/torchdoctor), as ruff and
uv ship theirs: pip, uv and pipx install it as the `torchdoctor` command itself (no Python start);
`python -m torchdoctor` and the API find it there. Standard library only (no build backend to fetch).
"""
import base64
import hashlib
import os
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: build-wheel.py BINARY x86_64|aarch64 VERSION OUTDIR")
    binary, arch, version, outdir = sys.argv[1:]
    if arch not in ("x86_64", "aarch64"):
        sys.exit(f"build-wheel.py: unknown architecture {arch!r}")
    tag = f"py3-none-manylinux2014_{arch}"
    dist = f"torchdoctor-{version}"
    readme = open(os.path.join(ROOT, "python", "README.md"), encoding="utf-8").read()
    files = []
    pkg = os.path.join(ROOT, "python", "torchdoctor")
    for name in sorted(os.listdir(pkg)):
        if name.endswith((".py", ".typed")):
            files.append((f"torchdoctor/{name}", open(os.path.join(pkg, name), "rb").read(), 0o644))
    files.append((f"{dist}.data/scripts/torchdoctor", open(binary, "rb").read(), 0o755))
    metadata = "\n".join([
        "Metadata-Version: 2.1",
        "Name: torchdoctor",
        f"Version: {version}",
        "Summary: Tells whether a PyTorch + CUDA stack runs on a host or image, and why not",
        "Requires-Python: >=3.8",
        "Classifier: Operating System :: POSIX :: Linux",
        "Classifier: Programming Language :: Python :: 3",
        "Description-Content-Type: text/markdown",
        "",
        readme,
    ])
    wheel = "\n".join(["Wheel-Version: 1.0", "Generator: torchdoctor scripts/build-wheel.py", "Root-Is-Purelib: false",
                       f"Tag: {tag}", ""])
    files.append((f"{dist}.dist-info/METADATA", metadata.encode(), 0o644))
    files.append((f"{dist}.dist-info/WHEEL", wheel.encode(), 0o644))
    record_name = f"{dist}.dist-info/RECORD"
    record = "\n".join([record_line(n, d) for n, d, _ in files] + [f"{record_name},,", ""])
    files.append((record_name, record.encode(), 0o644))
    os.makedirs(outdir, exist_ok=True)
    out = os.path.join(outdir, f"{dist}-{tag}.whl")
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data, mode in files:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # reproducible
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    print(out)


if __name__ == "__main__":
    main()
