"""Running a review safely: one review per out dir, workers that stop when told, no debris.

`review_lock` refuses a second review into the same folder while one runs (an advisory lock
the kernel drops if the holder dies). `run_workers` is a small process pool of our own: each
worker loads the models once, is sent chunks of drafts and sends back one row per draft as
soon as its report is written, so the parent always knows which reports exist. When the
parent stops (a signal, an error) every worker is terminated, killed if it has not gone within
STOP_GRACE seconds, and reaped, and then the temporary files of interrupted writes are removed;
a worker whose parent dies exits at once.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
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
    """Chunks to `jobs` spawned workers; `record` gets each row, `fail` each lost task list.

    Each worker has its own pipe (no queues, so no semaphores for a stopped run to leak): it
    is sent a chunk, sends back one row per draft and then "done", and is sent the next chunk
    or None. A worker that dies fails the rest of its chunk; the others go on.
    """
    import multiprocessing
    from multiprocessing.connection import wait

    context = multiprocessing.get_context("spawn")
    threads = max(1, (os.cpu_count() or 1) // jobs)
    waiting = list(chunks)
    workers: list[Any] = []
    pipes: dict[int, Any] = {}
    current: dict[int, list[Any]] = {}  # worker -> the tasks of its chunk not yet reported
    finished = False
    try:
        for index in range(jobs):
            ours, theirs = context.Pipe()
            worker = context.Process(
                target=_worker_main, args=(theirs, work, settings, threads), daemon=True
            )
            worker.start()
            theirs.close()
            workers.append(worker)
            pipes[index] = ours
            _next(index, ours, waiting, current)
        while current:
            handles = [pipes[i] for i in current] + [workers[i].sentinel for i in current]
            ready = wait(handles, timeout=POLL_SECONDS)
            for index in list(current):
                pipe, worker = pipes[index], workers[index]
                gone = False
                while index in current and pipe in ready and pipe.poll():
                    try:
                        kind, row = pipe.recv()
                    except (EOFError, OSError):
                        gone = True
                        break
                    if kind == "row":
                        current[index] = [t for t in current[index] if t.draft != row.draft]
                        record(row)
                    else:  # "done": every row of the chunk has come
                        left = current.pop(index)
                        if left:
                            fail(left, "its worker sent no result")
                        _next(index, pipe, waiting, current)
                if index in current and (gone or not worker.is_alive()):
                    worker.join(POLL_SECONDS)
                    lost = current.pop(index)
                    why = f"its worker stopped unexpectedly (exit code {worker.exitcode})"
                    if lost:
                        fail(lost, why)
            if not current and waiting:  # every worker died: nobody is left to do the rest
                for chunk in waiting:
                    fail(chunk, "every worker stopped before reaching it")
                waiting.clear()
        finished = True
    finally:
        _stop(workers, graceful=finished)
        for pipe in pipes.values():
            pipe.close()


def _next(index: int, pipe: Any, waiting: list[list[Any]], current: dict[int, list[Any]]) -> None:
    """Send worker `index` the next chunk, or None (its signal to finish) when none is left."""
    chunk = waiting.pop(0) if waiting else None
    try:
        pipe.send(chunk)
    except OSError:  # it died: its chunk goes back for the others
        if chunk is not None:
            waiting.insert(0, chunk)
        return
    if chunk is not None:
        current[index] = list(chunk)


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


def _worker_main(pipe: Any, work: Work, settings: Any, threads: int) -> None:
    """A worker: its share of the cores, no Ctrl-C of its own, gone when its parent is."""
    import multiprocessing

    # The parent decides when to stop; SIGTERM keeps its default action, so a worker deep in
    # torch or spaCy goes at once (the parent then removes any temporary file it left).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = str(threads)
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    while True:
        try:
            chunk = pipe.recv()
        except EOFError:  # the parent has gone
            return
        if chunk is None:
            return
        work(chunk, settings, _sender(pipe))
        pipe.send(("done", None))


def _sender(pipe: Any) -> Emit:
    def send(row: Any) -> None:
        pipe.send(("row", row))

    return send


def _exit_with(parent: Any) -> None:
    parent.join()
    os._exit(128 + signal.SIGTERM)
