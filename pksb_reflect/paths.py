"""Where the bundled data and models live: inside the installed package, or in a checkout."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pksb_reflect.errors import ModelError

_HERE = Path(__file__).resolve().parent


def bundled(name: str) -> Path:
    """The `pksb_data` or `models` folder.

    A wheel installs them inside the package (pyproject maps them there); a source checkout or
    an editable install keeps them at the repository root beside the package.
    """
    for candidate in (_HERE / name, _HERE.parent / name):
        if candidate.is_dir():
            return candidate
    raise ModelError(f"the bundled folder {name!r} is missing; reinstall pksb-reflect")


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MB blocks: how every shipped model file is checked."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
