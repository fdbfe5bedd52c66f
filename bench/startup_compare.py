#!/usr/bin/env python3
"""startup_compare.py [-n N] BINARY_A BINARY_B [ARGS...]: runs `BINARY ARGS` N times each,
interleaved (A, B, A, B, ...: the same machine load for both), and prints the mean and median wall
time per run and the difference and ratio B/A. Default ARGS: --version (process start: loader,
relocations, static initialisers, the C++ runtime). hyperfine is not installed on the CI machine;
this is its `-N` mode in a few lines."""
import argparse
import statistics
import subprocess
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("args", nargs="*", default=["--version"])
    o = ap.parse_args()
    args = o.args or ["--version"]
    times = {o.a: [], o.b: []}
    for binary in (o.a, o.b):  # warm-up: page cache
        for _ in range(5):
            subprocess.run([binary, *args], stdout=subprocess.DEVNULL, check=True)
    for _ in range(o.n):
        for binary in (o.a, o.b):
            t0 = time.perf_counter()
            subprocess.run([binary, *args], stdout=subprocess.DEVNULL, check=True)
            times[binary].append((time.perf_counter() - t0) * 1000)
    for binary, t in times.items():
        print(f"{binary}: mean {statistics.mean(t):.3f} ms, median {statistics.median(t):.3f} ms ({o.n} runs of {' '.join(args)})")
    ma, mb = statistics.median(times[o.a]), statistics.median(times[o.b])
    print(f"median difference B-A {mb - ma:+.3f} ms, ratio B/A {mb / ma:.3f}")


if __name__ == "__main__":
    main()
