"""Tune the depth grader's thresholds on dev documents only (never on a test split).

Usage: python benchmarks/tune_depth.py [--datasets DIR] [--model-dir DIR] [--top N]

Parses and classifies the statements' dev split and the team's dev documents
(benchmarks/data/depth, split "dev") once, then grades them under every combination in GRID
(module constants of pksb_reflect.analysis.reflection.report) and prints the combinations with
the best mean of document exact agreement (statements dev and team dev) and paragraph exact
agreement (statements dev). The chosen values are then written into report.py by hand.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "models" / "reflection"))

import data  # noqa: E402
import eval_reflection as ev  # noqa: E402

from pksb_reflect.analysis.reflection import report as grader  # noqa: E402

GRID = {
    "UNSURE_PROBABILITY": (0.5, 0.8),
    "IMPLICIT_PROBABILITY": (0.4, 0.6, 1.1),
    "DIALOGIC_CATEGORIES": (frozenset(), frozenset({"Reflection"})),
    "DESCRIPTION_MARKERS_COUNT": (True, False),
    "MIN_REFLECTIVE_SHARE": (0.25, 0.4),
    "DOC_SHARE_2": (0.3, 0.5),
    "DOC_SHARE_3": (0.2, 0.35, 0.5),
    "DOC_CRITICAL_PARAGRAPHS": (1, 2),
    "PARAGRAPH_DIALOGIC_NEED": (1, 2),
    "STRUCTURE_COUNTS": (True, False),
}


def sentence_reflections(docs: list[dict], model_dir: Path | None) -> list[list]:
    """Each document's SentenceReflection list (parse and classifier run once)."""
    from pksb_reflect.analysis.reflection import classifier as clf
    from pksb_reflect.analysis.segment import segment_many
    from pksb_reflect.io import ingest
    from pksb_reflect.runtime import Runtime

    runtime = Runtime()  # the on-disk embedding cache, as the package's default runtime uses
    model = runtime.classifier if model_dir is None else clf.load_model(model_dir)
    sources = [
        ingest.parse_bytes(d["text"].encode("utf-8"), name=f"doc{i}.txt", fmt="txt")
        for i, d in enumerate(docs)
    ]
    out = []
    for segmented in segment_many(sources, runtime.nlp):
        out.append(
            grader._sentence_reflections(segmented, ev.categories(segmented, model, runtime))
        )
    return out


def score(docs: list[dict], built: list[list]) -> dict[str, float]:
    doc_hits: dict[str, list[bool]] = {}
    para_hits: list[bool] = []
    for d, sentences in zip(docs, built, strict=True):
        report = grader.grade_sentences(sentences)
        doc_hits.setdefault(d["set"], []).append(report.document.level == d["level"])
        labels = d["paragraph_levels"]
        if labels is not None and len(labels) == len(report.paragraphs):
            para_hits += [p.level == g for p, g in zip(report.paragraphs, labels, strict=True)]
    out = {k: sum(v) / len(v) for k, v in doc_hits.items()}
    out["paragraphs"] = sum(para_hits) / max(len(para_hits), 1)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=data.DATASETS)
    parser.add_argument("--model-dir", type=Path)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    docs = [d for d in ev.depth_inputs(args.datasets) if d["set"].endswith("dev")]
    built = sentence_reflections(docs, args.model_dir)
    names = list(GRID)
    results = []
    for values in itertools.product(*(GRID[n] for n in names)):
        for n, v in zip(names, values, strict=True):
            setattr(grader, n, v)
        figures = score(docs, built)
        results.append((sum(figures.values()) / len(figures), figures, values))
    results.sort(key=lambda r: -r[0])
    for mean, figures, values in results[: args.top]:
        shown = ", ".join(f"{k} {v:.2f}" for k, v in figures.items())
        setting = ", ".join(
            f"{n}={sorted(v) if isinstance(v, frozenset) else v}"
            for n, v in zip(names, values, strict=True)
        )
        print(f"{mean:.3f}  [{shown}]  {setting}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
