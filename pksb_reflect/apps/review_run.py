"""Running a review safely: one review per out dir, workers that stop when told, no debris.

`review_lock` refuses a second review into the same folder while one runs (an advisory lock
the kernel drops if the holder dies). `run_workers` is a small process pool of our own: each
worker loads the models once, takes chunks of drafts from a queue and sends back one row per
draft as soon as its report is written, so the parent always knows which reports exist. When the
parent stops (a signal, an error) every worker is terminated, killed if it has not gone within
STOP_GRACE seconds, and reaped; a worker whose parent dies exits at once.
"""

from __future__ import annotations

import os
import queue
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from pksb_reflect.errors import OutputError, display_name

LOCK_NAME = ".pksb-reflect-review.lock"
STOP_GRACE = 0.5
POLL_SECONDS = 0.2
FINISH_SECONDS = 30.0

Emit = Callable[[Any], None]
Work = Callable[[list[Any], Any, Emit], None]


@contextmanager
def review_lock(out: Path) -> Iterator[None]:
    """Hold the out dir's lock for the block; OutputError when another review holds it."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no advisory locks to rely on
        yield
        return
    path = out / LOCK_NAME
    shown = display_name(str(out))
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            raise OutputError(f"cannot be locked ({exc.strerror or exc})", shown) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise OutputError(
                f"another review (process {holder}) is writing into this folder; wait for it "
                "to finish or choose another --out",
                shown,
            ) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path, follow_symlinks=False).st_ino
        except OSError:
            same = False
        if same:  # not a lock file that its last holder removed as we opened it
            break
        os.close(fd)
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(fd)


def remove_temp_files(out: Path, names: Sequence[str]) -> None:
    """Remove what an interrupted atomic write of one of `names` left (io.output's pattern)."""
    for name in names:
        for leftover in out.glob(f".{_glob_escape(name)}.*.tmp"):
            leftover.unlink(missing_ok=True)


def _glob_escape(name: str) -> str:
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in name)


def run_workers(
    chunks: Sequence[list[Any]],
    work: Work,
    settings: Any,
    jobs: int,
    record: Emit,
    fail: Callable[[list[Any], str], None],
) -> None:
    """Chunks to `jobs` spawned workers; `record` gets each row, `fail` each lost task list."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    tasks: Any = context.Queue()
    results: Any = context.Queue()
    threads = max(1, (os.cpu_count() or 1) // jobs)
    workers = [
        context.Process(
            target=_worker_main, args=(tasks, results, work, settings, threads), daemon=True
        )
        for _ in range(jobs)
    ]
    for worker in workers:
        worker.start()
    for item in enumerate(chunks):
        tasks.put(item)
    for _ in workers:
        tasks.put(None)
    pending = {number: list(chunk) for number, chunk in enumerate(chunks)}
    owners: dict[int, int] = {}
    finished = False
    try:
        while pending:
            try:
                kind, number, payload = results.get(timeout=POLL_SECONDS)
            except queue.Empty:
                _lost(workers, owners, pending, fail)
                continue
            if kind == "start":
                owners[number] = payload
            elif kind == "row":
                left = pending.get(number, [])
                pending[number] = [t for t in left if t.draft != payload.draft]
                record(payload)
            elif number in pending:  # "done": every row of the chunk has come
                left = pending.pop(number)
                if left:
                    fail(left, "its worker sent no result")
        finished = True
    finally:
        tasks.cancel_join_thread()
        _stop(workers, graceful=finished)
        tasks.close()
        results.close()


def _lost(
    workers: list[Any],
    owners: dict[int, int],
    pending: dict[int, list[Any]],
    fail: Callable[[list[Any], str], None],
) -> None:
    """Fail the chunks of workers that died; all of them when no worker is left."""
    dead = {w.pid: w.exitcode for w in workers if w.exitcode is not None}
    for number, pid in list(owners.items()):
        if pid in dead and number in pending:
            fail(pending.pop(number), f"its worker stopped unexpectedly (exit code {dead[pid]})")
    if len(dead) == len(workers) and pending:
        for number in list(pending):
            fail(pending.pop(number), "every worker stopped before reaching it")


def _stop(workers: list[Any], *, graceful: bool) -> None:
    """Reap every worker: let them finish when all went well, else terminate, then kill."""
    import time

    if graceful:
        deadline = time.monotonic() + FINISH_SECONDS
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))
    for worker in workers:
        if worker.is_alive():
            worker.terminate()
    deadline = time.monotonic() + STOP_GRACE
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()))
    for worker in workers:
        if worker.is_alive():
            worker.kill()
            worker.join()


def _worker_main(tasks: Any, results: Any, work: Work, settings: Any, threads: int) -> None:
    """A worker: its share of the cores, no Ctrl-C of its own, gone when its parent is."""
    import multiprocessing

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    signal.signal(signal.SIGTERM, _exit_on_term)
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = str(threads)
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    while True:
        item = tasks.get()
        if item is None:
            return
        number, chunk = item
        results.put(("start", number, os.getpid()))
        work(chunk, settings, _sender(results, number))
        results.put(("done", number, None))


def _sender(results: Any, number: int) -> Emit:
    def send(row: Any) -> None:
        results.put(("row", number, row))

    return send


def _exit_on_term(signum: int, frame: FrameType | None) -> None:
    # SystemExit unwinds through the atomic writer, which removes its temporary file.
    raise SystemExit(128 + signum)


def _exit_with(parent: Any) -> None:
    parent.join()
    os._exit(128 + signal.SIGTERM)
