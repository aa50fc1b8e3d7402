"""Walking the folders a user names: regular files inside them, nothing else, nothing outside.

A folder the user names is a boundary. Symbolic links are followed only where they lead to
something inside that folder (by real path), each folder is entered once (by device and inode,
so link loops end), and devices, FIFOs and sockets are never opened: reading a FIFO blocks and
/dev/zero never ends. Everything passed over is returned with the reason, so callers can list it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Collection
from pathlib import Path

from pydantic import BaseModel, Field

from pksb_reflect.errors import display_name


class Skipped(BaseModel):
    """A file or folder passed over, and why, for the user to see."""

    path: str
    reason: str

    def line(self) -> str:
        return f"{self.path}: {self.reason}"


class Walk(BaseModel):
    """What a walk found: files to read, sorted by relative path, and what it passed over."""

    files: list[Path]
    skipped: list[Skipped]
    set_aside: list[Path] = Field(
        default_factory=list, description="Folders named in `skip_dirs`, for the caller."
    )


def real_path(path: Path) -> str:
    """`path` with links resolved, or its absolute form where that cannot be done."""
    try:
        return os.path.realpath(path)
    except OSError:
        return str(path.absolute())


def is_inside(path: str, folder: str) -> bool:
    """True when the real path `path` is `folder` or below it (both already resolved)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def kind_of(mode: int) -> str | None:
    """A reason not to read something with this st_mode, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a regular file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file"
    return "is not a regular file"


def walk_folder(
    root: str | Path,
    *,
    suffixes: Collection[str],
    exclude: Collection[str | Path] = (),
    skip_dirs: Collection[str] = (),
) -> Walk:
    """Regular files under `root` whose suffix is in `suffixes`, and every item passed over.

    Hidden files and folders and Word's '~$' lock files are passed over silently (they are not
    the user's documents); so are the `exclude` folders (our own output) and folders whose
    lower-cased name is in `skip_dirs` (returned as `set_aside`: the caller reads them itself).
    """
    root = Path(root)
    boundary = real_path(root)
    excluded = {real_path(Path(p)) for p in exclude}
    seen: set[tuple[int, int]] = set()
    found: list[Path] = []
    skipped: list[Skipped] = []
    set_aside: list[Path] = []

    def relative(path: Path) -> str:
        return display_name(path.relative_to(root).as_posix())

    def visit(folder: Path) -> None:
        try:
            info = folder.stat()
        except OSError as exc:
            skipped.append(Skipped(path=relative(folder), reason=_os_reason(exc)))
            return
        identity = (info.st_dev, info.st_ino)
        if identity in seen:
            skipped.append(Skipped(path=relative(folder), reason="is a link loop; read once"))
            return
        seen.add(identity)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name.lower())
        except OSError as exc:
            skipped.append(Skipped(path=relative(folder), reason=_os_reason(exc)))
            return
        for entry in entries:
            if entry.name.startswith((".", "~$")):
                continue
            path = folder / entry.name
            reason = _unsafe(path, boundary)
            if reason is not None:
                skipped.append(Skipped(path=relative(path), reason=reason))
                continue
            info = path.stat()
            if stat.S_ISDIR(info.st_mode):
                if real_path(path) in excluded:
                    continue
                if entry.name.lower() in skip_dirs:
                    set_aside.append(path)
                    continue
                visit(path)
                continue
            problem = kind_of(info.st_mode)
            if problem is not None:
                skipped.append(Skipped(path=relative(path), reason=problem))
            elif path.suffix.lower() in suffixes:
                found.append(path)
            else:
                skipped.append(
                    Skipped(
                        path=relative(path),
                        reason=f"is not a supported type ({path.suffix or 'no extension'})",
                    )
                )

    visit(root)
    found.sort(key=lambda p: p.relative_to(root).as_posix().lower())
    return Walk(files=found, skipped=skipped, set_aside=set_aside)


def _unsafe(path: Path, boundary: str) -> str | None:
    """Why a link (or unreadable entry) under the boundary must not be followed."""
    if not path.is_symlink():
        try:
            path.stat()
        except OSError as exc:
            return _os_reason(exc)
        return None
    try:
        path.stat()
    except OSError:
        return "is a broken or looping link"
    if not is_inside(real_path(path), boundary):
        return "is a link to a place outside the folder; not followed"
    return None


def _os_reason(exc: OSError) -> str:
    return f"cannot be read ({exc.strerror or type(exc).__name__})"
