"""Sentence categories, stages and depth on every labelled set, new model beside the previous one.

Usage: python benchmarks/eval_reflection.py [--datasets DIR] [--previous REV] [--speed]

One run reports, for the shipped model and for the previous one (its npz, manifest and grader
read from git revision REV, default PREVIOUS_REV, into a temporary folder):

* sentence categories -- accuracy, macro-F1, Cohen's kappa and per-class precision/recall -- on
  CEReD val (mean confidence >= 3, the published protocol), the sentence bank's dev split (all,
  hard, not hard) and the labelled statements' test split; plus stage accuracy on the
  statements' test split (stage "none" counts as What?) and the calibration error of the top
  probability;
* depth -- document and paragraph level agreement (exact, within one, quadratic kappa) on the
  statements' test split and on the team's own documents (benchmarks/data/depth, dev and test).

The statements' dev split and the bank's dev split were used for selection and tuning and are
then in the final fit, so their figures are printed for reference only (the held-out bank dev
figure from selection is in models/reflection/manifest.json). Data folders default to
../shared/datasets (see models/reflection/data.py).
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "models" / "reflection"))

import data  # noqa: E402
import numpy as np  # noqa: E402

from pksb_reflect.analysis.reflection import classifier as clf  # noqa: E402
from pksb_reflect.analysis.reflection import report as grader  # noqa: E402
from pksb_reflect.analysis.segment import SegmentedDocument  # noqa: E402
from pksb_reflect.runtime import Runtime  # noqa: E402

PREVIOUS_REV = "5fd10a5"  # the CEReD-only model and the grader before issue 13
DEPTH_DATA = REPO / "benchmarks" / "data" / "depth" / "documents.jsonl"
LEVELS = (1, 2, 3, 4)


# --- the previous model and grader, from git history ---------------------------------------


def previous(rev: str, folder: Path) -> tuple[clf.ReflectionModel, ModuleType]:
    """The model and reflection module as they were at `rev` (loaded beside the new ones)."""
    model_dir = folder / "model"
    model_dir.mkdir()
    for name in (clf.MODEL_FILE, clf.MANIFEST_FILE):
        blob = subprocess.run(
            ["git", "-C", str(REPO), "show", f"{rev}:models/reflection/{name}"],
            check=True,
            capture_output=True,
        ).stdout
        (model_dir / name).write_bytes(blob)
    source = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{rev}:pksb_reflect/reflection.py"],
        check=True,
        capture_output=True,
    ).stdout
    path = folder / "reflection_previous.py"
    text = source.decode("utf-8")  # written before the layout: make its imports absolute
    text = text.replace("from .markers import", "from pksb_reflect.nlp.markers import")
    text = text.replace("from .segment import", "from pksb_reflect.analysis.segment import")
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("pksb_reflect._reflection_previous", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "pksb_reflect"
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return clf.load_model(model_dir), module


# --- figures -------------------------------------------------------------------------------


def category_figures(truth: Sequence[str], pred: Sequence[str]) -> dict:
    from sklearn.metrics import (
        accuracy_score,
        cohen_kappa_score,
        f1_score,
        precision_recall_fscore_support,
    )

    labels = list(clf.CATEGORIES)
    prec, rec, _, support = precision_recall_fscore_support(
        truth, pred, labels=labels, zero_division=0
    )
    return {
        "n": len(truth),
        "accuracy": accuracy_score(truth, pred),
        "macro_f1": f1_score(truth, pred, labels=labels, average="macro", zero_division=0),
        "kappa": cohen_kappa_score(truth, pred, labels=labels),
        "per_class": {
            c: (prec[i], rec[i], int(support[i])) for i, c in enumerate(labels) if support[i]
        },
    }


def calibration_error(probs: np.ndarray, truth: Sequence[str], bins: int = 10) -> float:
    """Expected calibration error of the top probability (equal-width bins)."""
    top = probs.max(1)
    right = np.array([clf.CATEGORIES[i] == t for i, t in zip(probs.argmax(1), truth, strict=True)])
    edges = np.linspace(0, 1, bins + 1)
    err = 0.0
    for lo, hi in itertools.pairwise(edges):
        mask = (top > lo) & (top <= hi)
        if mask.any():
            err += mask.mean() * abs(top[mask].mean() - right[mask].mean())
    return float(err)


def quadratic_kappa(gold: Sequence[int], pred: Sequence[int]) -> float:
    from sklearn.metrics import cohen_kappa_score

    if len(set(gold) | set(pred)) < 2:
        return float("nan")
    return float(cohen_kappa_score(gold, pred, labels=list(LEVELS), weights="quadratic"))


def level_figures(gold: Sequence[int], pred: Sequence[int]) -> dict:
    n = len(gold)
    pairs = list(zip(gold, pred, strict=True))
    return {
        "n": n,
        "exact": sum(g == p for g, p in pairs) / n if n else float("nan"),
        "within_one": sum(abs(g - p) <= 1 for g, p in pairs) / n if n else float("nan"),
        "qwk": quadratic_kappa(gold, pred),
    }


def show(title: str, new: dict, old: dict, keys: Sequence[str]) -> None:
    cells = "   ".join(f"{k} {new[k]:.3f} (was {old[k]:.3f})" for k in keys)
    print(f"{title:44s} n={new['n']:<4d} {cells}")


def show_classes(new: dict, old: dict) -> None:
    for c, (p, r, n) in new["per_class"].items():
        op, orr, _ = old["per_class"].get(c, (0.0, 0.0, n))
        print(f"    {c:12s} P {p:.2f} (was {op:.2f})  R {r:.2f} (was {orr:.2f})  n={n}")


# --- sentence sets -------------------------------------------------------------------------


def predict(model: clf.ReflectionModel, rows: list[dict], encode: Callable) -> np.ndarray:
    """Probabilities from the rows' sentences and neighbours, as classify_sentences computes."""
    texts = [r["sentence"] for r in rows]
    zero = np.zeros((1, 384), dtype=np.float32)

    def vecs(key: str) -> np.ndarray:
        return np.vstack([encode([r[key]]) if r[key] else zero for r in rows])

    feats = np.hstack([encode(texts), vecs("prev"), vecs("next")])
    return model.predict_proba(texts, feats).astype(np.float64)


def sentence_sets(root: Path) -> dict[str, list[dict]]:
    sets: dict[str, list[dict]] = {}
    val = data.cered(root / "cered-en", "val")
    sets["CEReD val, confidence >= 3"] = [r for r in val if r["conf"] >= 3]
    dev = data.bank(root / "reflective-sentences", "dev")
    sets["bank dev (selected on, then trained on) all"] = dev
    sets["bank dev (selected on, then trained on) hard"] = [r for r in dev if r["hard"]]
    sets["bank dev (selected on, then trained on) not hard"] = [r for r in dev if not r["hard"]]
    stmts = root / "statements"
    sets["statements dev (trained on)"] = data.statement_rows(data.statements(stmts, "dev"))
    sets["statements TEST"] = data.statement_rows(data.statements(stmts, "test"))
    return sets


# --- depth ---------------------------------------------------------------------------------


def depth_inputs(root: Path) -> list[dict]:
    """Documents to grade: the statements' test split and the team's 46 documents."""
    docs = []
    for split in ("dev", "test"):
        for s in data.statements(root / "statements", split):
            docs.append(
                {
                    "set": f"statements {split}",
                    "id": s["file"],
                    "text": data.statement_text(s),
                    "level": s["level"],
                    "paragraph_levels": [p["level"] for p in s["paragraphs"]],
                }
            )
    for line in DEPTH_DATA.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            docs.append(
                {
                    "set": f"team documents {row['split']}",
                    "id": row["id"],
                    "text": row["text"],
                    "level": row["level"],
                    "paragraph_levels": None,
                }
            )
    return docs


def grade_all(
    docs: list[dict], model: clf.ReflectionModel, module: ModuleType, runtime: Runtime
) -> list[tuple]:
    """(document level, paragraph levels) of every document through the real pipeline."""
    from pksb_reflect.analysis.segment import segment_many
    from pksb_reflect.io import ingest

    sources = [
        ingest.parse_bytes(d["text"].encode("utf-8"), name=f"doc{i}.txt", fmt="txt")
        for i, d in enumerate(docs)
    ]
    out = []
    for segmented in segment_many(sources, runtime.nlp):
        report = module.analyse_reflection(segmented, categories(segmented, model, runtime))
        out.append((report.document.level, [p.level for p in report.paragraphs]))
    return out


def categories(
    segmented: SegmentedDocument, model: clf.ReflectionModel, runtime: Runtime
) -> list[clf.SentenceCategory]:
    """Each sentence's category, with the sentences beside it in its paragraph as context."""
    sents = segmented.outline.sentences
    texts = [s.text for s in sents]
    contexts = []
    for i, s in enumerate(sents):
        before = texts[i - 1] if i > 0 and sents[i - 1].paragraph == s.paragraph else ""
        after = texts[i + 1] if i + 1 < len(sents) and sents[i + 1].paragraph == s.paragraph else ""
        contexts.append(" ".join(t for t in (before, s.text, after) if t))
    return clf.classify(model, texts, clf.context_embeddings(texts, contexts, runtime.encoder))


def depth_report(docs: list[dict], new: list[tuple], old: list[tuple]) -> None:
    for name in sorted({d["set"] for d in docs}):
        idx = [i for i, d in enumerate(docs) if d["set"] == name]
        gold = [docs[i]["level"] for i in idx]
        keys = ("exact", "within_one", "qwk")
        show(
            f"document level, {name}",
            level_figures(gold, [new[i][0] for i in idx]),
            level_figures(gold, [old[i][0] for i in idx]),
            keys,
        )
        pg, pn, po, skipped = [], [], [], 0
        for i in idx:
            labels = docs[i]["paragraph_levels"]
            if labels is None:
                continue
            if len(new[i][1]) != len(labels) or len(old[i][1]) != len(labels):
                skipped += 1
                continue
            pg += labels
            pn += new[i][1]
            po += old[i][1]
        if pg:
            show(f"paragraph level, {name}", level_figures(pg, pn), level_figures(pg, po), keys)
            if skipped:
                print(f"    ({skipped} document(s) segmented into a different paragraph count)")


def speed(
    model: clf.ReflectionModel, rows: list[dict], label: str, runtime: Runtime, repeats: int = 9
) -> None:
    """Median warm time of classifying 50 sentences in context, their embeddings cached.

    What classify_sentences does: context_embeddings (neighbours found in the contexts, every
    vector from the warm encoder cache) and then classify.
    """
    batch = rows[:50]
    sentences = [r["sentence"] for r in batch]
    contexts = [r["context"] for r in batch]

    def run() -> None:
        clf.classify(model, sentences, clf.context_embeddings(sentences, contexts, runtime.encoder))

    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    print(
        f"speed ({label}): classify_sentences, {len(batch)} sentences, warm, embeddings cached: "
        f"median "
        f"{statistics.median(times) * 1000:.1f} ms over {repeats} runs "
        f"(max {max(times) * 1000:.1f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=data.DATASETS)
    parser.add_argument("--previous", default=PREVIOUS_REV, help="git revision of the old model")
    parser.add_argument("--speed", action="store_true", help="also time 50 sentences warm")
    parser.add_argument("--no-depth", action="store_true", help="sentence figures only")
    args = parser.parse_args()
    try:
        sets = sentence_sets(args.datasets)
        docs = depth_inputs(args.datasets)
    except data.DataMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    runtime = Runtime()  # the on-disk embedding cache, as the package's default runtime uses
    encode = runtime.encoder.encode
    new_model = runtime.classifier
    with tempfile.TemporaryDirectory() as tmp:
        old_model, old_grader = previous(args.previous, Path(tmp))
        print(f"new: models/reflection (working tree); previous: {args.previous}\n")
        print("== sentence categories (new, was = previous model)")
        for name, rows in sets.items():
            truth = [r["y"] for r in rows]
            p_new, p_old = predict(new_model, rows, encode), predict(old_model, rows, encode)
            new = category_figures(truth, [clf.CATEGORIES[i] for i in p_new.argmax(1)])
            old = category_figures(truth, [clf.CATEGORIES[i] for i in p_old.argmax(1)])
            show(name, new, old, ("accuracy", "macro_f1", "kappa"))
            if not name.startswith("bank dev") or name.endswith("all"):
                show_classes(new, old)
            if name == "statements TEST":
                ece_new, ece_old = calibration_error(p_new, truth), calibration_error(p_old, truth)
                print(f"    calibration error (top probability): {ece_new:.3f} (was {ece_old:.3f})")
                stages(rows, p_new, p_old)
        if not args.no_depth:
            print("\n== depth (new grader and model; was = previous grader and model)")
            new_levels = grade_all(docs, new_model, grader, runtime)
            old_levels = grade_all(docs, old_model, old_grader, runtime)
            depth_report(docs, new_levels, old_levels)
        if args.speed:
            print()
            speed(new_model, sets["statements TEST"], "new", runtime)
            speed(old_model, sets["statements TEST"], "previous", runtime)
    return 0


def stages(rows: list[dict], p_new: np.ndarray, p_old: np.ndarray) -> None:
    """Stage accuracy from category alone (markers need the parse; depth covers them)."""
    truth = ["what" if r["stage"] == "none" else r["stage"] for r in rows]
    for label, probs in (("new", p_new), ("previous", p_old)):
        pred = [
            grader.sentence_stage(clf.CATEGORIES[i], float(p[i]), ()).stage
            for i, p in zip(probs.argmax(1), probs, strict=True)
        ]
        acc = sum(a == b for a, b in zip(truth, pred, strict=True)) / len(truth)
        print(f"    stage accuracy from categories ({label} model): {acc:.3f}")


if __name__ == "__main__":
    sys.exit(main())
