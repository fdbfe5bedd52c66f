#!/usr/bin/env python3
"""Print what the package index and the image registries publish that data/kb records differently.

For a maintainer, by hand (CI does not run it: it needs the network). Nothing is changed: each line
is a lead to read at its source and record (docs/kb.md: every fact has a source that was read).

  scripts/kb-diff.py --json-api URL            # the index's JSON API base: URL/torch/json is fetched
  scripts/kb-diff.py --index-json FILE         # or a saved copy of that document
  scripts/kb-diff.py ... --tags                # also list image tags with skopeo, where installed

What is compared:
  - torch releases on the index (final versions) that the KB has no [[torch_release]] for;
  - per release: the CPython tags of its Linux wheels (x86_64 and aarch64) against the release's
    `python` list (and a pypi wheel's own `python` list);
  - per release: the Linux platforms and the lowest manylinux glibc of the index's wheels against
    the KB's `index = "pypi"` wheel (platforms, glibc);
  - with --tags: pytorch/pytorch tags of releases the KB knows that it does not list (and listed
    tags the registry lacks), and nvcr.io/nvidia/pytorch YY.MM-py3 tags the KB has no record of.
Each request has a timeout (--timeout, default 20 s); an unreachable source is reported and skipped.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None

KB_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "kb")
WHEEL = re.compile(r"^torch-(?P<ver>[^-]+)-(?P<py>[^-]+)-(?P<abi>[^-]+)-(?P<plat>[^-]+)\.whl$")
FINAL = re.compile(r"^\d+\.\d+\.\d+$")


def load_kb(kb_dir=KB_DIR):
    if tomllib is None:
        sys.exit("kb-diff: needs Python 3.11+ (tomllib)")
    kb = {}
    for name in ("torch.toml", "images.toml"):
        with open(os.path.join(kb_dir, name), "rb") as f:
            for table, records in tomllib.load(f).items():
                if isinstance(records, list):
                    kb.setdefault(table, []).extend(records)
    return kb


def python_of(py_tag, abi_tag):
    """cp313 -> 3.13; cp313t (free-threaded) -> 3.13t; others (py3, none) -> None."""
    m = re.fullmatch(r"cp(\d)(\d+)", py_tag)
    if not m:
        return None
    return f"{m.group(1)}.{m.group(2)}" + ("t" if abi_tag.endswith("t") else "")


def platform_of(plat_tag):
    """manylinux_2_28_x86_64 -> (linux-x86_64, 2.28); manylinux2014_aarch64 -> (linux-aarch64, 2.17)."""
    # torch's manylinux1/2010-tagged wheels are manylinux2014 builds (data/kb/SOURCES-torch.md): 2.17.
    legacy = {"manylinux1": "2.17", "manylinux2010": "2.17", "manylinux2014": "2.17"}
    for tag in plat_tag.split("."):
        m = re.fullmatch(r"manylinux_(\d+)_(\d+)_(x86_64|aarch64)", tag)
        if m:
            return f"linux-{m.group(3)}", f"{m.group(1)}.{m.group(2)}"
        m = re.fullmatch(r"(manylinux1|manylinux2010|manylinux2014)_(x86_64|aarch64)", tag)
        if m:
            return f"linux-{m.group(2)}", legacy[m.group(1)]
        if tag.startswith("win_amd64"):
            return "windows-x86_64", None
    return None, None


def index_releases(doc):
    """{version: {"python": {platform: set}, "glibc": {platform: lowest}}} from the JSON API document."""
    out = {}
    for version, files in doc.get("releases", {}).items():
        if not FINAL.match(version):
            continue
        rel = {"python": {}, "glibc": {}}
        for f in files:
            if f.get("yanked"):
                continue
            m = WHEEL.match(f.get("filename", ""))
            if not m:
                continue
            plat, glibc = platform_of(m.group("plat"))
            py = python_of(m.group("py"), m.group("abi"))
            if plat is None or py is None:
                continue
            rel["python"].setdefault(plat, set()).add(py)
            if glibc is not None:
                cur = rel["glibc"].get(plat)
                if cur is None or tuple(map(int, glibc.split("."))) < tuple(map(int, cur.split("."))):
                    rel["glibc"][plat] = glibc
        if rel["python"]:
            out[version] = rel
    return out


def vkey(v):
    return tuple(int(x) for x in re.findall(r"\d+", v))


def diff_index(kb, releases):
    """Lines describing where the index and the KB disagree (for review)."""
    lines = []
    kb_rel = {r["version"]: r for r in kb.get("torch_release", [])}
    pypi_wheels = {}
    platforms = {}  # every platform any KB wheel of the release lists
    for w in kb.get("torch_wheel", []):
        platforms.setdefault(w["torch"], set()).update(w.get("platforms", []))
        if w.get("index") == "pypi":
            pypi_wheels.setdefault(w["torch"], []).append(w)
    for version in sorted(releases, key=vkey):
        idx = releases[version]
        if version not in kb_rel:
            if vkey(version) >= (1, 13, 0):
                linux = sorted(p for p in idx["python"] if p.startswith("linux"))
                lines.append(f"torch {version}: on the index ({', '.join(linux)}), no [[torch_release]] in the KB")
            continue
        rel = kb_rel[version]
        recorded = set(rel.get("python", []))
        for plat in ("linux-x86_64", "linux-aarch64"):
            have = idx["python"].get(plat, set())
            wheel = next((w for w in pypi_wheels.get(version, []) if plat in w.get("platforms", [])), None)
            want = set(wheel["python"]) if wheel and wheel.get("python") else recorded
            if not have:
                continue
            if have - want:
                lines.append(f"torch {version} {plat}: the index has {', '.join(sorted(have - want, key=vkey))}, the KB does not list")
            if plat == "linux-x86_64" and want - have:
                lines.append(f"torch {version} {plat}: the KB lists {', '.join(sorted(want - have, key=vkey))}, the index has no such wheel")
        for plat, glibc in sorted(idx["glibc"].items()):
            wheels = [w for w in pypi_wheels.get(version, []) if plat in w.get("platforms", [])]
            if plat not in platforms.get(version, set()):
                lines.append(f"torch {version}: the index has {plat} wheels, no [[torch_wheel]] of the KB lists {plat}")
            for w in wheels:
                if w.get("glibc") and w["glibc"] != glibc:
                    lines.append(f"torch {version}+{w['variant']} {plat}: glibc {w['glibc']} in the KB, the index's lowest manylinux is {glibc}")
    return lines


def diff_tags(kb, docker_tags, ngc_tags):
    lines = []
    if docker_tags is not None:
        known = {r["ref"].split(":", 1)[1] for r in kb.get("pytorch_image", [])}
        releases = {r["torch"] for r in kb.get("pytorch_image", [])}
        for tag in sorted(set(docker_tags) - known):
            if tag.split("-", 1)[0] in releases and "cuda" in tag:
                lines.append(f"pytorch/pytorch:{tag}: on the registry, not in the KB")
        for tag in sorted(known - set(docker_tags)):
            lines.append(f"pytorch/pytorch:{tag}: in the KB, not on the registry")
    if ngc_tags is not None:
        known = {r["ref"].split(":", 1)[1] for r in kb.get("ngc_pytorch", [])}
        for tag in sorted(t for t in set(ngc_tags) - known if re.fullmatch(r"\d\d\.\d\d-py3", t)):
            lines.append(f"nvcr.io/nvidia/pytorch:{tag}: on the registry, not in the KB")
    return lines


def fetch_json(url, timeout):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.load(r)


def list_tags(image, timeout):
    if shutil.which("skopeo") is None:
        print(f"# {image}: skipped (skopeo not installed)")
        return None
    try:
        out = subprocess.run(["skopeo", "list-tags", f"docker://{image}"], capture_output=True, text=True, timeout=timeout, check=True)
        return json.loads(out.stdout).get("Tags", [])
    except (subprocess.SubprocessError, json.JSONDecodeError) as e:
        print(f"# {image}: unreachable ({e.__class__.__name__})")
        return None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json-api", help="the package index's JSON API base URL (fetches URL/torch/json)")
    p.add_argument("--index-json", help="a saved copy of the torch JSON document instead")
    p.add_argument("--tags", action="store_true", help="also compare image tags (skopeo list-tags)")
    p.add_argument("--timeout", type=float, default=20.0)
    p.add_argument("--kb", default=KB_DIR)
    args = p.parse_args()
    kb = load_kb(args.kb)
    lines = []
    doc = None
    if args.index_json:
        with open(args.index_json, encoding="utf-8") as f:
            doc = json.load(f)
    elif args.json_api:
        try:
            doc = fetch_json(args.json_api.rstrip("/") + "/torch/json", args.timeout)
        except OSError as e:
            print(f"# the index: unreachable ({e})")
    else:
        print("# the index: skipped (give --json-api URL or --index-json FILE)")
    if doc is not None:
        lines += diff_index(kb, index_releases(doc))
    if args.tags:
        lines += diff_tags(kb, list_tags("pytorch/pytorch", args.timeout * 6), list_tags("nvcr.io/nvidia/pytorch", args.timeout * 6))
    for line in lines:
        print(line)
    print(f"# {len(lines)} differences")


if __name__ == "__main__":
    main()
