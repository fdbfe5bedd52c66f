#!/usr/bin/env python3
"""Regenerate docs/kb.md's field reference from the KB's field tables (src/kb/schema.cpp).

The reference is what `torchdoctor kb show schema --format markdown` prints, between the markers
<!-- kb-schema:begin --> and <!-- kb-schema:end -->. A unit test (KbSchemaDocs) fails while the two
differ, so after changing a field table run:

  scripts/kb-schema-docs.py [TORCHDOCTOR]      # default: build/test/torchdoctor
  scripts/kb-schema-docs.py --check [TORCHDOCTOR]  # exit 1 when docs/kb.md is out of date
"""
import os
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DOC = os.path.join(ROOT, "docs", "kb.md")
BEGIN = "<!-- kb-schema:begin -->\n"
END = "<!-- kb-schema:end -->\n"


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    binary = args[0] if args else os.path.join(ROOT, "build", "test", "torchdoctor")
    generated = subprocess.run([binary, "kb", "show", "schema", "--format", "markdown"], check=True,
                               capture_output=True, text=True).stdout
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    if BEGIN not in text or END not in text:
        sys.exit(f"{DOC}: no {BEGIN.strip()} ... {END.strip()} markers")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    updated = head + BEGIN + generated + END + tail
    if updated == text:
        return 0
    if check:
        print(f"{DOC}: the field reference differs from the field tables; run scripts/kb-schema-docs.py")
        return 1
    with open(DOC, "w", encoding="utf-8") as f:
        f.write(updated)
    print(f"{DOC}: field reference regenerated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
