"""Shared fixtures: statements of our own writing, and the example drafts."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"


def sentences(words: int) -> str:
    """A statement of exactly `words` words, in five-word sentences of our own."""
    pattern = ["We", "reviewed", "the", "reading", "lists."]
    out = [pattern[i % 5] for i in range(words)]
    return " ".join(out)


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES
