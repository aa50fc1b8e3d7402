"""The shipped ONNX sentence encoder: its files are the ones the manifest names, it gives the
embeddings sentence-transformers gives (when the `train` extra is installed to compare with),
it returns rows in the order asked whatever the batching, and loading it changes nothing global.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO

from pksb_reflect.errors import ModelError
from pksb_reflect.nlp.encoder import EMBEDDING_DIM, MODEL_SHA256
from pksb_reflect.nlp.onnx_encoder import OnnxModel, encoder_dir

SENTENCES = REPO / "benchmarks" / "data" / "mapping_eval" / "sentences.jsonl"


def parity_texts() -> list[str]:
    texts = [json.loads(line)["text"] for line in SENTENCES.read_text("utf-8").splitlines()]
    long_text = " ".join(texts[:40])  # past the 256-token limit: truncation must agree too
    return [*texts[:300], long_text, "", "Café naïve — “quoted” 😀"]


@pytest.fixture(scope="module")
def model() -> OnnxModel:
    return OnnxModel()


def test_shipped_files_match_their_manifest() -> None:
    folder = encoder_dir()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    names = {"model.onnx", "model.onnx.data", "tokenizer.json", "config.json"}
    assert set(manifest["files"]) == names
    for name, entry in manifest["files"].items():
        data = (folder / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
        assert len(data) == entry["bytes"], name
    assert manifest["source"]["weights_sha256"] == MODEL_SHA256
    assert manifest["parity"]["cosine_min"] >= 0.9999
    assert manifest["parity"]["sentences"] >= 300


def test_a_tampered_file_is_refused(tmp_path: Path) -> None:
    folder = encoder_dir()
    copy = tmp_path / "encoder"
    copy.mkdir()
    for name in ("model.onnx", "model.onnx.data"):  # linked, not copied: 90 MB
        (copy / name).symlink_to(folder / name)
    shutil.copyfile(folder / "tokenizer.json", copy / "tokenizer.json")
    shutil.copyfile(folder / "manifest.json", copy / "manifest.json")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config["max_seq_length"] = 128
    (copy / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(ModelError, match=r"config\.json"):
        OnnxModel(copy)


def test_rows_come_back_in_order_whatever_the_batching(model: OnnxModel) -> None:
    texts = parity_texts()[:70]
    together = model.embed(texts, batch_size=16)
    alone = np.stack([model.embed([t])[0] for t in texts])
    assert together.shape == (len(texts), EMBEDDING_DIM)
    assert together.dtype == np.float32
    assert np.allclose(together, alone, atol=1e-5)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_parity_with_sentence_transformers(model: OnnxModel) -> None:
    pytest.importorskip(
        "sentence_transformers",
        reason="parity needs the reference: pip install '.[train]' (sentence-transformers, torch)",
    )
    from sentence_transformers import SentenceTransformer

    from pksb_reflect.nlp.encoder import model_dir

    texts = parity_texts()
    reference = SentenceTransformer(str(model_dir()), device="cpu", local_files_only=True)
    expected = reference.encode(texts, batch_size=32, normalize_embeddings=True)
    ours = model.embed(texts)
    cosine = np.sum(expected * ours, axis=1)
    assert len(texts) >= 300
    assert cosine.min() >= 0.9999, float(cosine.min())


def test_loading_and_encoding_change_no_environment_or_logging(tmp_path: Path) -> None:
    code = """
import json, logging, os, sys
before_env = dict(os.environ)
before_loggers = {name: logging.getLogger(name).level for name in logging.root.manager.loggerDict}
root = (logging.root.level, list(logging.root.handlers))
from pksb_reflect.nlp.encoder import Encoder
vectors = Encoder().encode(["I catalogued the maps.", "We ran a session."])
changed = {k for k in set(before_env) | set(os.environ) if before_env.get(k) != os.environ.get(k)}
same_root = root == (logging.root.level, list(logging.root.handlers))
print(json.dumps({"shape": list(vectors.shape), "env": sorted(changed), "root": same_root}))
"""
    env = dict(os.environ, PKSB_REFLECT_CACHE_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # the library never prints
    result = json.loads(done.stdout)
    assert result == {"shape": [2, EMBEDDING_DIM], "env": [], "root": True}
