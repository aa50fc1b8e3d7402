"""The project's error types: each carries the one-line message a user sees and its exit code."""

from __future__ import annotations

import unicodedata

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_MODEL = 4
EXIT_OUTPUT = 5
EXIT_INTERNAL = 70


class PksbError(Exception):
    """Base class: a problem we can explain to the user in one line."""

    exit_code = EXIT_PARTIAL

    def __init__(self, message: str, path: str | None = None) -> None:
        self.message = message
        self.path = path
        super().__init__(self.one_line())

    def one_line(self) -> str:
        text = " ".join(self.message.split())
        return f"{display_name(self.path)}: {text}" if self.path else text


def display_name(name: str) -> str:
    """A file name safe to show on one line: control characters and undecodable bytes escaped.

    File names may hold newlines, terminal escape codes or (on POSIX) bytes that are not UTF-8;
    none of them should reach a terminal or a report as they are.
    """
    if name.isprintable() and not any(0xD800 <= ord(ch) <= 0xDFFF for ch in name):
        return name
    out: list[str] = []
    for ch in name:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04x}")
        elif ch.isprintable() or ch == " " or unicodedata.category(ch) == "Zs":
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


class UsageError(PksbError):
    """The command or call was asked for something it cannot do (bad option, unknown route)."""

    exit_code = EXIT_USAGE


class InputError(PksbError):
    """A statement or evidence file cannot be read or holds nothing to assess."""

    exit_code = EXIT_INPUT


class TimeLimitError(InputError):
    """A document took longer than its time budget (`--max-seconds`) to read or analyse."""


class ModelError(PksbError):
    """A bundled model is missing or fails its integrity check."""

    exit_code = EXIT_MODEL


class OutputError(PksbError):
    """A report cannot be written where the user asked."""

    exit_code = EXIT_OUTPUT
