"""The project's error types: each carries the one-line message a user sees and its exit code."""

from __future__ import annotations

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
        return f"{self.path}: {text}" if self.path else text


class UsageError(PksbError):
    """The command or call was asked for something it cannot do (bad option, unknown route)."""

    exit_code = EXIT_USAGE


class InputError(PksbError):
    """A statement or evidence file cannot be read or holds nothing to assess."""

    exit_code = EXIT_INPUT


class ModelError(PksbError):
    """A bundled model is missing or fails its integrity check."""

    exit_code = EXIT_MODEL


class OutputError(PksbError):
    """A report cannot be written where the user asked."""

    exit_code = EXIT_OUTPUT
