#!/usr/bin/env python3
"""Summarises scripts/fuzz.sh logs (build/fuzz/<target>.log) as a Markdown table for docs/reliability.md.

  scripts/fuzz_report.py [LOG_DIR] [TARGET...]

Per target: run time, executions and rate, edges covered when the seed corpus was loaded and at the
end, features, corpus size, peak memory, and the outcome (a crash names its artifact).
"""
import os
import re
import sys


def summarise(path):
    text = open(path, errors="replace").read()
    row = {"target": os.path.basename(path)[:-4]}
    m = re.search(r"^#\d+\s+INITED cov: (\d+) ft: (\d+) corp: (\d+)", text, re.M)
    row["start_cov"] = m.group(1) if m else "?"
    done = re.findall(r"^#(\d+)\s+(?:DONE|REDUCE|NEW|pulse)\s+cov: (\d+) ft: (\d+) corp: (\d+)/", text, re.M)
    if done:
        row["cov"], row["ft"], row["corpus"] = done[-1][1], done[-1][2], done[-1][3]
    else:
        row["cov"] = row["ft"] = row["corpus"] = "?"
    stat = dict(re.findall(r"^stat::(\w+):\s+(\d+)", text, re.M))
    row["execs"] = stat.get("number_of_executed_units", "?")
    row["rate"] = stat.get("average_exec_per_sec", "?")
    row["rss"] = stat.get("peak_rss_mb", "?")
    m = re.search(r"^Done \d+ runs in (\d+) second", text, re.M)
    row["seconds"] = m.group(1) if m else "?"
    crash = re.search(r"Test unit written to (\S+)", text)
    if crash:
        kind = re.search(r"ERROR: (?:AddressSanitizer|libFuzzer|UndefinedBehaviorSanitizer): ([\w-]+)", text)
        row["outcome"] = "crash (%s): %s" % (kind.group(1) if kind else "signal", os.path.basename(crash.group(1)))
    else:
        row["outcome"] = "no crash" if row["seconds"] != "?" else "did not finish"
    return row


def main():
    log_dir = sys.argv[1] if len(sys.argv) > 1 else "build/fuzz"
    wanted = sys.argv[2:]
    names = sorted(f for f in os.listdir(log_dir) if f.endswith(".log") and f != "build.log")
    print("| target | seconds | executions | exec/s | edges at start -> end | features | corpus | peak RSS (MB) | outcome |")
    print("|---|---:|---:|---:|---|---:|---:|---:|---|")
    for n in names:
        if wanted and n[:-4] not in wanted:
            continue
        r = summarise(os.path.join(log_dir, n))
        print("| {target} | {seconds} | {execs} | {rate} | {start_cov} -> {cov} | {ft} | {corpus} | {rss} | {outcome} |".format(**r))


if __name__ == "__main__":
    main()
