"""Agreement of the depth grader with our labelled statements (benchmarks/data/depth).

Runs the full pipeline -- ingest.parse_bytes -> segment -> classify -> analyse_reflection -- on
each document and compares the document level with its label, separately for the dev split
(used while writing the rules) and the test split (reported only).

    python benchmarks/eval_depth.py [--show-reasons] [--marker-proxy] [--split dev]

While tuning rules, run with `--split dev` so the test documents are neither graded nor shown.

The sentence classifier (pksb_reflect.analysis.reflection.classifier) must be installed with its model; if it is
not, the script stops with a message. `--marker-proxy` replaces it with a crude marker-based
stand-in, only to exercise the grader while the classifier is being built: its figures are not
the tool's figures.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pksb_reflect.analysis.reflection.report import analyse_reflection  # noqa: E402
from pksb_reflect.analysis.segment import SegmentedDocument, segment_many  # noqa: E402
from pksb_reflect.errors import ModelError  # noqa: E402
from pksb_reflect.io import ingest  # noqa: E402
from pksb_reflect.nlp.pipeline import load_pipeline  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "depth" / "documents.jsonl"
LEVELS = (1, 2, 3, 4)
CLASSIFIER_ENTRY_POINTS = ("classify_sentences", "classify", "predict")


class ProxyCategory:
    """A SentenceCategory stand-in derived from markers (for --marker-proxy only)."""

    def __init__(self, category: str) -> None:
        self.category = category
        self.probabilities = {category: 1.0}


def proxy_categories(segmented: SegmentedDocument) -> list[ProxyCategory]:
    """Crude categories from markers, so the grader can run before the classifier exists."""
    from pksb_reflect.nlp.markers import sentence_markers

    paragraphs = {p.index: p for p in segmented.outline.paragraphs}
    out = []
    for s in segmented.outline.sentences:
        p = paragraphs[s.paragraph]
        kinds = {m.kind for m in sentence_markers(segmented.docs[p.index],
                                                  s.start - p.start, s.end - p.start)}  # fmt: skip
        if "future_intention" in kinds:
            cat = "Intention"
        elif "change_growth" in kinds:
            cat = "Learning"
        elif "perspective" in kinds:
            cat = "Perspective"
        elif "feeling" in kinds:
            cat = "Feeling"
        elif kinds & {"mental_verb", "hedge", "causal", "wider_context"}:
            cat = "Reflection"
        else:
            cat = "Experience"
        out.append(ProxyCategory(cat))
    return out


def classifier_function() -> Callable[..., Sequence[Any]]:
    """The classifier's entry point, or exit with a clear message when it is not there."""
    try:
        from pksb_reflect.analysis.reflection import classifier
    except Exception as exc:
        sys.exit(f"eval_depth: the sentence classifier cannot be imported ({exc}).")
    for name in CLASSIFIER_ENTRY_POINTS:
        fn = getattr(classifier, name, None)
        if callable(fn):
            return fn
    sys.exit(
        "eval_depth: pksb_reflect.analysis.reflection.classifier has no entry point yet "
        f"(looked for {', '.join(CLASSIFIER_ENTRY_POINTS)}); it is still being written. "
        "Use --marker-proxy to exercise the grader without it."
    )


def classify(fn: Callable[..., Sequence[Any]], segmented: SegmentedDocument) -> Sequence[Any]:
    """Call the classifier with the sentence texts and whatever context it accepts."""
    texts = segmented.sentence_texts
    paragraphs = {p.index: p.text for p in segmented.outline.paragraphs}
    params = inspect.signature(fn).parameters
    kwargs: dict[str, Any] = {}
    if "contexts" in params:
        kwargs["contexts"] = [paragraphs[s.paragraph] for s in segmented.outline.sentences]
    try:
        return fn(texts, **kwargs)
    except ModelError as exc:
        sys.exit(f"eval_depth: the sentence classifier is not ready: {exc}")


def quadratic_kappa(gold: Sequence[int], pred: Sequence[int]) -> float:
    """Cohen's kappa with quadratic weights over levels 1-4."""
    k = len(LEVELS)
    n = len(gold)
    if n == 0:
        return float("nan")
    observed = [[0.0] * k for _ in range(k)]
    for g, p in zip(gold, pred, strict=True):
        observed[g - 1][p - 1] += 1
    row = [sum(r) for r in observed]
    col = [sum(observed[i][j] for i in range(k)) for j in range(k)]
    num = den = 0.0
    for i in range(k):
        for j in range(k):
            w = (i - j) ** 2 / (k - 1) ** 2
            num += w * observed[i][j]
            den += w * row[i] * col[j] / n
    return 1.0 - num / den if den else float("nan")


def report(name: str, gold: list[int], pred: list[int]) -> None:
    n = len(gold)
    exact = sum(g == p for g, p in zip(gold, pred, strict=True))
    within = sum(abs(g - p) <= 1 for g, p in zip(gold, pred, strict=True))
    print(f"\n== {name}: {n} documents")
    if not n:
        return
    print(f"exact agreement      {exact}/{n} = {exact / n:.2f}")
    print(f"within one level     {within}/{n} = {within / n:.2f}")
    print(f"quadratic kappa      {quadratic_kappa(gold, pred):.2f}")
    print("confusion (rows = label, columns = grader)")
    print("        " + "".join(f"  L{p}" for p in LEVELS))
    for g in LEVELS:
        cells = "".join(f"{sum(1 for a, b in zip(gold, pred, strict=True) if a == g and b == p):4d}"
                        for p in LEVELS)  # fmt: skip
        print(f"  L{g}    {cells}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--show-reasons", action="store_true")
    parser.add_argument("--marker-proxy", action="store_true",
                        help="use marker-derived categories instead of the classifier")  # fmt: skip
    parser.add_argument("--split", choices=("dev", "test", "all"), default="all",
                        help="grade only this split (tune with dev; report test once)")  # fmt: skip
    args = parser.parse_args(argv)

    fn = None if args.marker_proxy else classifier_function()
    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line]
    rows = [r for r in rows if args.split in ("all", r["split"])]
    sources = [
        ingest.parse_bytes(r["text"].encode("utf-8"), name=f"{r['id']}.txt", fmt="txt")
        for r in rows
    ]
    nlp = load_pipeline()
    results: dict[str, tuple[list[int], list[int]]] = {"dev": ([], []), "test": ([], [])}
    for row, segmented in zip(rows, segment_many(sources, nlp), strict=True):
        cats = proxy_categories(segmented) if fn is None else classify(fn, segmented)
        analysis = analyse_reflection(segmented, cats)
        level = analysis.document.level
        gold, pred = results[row["split"]]
        gold.append(row["level"])
        pred.append(level)
        flag = "" if level == row["level"] else "   <-- differs"
        print(f"{row['id']:40s} label L{row['level']}  grader L{level} "
              f"paragraphs {analysis.document.paragraph_levels}{flag}")  # fmt: skip
        if args.show_reasons:
            cat_line = " ".join(f"s{s.index}:{s.category[:4]}" for s in analysis.sentences)
            print(f"    categories: {cat_line}")
            for reason in analysis.document.reasons:
                print(f"    - {reason}")
    source = "marker proxy (NOT the classifier)" if fn is None else "classifier"
    print(f"\nsentence categories from: {source}")
    for split in ("dev", "test"):
        if args.split in ("all", split):
            report(split, *results[split])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
