#!/usr/bin/env python3
"""Hostile input, class by class, against one torchdoctor binary: runs, crashes, hangs, wrong exit
codes and leaks, as a Markdown table (docs/reliability.md holds the figures).

    bench/hostile.py BINARY [BINARY_BEFORE]

A crash is an exit by signal or an abort message; a hang is a run past its time limit (killed);
a wrong exit code is one outside the expected set (bad input is 2, undetermined 3); a leak is a
control character reaching stdout/stderr raw, a credential in the output, a temporary file left,
or a special file replaced. Everything runs on loopback and in a scratch folder it removes.
"""
import base64
import resource
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIXTURE = os.path.join(ROOT, "tests/fixtures/roots/x86-nvidia-proprietary")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Case:
    def __init__(self, cls, args, expect, stdin=None, limit=20.0, shell=None, check=None, env=None):
        self.cls, self.args, self.expect, self.stdin, self.limit = cls, args, expect, stdin, limit
        self.shell, self.check, self.env = shell, check, env or {}


def limit_memory():
    # An unbounded read ends in bad_alloc (a crash, counted) instead of taking the machine's memory.
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def run(binary, case, scratch):
    env = {"PATH": "/usr/bin:/bin", "HOME": scratch + "/home", "XDG_CACHE_HOME": scratch + "/cache"}
    env.update(case.env)
    start = time.monotonic()
    try:
        if case.shell:
            p = subprocess.run(["bash", "-c", case.shell.replace("TD", binary)], env=env, capture_output=True, timeout=case.limit,
                               preexec_fn=limit_memory)
        else:
            stdin = open(case.stdin, "rb") if isinstance(case.stdin, str) else subprocess.DEVNULL
            p = subprocess.run([binary] + case.args, env=env, stdin=stdin, capture_output=True, timeout=case.limit,
                               preexec_fn=limit_memory)
    except subprocess.TimeoutExpired:
        return "hang"
    out = p.stdout + p.stderr
    if p.returncode < 0 or p.returncode >= 128 or b"terminate called" in out or b"Aborted" in out:
        return "crash"
    if case.check:
        problem = case.check(p, out)
        if problem:
            return problem
    if p.returncode not in case.expect:
        return "wrong"
    return "ok"


def raw_controls(p, out):
    return "leak" if b"\x1b[2J" in out or b"\x07" in out else None


def cases(scratch, hostile):
    os.makedirs(scratch + "/home", exist_ok=True)
    fifo = scratch + "/fifo.json"
    os.mkfifo(fifo)
    folder = scratch + "/folder.json"
    os.makedirs(folder)
    snap = subprocess.run([sys.argv[1], "probe", "--root", FIXTURE, "--json"], capture_output=True).stdout
    doc = json.loads(snap)
    doc["hostname"]["value"] = "\x1b[2J\x1b[31mevil\x07"
    evil = scratch + "/evil.json"
    with open(evil, "w") as f:
        json.dump(doc, f)
    with open(scratch + "/cut.json", "wb") as f:
        f.write(snap[: len(snap) // 2])
    kb_zero, kb_fifo = scratch + "/kbzero", scratch + "/kbfifo"
    for d in (kb_zero, kb_fifo):
        shutil.copytree(os.path.join(ROOT, "data/kb"), d)
    os.symlink("/dev/zero", kb_zero + "/zero.toml")
    os.mkfifo(kb_fifo + "/fifo.toml")
    t_dir, t_zero = scratch + "/tdir", scratch + "/tzero"
    os.makedirs(t_dir + "/x.json")
    os.makedirs(t_zero)
    os.symlink("/dev/zero", t_zero + "/z.json")
    feat = scratch + "/features.d"
    os.makedirs(feat)
    os.mkfifo(feat + "/fifo")
    os.symlink("/etc/hostname", feat + "/link")

    def fifo_kept(p, out):
        return None if os.path.exists(feat + "/fifo") and not os.path.isfile(feat + "/fifo") else "leak"

    def link_kept(p, out):
        return None if os.path.islink(feat + "/link") else "leak"

    secret = "s3cret-Passw0rd-echo"
    dockercfg = scratch + "/docker"
    os.makedirs(dockercfg)
    with open(dockercfg + "/config.json", "w") as f:
        json.dump({"auths": {hostile: {"auth": base64.b64encode(("u:" + secret).encode()).decode()}}}, f)

    def no_secret(p, out):
        return "leak" if secret.encode() in out or base64.b64encode(("u:" + secret).encode()) in out else None

    img = ["image", "--no-probe", "--arch", "x86_64", "--insecure-registry", hostile, "--timeout", "2"]
    yield Case("--host: folder, device, FIFO, endless stdin", ["probe", "--host", folder], {2})
    yield Case("--host: folder, device, FIFO, endless stdin", ["probe", "--host", "/dev/zero"], {2})
    yield Case("--host: folder, device, FIFO, endless stdin", ["probe", "--host", fifo], {2})
    yield Case("--host: folder, device, FIFO, endless stdin", ["probe", "--host", "-"], {2}, stdin="/dev/urandom")
    yield Case("fleet: endless stdin, truncated snapshot", ["fleet", "-", "--offline"], {2}, stdin="/dev/zero", limit=60)
    yield Case("fleet: endless stdin, truncated snapshot", ["fleet", scratch + "/cut.json", "--offline"], {1, 2, 3},
               check=lambda p, out: "wrong" if p.stderr.count(b"\n") > 3 else None)
    yield Case("--kb / --targets folders: device links, FIFOs, sub-folders", ["kb", "show", "cuda", "--kb", kb_zero], {2})
    yield Case("--kb / --targets folders: device links, FIFOs, sub-folders", ["kb", "show", "cuda", "--kb", kb_fifo], {2})
    yield Case("--kb / --targets folders: device links, FIFOs, sub-folders", ["build-env", "--no-torch", "--targets", t_dir], {2})
    yield Case("--kb / --targets folders: device links, FIFOs, sub-folders", ["build-env", "--no-torch", "--targets", t_zero], {2})
    yield Case("explain on a pipe (100 MB, error on the last line)", [], {0}, limit=60,
               shell="set -o pipefail; { yes 'step 1 loss 0.25 all well' | head -c 100000000; "
                     "echo 'RuntimeError: CUDA error: no kernel image is available for execution on the device'; } "
                     "| TD explain --no-probe --gpu sm_120 >/dev/null; s=(${PIPESTATUS[*]}); "
                     "[ ${s[0]} = 0 ] && [ ${s[1]} = 1 ]")
    yield Case("k8s labels --output: FIFO, link", ["k8s", "labels", "--root", FIXTURE, "--output", feat + "/fifo"], {2}, check=fifo_kept)
    yield Case("k8s labels --output: FIFO, link", ["k8s", "labels", "--root", FIXTURE, "--output", feat + "/link"], {2}, check=link_kept)
    for args in (["probe", "--host", evil], ["probe", "--host", evil, "--format", "markdown"], ["fleet", evil, "--offline"],
                 ["doctor", "--host", evil]):
        yield Case("terminal escapes in a snapshot", args, {0, 1, 3}, check=raw_controls)
    for args in (["doctor", "--no-probe", "x"], ["recommend", "--no-probe", "x"], ["build-env", "--no-torch", "x"],
                 ["verify", "x"], ["kb", "show", "cuda", "x"], ["image", "--offline", "--platform", "linux", "pytorch/pytorch:latest"],
                 ["probe", "--no-probe", "--gpu", "nan"]):
        yield Case("usage: stray arguments, bad platform, GPU fragments", args, {2})
    yield Case("offline k8s affinity of an unlisted tag", ["k8s", "affinity", "nvcr.io/nvidia/pytorch:99.01-py3", "--offline"], {3})
    for repo in ("traversal", "travindex"):
        yield Case("registry: digests out of the cache", img + [hostile + "/" + repo + ":1"], {3}, limit=15)
    yield Case("registry: a web server's 404", img + [hostile + "/plain404:1"], {3})
    yield Case("registry: credentials echoed", img + [hostile + "/echo:1"], {3}, check=no_secret, env={"DOCKER_CONFIG": dockercfg})
    yield Case("registry: 50 slow tag pages", img + ["--deadline", "4", hostile + "/slowpages:x"], {1}, limit=15)


def tally(binary, hostile):
    scratch = tempfile.mkdtemp(prefix="td-hostile-")
    rows = {}
    try:
        before = set(os.listdir(scratch))
        for case in cases(scratch, hostile):
            r = run(binary, case, scratch)
            row = rows.setdefault(case.cls, {"runs": 0, "crash": 0, "hang": 0, "wrong": 0, "leak": 0})
            row["runs"] += 1
            if r != "ok":
                row[r] += 1
        cache = os.path.join(scratch, "cache")
        for dirpath, _, files in os.walk(cache):
            for f in files:
                if ".tmp." in f:
                    rows.setdefault("temporaries left in the cache", {"runs": 1, "crash": 0, "hang": 0, "wrong": 0, "leak": 0})["leak"] += 1
        del before
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return rows


def main():
    binaries = sys.argv[1:]
    if not binaries:
        sys.exit(__doc__)
    port = free_port()
    server = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests/registry/hostile_server.py"), "--port", str(port)])
    try:
        time.sleep(0.5)
        hostile = "127.0.0.1:%d" % port
        results = [tally(b, hostile) for b in binaries]
    finally:
        server.kill()
    classes = list(results[0].keys())
    head = "| input class | runs |" + "".join(" crashes | hangs | wrong exit | leaks |" for _ in binaries)
    print("Binaries: " + ", ".join("`%s`" % b for b in binaries))
    print()
    print(head)
    print("|---|---|" + "---|---|---|---|" * len(binaries))
    for c in classes:
        line = "| %s | %d |" % (c, results[0][c]["runs"])
        for r in results:
            row = r.get(c, {"crash": 0, "hang": 0, "wrong": 0, "leak": 0})
            line += " %d | %d | %d | %d |" % (row["crash"], row["hang"], row["wrong"], row["leak"])
        print(line)


if __name__ == "__main__":
    main()
