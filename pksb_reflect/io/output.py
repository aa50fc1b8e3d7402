"""Writing reports: atomically (temporary file, then rename) and never over a file unasked.

Never over an input of the run either (the statement, evidence, self-assessment, CPD log or
anything inside an input folder), and never over anything that is not a regular file (a device,
a FIFO), with or without `force`.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from pksb_reflect.errors import OutputError, display_name
from pksb_reflect.io.files import is_inside, real_path


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _protected(target: Path, original: Path) -> bool:
    """True when writing `target` would replace the input `original` or a file inside it."""
    if _same_file(target, original):
        return True
    if original.is_dir():
        return is_inside(real_path(target), real_path(original))
    return False


def _checked_target(
    path: str | Path, force: bool, protect: Iterable[str | Path]
) -> tuple[Path, Path, str]:
    target = Path(path)
    shown = display_name(str(target))
    for original in protect:
        if str(original) != "-" and _protected(target, Path(original)):
            raise OutputError(
                "is an input file of this run; choose another path for the report", shown
            )
    if target.is_dir():
        raise OutputError("is a folder, not a file", shown)
    try:
        mode = target.stat().st_mode if target.exists() else None
    except OSError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):  # /dev/null, a FIFO: never replaced
        raise OutputError("is not a regular file; reports are written only to files", shown)
    if (target.exists() or target.is_symlink()) and not force:
        raise OutputError("already exists; pass --force to overwrite it", shown)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError("its folder does not exist", shown)
    return target, folder, shown


def check_writable(
    path: str | Path, *, force: bool = False, protect: Iterable[str | Path] = ()
) -> None:
    """Raise the OutputError that `write_report` would, before any work is spent on a report.

    Probes the folder with a temporary file (removed at once), since permission bits do not
    tell the whole story (root, read-only mounts, ACLs).
    """
    _target, folder, shown = _checked_target(path, force, protect)
    try:
        handle, tmp_name = tempfile.mkstemp(prefix=".pksb-reflect.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot be written ({exc.strerror or exc})", shown) from None
    os.close(handle)
    Path(tmp_name).unlink(missing_ok=True)


def write_report(
    path: str | Path,
    content: str | bytes,
    *,
    force: bool = False,
    protect: Iterable[str | Path] = (),
) -> Path:
    """Write `content` to `path` whole or not at all; refuse to overwrite unless `force`.

    A file in `protect` (the inputs being assessed) is never overwritten, even with `force`.
    The report goes to a temporary file in the same folder, is flushed to disk, and then
    renamed over the target, so a reader never sees half a report; on any failure the
    temporary file is removed and the target is left as it was.
    """
    target, folder, shown = _checked_target(path, force, protect)
    try:
        handle, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot be written ({exc.strerror or exc})", shown) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            data = content if isinstance(content, bytes) else content.encode("utf-8")
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    except (OSError, ValueError) as exc:
        Path(tmp_name).unlink(missing_ok=True)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise OutputError(f"cannot be written ({reason})", shown) from None
    except BaseException:  # interrupted: leave no temporary file behind
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


def write_stdout(content: str) -> None:
    """Write a report to standard output, for applications: a full disk is an OutputError.

    On failure standard output is pointed at the null device, so the unwritten rest is not
    retried (and reported again) when the interpreter exits. A closed pipe (`| head`) is left
    to the caller as BrokenPipeError.
    """
    try:
        sys.stdout.write(content)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
        reason = exc.strerror or type(exc).__name__
        raise OutputError(f"cannot be written ({reason})", "standard output") from None
