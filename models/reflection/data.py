"""Readers for the three labelled sets the reflection model is trained and evaluated on.

None of the data is in this repository. Each reader takes the dataset folder (default
../shared/datasets/<name> beside the checkout) and raises DataMissing with a clear message when
it is absent.

* CEReD (English): ../shared/datasets/cered-en/{train,val}.tsv (machine-translated diaries).
* The in-domain sentence bank: ../shared/datasets/reflective-sentences/sentences.jsonl
  (700 library sentences with context, split train/dev).
* The labelled statements: ../shared/datasets/statements/labels.jsonl (21 statements, every body
  sentence labelled; split dev 13 / test 8 by statement).

Label conflicts resolved here, toward the statements' convention (the set we report on):

* A change in practice already made ("I now keep the forms locked", "These days every list gets
  checked") is Intention with stage now_what in the statements; the sentence bank's convention 6
  files it under Experience. Bank items whose own note says so ("change already made") are
  relabelled Intention.
* CEReD labels most "I would like to ..." as Intention; the statements file wishes under Other
  unless their notes say otherwise. CEReD rows are kept as they are (they are out of domain and
  weighted down).
"""

from __future__ import annotations

import ast
import csv
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from pksb_reflect.analysis.reflection import classifier as clf  # noqa: E402


def _datasets_dir() -> Path:
    """$PKSB_DATASETS, else ../shared/datasets beside the checkout (or beside its parent folder,
    for a git worktree one level deeper)."""
    override = os.environ.get("PKSB_DATASETS")
    if override:
        return Path(override)
    for base in (REPO.parent, REPO.parent.parent):
        if (base / "shared" / "datasets").is_dir():
            return base / "shared" / "datasets"
    return REPO.parent / "shared" / "datasets"


DATASETS = _datasets_dir()
CERED = DATASETS / "cered-en"
BANK = DATASETS / "reflective-sentences"
STATEMENTS = DATASETS / "statements"

_CHANGE_MADE = re.compile(r"change (already )?made|current practice after|already made", re.I)


class DataMissing(RuntimeError):
    """A dataset folder or file is absent."""


def _need(path: Path, what: str) -> Path:
    if not path.is_file():
        raise DataMissing(
            f"{what} not found: {path} is absent (pass its folder with the matching option)"
        )
    return path


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 read as cp1252/latin-1 (CEReD names such as "MiÅ¡a"); else keep the text."""
    for encoding in ("cp1252", "latin-1"):
        try:
            return text.encode(encoding).decode("utf-8")
        except UnicodeError:
            continue
    return text


def cered(folder: Path, split: str) -> list[dict]:
    """CEReD rows: sentence, context, prev, next, label (Difficulties normalised), confidence."""
    path = _need(folder / f"{split}.tsv", f"CEReD {split}")
    rows = []
    with path.open(newline="", encoding="utf-8") as handle:
        for raw in csv.DictReader(handle, delimiter="\t"):
            ratings = ast.literal_eval(raw["confidence"])
            sentence = fix_mojibake(raw["sentence"])
            context = fix_mojibake(raw["context"])
            prev, nxt = clf.neighbours(sentence, context)
            label = "Difficulty" if raw["y"] == "Difficulties" else raw["y"]
            rows.append(
                {
                    "sentence": sentence,
                    "context": context,
                    "prev": prev,
                    "next": nxt,
                    "y": label,
                    "conf": sum(ratings) / len(ratings),
                    "source": "cered",
                }
            )
    return rows


def bank(folder: Path, split: str | None = None) -> list[dict]:
    """Sentence-bank rows (optionally one split), with the "I now ..." conflict resolved."""
    path = _need(folder / "sentences.jsonl", "the reflective-sentences bank")
    rows = []
    for item in _items(path, split):
        label = item["category"]
        if label == "Experience" and _CHANGE_MADE.search(item.get("why", "")):
            label = "Intention"
        prev, nxt = clf.neighbours(item["sentence"], item["context"])
        rows.append(
            {
                "sentence": item["sentence"],
                "context": item["context"],
                "prev": prev,
                "next": nxt,
                "y": label,
                "hard": bool(item["hard"]),
                "split": item["split"],
                "source": "bank",
            }
        )
    return rows


def _items(path: Path, split: str | None) -> Iterator[dict]:
    """The JSON lines of a dataset file, only those of `split` when one is given."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            if split is None or item["split"] == split:
                yield item


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def statements(folder: Path, split: str | None = None) -> list[dict]:
    """Labelled statements: file, split, quality, document level, paragraphs of sentences.

    Each paragraph is {"level", "criterion", "sentences": [{"text", "category", "stage"}]};
    sentences are assigned to the paragraph whose first words they continue.
    """
    path = _need(folder / "labels.jsonl", "the labelled statements")
    out = []
    for item in _items(path, split):
        starts = [_norm(p["start"]) for p in item["paragraphs"]]
        paragraphs = [
            {"level": p["level"], "criterion": p.get("criterion"), "sentences": []}
            for p in item["paragraphs"]
        ]
        current = 0
        sents = item["sentences"]
        for i, s in enumerate(sents):
            ahead = _norm(" ".join(x["text"] for x in sents[i : i + 3]))
            nxt = current + 1
            if nxt < len(starts) and ahead.startswith(starts[nxt]):
                current = nxt
            elif not paragraphs[0]["sentences"] and ahead.startswith(starts[0]):
                current = 0
            paragraphs[current]["sentences"].append(
                {"text": s["text"], "category": s["category"], "stage": s["stage"]}
            )
        out.append(
            {
                "file": item["file"],
                "split": item["split"],
                "quality": item["quality"],
                "route": item["route"],
                "level": item["document_level"],
                "paragraphs": paragraphs,
            }
        )
    return out


def statement_rows(docs: list[dict]) -> list[dict]:
    """One row per labelled sentence, with its neighbours inside the same paragraph."""
    rows = []
    for doc in docs:
        for p_index, paragraph in enumerate(doc["paragraphs"]):
            texts = [s["text"] for s in paragraph["sentences"]]
            for i, s in enumerate(paragraph["sentences"]):
                prev = texts[i - 1] if i > 0 else ""
                nxt = texts[i + 1] if i + 1 < len(texts) else ""
                rows.append(
                    {
                        "sentence": s["text"],
                        "context": " ".join(t for t in (prev, s["text"], nxt) if t),
                        "prev": prev,
                        "next": nxt,
                        "y": s["category"],
                        "stage": s["stage"],
                        "file": doc["file"],
                        "paragraph": p_index,
                        "source": "statements",
                    }
                )
    return rows


def statement_text(doc: dict) -> str:
    """The statement's body as plain text: its labelled paragraphs, separated by blank lines."""
    return "\n\n".join(" ".join(s["text"] for s in p["sentences"]) for p in doc["paragraphs"])
