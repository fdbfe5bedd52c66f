#!/usr/bin/env python3
"""A recording stand-in for `docker`/`podman` (this machine has no container engine).

Every call appends its argv as one JSON line to $FAKE_DOCKER_LOG. `run` behaves like a container
whose file system is this machine's plus the bind mounts: the command after the image is executed
here, with every argument that names a mount target (or a folder holding mount targets) redirected
into a scratch tree of symlinks to the mount sources. $FAKE_DOCKER_MODE changes the answer:
  run   (default) run the command as described;
  fail  print the daemon error users meet without the NVIDIA toolkit and exit 125;
  hang  never answer (the caller's timeout must end it);
  junk  print something that is not JSON and exit 0.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

WITH_VALUE = {"--gpus", "--runtime", "--device", "--ulimit", "-v", "--volume", "--mount", "-w", "--workdir", "--user", "-u",
              "--group-add", "-e", "--env", "-p", "--publish", "--name", "--security-opt", "--shm-size", "--ipc", "--userns"}


def main():
    argv = sys.argv[1:]
    log = os.environ.get("FAKE_DOCKER_LOG")
    if log:
        with open(log, "a") as f:
            f.write(json.dumps(argv) + "\n")
    if not argv or argv[0] != "run":
        return 0
    mode = os.environ.get("FAKE_DOCKER_MODE", "run")
    if mode == "fail":
        sys.stderr.write('docker: Error response from daemon: could not select device driver "" with capabilities: [[gpu]].\n')
        return 125
    if mode == "hang":
        time.sleep(3600)
        return 0
    if mode == "junk":
        print("this is not JSON")
        return 0
    mounts = []
    i = 1
    while i < len(argv):
        a = argv[i]
        if a in WITH_VALUE:
            if a in ("-v", "--volume"):
                parts = argv[i + 1].split(":")
                mounts.append((parts[0], parts[1]))
            i += 2
        elif a.startswith("-"):
            i += 1
        else:
            break
    command = argv[i + 1:]
    if not command:
        sys.stderr.write("fake docker: no command after the image\n")
        return 125
    root = tempfile.mkdtemp(prefix="fake-docker-")
    for src, dst in mounts:
        os.makedirs(os.path.dirname(root + dst), exist_ok=True)
        os.symlink(src, root + dst)

    def redirect(arg):
        for _, dst in mounts:
            if arg == dst or dst.startswith(arg.rstrip("/") + "/") or arg.startswith(dst + "/"):
                return root + arg
        return arg

    command = [redirect(a) for a in command]
    # Run, then remove the scratch tree (symlinks only: the mount sources are not touched).
    try:
        code = subprocess.call(command)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
