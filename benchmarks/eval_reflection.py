"""Evaluate the shipped reflection-category classifier on CEReD (English) val.tsv.

Usage: python benchmarks/eval_reflection.py [--data DIR] [--speed]

Loads the model through pksb_reflect.analysis.reflection.classifier.classify_sentences (the library entry point),
passing each row's CEReD context so that neighbour sentences are found as at run time. Prints
accuracy, macro-F1, per-class precision/recall/F1/support and Cohen's kappa on val sentences with
mean annotator confidence >= 3 (the published protocol) and on all of val, beside the published
anchor and the majority baseline. --speed also times classify_sentences on 50 sentences warm.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from pksb_reflect.analysis.reflection.classifier import CATEGORIES, classify_sentences  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "datasets" / "cered-en"
TRAIN_SCRIPT = REPO / "models" / "reflection" / "train.py"
ANCHOR = "XLM-RoBERTa-large (Nehyba & Štefánik 2022), EN test conf>=3: accuracy 0.794"


def load_rows(path: Path) -> list[dict]:
    """Sentence, context, label (Difficulties normalised) and mean confidence per row."""
    return _training_script().read_rows(path)


@functools.cache
def _training_script() -> ModuleType:
    """models/reflection/train.py, whose CEReD reader this evaluation shares."""
    spec = importlib.util.spec_from_file_location("reflection_train", TRAIN_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def report(title: str, truth: list[str], pred: list[str], majority: str) -> None:
    """Print the figures for one subset."""
    from sklearn.metrics import (
        accuracy_score,
        cohen_kappa_score,
        f1_score,
        precision_recall_fscore_support,
    )

    labels = list(CATEGORIES)
    acc = accuracy_score(truth, pred)
    macro = f1_score(truth, pred, labels=labels, average="macro", zero_division=0)
    kappa = cohen_kappa_score(truth, pred, labels=labels)
    base = sum(t == majority for t in truth) / len(truth)
    print(f"\n== {title} (n={len(truth)})")
    print(f"accuracy {acc:.3f}   macro-F1 {macro:.3f}   Cohen's kappa {kappa:.3f}")
    print(f"majority baseline ({majority}, from train): accuracy {base:.3f}")
    print(f"anchor: {ANCHOR}")
    prec, rec, f1, support = precision_recall_fscore_support(
        truth, pred, labels=labels, zero_division=0
    )
    print(f"{'class':12s} {'prec':>6s} {'rec':>6s} {'F1':>6s} {'support':>8s}")
    for i, label in enumerate(labels):
        print(f"{label:12s} {prec[i]:6.3f} {rec[i]:6.3f} {f1[i]:6.3f} {support[i]:8d}")


def speed(rows: list[dict], repeats: int = 9) -> None:
    """Median warm time of classify_sentences on 50 sentences with their embeddings given."""
    from pksb_reflect.nlp.encoder import get_encoder

    batch = rows[:50]
    sentences = [r["sentence"] for r in batch]
    contexts = [r["context"] for r in batch]
    embeddings = get_encoder().encode(sentences)
    classify_sentences(sentences, contexts, embeddings=embeddings)  # warm: model, cache
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        classify_sentences(sentences, contexts, embeddings=embeddings)
        times.append(time.perf_counter() - start)
    print(
        f"\nspeed: classify_sentences on {len(batch)} sentences, warm, embeddings given: "
        f"median {statistics.median(times) * 1000:.1f} ms over {repeats} runs "
        f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="CEReD-en folder")
    parser.add_argument("--speed", action="store_true", help="also time 50 sentences warm")
    args = parser.parse_args()
    val_path = args.data / "val.tsv"
    if not val_path.is_file():
        print(f"CEReD not found: {val_path} is absent (pass --data DIR)", file=sys.stderr)
        return 2
    try:
        import torch

        torch.set_num_threads(2)
    except ImportError:
        pass
    rows = load_rows(val_path)
    majority = "Other"
    train_path = args.data / "train.tsv"
    if train_path.is_file():
        labels = [r["y"] for r in load_rows(train_path)]
        majority = max(set(labels), key=labels.count)
    results = classify_sentences([r["sentence"] for r in rows], [r["context"] for r in rows])
    pred = [r.category for r in results]
    truth = [r["y"] for r in rows]
    keep = np.array([r["conf"] >= 3 for r in rows])
    report(
        "CEReD-en val, mean confidence >= 3",
        [t for t, k in zip(truth, keep, strict=True) if k],
        [p for p, k in zip(pred, keep, strict=True) if k],
        majority,
    )
    report("CEReD-en val, all sentences (reference)", truth, pred, majority)
    if args.speed:
        speed(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
