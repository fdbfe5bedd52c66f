#!/usr/bin/env python3
"""Fails a CI stage on a test that skipped without being expected to skip there.

ctest writes JUnit XML (--output-junit FILE); gtest's GTEST_SKIP and the browser check's exit 77
show there as skipped. tests/expected-skips.txt lists, per stage, the tests that may skip and why:
    STAGE  TEST-NAME-REGEX  reason...
A skip that no line of its stage matches fails the run, with the test's own skip message; every
expected skip is printed with its reason, so a skip is never silent.
   scripts/check-skips.py STAGE JUNIT.xml
"""
import os
import re
import sys
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def expected(stage):
    rules = []
    with open(os.path.join(ROOT, "tests", "expected-skips.txt"), encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 2)
            if len(parts) < 3:
                sys.exit(f"tests/expected-skips.txt:{number}: expected STAGE TEST-REGEX REASON")
            if parts[0] == stage:
                rules.append((re.compile(parts[1]), parts[2]))
    return rules


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: scripts/check-skips.py STAGE JUNIT.xml")
    stage, junit = sys.argv[1], sys.argv[2]
    rules = expected(stage)
    try:
        tree = ET.parse(junit)
    except (OSError, ET.ParseError) as e:
        sys.exit(f"check-skips: cannot read {junit}: {e}")
    unexpected = []
    for case in tree.iter("testcase"):
        skipped = case.find("skipped")
        if skipped is None and case.get("status") not in ("notrun", "disabled"):
            continue
        name = case.get("name", "?")
        why = ""
        out = case.find("system-out")
        if out is not None and out.text:
            m = re.search(r": Skipped\n([^\n]*)", out.text) or re.search(r"SKIP[^\n]*", out.text)
            why = (m.group(1) if m and m.groups() else m.group(0) if m else out.text.strip().splitlines()[-1])[:200]
        rule = next((r for r in rules if r[0].fullmatch(name)), None)
        if rule:
            print(f"skipped as expected in {stage}: {name} ({rule[1]})")
        else:
            unexpected.append(f"{name}: {why.strip()}")
    for u in unexpected:
        print(f"UNEXPECTED SKIP in {stage}: {u}", file=sys.stderr)
    if unexpected:
        print(f"{len(unexpected)} test(s) skipped that tests/expected-skips.txt does not expect in {stage}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
