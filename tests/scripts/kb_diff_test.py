#!/usr/bin/env python3
"""scripts/kb-diff.py's diff logic on a saved sample of the index's torch JSON document
(tests/fixtures/kb-diff/torch-index-sample.json: 2.5.1, 2.6.0, 2.9.1, 2.15.0, wheel names only)."""
import copy
import importlib.util
import json
import os
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
spec = importlib.util.spec_from_file_location("kb_diff", os.path.join(ROOT, "scripts", "kb-diff.py"))
kb_diff = importlib.util.module_from_spec(spec)
spec.loader.exec_module(kb_diff)

with open(os.path.join(ROOT, "tests", "fixtures", "kb-diff", "torch-index-sample.json"), encoding="utf-8") as f:
    SAMPLE = json.load(f)


class KbDiff(unittest.TestCase):
    def setUp(self):
        if kb_diff.tomllib is None:
            self.skipTest("Python 3.11+ (tomllib) needed")
        self.kb = kb_diff.load_kb()
        self.releases = kb_diff.index_releases(SAMPLE)

    def test_wheel_tags(self):
        self.assertEqual(kb_diff.python_of("cp313", "cp313t"), "3.13t")
        self.assertEqual(kb_diff.python_of("cp39", "none"), "3.9")
        self.assertIsNone(kb_diff.python_of("py3", "none"))
        self.assertEqual(kb_diff.platform_of("manylinux_2_28_aarch64"), ("linux-aarch64", "2.28"))
        self.assertEqual(kb_diff.platform_of("manylinux2014_aarch64"), ("linux-aarch64", "2.17"))
        self.assertEqual(kb_diff.platform_of("macosx_11_0_arm64"), (None, None))

    def test_sample_is_read(self):
        self.assertEqual(sorted(self.releases, key=kb_diff.vkey), ["2.5.1", "2.6.0", "2.9.1", "2.15.0"])
        self.assertIn("3.13", self.releases["2.5.1"]["python"]["linux-x86_64"])
        self.assertNotIn("3.13", self.releases["2.5.1"]["python"]["linux-aarch64"])
        self.assertEqual(self.releases["2.6.0"]["glibc"]["linux-aarch64"], "2.28")

    def test_the_kb_agrees_with_the_sample(self):
        self.assertEqual(kb_diff.diff_index(self.kb, self.releases), [])

    def test_a_missing_python_and_release_are_reported(self):
        kb = copy.deepcopy(self.kb)
        rel = next(r for r in kb["torch_release"] if r["version"] == "2.5.1")
        rel["python"] = [p for p in rel["python"] if p != "3.13"]
        kb["torch_release"] = [r for r in kb["torch_release"] if r["version"] != "2.15.0"]
        lines = kb_diff.diff_index(kb, self.releases)
        self.assertIn("torch 2.5.1 linux-x86_64: the index has 3.13, the KB does not list", lines)
        self.assertTrue(any(line.startswith("torch 2.15.0: on the index") for line in lines), lines)

    def test_a_wrong_glibc_and_platform_are_reported(self):
        kb = copy.deepcopy(self.kb)
        for w in kb["torch_wheel"]:
            if w["torch"] == "2.6.0" and "linux-aarch64" in w.get("platforms", []):
                w["platforms"] = [p for p in w["platforms"] if p != "linux-aarch64"]
            if w["torch"] == "2.9.1" and w.get("index") == "pypi":
                w["glibc"] = "2.17"
        lines = kb_diff.diff_index(kb, self.releases)
        self.assertIn("torch 2.6.0: the index has linux-aarch64 wheels, no [[torch_wheel]] of the KB lists linux-aarch64", lines)
        self.assertTrue(any(line.startswith("torch 2.9.1+") and "glibc 2.17 in the KB" in line for line in lines), lines)

    def test_tags(self):
        lines = kb_diff.diff_tags(self.kb, ["2.6.0-cuda12.4-cudnn9-runtime", "2.6.0-cuda99.9-cudnn9-runtime"], ["24.05-py3", "23.02-py3", "23.02-py3-igpu"])
        self.assertIn("pytorch/pytorch:2.6.0-cuda99.9-cudnn9-runtime: on the registry, not in the KB", lines)
        self.assertIn("nvcr.io/nvidia/pytorch:23.02-py3: on the registry, not in the KB", lines)
        self.assertNotIn("nvcr.io/nvidia/pytorch:24.05-py3: on the registry, not in the KB", lines)


if __name__ == "__main__":
    unittest.main()
