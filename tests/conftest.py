"""Shared fixtures: statements of our own writing, and the example drafts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import EXAMPLES, REPO


def sentences(words: int) -> str:
    """A statement of exactly `words` words, in five-word sentences of our own."""
    pattern = ["We", "reviewed", "the", "reading", "lists."]
    out = [pattern[i % 5] for i in range(words)]
    return " ".join(out)


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture(autouse=True, scope="session")
def _embedding_cache_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests never touch the user's real embedding cache: it lives in a session tmp dir."""
    saved = os.environ.get("PKSB_REFLECT_CACHE_DIR")
    os.environ["PKSB_REFLECT_CACHE_DIR"] = str(tmp_path_factory.mktemp("embedding-cache"))
    yield
    if saved is None:
        os.environ.pop("PKSB_REFLECT_CACHE_DIR", None)
    else:
        os.environ["PKSB_REFLECT_CACHE_DIR"] = saved


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI the tests must exercise the installed wheel, never the checkout's source."""
    if os.environ.get("CI") != "true":
        return
    import pksb_reflect

    where = Path(pksb_reflect.__file__).resolve()
    if REPO / "pksb_reflect" in where.parents:
        raise pytest.UsageError(
            f"CI imports pksb_reflect from the checkout ({where}), not the installed package"
        )
