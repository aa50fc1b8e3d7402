"""Train the sentence classifier of reflection categories on CEReD (English) and ship it here.

Usage: python models/reflection/train.py [--data DIR] [--out DIR] [--seed N]

Reads DIR/train.tsv (fitting) and DIR/val.tsv (figures written into manifest.json only; nothing
is selected on them here). DIR defaults to ../shared/datasets/cered-en relative to the repository
root. Writes reflection.npz (numpy arrays, loaded without pickle) and manifest.json with its
sha256. Needs scikit-learn (training only) and the project's all-MiniLM-L6-v2 encoder.

The model (see pksb_reflect/classifier.py): four logistic-regression heads, two on lexical
features (word 1-2 gram and character 2-5 gram TF-IDF plus cue-word counts; C=10 plain and C=30
class-balanced) and two on [sentence, previous, next] MiniLM embeddings (C=1 plain and
class-balanced), stacked by a logistic regression over their log-probabilities fitted on 5-fold
out-of-fold predictions. These settings were chosen by 5-fold cross-validation inside train.tsv.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from pksb_reflect.analysis.reflection import classifier as clf  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "datasets" / "cered-en"
SEED = 13
CUE_WEIGHT = 0.3
LEX_HEADS = ((10.0, None), (30.0, "balanced"))  # (C, class_weight)
EMB_HEADS = ((1.0, None), (1.0, "balanced"))
META_C = 1.0
FOLDS = 5
TRAINED_ON = "2026-11-27"


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 read as cp1252/latin-1 (CEReD names such as "MiÅ¡a"); else keep the text."""
    for encoding in ("cp1252", "latin-1"):
        try:
            return text.encode(encoding).decode("utf-8")
        except UnicodeError:
            continue
    return text


def read_rows(path: Path) -> list[dict]:
    """Rows of a CEReD tsv: sentence and context (mojibake undone), label, mean confidence."""
    rows = []
    with path.open(newline="", encoding="utf-8") as handle:
        for raw in csv.DictReader(handle, delimiter="\t"):
            ratings = ast.literal_eval(raw["confidence"])
            rows.append(
                {
                    "sentence": fix_mojibake(raw["sentence"]),
                    "context": fix_mojibake(raw["context"]),
                    "y": "Difficulty" if raw["y"] == "Difficulties" else raw["y"],
                    "conf": sum(ratings) / len(ratings),
                }
            )
    return rows


def load_split(path: Path) -> list[dict]:
    """Rows of a CEReD tsv: sentence, its neighbours from the context, label, mean confidence."""
    rows = []
    for row in read_rows(path):
        prev, nxt = clf.neighbours(row["sentence"], row["context"])
        rows.append(
            {
                "sentence": row["sentence"],
                "prev": prev,
                "next": nxt,
                "y": clf.CATEGORIES.index(row["y"]),
                "conf": row["conf"],
            }
        )
    return rows


def embed(rows: list[dict]) -> np.ndarray:
    """[sentence, previous, next] embeddings with zero vectors for absent neighbours."""
    from pksb_reflect.nlp.encoder import EMBEDDING_DIM, get_encoder

    texts = sorted({r[k] for r in rows for k in ("sentence", "prev", "next") if r[k]})
    vectors = dict(zip(texts, get_encoder().encode(texts), strict=True))
    zero = np.zeros(EMBEDDING_DIM, dtype=np.float32)
    return np.stack(
        [
            np.concatenate(
                [vectors.get(r[k], zero) if r[k] else zero for k in ("sentence", "prev", "next")]
            )
            for r in rows
        ]
    )


def log_probs(prob: np.ndarray) -> np.ndarray:
    """The meta head's inputs, clipped exactly as at run time."""
    return np.log(np.clip(prob, 1e-6, 1.0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="CEReD-en folder")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    if not (args.data / "train.tsv").is_file():
        print(
            f"CEReD not found: {args.data}/train.tsv is absent (pass --data DIR)", file=sys.stderr
        )
        return 2

    os.environ.setdefault("OMP_NUM_THREADS", "2")
    import scipy.sparse as sp
    import torch
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.preprocessing import StandardScaler

    torch.set_num_threads(2)
    np.random.seed(args.seed)
    start = time.time()
    train = load_split(args.data / "train.tsv")
    y = np.array([r["y"] for r in train])
    texts = [r["sentence"] for r in train]
    emb = embed(train)
    print(f"loaded and embedded {len(train)} sentences ({time.time() - start:.0f}s)")

    word_vec = TfidfVectorizer(analyzer=clf.word_ngrams, sublinear_tf=True, min_df=2)
    char_vec = TfidfVectorizer(analyzer=clf.char_ngrams, sublinear_tf=True, min_df=3)
    word_x = word_vec.fit_transform(texts)
    char_x = char_vec.fit_transform(texts)
    cues = np.stack([clf.cue_features(t) for t in texts])
    scaler = StandardScaler().fit(cues)
    cue_x = scaler.transform(cues) * CUE_WEIGHT
    lex = sp.hstack([word_x, char_x, sp.csr_matrix(cue_x)]).tocsr()

    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=args.seed)
    heads = [(lex, c, w) for c, w in LEX_HEADS] + [(emb, c, w) for c, w in EMB_HEADS]
    oof, fitted = [], []
    for x, c, weight in heads:

        def make(c: float = c, weight: str | None = weight) -> LogisticRegression:
            return LogisticRegression(C=c, class_weight=weight, max_iter=3000)

        oof.append(cross_val_predict(make(), x, y, cv=folds, method="predict_proba", n_jobs=2))
        fitted.append(make().fit(x, y))
        print(
            f"head C={c} {weight}: out-of-fold accuracy "
            f"{accuracy_score(y, oof[-1].argmax(1)):.3f} ({time.time() - start:.0f}s)"
        )
    meta_x = np.hstack([log_probs(p) for p in oof])
    meta = LogisticRegression(C=META_C, max_iter=3000).fit(meta_x, y)
    meta_pred = meta.predict(meta_x)
    print(
        f"stack: out-of-fold accuracy {accuracy_score(y, meta_pred):.3f}, macro-F1 "
        f"{f1_score(y, meta_pred, average='macro'):.3f}"
    )

    def order(vec: TfidfVectorizer) -> np.ndarray:
        terms = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
        return np.array(terms, dtype=str)

    arrays = {
        "categories": np.array(clf.CATEGORIES),
        "feature_version": np.array(clf.FEATURE_VERSION),
        "word_vocab": order(word_vec),
        "word_idf": word_vec.idf_.astype(np.float32),
        "char_vocab": order(char_vec),
        "char_idf": char_vec.idf_.astype(np.float32),
        "cue_mean": scaler.mean_.astype(np.float32),
        "cue_scale": scaler.scale_.astype(np.float32),
        "cue_weight": np.array(CUE_WEIGHT, dtype=np.float32),
        "lex_coef": np.hstack([m.coef_.T for m in fitted[: len(LEX_HEADS)]]).astype(np.float32),
        "lex_intercept": np.concatenate([m.intercept_ for m in fitted[: len(LEX_HEADS)]]),
        "emb_coef": np.hstack([m.coef_.T for m in fitted[len(LEX_HEADS) :]]).astype(np.float32),
        "emb_intercept": np.concatenate([m.intercept_ for m in fitted[len(LEX_HEADS) :]]),
        "meta_coef": meta.coef_.T.astype(np.float32),
        "meta_intercept": meta.intercept_.astype(np.float32),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    weights = args.out / clf.MODEL_FILE
    np.savez_compressed(weights, **arrays)

    # Self-check: the numpy run-time path must reproduce scikit-learn's probabilities.
    model = clf.ReflectionModel(arrays)
    ref_x = np.hstack(
        [log_probs(m.predict_proba(x[:200])) for (x, _, _), m in zip(heads, fitted, strict=True)]
    )
    reference = meta.predict_proba(ref_x)
    runtime = model.predict_proba(texts[:200], emb[:200])
    gap = float(np.abs(reference - runtime).max())
    if gap > 1e-3:
        print(f"run-time features disagree with training (max gap {gap:.2g})", file=sys.stderr)
        return 1

    figures = {}
    if (args.data / "val.tsv").is_file():
        val = load_split(args.data / "val.tsv")
        pred = model.predict_proba([r["sentence"] for r in val], embed(val)).argmax(1)
        truth = np.array([r["y"] for r in val])
        keep = np.array([r["conf"] >= 3 for r in val])
        for name, mask in (("val_conf3", keep), ("val_all", np.ones_like(keep))):
            figures[name] = {
                "n": int(mask.sum()),
                "accuracy": round(float(accuracy_score(truth[mask], pred[mask])), 4),
                "macro_f1": round(
                    float(
                        f1_score(
                            truth[mask],
                            pred[mask],
                            labels=list(range(9)),
                            average="macro",
                            zero_division=0,
                        )
                    ),
                    4,
                ),
            }
    elapsed = time.time() - start
    manifest = {
        "model": "pksb-reflect sentence categories of reflection",
        "files": {
            clf.MODEL_FILE: {
                "sha256": clf.file_sha256(weights),
                "bytes": weights.stat().st_size,
            }
        },
        "categories": list(clf.CATEGORIES),
        "feature_version": clf.FEATURE_VERSION,
        "embedding_model": "all-MiniLM-L6-v2",
        "training": {
            "data": "CEReD English train.tsv (Štefánik & Nehyba 2021, doi:11372/LRT-3573)",
            "sentences": len(train),
            "command": "python models/reflection/train.py",
            "seed": args.seed,
            "seconds": round(elapsed),
            "date": TRAINED_ON,
        },
        "evaluation": figures,
    }
    (args.out / clf.MANIFEST_FILE).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(
        f"wrote {weights} ({weights.stat().st_size / 1e6:.1f} MB) in {elapsed:.0f}s; "
        f"val figures {figures}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
