"""Resource bounds on one document: how long it may take to read and analyse, and how much.

Work is bounded in its own units as well as in time: paragraphs and sentences before spaCy sees
them, table rows and YAML nodes before they are built, so a refused input is refused before
memory grows. Error messages quote at most QUOTE_CHARS characters of what the user wrote.

A `TimeBudget` adds up the time spent on one document, stage by stage, so that a batch that
interleaves several documents (one spaCy pass over all of them) still charges each its own
share. Stages call `check` between units of work (a PDF page, a batch of paragraphs, an
analysis stage); nothing is interrupted mid-call, so a bound is met to within one unit.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from pksb_reflect.errors import TimeLimitError

DEFAULT_MAX_SECONDS = 60.0
# A statement has tens of paragraphs and evidence hundreds; each costs spaCy and the encoder
# tens of kilobytes, so these bound an accepted document's memory to a few hundred megabytes.
MAX_PARAGRAPHS = 5_000
# Sentences are estimated before parsing from sentence-ending punctuation and line breaks
# (each can start one); ordinary prose of the 200,000-word bound has about 10,000.
MAX_SENTENCES = 30_000
QUOTE_CHARS = 200


def quoted(value: object, limit: int = QUOTE_CHARS) -> str:
    """A user's value for an error message: repr of its text, cut to `limit` characters.

    Anything but a string or a number is named by its type, never expanded (a YAML alias can
    make a short file stand for an enormous value).
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return f"a {type(value).__name__}"
    text = str(value)
    if len(text) > limit:
        return repr(text[:limit]) + f"… ({len(text):,} characters)"
    return repr(text)


class TimeBudget:
    """The seconds one document may use; `None` means no bound."""

    def __init__(self, seconds: float | None, name: str | None = None) -> None:
        self.seconds = seconds
        self.name = name
        self.used = 0.0
        self._since: float | None = None

    @property
    def elapsed(self) -> float:
        """Seconds charged so far, including a stage still running."""
        running = time.monotonic() - self._since if self._since is not None else 0.0
        return self.used + running

    @property
    def expired(self) -> bool:
        return self.seconds is not None and self.elapsed > self.seconds

    def charge(self, seconds: float) -> None:
        """Add time measured elsewhere (a shared batch's share)."""
        self.used += max(0.0, seconds)

    @contextmanager
    def running(self) -> Iterator[TimeBudget]:
        """Charge the wall time of the `with` block to this document."""
        if self._since is not None:  # nested: the outer block already charges
            yield self
            return
        self._since = time.monotonic()
        try:
            yield self
        finally:
            self.used += time.monotonic() - self._since
            self._since = None

    def check(self, stage: str, name: str | None = None) -> None:
        """Raise TimeLimitError if the budget is spent; `stage` says what was being done."""
        if self.expired:
            raise TimeLimitError(
                f"took more than {self.seconds:g} s to {stage}; stopped there "
                "(raise the limit with --max-seconds)",
                name or self.name,
            )


# Loading spaCy and the encoder is not the document's fault: the hard guard allows for it.
LOAD_GRACE_SECONDS = 20.0


@contextmanager
def hard_time_limit(seconds: float | None, name: str | None = None) -> Iterator[None]:
    """Interrupt the `with` block with TimeLimitError once `seconds` of wall time have passed.

    The cooperative `TimeBudget` checks run between stages; this guard (SIGALRM, so POSIX and
    the main thread only; elsewhere it does nothing) also stops a stage that runs long inside
    itself. It re-fires every second until the error escapes any code that catches broadly.
    For applications (the CLI), not library calls: it owns SIGALRM while it is active.
    """
    import signal
    import threading

    usable = (
        seconds is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        while frame is not None:  # never interrupt an import half-way: try again in a second
            if frame.f_code.co_filename.startswith("<frozen importlib"):
                return
            frame = frame.f_back
        raise TimeLimitError(
            f"took more than {seconds:g} s to read and analyse; stopped there "
            "(raise the limit with --max-seconds)",
            name,
        )

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, float(seconds), 1.0)  # type: ignore[arg-type]
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Stopped(KeyboardInterrupt):
    """The run was asked to stop by a signal (SIGINT or SIGTERM); exit with 128 + its number.

    A KeyboardInterrupt, so code that already cleans up after Ctrl-C cleans up after SIGTERM.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into `Stopped` inside the block, for applications (the CLI).

    Only the first signal raises; later ones are ignored while the run cleans up (stopping
    workers, writing the summary of what exists), which takes well under a second. Outside the
    main thread it does nothing.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        raise Stopped(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
