"""An on-disk embedding cache: SQLite in the user's cache folder, shared by every process.

Rows are keyed by the encoder's model key and the sha256 of the sentence text, and hold the
vector as float32 bytes. The database runs in WAL mode with a busy timeout, writes with
`INSERT OR IGNORE` inside short `BEGIN IMMEDIATE` transactions, and retries when another
process holds the lock, so several `pksb-reflect` runs can share it. Its size is bounded: when
it holds more rows or bytes than allowed, the least recently used rows are evicted.

A cache is only a speed-up: if the database cannot be opened or written, the cache quietly
falls back to memory for the rest of the process (`SqliteCache.error` says why).

Environment (read, never set; ``Runtime(disk_cache=False)``, the CLI's ``--no-cache``, turns
the disk cache off):

* ``PKSB_REFLECT_CACHE_DIR`` — the folder to keep the database in (default: the platform's
  user cache folder for pksb-reflect).
* ``PKSB_REFLECT_CACHE_MAX_MB`` — the size bound in megabytes (default 256).
"""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import numpy as np

CACHE_DIR_ENV = "PKSB_REFLECT_CACHE_DIR"
MAX_MB_ENV = "PKSB_REFLECT_CACHE_MAX_MB"
DB_NAME = "embeddings.sqlite3"
SCHEMA_VERSION = 1
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
DEFAULT_MAX_ROWS = 150_000
# Eviction trims to this fraction of the bound, so it runs rarely rather than on every write.
EVICT_TO = 0.9
# A hit refreshes its row's last-used time only when the stored time is older than this.
TOUCH_AFTER_S = 300.0
BUSY_TIMEOUT_S = 10.0
RETRIES = 8
_CHUNK = 500  # keys per SELECT, under SQLite's bound-parameter limit

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    id INTEGER PRIMARY KEY,
    model TEXT NOT NULL,
    key BLOB NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    last_used REAL NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS embeddings_model_key ON embeddings (model, key);
CREATE INDEX IF NOT EXISTS embeddings_last_used ON embeddings (last_used);
CREATE TABLE IF NOT EXISTS totals (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    rows INTEGER NOT NULL,
    bytes INTEGER NOT NULL
);
INSERT OR IGNORE INTO totals (id, rows, bytes) VALUES (1, 0, 0);
"""


def cache_dir() -> Path:
    """Where the cache lives: $PKSB_REFLECT_CACHE_DIR, else the user cache folder."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("pksb-reflect"))


def text_key(text: str) -> bytes:
    """The row key of a sentence: the sha256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def _max_bytes_from_env() -> int:
    raw = os.environ.get(MAX_MB_ENV)
    if not raw:
        return DEFAULT_MAX_BYTES
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_MAX_BYTES
    return max(1, int(value * 1024 * 1024)) if value > 0 else DEFAULT_MAX_BYTES


class SqliteCache:
    """The EmbeddingCache protocol over a SQLite file, with an in-process layer in front."""

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        max_rows: int = DEFAULT_MAX_ROWS,
        max_bytes: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path) if path is not None else cache_dir() / DB_NAME
        self.max_rows = max_rows
        self.max_bytes = max_bytes if max_bytes is not None else _max_bytes_from_env()
        self.error: str | None = None
        self._clock = clock
        self._memory: dict[tuple[str, str], np.ndarray] = {}
        self._conn: sqlite3.Connection | None = None
        self._pid: int | None = None
        self._lock = threading.RLock()

    # --- connection -------------------------------------------------------------------

    def open(self) -> None:
        """Create the folder and database now; raises sqlite3.Error or OSError on failure."""
        self._connection()

    def _connection(self) -> sqlite3.Connection:
        if self._conn is not None and self._pid == os.getpid():
            return self._conn
        # A connection must not cross a fork: a child opens its own.
        self._conn = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            str(self.path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            self._retry(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone())
            conn.execute("PRAGMA synchronous = NORMAL")
            self._retry(lambda: self._create_schema(conn))
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self._pid = os.getpid()
        return conn

    @staticmethod
    def _create_schema(conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                if version not in (0, SCHEMA_VERSION):
                    # A layout we do not know: a cache can always be rebuilt.
                    conn.execute("DROP TABLE IF EXISTS embeddings")
                    conn.execute("DROP TABLE IF EXISTS totals")
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        """Close the database connection (the in-process layer is kept)."""
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    @staticmethod
    def _retry(action: Callable[[], T]) -> T:
        """Run `action`, retrying with jittered back-off while the database is locked."""
        for attempt in range(RETRIES):
            try:
                return action()
            except sqlite3.OperationalError as exc:
                message = str(exc).lower()
                if "locked" not in message and "busy" not in message:
                    raise
                if attempt == RETRIES - 1:
                    raise
                time.sleep(min(1.0, 0.02 * 2**attempt) * (0.5 + random.random()))
        raise AssertionError("unreachable")  # pragma: no cover

    @contextmanager
    def _write(self, conn: sqlite3.Connection) -> Iterator[None]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _fail(self, exc: BaseException) -> None:
        """Give up on the disk for this process; the in-process layer keeps working."""
        self.error = f"{type(exc).__name__}: {exc}"
        self.close()

    @property
    def usable(self) -> bool:
        """False once the disk cache has failed in this process."""
        return self.error is None

    # --- the EmbeddingCache protocol ------------------------------------------------------

    def get_many(self, model_key: str, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors for the texts that are cached, from memory first, then from disk."""
        found: dict[str, np.ndarray] = {}
        wanted: dict[bytes, str] = {}
        for text in texts:
            vector = self._memory.get((model_key, text))
            if vector is not None:
                found[text] = vector
            else:
                wanted[text_key(text)] = text
        if not wanted or not self.usable:
            return found
        with self._lock:
            try:
                rows = self._retry(lambda: self._select(model_key, list(wanted)))
            except (sqlite3.Error, OSError) as exc:
                self._fail(exc)
                return found
        stale: list[int] = []
        cutoff = self._clock() - TOUCH_AFTER_S
        for row_id, key, dim, blob, last_used in rows:
            if len(blob) != dim * 4:
                continue  # a damaged row reads as a miss and is re-encoded
            vector = np.frombuffer(blob, dtype=np.float32).copy()
            text = wanted[bytes(key)]
            found[text] = vector
            self._memory[(model_key, text)] = vector
            if last_used < cutoff:
                stale.append(row_id)
        if stale:
            self._touch(stale)
        return found

    def put_many(self, model_key: str, items: dict[str, np.ndarray]) -> None:
        """Store vectors (existing rows are kept), then evict old rows if over the bound."""
        if not items:
            return
        now = self._clock()
        rows = []
        for text, vector in items.items():
            array = np.ascontiguousarray(vector, dtype=np.float32).reshape(-1)
            self._memory[(model_key, text)] = array
            rows.append((model_key, text_key(text), int(array.size), array.tobytes(), now))
        if not self.usable:
            return
        with self._lock:
            try:
                self._retry(lambda: self._insert(rows))
            except (sqlite3.Error, OSError) as exc:
                self._fail(exc)

    # --- storage --------------------------------------------------------------------------

    def _select(
        self, model_key: str, keys: list[bytes]
    ) -> list[tuple[int, bytes, int, bytes, float]]:
        conn = self._connection()
        rows: list[tuple[int, bytes, int, bytes, float]] = []
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows.extend(
                conn.execute(
                    "SELECT id, key, dim, vector, last_used FROM embeddings "
                    f"WHERE model = ? AND key IN ({marks})",
                    [model_key, *chunk],
                ).fetchall()
            )
        return rows

    def _touch(self, row_ids: list[int]) -> None:
        now = self._clock()
        with self._lock:
            try:

                def update() -> None:
                    conn = self._connection()
                    with self._write(conn):
                        conn.executemany(
                            "UPDATE embeddings SET last_used = ? WHERE id = ?",
                            [(now, row_id) for row_id in row_ids],
                        )

                self._retry(update)
            except (sqlite3.Error, OSError) as exc:
                self._fail(exc)

    def _insert(self, rows: list[tuple[str, bytes, int, bytes, float]]) -> None:
        conn = self._connection()
        with self._write(conn):
            added_rows = 0
            added_bytes = 0
            for row in rows:
                cursor = conn.execute(
                    "INSERT OR IGNORE INTO embeddings (model, key, dim, vector, last_used) "
                    "VALUES (?, ?, ?, ?, ?)",
                    row,
                )
                if cursor.rowcount > 0:
                    added_rows += 1
                    added_bytes += len(row[3])
            if added_rows:
                conn.execute(
                    "UPDATE totals SET rows = rows + ?, bytes = bytes + ? WHERE id = 1",
                    (added_rows, added_bytes),
                )
            self._evict_if_needed(conn)

    def _evict_if_needed(self, conn: sqlite3.Connection) -> None:
        """Inside a write transaction: drop least recently used rows until under the bound."""
        total_rows, total_bytes = conn.execute(
            "SELECT rows, bytes FROM totals WHERE id = 1"
        ).fetchone()
        if total_rows <= self.max_rows and total_bytes <= self.max_bytes:
            return
        target_rows = int(self.max_rows * EVICT_TO)
        target_bytes = int(self.max_bytes * EVICT_TO)
        while total_rows > target_rows or total_bytes > target_bytes:
            over_rows = total_rows - target_rows
            average = max(1, total_bytes // max(1, total_rows))
            over_bytes = -(-(total_bytes - target_bytes) // average)
            batch = max(1, min(5000, max(over_rows, over_bytes)))
            victims = conn.execute(
                "SELECT id, length(vector) FROM embeddings ORDER BY last_used, id LIMIT ?",
                (batch,),
            ).fetchall()
            if not victims:
                conn.execute("UPDATE totals SET rows = 0, bytes = 0 WHERE id = 1")
                return
            conn.executemany("DELETE FROM embeddings WHERE id = ?", [(v[0],) for v in victims])
            total_rows -= len(victims)
            total_bytes -= sum(v[1] for v in victims)
            conn.execute(
                "UPDATE totals SET rows = ?, bytes = ? WHERE id = 1",
                (max(0, total_rows), max(0, total_bytes)),
            )

    # --- inspection -----------------------------------------------------------------------

    def stats(self) -> dict[str, int]:
        """Rows and vector bytes on disk, as counted by the database itself."""
        with self._lock:
            conn = self._connection()
            rows, size = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(length(vector)), 0) FROM embeddings"
            ).fetchone()
        return {"rows": int(rows), "bytes": int(size)}

    def clear_memory(self) -> None:
        """Forget the in-process layer, so the next reads come from disk."""
        self._memory.clear()


def open_disk_cache() -> SqliteCache | None:
    """The on-disk embedding cache, or None when its folder is unusable (then memory only).

    The folder is created and the database opened here, so a read-only or broken cache folder
    is found before any work starts.
    """
    cache = SqliteCache()
    try:
        cache.open()
    except (sqlite3.Error, OSError):
        return None
    return cache
