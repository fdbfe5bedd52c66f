#!/usr/bin/env python3
"""Make and sign a knowledge-base update bundle for `torchdoctor kb update` (docs/kb.md, "Updates").

  scripts/kb-bundle.py keygen SECRET_FILE          # new Ed25519 key; prints the public key (hex)
  scripts/kb-bundle.py make --key SECRET_FILE --out DIR [--kb data/kb] [--version V]

`make` copies data/kb/*.toml into DIR, writes manifest.json (schema, as_of from meta.toml,
version, each file's size and SHA-512) and manifest.sig (an Ed25519 signature of manifest.json's
exact bytes). Publish DIR as it is (a folder on a web server or a release asset unpacked); users run
`torchdoctor kb update --from URL-or-DIR`. The release key's secret stays with the maintainer, off
this repository; its public half is data/kb-release-key.pub (compiled into the binary).
Signing needs the Python package `cryptography`.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import sys

SCHEMA = "torchdoctor.kb-bundle/v1"


def _ed25519():
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives import serialization
    except ImportError:
        sys.exit("kb-bundle: signing needs the Python package 'cryptography'")
    return Ed25519PrivateKey, serialization


def public_hex(private_key):
    _, serialization = _ed25519()
    raw = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def load_secret(path):
    Ed25519PrivateKey, _ = _ed25519()
    text = open(path, encoding="ascii").read().strip()
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        sys.exit(f"kb-bundle: {path}: expected 64 lower-case hex digits (an Ed25519 seed)")
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(text))


def keygen(args):
    Ed25519PrivateKey, serialization = _ed25519()
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    fd = os.open(args.secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(seed.hex() + "\n")
    print(public_hex(key))


def as_of_of(kb_dir):
    meta = open(os.path.join(kb_dir, "meta.toml"), encoding="utf-8").read()
    m = re.search(r'^as_of\s*=\s*"(\d{4}-\d{2}-\d{2})"', meta, re.M)
    if not m:
        sys.exit(f"kb-bundle: {kb_dir}/meta.toml has no as_of")
    return m.group(1)


def manifest_for(kb_dir, version):
    files = []
    for name in sorted(os.listdir(kb_dir)):
        if not name.endswith(".toml"):
            continue
        data = open(os.path.join(kb_dir, name), "rb").read()
        files.append({"name": name, "size": len(data), "sha512": hashlib.sha512(data).hexdigest()})
    as_of = as_of_of(kb_dir)
    return {"schema": SCHEMA, "as_of": as_of, "version": version or as_of, "files": files}


def make(args):
    key = load_secret(args.key)
    os.makedirs(args.out, exist_ok=True)
    manifest = manifest_for(args.kb, args.version)
    for f in manifest["files"]:
        shutil.copyfile(os.path.join(args.kb, f["name"]), os.path.join(args.out, f["name"]))
    body = (json.dumps(manifest, indent=2) + "\n").encode()
    sig = {"algorithm": "ed25519", "key": public_hex(key), "signature": key.sign(body).hex()}
    with open(os.path.join(args.out, "manifest.json"), "wb") as f:
        f.write(body)
    with open(os.path.join(args.out, "manifest.sig"), "w", encoding="ascii") as f:
        f.write(json.dumps(sig) + "\n")
    print(f"{args.out}: {len(manifest['files'])} files, as of {manifest['as_of']}, signed by {sig['key'][:16]}...")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("keygen")
    k.add_argument("secret")
    m = sub.add_parser("make")
    m.add_argument("--key", required=True)
    m.add_argument("--out", required=True)
    m.add_argument("--kb", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "kb"))
    m.add_argument("--version")
    args = p.parse_args()
    keygen(args) if args.cmd == "keygen" else make(args)


if __name__ == "__main__":
    main()
