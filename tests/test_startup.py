"""`pksb-reflect --help` must stay instant: no torch, spaCy or sentence-transformers at start-up.

This is a behaviour test (which modules are imported), not a timing test.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "torch",
    "spacy",
    "sentence_transformers",
    "transformers",
    "thinc",
    "sklearn",
    "onnxruntime",
    "tokenizers",
)

PROBE = """
import json, sys
from pksb_reflect import cli
for argv in ([], ["--help"], ["check", "--help"], ["review", "--help"], ["compare", "--help"]):
    assert cli.main(argv) in (0, 2), argv
print(json.dumps(sorted(m.split(".")[0] for m in sys.modules)))
"""


def test_help_imports_no_heavy_library() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_importtime_of_cli_lists_no_heavy_library() -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import pksb_reflect.cli"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in done.stderr.splitlines()}
    assert not imported & set(HEAVY)
