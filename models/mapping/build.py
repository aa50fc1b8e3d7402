"""Build the PKSB mapper's framework vectors and area models that ship in models/mapping/.

    python models/mapping/build.py

The mapper needs every framework text embedded and its area models fitted with scikit-learn
(pksb_reflect/analysis/mapping/fit.py, the `train` extra). The runtime does neither: it loads
the files this script builds (one per framework version, named by a digest of all their inputs,
the encoder's model key among them) and checks their sha256 against manifest.json, and a
missing file is an error. So after any change to pksb_data/, the mapper's settings or the
encoder, run this again. Deterministic.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="pksb-mapping-") as tmp:
        os.environ["PKSB_REFLECT_CACHE_DIR"] = tmp
        from pksb_reflect.analysis.mapping.fit import enable_fitting
        from pksb_reflect.runtime import Runtime

        enable_fitting()  # this process only: the runtime never fits
        runtime = Runtime()

        for old in HERE.glob("*.npz"):
            old.unlink()
        (HERE / "manifest.json").unlink(missing_ok=True)
        for version in ("2021", "2014"):
            runtime.prototypes(version)
        files = {}
        for built in sorted((Path(tmp) / "mapping").glob("*.npz")):
            shutil.copyfile(built, HERE / built.name)
            files[built.name] = hashlib.sha256(built.read_bytes()).hexdigest()
    manifest = {
        "about": "Framework vectors and area models of the PKSB mapper, built by build.py",
        "files": files,
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    for name, digest in files.items():
        print(f"{name}  {digest[:16]}…  {(HERE / name).stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
