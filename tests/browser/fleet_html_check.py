#!/usr/bin/env python3
"""`fleet --format html` in a real headless browser (Debian's chromium).

Usage: fleet_html_check.py TORCHDOCTOR FIXTURE_ROOTS_DIR

Probes a few fixture trees into snapshots (one with a hostile hostname), writes the page and the
JSON of the same fleet, then loads the page in chromium --headless --dump-dom (scripts run, the DOM
after them is printed; console messages go to stderr with --enable-logging=stderr) and checks:
no console error, no injected element, the per-image counts equal the JSON's, and a filter (given as
page.html#filter=TEXT, which the page reads like typing into its box) hides exactly the profiles
that do not mention TEXT. Exits 77 (skipped) with the reason when chromium is missing.
"""
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
ROOTS = ["x86-nvidia-proprietary", "x86-nvidia-open", "x86-server-nogpu", "jetson-orin-l4t36", "jetson-nano-l4t32"]
IMAGES = ["pytorch/pytorch:2.11.0-cuda12.8-cudnn9-runtime", "dustynv/pytorch:2.7-r36.4.0", "pytorch/pytorch:2.1.0-cuda11.8-cudnn8-runtime"]
HOSTILE = "<img id=pwned src=x onerror=\"document.title='pwned'\">'&\"evil"


def browser():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def load(chrome, url, tmp):
    """The DOM after the page's scripts ran, and the console lines chromium logged."""
    r = subprocess.run([chrome, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                        "--user-data-dir=" + os.path.join(tmp, "profile"), "--enable-logging=stderr", "--v=0",
                        "--virtual-time-budget=2000", "--dump-dom", url],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        sys.exit(f"chromium exited {r.returncode}: {r.stderr[-2000:]}")
    console = [l for l in r.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l]
    return r.stdout, console


class Dom(html.parser.HTMLParser):
    """Rows of the matrix (hidden or not, their text), the count rows, #shown and every id."""

    def __init__(self):
        super().__init__()
        self.rows, self.counts, self.ids, self.shown, self.title = [], {}, set(), None, ""
        self._row = self._count = self._cell = None
        self._in_shown = self._in_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "tr" and a.get("class") == "p":
            self._row = {"hidden": "hidden" in a, "text": "", "codes": a.get("data-codes", ""), "nodes": int(a["data-nodes"])}
        elif tag == "tr" and a.get("class") == "counts":
            self._count = a["data-verdict"]
            self.counts[self._count] = []
        elif tag == "td" and self._count and a.get("class") == "count":
            self._cell = ""
        elif tag == "span" and a.get("id") == "shown":
            self._in_shown = True
            self.shown = ""
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag == "tr":
            self._count = None
        elif tag == "td" and self._cell is not None:
            self.counts[self._count].append(int(self._cell))
            self._cell = None
        elif tag == "span":
            self._in_shown = False
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._row is not None:
            self._row["text"] += data
        if self._cell is not None:
            self._cell += data
        if self._in_shown:
            self.shown += data
        if self._in_title:
            self.title += data


def main():
    td, roots = sys.argv[1], sys.argv[2]
    # Cross-built tests run the binary under an emulator (scripts/test-aarch64.sh sets TD_EMULATOR).
    emulator = os.environ.get("TD_EMULATOR", "").split()
    chrome = browser()
    if not chrome:
        print("SKIPPED: no chromium on PATH (scripts/bootstrap.sh installs it with the test packages)")
        return SKIP
    failures = []
    with tempfile.TemporaryDirectory(prefix="td-html-") as tmp:
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, "cache"))
        lines = []
        for r in ROOTS:
            p = subprocess.run(emulator + [td, "probe", "--root", os.path.join(roots, r), "--json"], capture_output=True, text=True, env=env)
            lines.append(json.dumps(json.loads(p.stdout)))
        hostile = json.loads(lines[0])
        hostile["hostname"]["value"] = HOSTILE
        lines.append(json.dumps(hostile))
        with open(os.path.join(tmp, "nodes.jsonl"), "w") as f:
            f.write("\n".join(lines) + "\n")
        base = emulator + [td, "fleet", os.path.join(tmp, "nodes.jsonl"), "--offline"] + [x for i in IMAGES for x in ("--image", i)]
        page = os.path.join(tmp, "fleet.html")
        h = subprocess.run(base + ["--format", "html", "--output", page], capture_output=True, text=True, env=env)
        if h.returncode not in (0, 1) or not os.path.exists(page):
            sys.exit(f"fleet --format html: exit {h.returncode}: {h.stderr}")
        doc = json.loads(subprocess.run(base + ["--json"], capture_output=True, text=True, env=env).stdout)
        if not any(n["name"] == HOSTILE for n in doc["nodes"]):
            failures.append("the hostile node is not in the JSON")

        dom_text, console = load(chrome, "file://" + page, tmp)
        dom = Dom()
        dom.feed(dom_text)
        if console:
            failures.append("console messages: " + "; ".join(console))
        if "pwned" in dom.ids or dom.title == "pwned":
            failures.append("a node name became markup")
        if HOSTILE not in "".join(r["text"] for r in dom.rows):
            failures.append("the hostile node name is not shown as text")
        for key, verdict in (("runs", "runs"), ("does_not_run", "does-not-run"), ("undetermined", "undetermined")):
            want = [im[key] for im in doc["images"]]
            if dom.counts.get(verdict) != want:
                failures.append(f"{verdict} counts: page {dom.counts.get(verdict)}, JSON {want}")
        if sum(r["nodes"] for r in dom.rows) != len(doc["nodes"]) or len(dom.rows) != doc["profiles"]:
            failures.append(f"rows: {len(dom.rows)} profiles / {sum(r['nodes'] for r in dom.rows)} nodes, JSON {doc['profiles']} / {len(doc['nodes'])}")
        if any(r["hidden"] for r in dom.rows):
            failures.append("rows hidden without a filter")

        for term in ("GPU_ARCH_MISSING", "x86-server", "no such node at all"):
            dom_text, console = load(chrome, "file://" + page + "#filter=" + term.replace(" ", "%20"), tmp)
            f = Dom()
            f.feed(dom_text)
            if console:
                failures.append(f"filter {term!r}: console messages: " + "; ".join(console))
            want = [not (term.lower() in r["text"].lower() or term.lower() in r["codes"].lower()) for r in f.rows]
            got = [r["hidden"] for r in f.rows]
            if got != want or len(f.rows) != len(dom.rows):
                failures.append(f"filter {term!r}: hidden {got}, expected {want}")
            nodes = sum(r["nodes"] for r in f.rows if not r["hidden"])
            if not (f.shown or "").startswith(f"{nodes} nodes"):
                failures.append(f"filter {term!r}: shown {f.shown!r}, expected {nodes} nodes")
            if term == "no such node at all" and not all(got):
                failures.append("a filter matching nothing left rows shown")
            if term == "GPU_ARCH_MISSING" and all(got):
                failures.append("GPU_ARCH_MISSING matched no row (the fixtures should have one)")
    for f in failures:
        print("FAIL:", f)
    print("ok" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
