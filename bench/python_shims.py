#!/usr/bin/env python3
"""Doctor and probe with pyenv-style shims on PATH against a plain PATH, side by side in one run.

Builds a fake pyenv root in a temporary folder, as pyenv lays it out: shims/python3 is a bash script
that re-executes the real interpreter (pyenv's own shims run `pyenv exec`, slower still), and
versions/<v>/bin/python3 links to the real /usr/bin/python3; $PYENV_ROOT/version names <v>. The
commands are timed in interleaved rounds (one run of each per round) so that load on the shared
machine hits all of them alike; medians and the ratio shims / plain are printed.

Targets (issue 20): the doctor with shims on PATH no slower than 1.5x the doctor with a plain PATH;
`probe --json` 5 ms or less without a GPU.

Usage: bench/python_shims.py [BUILD_DIR] [ROUNDS] [BEFORE_BINARY]   (default build/release, 100 rounds)
BEFORE_BINARY: an older torchdoctor (one that runs the shim) timed in the same rounds, for comparison.
Writes bench/out/python_shims.txt.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time


def main() -> int:
    build = sys.argv[1] if len(sys.argv) > 1 else "build/release"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    binary = os.path.abspath(os.path.join(build, "torchdoctor"))
    if not os.access(binary, os.X_OK):
        print(f"no {binary}: build first", file=sys.stderr)
        return 2
    real = os.path.realpath("/usr/bin/python3")
    version = "3.%d.99" % sys.version_info[1]
    with tempfile.TemporaryDirectory() as work:
        root = os.path.join(work, ".pyenv")
        os.makedirs(os.path.join(root, "shims"))
        os.makedirs(os.path.join(root, "versions", version, "bin"))
        os.symlink(real, os.path.join(root, "versions", version, "bin", "python3"))
        shim = os.path.join(root, "shims", "python3")
        with open(shim, "w") as f:
            f.write(f'#!/usr/bin/env bash\nset -e\nexport PYENV_ROOT="{root}"\nexec "{root}/versions/{version}/bin/python3" "$@"\n')
        os.chmod(shim, 0o755)
        with open(os.path.join(root, "version"), "w") as f:
            f.write(version + "\n")
        home = os.path.join(work, "home")
        os.makedirs(home)
        base = {"HOME": home, "XDG_CACHE_HOME": os.path.join(work, "cache"), "LANG": "C.UTF-8"}
        plain = dict(base, PATH="/usr/bin:/bin")
        shims = dict(base, PATH=f"{root}/shims:/usr/bin:/bin", PYENV_ROOT=root)
        cases = [
            ("doctor, plain PATH", [binary], plain),
            ("doctor, pyenv shims on PATH", [binary], shims),
            ("probe --json, plain PATH", [binary, "probe", "--json"], plain),
            ("probe --json, pyenv shims on PATH", [binary, "probe", "--json"], shims),
            ("the shim itself (python3 -E -c pass)", [shim, "-E", "-c", "pass"], shims),
        ]
        if len(sys.argv) > 3:
            before = os.path.abspath(sys.argv[3])
            cases.insert(2, ("before: doctor, pyenv shims on PATH", [before], shims))
            cases.append(("before: probe --json, pyenv shims on PATH", [before, "probe", "--json"], shims))
        for _, argv, env in cases:  # warm the caches and the page cache
            for _ in range(5):
                subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times = {name: [] for name, _, _ in cases}
        for _ in range(rounds):
            for name, argv, env in cases:
                t0 = time.perf_counter()
                subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
                times[name].append((time.perf_counter() - t0) * 1000)
        lines = [
            f"date: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}",
            f"machine: {os.uname().machine}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}",
            f"binary: {binary}; interpreter behind the shim: {real}; {rounds} interleaved rounds",
        ]
        med = {n: statistics.median(v) for n, v in times.items()}
        for name, v in times.items():
            lines.append(f"{name:40s} median {med[name]:7.2f} ms  min {min(v):7.2f} ms")
        lines.append(f"ratio doctor shims / plain: {med['doctor, pyenv shims on PATH'] / med['doctor, plain PATH']:.2f}x (target <= 1.5x)")
        lines.append(f"ratio probe shims / plain:  {med['probe --json, pyenv shims on PATH'] / med['probe --json, plain PATH']:.2f}x")
    os.makedirs("bench/out", exist_ok=True)
    with open("bench/out/python_shims.txt", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
