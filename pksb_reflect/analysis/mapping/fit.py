"""Build-time only: fit the mapper's area models with scikit-learn (the `train` extra).

The runtime never imports this module: it loads the arrays that models/mapping/build.py fitted
and shipped, and a framework or setting with no shipped file is a ModelError, not a fit on a
cache miss. Build scripts and the tuning benchmark call `enable_fitting()` first; from then on,
in that process only, the mapper encodes and fits what is not shipped and saves the arrays under
the cache folder (`$PKSB_REFLECT_CACHE_DIR/mapping`), from where build.py copies them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pksb_reflect.analysis.mapping import core

if TYPE_CHECKING:
    from pksb_reflect.nlp.encoder import Encoder


def fit_lr(x: object, y: np.ndarray, n_classes: int, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression on framework texts; only numpy arrays are kept."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=3000)
    model.fit(x, y)
    n_features = model.coef_.shape[1]
    weight = np.zeros((n_features, n_classes), dtype=np.float32)
    bias = np.full(n_classes, -1e4, dtype=np.float32)
    weight[:, model.classes_] = model.coef_.T
    bias[model.classes_] = model.intercept_
    return weight, bias


def fit_lexical(
    texts: list[str], labels: np.ndarray, n_classes: int, c: float
) -> dict[str, np.ndarray]:
    """Fit the lexical model (TF-IDF through core's analyzers, so fitting and inference see
    exactly the same terms); return the arrays `core._Lexical` is built from."""
    import scipy.sparse as sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

    blocks, terms, block_of, idfs = [], [], [], []
    for b, analyzer in enumerate(core._ANALYZERS):
        vectorizer = TfidfVectorizer(
            analyzer=analyzer,
            sublinear_tf=True,
            min_df=core.LEX_CHAR_MIN_DF if analyzer is core._char_terms else 1,
        )
        blocks.append(vectorizer.fit_transform(texts))
        names = vectorizer.get_feature_names_out()
        terms.extend(names)
        block_of.extend([b] * len(names))
        idfs.append(vectorizer.idf_)
    x = sparse.hstack(blocks).tocsr()
    weight, bias = fit_lr(x, labels, n_classes, c)
    return {
        "lex_terms": np.asarray(terms, dtype=str),
        "lex_block": np.asarray(block_of, dtype=np.int8),
        "lex_idf": np.concatenate(idfs).astype(np.float64),
        "lex_weight": weight,
        "lex_bias": bias,
    }


def build_arrays(
    texts: list[str],
    labels: np.ndarray,
    n_classes: int,
    lr_c: float,
    lex_c: float,
    path: Path,
    encoder: Encoder,
) -> None:
    """Encode the framework texts, fit both area models, save the arrays (no pickle) to path."""
    matrix = encoder.encode(texts)
    weight, bias = fit_lr(matrix, labels, n_classes, lr_c)
    lex = fit_lexical(texts, labels, n_classes, lex_c)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
    # Compressed: the term list is fixed-width unicode, mostly padding (31 MB -> about half).
    arrays: dict[str, Any] = {"matrix": matrix, "weight": weight, "bias": bias, **lex}
    np.savez_compressed(tmp, **arrays)
    tmp.replace(path)


def enable_fitting() -> None:
    """Let this process fit what is not shipped (build scripts and tuning only); call it
    before the first Runtime.prototypes()."""
    core._FITTER = build_arrays
