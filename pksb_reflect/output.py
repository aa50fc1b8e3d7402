"""Writing reports: atomically (temporary file, then rename) and never over a file unasked."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import OutputError


def write_report(path: str | Path, content: str, *, force: bool = False) -> Path:
    """Write `content` to `path` whole or not at all; refuse to overwrite unless `force`."""
    target = Path(path)
    if target.exists() and not force:
        raise OutputError("already exists; pass --force to overwrite it", str(target))
    if target.exists() and target.is_dir():
        raise OutputError("is a folder, not a file", str(target))
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError("its folder does not exist", str(target))
    try:
        handle, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot be written ({exc.strerror or exc})", str(target)) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(content)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    except OSError as exc:
        Path(tmp_name).unlink(missing_ok=True)
        raise OutputError(f"cannot be written ({exc.strerror or exc})", str(target)) from None
    return target
