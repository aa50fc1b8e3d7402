"""Check the paragraph-to-evidence link score on benchmarks/data/evidence_links.

The data are our own: 8 short evidence items and 16 statement paragraphs, each paragraph labelled
with the items it describes (most one, some none: hard negatives from the same sectors). Prints
the weakest true links and strongest false ones under `evidence.link_score`, and precision and
recall across thresholds; SEMANTIC_THRESHOLD in pksb_reflect/evidence.py was set from this.

Usage: python benchmarks/eval_evidence_links.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pksb_reflect import evidence  # noqa: E402
from pksb_reflect.classifier import split_sentences  # noqa: E402
from pksb_reflect.embeddings import get_encoder  # noqa: E402

DATA = ROOT / "benchmarks/data/evidence_links"


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]


def main() -> None:
    items = _rows("evidence.jsonl")
    paragraphs = _rows("paragraphs.jsonl")
    encoder = get_encoder()
    item_vectors = [encoder.encode(split_sentences(i["text"])) for i in items]
    scored: list[tuple[float, bool, str, str]] = []
    for paragraph in paragraphs:
        rows = encoder.encode(split_sentences(paragraph["text"]))
        for item, vectors in zip(items, item_vectors, strict=True):
            linked = item["id"] in paragraph["links"]
            scored.append((evidence.link_score(rows, vectors), linked, paragraph["id"], item["id"]))
    positives = sorted(s for s in scored if s[1])
    negatives = sorted(s for s in scored if not s[1])
    print("weakest true links:", [(round(s, 3), p, i) for s, _, p, i in positives[:3]])
    print("strongest false links:", [(round(s, 3), p, i) for s, _, p, i in negatives[-3:]])
    scores = np.array([s[0] for s in scored])
    gold = np.array([s[1] for s in scored])
    for threshold in np.arange(0.44, 0.62, 0.02):
        pred = scores >= threshold
        tp = int((pred & gold).sum())
        fp = int((pred & ~gold).sum())
        fn = int((~pred & gold).sum())
        print(f"threshold {threshold:.2f}: tp {tp} fp {fp} fn {fn}")
    print(f"in use: {evidence.SEMANTIC_THRESHOLD}")


if __name__ == "__main__":
    main()
