"""Build everything the PKSB mapper needs at run time, ahead of time, into models/mapping/.

    PYTHONPATH=. python models/mapping/build.py        # about 1-2 minutes on 2 busy CPU cores

For each framework version: embeds every framework text (descriptors, names, keywords, examples,
and the other version's examples through the crosswalk) with the shared encoder, fits the area
logistic regression on those vectors and the lexical TF-IDF model on the texts (scikit-learn,
the `train` extra; settings in pksb_reflect/analysis/mapping/fit.py), and saves plain arrays
(no pickle) as mapping_<version>.npz. manifest.json records each file's sha256, a digest of its
inputs (texts, labels, settings) and the encoder it was built with; the run-time mapper refuses
a file whose hash or inputs do not match, so after any change to pksb_data/pksb_*.yaml, the
crosswalk or the build settings, run this again. Deterministic (lbfgs, fixed data order).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from pksb_reflect.analysis.mapping import prototypes as protos  # noqa: E402
from pksb_reflect.analysis.mapping.fit import fit_lexical, fit_lr  # noqa: E402
from pksb_reflect.analysis.mapping.models import BUILD_SETTINGS  # noqa: E402
from pksb_reflect.nlp.encoder import Encoder, MemoryCache  # noqa: E402


def build(version: str, encoder: Encoder) -> tuple[str, str, str]:
    ft = protos.framework_texts(version, BUILD_SETTINGS)
    matrix = encoder.encode(ft.texts)
    n_areas = len(ft.area_ids)
    weight, bias = fit_lr(matrix, ft.area_of_text, n_areas, BUILD_SETTINGS.lr_c)
    lex = fit_lexical(ft.texts, ft.area_of_text, n_areas, BUILD_SETTINGS.lex_c)
    name = protos.file_name(version)
    path = HERE / name
    np.savez_compressed(path, matrix=matrix, weight=weight, bias=bias, **lex)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return name, digest, protos.inputs_digest(ft, BUILD_SETTINGS)


def main() -> None:
    started = time.perf_counter()
    encoder = Encoder(MemoryCache())
    for old in HERE.glob("*.npz"):
        old.unlink()
    files: dict[str, str] = {}
    inputs: dict[str, str] = {}
    for version in ("2021", "2014"):
        name, digest, inputs_digest = build(version, encoder)
        files[name] = digest
        inputs[name] = inputs_digest
        print(f"{name}  {digest[:16]}…  {(HERE / name).stat().st_size / 1e6:.1f} MB")
    manifest = {
        "about": "Framework vectors and area models of the PKSB mapper, built by build.py",
        "encoder": Encoder.model_key,
        "settings": repr(BUILD_SETTINGS),
        "files": files,
        "inputs": inputs,
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"built in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
