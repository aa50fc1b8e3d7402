"""The sentence encoder's inference: all-MiniLM-L6-v2 as ONNX, run by ONNX Runtime on the CPU.

models/encoder/ holds one graph (model.onnx, its weights in model.onnx.data: BERT, mean pooling
over the attention mask, L2 normalisation; the output is the sentence embedding), the model's
own tokenizer.json and a config, exported by models/encoder/build.py from the same weights
sentence-transformers loads; manifest.json records their sha256, and a file that does not match
is refused. No torch, transformers or
sentence-transformers is imported here: onnxruntime and tokenizers import in a fraction of a
second.

Texts are tokenised one by one (the tokenizers library's batch call starts a thread pool that
warns after a fork, and silencing it would mean changing the environment), then sorted by token
count so that each batch is padded only to its own longest text.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from pksb_reflect.errors import ModelError
from pksb_reflect.paths import bundled, file_sha256

ONNX_NAME = "model.onnx"
DATA_NAME = "model.onnx.data"  # the weights, memory-mapped by ONNX Runtime
TOKENIZER_NAME = "tokenizer.json"
CONFIG_NAME = "config.json"
# Small length-sorted batches: on 2 cores, 16 texts a batch used less CPU than 64 (1.3 s vs
# 1.9 s for 258 sentences) and ~60 MB less memory, since the attention tensors stay in cache.
BATCH_SIZE = 16
STAMP_NAME = "verified-models.json"
_STAMP_LOCK = threading.Lock()


class EncoderConfig(BaseModel):
    """models/encoder/config.json: what the graph expects and returns."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    model: str
    max_seq_length: int = Field(gt=0, le=512)
    embedding_dim: int = Field(gt=0)
    inputs: tuple[str, str] = ("input_ids", "attention_mask")
    output: str = "sentence_embedding"


def encoder_dir() -> Path:
    """The shipped models/encoder folder."""
    return bundled("models") / "encoder"


def _stamp_file() -> Path:
    from pksb_reflect.nlp.cache import cache_dir

    return cache_dir() / STAMP_NAME


def check_file(path: Path, expected: str, what: str) -> None:
    """Refuse a file whose sha256 is not `expected`.

    The hash is computed once and remembered (in the cache folder) against the file's path,
    size, mtime and inode, so later processes skip re-reading 90 MB unless the file changes.
    """
    if not path.is_file():
        raise ModelError(f"{what} is missing at {path}; reinstall pksb-reflect")
    info = path.stat()
    stamp = f"{path.resolve()}|{info.st_size}|{info.st_mtime_ns}|{info.st_ino}"
    stamp_file = _stamp_file()
    try:
        known = json.loads(stamp_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if not isinstance(known, dict):
        known = {}
    if known.get(stamp) == expected:
        return
    actual = file_sha256(path)
    if actual != expected:
        raise ModelError(
            f"{path} is not the {what} that pksb-reflect shipped (sha256 {actual[:16]}..., "
            f"expected {expected[:16]}...); refusing to use it; reinstall pksb-reflect"
        )
    with _STAMP_LOCK:
        try:
            stamp_file.parent.mkdir(parents=True, exist_ok=True)
            known[stamp] = expected
            tmp = stamp_file.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_text(json.dumps(known), encoding="utf-8")
            tmp.replace(stamp_file)
        except OSError:
            pass  # a read-only cache folder only costs a re-hash next time


def _manifest(folder: Path) -> dict[str, str]:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return {name: entry["sha256"] for name, entry in manifest["files"].items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(
            f"the sentence encoder's manifest in {folder} is missing or unreadable; "
            "reinstall pksb-reflect"
        ) from exc


def _threads() -> int:
    """Threads for one process: $OMP_NUM_THREADS when a parent (review's workers) set it."""
    try:
        return max(0, int(os.environ.get("OMP_NUM_THREADS", "0")))
    except ValueError:
        return 0


class OnnxModel:
    """The loaded graph and tokenizer; `embed` returns unit-length float32 rows.

    Loading checks every shipped file's sha256 against the manifest. A session is safe to run
    from several threads at once (ONNX Runtime's guarantee); tokenizers' `encode` is too.
    """

    def __init__(self, folder: Path | None = None, *, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = folder if folder is not None else encoder_dir()
        hashes = _manifest(folder)
        for name in (ONNX_NAME, DATA_NAME, TOKENIZER_NAME, CONFIG_NAME):
            if name not in hashes:
                raise ModelError(f"the sentence encoder's manifest does not list {name}")
            check_file(folder / name, hashes[name], f"sentence encoder file {name}")
        try:
            self.config = EncoderConfig.model_validate_json(
                (folder / CONFIG_NAME).read_text(encoding="utf-8")
            )
        except (OSError, ValueError) as exc:
            raise ModelError(f"the sentence encoder's {CONFIG_NAME} is invalid: {exc}") from exc

        tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_NAME))
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=self.config.max_seq_length)
        self._tokenizer = tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = _threads() if threads is None else threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3  # errors only: the library never prints
        # Spinning worker threads are many times slower when other programs share the cores
        # (the same reason the torch path asked for OMP_WAIT_POLICY=PASSIVE).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session: Any = ort.InferenceSession(
            str(folder / ONNX_NAME), options, providers=["CPUExecutionProvider"]
        )
        self.dim = self.config.embedding_dim

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Each text's token ids, with [CLS] and [SEP], truncated to max_seq_length."""
        encode = self._tokenizer.encode
        return [encode(text).ids for text in texts]

    def embed(self, texts: Sequence[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
        """Embed texts in length-sorted batches; rows come back in the order given."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        ids = self.token_ids(texts)
        lengths = np.fromiter((len(row) for row in ids), dtype=np.int64, count=len(ids))
        order = np.argsort(lengths, kind="stable")
        input_name, mask_name = self.config.inputs
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            width = int(lengths[rows].max())
            batch = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                n = int(lengths[i])
                batch[r, :n] = ids[i]
                mask[r, :n] = 1
            (vectors,) = self._session.run(
                [self.config.output], {input_name: batch, mask_name: mask}
            )
            out[rows] = vectors
        return out
