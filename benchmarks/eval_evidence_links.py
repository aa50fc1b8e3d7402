"""Check the paragraph-to-evidence link score on benchmarks/data/evidence_links.

Two splits, both our own writing, each a set of evidence items and statement paragraphs labelled
with the items they describe (most one, some none: hard negatives from the same sectors):

* dev: evidence.jsonl and paragraphs.jsonl (8 items x 16 paragraphs). SEMANTIC_THRESHOLD in
  pksb_reflect/analysis/evidence.py was chosen on this split, so its figures are optimistic.
* test: test.json (10 items x 23 paragraphs), written later by another writer, in other sectors,
  and held out: never choose or move a threshold on it (see the folder's README).

Pairs are scored within a split (its paragraphs x its items); `all` reports each split and then
the two pooled. For every split: the weakest true links and strongest false ones under
`evidence.link_score`, and precision, recall and F1 at the shipped threshold; the dev split also
gets the threshold sweep it was tuned with.

Usage: python benchmarks/eval_evidence_links.py [--split dev|test|all]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pksb_reflect.analysis import evidence  # noqa: E402
from pksb_reflect.analysis.reflection.classifier import split_sentences  # noqa: E402
from pksb_reflect.runtime import Runtime  # noqa: E402

DATA = ROOT / "benchmarks/data/evidence_links"
TUNED_ON = "dev"

Scored = tuple[float, bool, str, str]


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]


def load(split: str) -> tuple[list[dict], list[dict]]:
    """(evidence items, paragraphs) of one split."""
    if split == "dev":
        return _rows("evidence.jsonl"), _rows("paragraphs.jsonl")
    data = json.loads((DATA / "test.json").read_text())
    return data["evidence"], data["paragraphs"]


def score(items: list[dict], paragraphs: list[dict]) -> list[Scored]:
    """Every paragraph x item pair: (link score, gold, paragraph id, item id)."""
    known = {i["id"] for i in items}
    for paragraph in paragraphs:
        unknown = set(paragraph["links"]) - known
        if unknown:
            raise SystemExit(f"{paragraph['id']}: links to unknown items {sorted(unknown)}")
    encoder = Runtime().encoder  # the on-disk embedding cache, as the default runtime uses
    item_vectors = [encoder.encode(split_sentences(i["text"])) for i in items]
    scored: list[Scored] = []
    for paragraph in paragraphs:
        rows = encoder.encode(split_sentences(paragraph["text"]))
        for item, vectors in zip(items, item_vectors, strict=True):
            linked = item["id"] in paragraph["links"]
            scored.append((evidence.link_score(rows, vectors), linked, paragraph["id"], item["id"]))
    return scored


def counts(scored: list[Scored], threshold: float) -> tuple[int, int, int]:
    scores = np.array([s[0] for s in scored])
    gold = np.array([s[1] for s in scored])
    pred = scores >= threshold
    return int((pred & gold).sum()), int((pred & ~gold).sum()), int((~pred & gold).sum())


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def report(name: str, scored: list[Scored], *, sweep: bool) -> None:
    threshold = evidence.SEMANTIC_THRESHOLD
    positives = sorted(s for s in scored if s[1])
    negatives = sorted(s for s in scored if not s[1])
    tuned = " (threshold tuned on this split: optimistic)" if name == TUNED_ON else " (held out)"
    print(f"== {name}{tuned}: {len(scored)} pairs, {len(positives)} true links")
    print("weakest true links:", [(round(s, 3), p, i) for s, _, p, i in positives[:3]])
    print("strongest false links:", [(round(s, 3), p, i) for s, _, p, i in negatives[-3:]])
    if sweep:
        for t in np.arange(0.44, 0.62, 0.02):
            tp, fp, fn = counts(scored, float(t))
            print(f"threshold {t:.2f}: tp {tp} fp {fp} fn {fn}")
    tp, fp, fn = counts(scored, threshold)
    precision, recall, f1 = prf(tp, fp, fn)
    print(
        f"at shipped threshold {threshold}: tp {tp} fp {fp} fn {fn}  "
        f"precision {precision:.3f} recall {recall:.3f} F1 {f1:.3f}"
    )
    misses = [(round(s, 3), p, i) for s, g, p, i in scored if g != (s >= threshold)]
    if misses:
        print("errors at shipped threshold (score, paragraph, item):", sorted(misses))
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="all")
    args = parser.parse_args()
    print(
        f"SEMANTIC_THRESHOLD {evidence.SEMANTIC_THRESHOLD} was tuned on the {TUNED_ON} split; "
        "report held-out figures from test only.\n"
    )
    splits = ["dev", "test"] if args.split == "all" else [args.split]
    pooled: list[Scored] = []
    for split in splits:
        scored = score(*load(split))
        pooled.extend(scored)
        report(split, scored, sweep=split == TUNED_ON)
    if args.split == "all":
        tp, fp, fn = counts(pooled, evidence.SEMANTIC_THRESHOLD)
        precision, recall, f1 = prf(tp, fp, fn)
        print(
            f"== all (dev + test pooled, includes the tuning data): tp {tp} fp {fp} fn {fn}  "
            f"precision {precision:.3f} recall {recall:.3f} F1 {f1:.3f}"
        )


if __name__ == "__main__":
    main()
