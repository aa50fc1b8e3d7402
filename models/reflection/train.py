"""Train the sentence classifier of reflection categories in-domain and ship it here.

Usage: python models/reflection/train.py [--datasets DIR] [--out DIR] [--seed N] [--quick]

Data (none of it is in this repository; see models/reflection/data.py): CEReD English train.tsv,
the library sentence bank (train and dev) and the labelled statements' dev split (13
statements). DIR defaults to ../shared/datasets beside the checkout (or $PKSB_DATASETS). The
statements' test split and CEReD val are never read here.

Model (pksb_reflect/analysis/reflection/classifier.py, feature version 1, unchanged): a
lexical logistic head (word 1-2 gram and character 2-5 gram TF-IDF plus cue counts) and an
embedding head ([sentence, previous, next] all-MiniLM-L6-v2 vectors), each plain and
class-balanced, stacked by a logistic regression over their log-probabilities. What changed
from the CEReD-only model:

1. Selection (dev only): heads are fitted on CEReD train + bank train with the in-domain rows
   weighted by each of IN_DOMAIN_WEIGHTS; the weight with the best mean accuracy on the bank's
   dev split and the statements' dev split is kept.
2. Final fit: CEReD train + bank train and dev + statements dev, in-domain rows at that weight.
3. The stacking head is fitted on out-of-fold predictions of the in-domain rows only (grouped
   by statement), so its priors and calibration are those of library writing.

Writes reflection.npz (numpy arrays, no pickle) and manifest.json (sha256). About 10 minutes on
2 cores when the embeddings are cached, most of it logistic regression.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import data  # noqa: E402
import numpy as np  # noqa: E402

from pksb_reflect.analysis.reflection import classifier as clf  # noqa: E402
from pksb_reflect.paths import file_sha256  # noqa: E402

if TYPE_CHECKING:
    from pksb_reflect.nlp.encoder import Encoder

SEED = 13
CUE_WEIGHT = 0.3
LEX_HEADS = ((10.0, None), (30.0, "balanced"))  # (C, class_weight)
EMB_HEADS = ((1.0, None), (1.0, "balanced"))
META_C = 0.5
FOLDS = 5
IN_DOMAIN_WEIGHTS = (2.0, 5.0, 10.0)
ALONE_WEIGHT = 0.5  # the neighbour-free copies of the library sentences, relative to the rest
TRAINED_ON = "2026-12-02"


@lru_cache(maxsize=1)
def encoder() -> Encoder:
    """The sentence encoder with the on-disk embedding cache (the default runtime's)."""
    from pksb_reflect.runtime import Runtime

    return Runtime().encoder


def embed(rows: list[dict]) -> np.ndarray:
    """[sentence, previous, next] embeddings with zero vectors for absent neighbours."""
    from pksb_reflect.nlp.encoder import EMBEDDING_DIM

    texts = sorted({r[k] for r in rows for k in ("sentence", "prev", "next") if r[k]})
    vectors = dict(zip(texts, encoder().encode(texts), strict=True))
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


class Features:
    """Lexical vectorisers fitted on one set of texts; transforms texts to the lexical matrix."""

    def __init__(self, texts: list[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.preprocessing import StandardScaler

        self.word = TfidfVectorizer(analyzer=clf.word_ngrams, sublinear_tf=True, min_df=2)
        self.char = TfidfVectorizer(analyzer=clf.char_ngrams, sublinear_tf=True, min_df=3)
        self.word.fit(texts)
        self.char.fit(texts)
        self.scaler = StandardScaler().fit(np.stack([clf.cue_features(t) for t in texts]))

    def lexical(self, texts: list[str]):
        import scipy.sparse as sp

        cues = self.scaler.transform(np.stack([clf.cue_features(t) for t in texts])) * CUE_WEIGHT
        return sp.hstack(
            [self.word.transform(texts), self.char.transform(texts), sp.csr_matrix(cues)]
        ).tocsr()


def fit_heads(lex, emb, y, weights):
    """The four base heads fitted on (lex, emb, y) with sample weights."""
    from sklearn.linear_model import LogisticRegression

    fitted = []
    for x, heads in ((lex, LEX_HEADS), (emb, EMB_HEADS)):
        for c, balance in heads:
            model = LogisticRegression(C=c, class_weight=balance, max_iter=2000)
            fitted.append(model.fit(x, y, sample_weight=weights))
    return fitted


def head_log_probs(fitted, lex, emb) -> np.ndarray:
    xs = [lex] * len(LEX_HEADS) + [emb] * len(EMB_HEADS)
    return np.hstack([log_probs(m.predict_proba(x)) for m, x in zip(fitted, xs, strict=True)])


def labels(rows: list[dict]) -> np.ndarray:
    return np.array([clf.CATEGORIES.index(r["y"]) for r in rows])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=data.DATASETS)
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--weight", type=float, help="skip selection: use this in-domain weight")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    try:
        cered = data.cered(args.datasets / "cered-en", "train")
        bank_train = data.bank(args.datasets / "reflective-sentences", "train")
        bank_dev = data.bank(args.datasets / "reflective-sentences", "dev")
        stmt_dev = data.statement_rows(data.statements(args.datasets / "statements", "dev"))
    except data.DataMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    import torch
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import GroupKFold, cross_val_predict

    torch.set_num_threads(2)
    start = time.time()
    log: list[str] = []

    def say(text: str) -> None:
        log.append(text)
        print(f"{text} ({time.time() - start:.0f}s)", flush=True)

    # 1. Select the in-domain weight on dev (bank dev and statements dev are held out here).
    selection = {}
    if args.weight is None:
        rows = cered + bank_train
        feats = Features([r["sentence"] for r in rows])
        lex, emb, y = feats.lexical([r["sentence"] for r in rows]), embed(rows), labels(rows)
        dev_sets = {"bank_dev": bank_dev, "statements_dev": stmt_dev}
        dev_x = {
            k: (feats.lexical([r["sentence"] for r in v]), embed(v), labels(v))
            for k, v in dev_sets.items()
        }
        for weight in IN_DOMAIN_WEIGHTS:
            w = np.array([1.0 if r["source"] == "cered" else weight for r in rows])
            fitted = fit_heads(lex, emb, y, w)
            scores = {}
            for k, (lx, ex, yy) in dev_x.items():
                pred = head_log_probs(fitted, lx, ex).reshape(len(yy), -1, 9).sum(1).argmax(1)
                scores[k] = round(float(accuracy_score(yy, pred)), 4)
            selection[weight] = scores
            say(f"in-domain weight {weight}: dev accuracy {scores}")
        best = max(selection, key=lambda k: sum(selection[k].values()))
    else:
        best = args.weight
    say(f"in-domain weight chosen: {best}")

    # 2. Final base heads on everything but the reported test sets.
    in_domain = bank_train + bank_dev + stmt_dev
    # Each library sentence also without its neighbours, so a sentence classified alone (no
    # context, or a one-sentence paragraph) is not read as an edge case: the bank's contexts
    # have only a previous or only a next sentence, so "no neighbours" was otherwise unseen.
    in_domain = in_domain + [{**r, "prev": "", "next": "", "alone": True} for r in in_domain]
    rows = cered + in_domain
    texts = [r["sentence"] for r in rows]
    feats = Features(texts)
    lex, emb, y = feats.lexical(texts), embed(rows), labels(rows)
    w = np.array(
        [1.0 if r["source"] == "cered" else best * (ALONE_WEIGHT if r.get("alone") else 1.0)
         for r in rows]
    )  # fmt: skip
    fitted = fit_heads(lex, emb, y, w)
    say("final heads fitted")

    # 3. Meta head on out-of-fold predictions of the in-domain rows (grouped by statement or
    # bank item; CEReD rows are always in the fitting folds).
    n_c = len(cered)
    groups = np.array([r.get("file") or r["sentence"] for r in in_domain])
    folds = list(GroupKFold(FOLDS).split(np.zeros(len(in_domain)), groups=groups))
    oof = np.zeros((len(in_domain), 9 * (len(LEX_HEADS) + len(EMB_HEADS))), dtype=np.float64)
    for k, (tr, te) in enumerate(folds):
        idx = np.concatenate([np.arange(n_c), n_c + tr])
        fold_heads = fit_heads(lex[idx], emb[idx], y[idx], w[idx])
        oof[te] = head_log_probs(fold_heads, lex[n_c + te], emb[n_c + te])
        say(f"out-of-fold predictions, fold {k + 1}/{FOLDS}")
    y_in = y[n_c:]
    meta = LogisticRegression(C=META_C, max_iter=3000).fit(oof, y_in)
    meta_oof = cross_val_predict(LogisticRegression(C=META_C, max_iter=3000), oof, y_in, cv=5)
    stmt_mask = np.array([r["source"] == "statements" and not r.get("alone") for r in in_domain])
    say(
        f"stack, in-domain out-of-fold (with neighbour-free copies): accuracy "
        f"{accuracy_score(y_in, meta_oof):.3f}, macro-F1 "
        f"{f1_score(y_in, meta_oof, average='macro'):.3f}; statements dev with neighbours "
        f"{accuracy_score(y_in[stmt_mask], meta_oof[stmt_mask]):.3f}"
    )

    def order(vec) -> np.ndarray:
        terms = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
        return np.array(terms, dtype=str)

    k_lex = len(LEX_HEADS)
    arrays = {
        "categories": np.array(clf.CATEGORIES),
        "feature_version": np.array(clf.FEATURE_VERSION),
        "word_vocab": order(feats.word),
        "word_idf": feats.word.idf_.astype(np.float32),
        "char_vocab": order(feats.char),
        "char_idf": feats.char.idf_.astype(np.float32),
        "cue_mean": feats.scaler.mean_.astype(np.float32),
        "cue_scale": feats.scaler.scale_.astype(np.float32),
        "cue_weight": np.array(CUE_WEIGHT, dtype=np.float32),
        "lex_coef": np.hstack([m.coef_.T for m in fitted[:k_lex]]).astype(np.float32),
        "lex_intercept": np.concatenate([m.intercept_ for m in fitted[:k_lex]]),
        "emb_coef": np.hstack([m.coef_.T for m in fitted[k_lex:]]).astype(np.float32),
        "emb_intercept": np.concatenate([m.intercept_ for m in fitted[k_lex:]]),
        "meta_coef": meta.coef_.T.astype(np.float32),
        "meta_intercept": meta.intercept_.astype(np.float32),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    weights = args.out / clf.MODEL_FILE
    np.savez_compressed(weights, **arrays)

    # Self-check: the numpy run-time path must reproduce scikit-learn's probabilities.
    model = clf.ReflectionModel(arrays)
    probe = slice(n_c, n_c + 200)
    reference = meta.predict_proba(head_log_probs(fitted, lex[probe], emb[probe]))
    runtime = model.predict_proba(texts[probe], emb[probe])
    gap = float(np.abs(reference - runtime).max())
    if gap > 1e-3:
        print(f"run-time features disagree with training (max gap {gap:.2g})", file=sys.stderr)
        return 1
    elapsed = time.time() - start
    manifest = {
        "model": "pksb-reflect sentence categories of reflection",
        "files": {
            clf.MODEL_FILE: {"sha256": file_sha256(weights), "bytes": weights.stat().st_size}
        },
        "categories": list(clf.CATEGORIES),
        "feature_version": clf.FEATURE_VERSION,
        "embedding_model": "all-MiniLM-L6-v2",
        "training": {
            "data": {
                "cered_train": len(cered),
                "bank_train_and_dev": len(bank_train) + len(bank_dev),
                "statements_dev_sentences": len(stmt_dev),
            },
            "in_domain_weight": best,
            "selection_dev_accuracy": {str(k): v for k, v in selection.items()},
            "command": "python models/reflection/train.py",
            "seed": args.seed,
            "seconds": round(elapsed),
            "date": TRAINED_ON,
        },
        "log": log,
    }
    (args.out / clf.MANIFEST_FILE).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"wrote {weights} ({weights.stat().st_size / 1e6:.1f} MB) in {elapsed:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
