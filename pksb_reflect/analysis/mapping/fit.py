"""Build time only: fit the mapper's area models with scikit-learn (the `train` extra).

models/mapping/build.py calls these; the runtime never imports scikit-learn: it loads the arrays
build.py fitted and shipped, and a missing or stale file is a ModelError, not a fit.
"""

from __future__ import annotations

import numpy as np

from pksb_reflect.analysis.mapping.lexical import ANALYZERS, LEX_CHAR_MIN_DF, char_terms


def fit_lr(x: object, y: np.ndarray, n_classes: int, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression; only numpy arrays are kept."""
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
    """Fit the lexical model; return the arrays `LexicalModel.from_arrays` takes (LEX_KEYS)."""
    import scipy.sparse as sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

    blocks, terms, block_of, idfs = [], [], [], []
    for b, analyzer in enumerate(ANALYZERS):
        vectorizer = TfidfVectorizer(
            analyzer=analyzer,
            sublinear_tf=True,
            min_df=LEX_CHAR_MIN_DF if analyzer is char_terms else 1,
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
