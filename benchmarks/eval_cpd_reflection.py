"""Check the CPD reflection rule (lexical or semantic) on benchmarks/data/cpd_reflection.

Two splits, both our own writing, each a list of CPD activities and revalidation-statement
sentences, every activity labelled with the sentences that reflect on it (or none):

* dev: pairs.json (14 activities x 10 sentences). SEMANTIC_THRESHOLD in pksb_reflect/cpd.py was
  chosen on this split, so its figures are optimistic.
* test: test.json (16 activities x 13 sentences), written later by another writer, about other
  activities in another sector, and held out: never choose or move a threshold on it (see the
  folder's README).

Scoring is per activity, as `cpd.reflect` decides it: reflected when some sentence shares enough
distinctive words with it, or is at least SEMANTIC_THRESHOLD similar. For every split: each
activity's best semantic score and lexical hit, and precision, recall and F1 at the shipped
threshold; the dev split also gets the threshold sweep it was tuned with. `all` reports each split
and then the two pooled.

Usage: python benchmarks/eval_cpd_reflection.py [--split dev|test|all]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pksb_reflect.analysis import cpd  # noqa: E402
from pksb_reflect.runtime import Runtime  # noqa: E402

DATA = ROOT / "benchmarks/data/cpd_reflection"
FILES = {"dev": "pairs.json", "test": "test.json"}
TUNED_ON = "dev"


def evaluate(split: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Print each activity's scores; return (best semantic score, lexical match, gold)."""
    data = json.loads((DATA / FILES[split]).read_text())
    sentences = data["sentences"]
    activities = data["activities"]
    for a in activities:
        if any(not 0 <= s < len(sentences) for s in a["sentences"]):
            raise SystemExit(f"{split}: {a['text']!r} points past the {len(sentences)} sentences")
    encoder = Runtime().encoder
    queries = [" ".join(cpd.distinctive_words(a["text"])) or a["text"] for a in activities]
    sims = encoder.encode(queries) @ encoder.encode(sentences).T
    lexical = []
    for i, activity in enumerate(activities):
        distinct = {w[: cpd.STEM_CHARS] for w in cpd.distinctive_words(activity["text"])}
        need = min(cpd.LEXICAL_MIN_HITS, max(len(distinct), 1))
        hits = max(cpd.lexical_hits(activity["text"], s) for s in sentences)
        lexical.append(bool(distinct) and hits >= need)
        print(
            f"{i:2d} gold={bool(activity['sentences'])!s:5} sem={sims[i].max():.3f} "
            f"lexical={lexical[-1]!s:5} {queries[i]!r}"
        )
    gold = np.array([bool(a["sentences"]) for a in activities])
    return sims.max(axis=1), np.array(lexical), gold


def counts(best: np.ndarray, lexical: np.ndarray, gold: np.ndarray, t: float) -> tuple[int, ...]:
    pred = (best >= t) | lexical
    return int((pred & gold).sum()), int((pred & ~gold).sum()), int((~pred & gold).sum())


def prf_line(tp: int, fp: int, fn: int) -> str:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f"tp {tp} fp {fp} fn {fn}  precision {precision:.3f} recall {recall:.3f} F1 {f1:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="all")
    args = parser.parse_args()
    threshold = cpd.SEMANTIC_THRESHOLD
    print(
        f"SEMANTIC_THRESHOLD {threshold} was tuned on the {TUNED_ON} split; "
        "report held-out figures from test only.\n"
    )
    splits = ["dev", "test"] if args.split == "all" else [args.split]
    pooled = []
    for split in splits:
        tuned = " (threshold tuned on this split: optimistic)" if split == TUNED_ON else ""
        print(f"== {split}{tuned or ' (held out)'}")
        best, lexical, gold = evaluate(split)
        pooled.append((best, lexical, gold))
        if split == TUNED_ON:
            for t in np.arange(0.36, 0.56, 0.02):
                tp, fp, fn = counts(best, lexical, gold, float(t))
                print(f"threshold {t:.2f}: tp {tp} fp {fp} fn {fn}")
        print(
            f"{split} at shipped threshold {threshold}: "
            f"{prf_line(*counts(best, lexical, gold, threshold))}\n"
        )
    if args.split == "all":
        best, lexical, gold = (np.concatenate(parts) for parts in zip(*pooled, strict=True))
        print(
            "== all (dev + test pooled, includes the tuning data): "
            f"{prf_line(*counts(best, lexical, gold, threshold))}"
        )


if __name__ == "__main__":
    main()
