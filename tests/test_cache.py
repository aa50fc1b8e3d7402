"""The on-disk embedding cache: persistence, concurrency, its size bound, and --no-cache.

Tests of the cache alone put a small fake model inside a private Encoder: they count which texts
reach the model, which the real model cannot tell us, and need no model load to do so. Tests that
run the whole pipeline (assess, the CLI) wrap the real model instead, counting what it is asked
to encode: a fake there would leak fake vectors into caches (the PKSB prototypes) that later
tests read. The shipped path (Runtime.encoder) always uses the real model.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from pksb_reflect.nlp import encoder as embeddings
from pksb_reflect.nlp.cache import (
    CACHE_DIR_ENV,
    DB_NAME,
    SqliteCache,
    open_disk_cache,
    text_key,
)
from pksb_reflect.nlp.encoder import EMBEDDING_DIM, Encoder, MemoryCache
from pksb_reflect.runtime import Runtime

_load_real_model = embeddings._load_model

MODEL = Encoder.model_key


def fake_vector(text: str) -> np.ndarray:
    """A deterministic unit vector per text, so a stored vector can be checked exactly."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    vector = np.random.default_rng(seed).standard_normal(EMBEDDING_DIM).astype(np.float32)
    return vector / np.linalg.norm(vector)


class CountingModel:
    """Stands in for the ONNX model to record every text it is asked to encode."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str], **_: object) -> np.ndarray:
        self.texts.extend(texts)
        return np.stack([fake_vector(t) for t in texts])


class CountingRealModel(CountingModel):
    """The real model, wrapped to record the texts it is asked to encode."""

    _real: object | None = None

    def embed(self, texts: Sequence[str], **options: object) -> np.ndarray:
        if CountingRealModel._real is None:
            CountingRealModel._real = _load_real_model()
        self.texts.extend(texts)
        return CountingRealModel._real.embed(list(texts), **options)  # type: ignore[attr-defined]


def counting_encoder(
    cache: object, model_type: type[CountingModel] = CountingModel
) -> tuple[Encoder, CountingModel]:
    encoder = Encoder(cache)  # type: ignore[arg-type]
    model = model_type()
    encoder._model = model  # type: ignore[assignment]
    return encoder, model


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_ENV, str(folder))
    yield folder


def test_vectors_persist_across_encoders(_isolated_cache: Path) -> None:
    # Fake model: we count that the second encoder sends nothing to its model.
    texts = ["I catalogued the stock.", "It taught me patience.", "I catalogued the stock."]
    first, first_model = counting_encoder(SqliteCache())
    vectors = first.encode(texts)
    assert first_model.texts == texts[:2]
    first.cache.close()  # type: ignore[attr-defined]

    second, second_model = counting_encoder(SqliteCache())
    again = second.encode(texts)
    assert second_model.texts == []
    assert again.dtype == np.float32 and again.shape == (3, EMBEDDING_DIM)
    np.testing.assert_array_equal(vectors, again)
    assert (_isolated_cache / DB_NAME).is_file()


def test_keys_depend_on_model_and_text(tmp_path: Path) -> None:
    cache = SqliteCache(tmp_path / "c.sqlite3")
    cache.put_many("model-a", {"same text": fake_vector("a")})
    cache.clear_memory()
    assert set(cache.get_many("model-a", ["same text", "other"])) == {"same text"}
    assert cache.get_many("model-b", ["same text"]) == {}
    assert text_key("same text") != text_key("same text ")


def test_database_uses_wal_and_float32_bytes(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    cache = SqliteCache(path)
    cache.put_many(MODEL, {"one": fake_vector("one")})
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        dim, blob = conn.execute("SELECT dim, vector FROM embeddings").fetchone()
    assert dim == EMBEDDING_DIM and len(blob) == EMBEDDING_DIM * 4
    np.testing.assert_array_equal(np.frombuffer(blob, dtype=np.float32), fake_vector("one"))


def _writer(path: str, worker: int, rounds: int) -> tuple[int, str | None]:
    """One process: many small writes and reads of texts that overlap with the other's."""
    cache = SqliteCache(path)
    for round_number in range(rounds):
        texts = [f"sentence {i}" for i in range(round_number * 10, round_number * 10 + 20)]
        texts += [f"worker {worker} sentence {round_number}"]
        cache.put_many(MODEL, {t: fake_vector(t) for t in texts})
        cache.clear_memory()
        found = cache.get_many(MODEL, texts)
        for text, vector in found.items():
            if not np.array_equal(vector, fake_vector(text)):
                return worker, f"wrong vector for {text!r}"
    return worker, cache.error


def test_two_processes_write_at_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    SqliteCache(path).open()
    rounds = 40
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        outcomes = pool.starmap(_writer, [(str(path), 0, rounds), (str(path), 1, rounds)])
    assert [error for _, error in outcomes] == [None, None]
    expected = {f"sentence {i}" for i in range((rounds - 1) * 10 + 20)}
    expected |= {f"worker {w} sentence {r}" for w in (0, 1) for r in range(rounds)}
    reader = SqliteCache(path)
    found = reader.get_many(MODEL, sorted(expected))
    assert set(found) == expected
    assert all(np.array_equal(found[t], fake_vector(t)) for t in expected)
    assert reader.stats() == {"rows": len(expected), "bytes": len(expected) * EMBEDDING_DIM * 4}
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT rows FROM totals").fetchone()[0] == len(expected)


class Clock:
    """A controllable clock, so least-recently-used order does not depend on timing."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        self.now += 1000.0
        return self.now


def test_size_bound_evicts_least_recently_used(tmp_path: Path) -> None:
    clock = Clock()
    cache = SqliteCache(tmp_path / "c.sqlite3", max_rows=50, clock=clock)
    cache.put_many(MODEL, {"keep me": fake_vector("keep me")})
    for batch in range(10):
        cache.put_many(MODEL, {f"t{batch}-{i}": fake_vector(f"{batch}-{i}") for i in range(10)})
        cache.clear_memory()
        assert "keep me" in cache.get_many(MODEL, ["keep me"])  # used, so recent
    stats = cache.stats()
    assert stats["rows"] <= 50
    cache.clear_memory()
    assert cache.get_many(MODEL, ["t0-0", "t0-1"]) == {}  # the oldest went first
    assert set(cache.get_many(MODEL, ["t9-0", "keep me"])) == {"t9-0", "keep me"}


def test_byte_bound_is_enforced(tmp_path: Path) -> None:
    row = EMBEDDING_DIM * 4
    cache = SqliteCache(tmp_path / "c.sqlite3", max_bytes=20 * row, clock=Clock())
    for i in range(60):
        cache.put_many(MODEL, {f"text {i}": fake_vector(str(i))})
    assert cache.stats()["bytes"] <= 20 * row


def test_unwritable_cache_dir_falls_back_to_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(CACHE_DIR_ENV, str(blocker / "cache"))
    assert open_disk_cache() is None
    assert isinstance(Runtime().encoder.cache, MemoryCache)


def test_damaged_database_does_not_break_encoding(tmp_path: Path) -> None:
    # Fake model: we check that encoding goes on (and counts texts) when the file is garbage.
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    encoder, model = counting_encoder(SqliteCache(path))
    encoder.encode(["One sentence."])
    encoder.encode(["One sentence."])
    assert model.texts == ["One sentence."]
    assert encoder.cache.error  # type: ignore[attr-defined]


def test_runtime_uses_the_disk_cache_by_default(_isolated_cache: Path) -> None:
    encoder = Runtime().encoder
    assert isinstance(encoder.cache, SqliteCache)
    assert encoder.cache.path == _isolated_cache / DB_NAME
    assert isinstance(Runtime(disk_cache=False).encoder.cache, MemoryCache)


DRAFT = """# Criterion 1: Personal performance

I ran twelve induction sessions for new students.
The first ones went badly because I talked too much.

Reading about active learning changed my plan.
I now ask students what they already know before I begin.

# Criterion 2: Organisational context

The college wants more adult learners to stay on their courses.
I surveyed them and found they came in the evenings.
"""

EDITED = DRAFT.replace(
    "Reading about active learning changed my plan.\nI now ask students what they already know "
    "before I begin.",
    "A colleague's feedback changed my plan.\nI now ask students what they already know "
    "before I begin.\nThen I build the session around their assignment.",
)


class CountingRuntime(Runtime):
    """A fresh process's runtime over the on-disk cache, its real model wrapped to count."""

    def __init__(self) -> None:
        super().__init__()
        self.counting, self.model = counting_encoder(SqliteCache(), CountingRealModel)

    @property
    def encoder(self) -> Encoder:
        return self.counting


def test_recheck_encodes_only_changed_sentences(tmp_path: Path) -> None:
    # Wrapped real model: the test counts which sentences reach it on the second check.
    from pksb_reflect.api import assess

    draft = tmp_path / "draft.md"
    draft.write_text(DRAFT, encoding="utf-8")
    first = CountingRuntime()
    assess(draft, runtime=first)
    assert "I ran twelve induction sessions for new students." in first.model.texts

    draft.write_text(EDITED, encoding="utf-8")
    second = CountingRuntime()
    assessment = assess(draft, runtime=second)
    new_sentences = {
        "A colleague's feedback changed my plan.",
        "Then I build the session around their assignment.",
    }
    assert new_sentences <= {s.text for s in assessment.outline.sentences}
    assert set(second.model.texts) == new_sentences


def test_no_cache_reads_and_writes_nothing_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _isolated_cache: Path
) -> None:
    # Wrapped real model: with --no-cache a second run must re-encode every sentence again.
    from pksb_reflect import cli

    draft = tmp_path / "draft.md"
    draft.write_text(DRAFT, encoding="utf-8")
    counts: list[set[str]] = []
    for _ in range(2):
        model = CountingRealModel()
        monkeypatch.setattr(embeddings, "_load_model", lambda model=model: model)
        assert cli.main(["check", "--no-cache", str(draft)]) == 0
        counts.append(set(model.texts))
    sentence = "I ran twelve induction sessions for new students."
    assert all(sentence in texts for texts in counts)
    assert not (_isolated_cache / DB_NAME).exists()
