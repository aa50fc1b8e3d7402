"""Behaviour checks for the reflection-category classifier (not accuracy claims)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pksb_reflect import classify_sentences
from pksb_reflect.analysis.reflection import classifier
from pksb_reflect.analysis.reflection.classifier import CATEGORIES, load_model
from pksb_reflect.errors import ModelError, UsageError
from pksb_reflect.paths import file_sha256

# Sentences written for these tests (not from CEReD), each with the category it must get.
CLEAR = {
    "I felt anxious before presenting to the board.": "Feeling",
    "I was very happy with how the session went.": "Feeling",
    "In the future I want to prepare a short handout for every induction session.": "Intention",
    "On Tuesday I ran an induction session for twenty new students.": "Experience",
    "The main problem was that the database kept timing out and I could not search.": "Difficulty",
    "The library opens at nine in the morning.": "Other",
}


def _random_embeddings(n: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(n, 384)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_import_is_cheap() -> None:
    code = (
        "import sys, pksb_reflect.analysis.reflection.classifier; "
        "print(any(m in sys.modules for m in ('torch', 'sentence_transformers', 'sklearn')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_sha_mismatch_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "reflection"
    shutil.copytree(classifier.MODEL_DIR, folder, ignore=shutil.ignore_patterns("*.py"))
    load_model(folder)  # the intact copy loads
    weights = folder / classifier.MODEL_FILE
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match"):
        load_model(folder)


def test_missing_manifest_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "reflection"
    shutil.copytree(classifier.MODEL_DIR, folder, ignore=shutil.ignore_patterns("*.py"))
    (folder / classifier.MANIFEST_FILE).unlink()
    with pytest.raises(ModelError):
        load_model(folder)


def test_manifest_hash_matches_shipped_file() -> None:
    manifest = json.loads((classifier.MODEL_DIR / classifier.MANIFEST_FILE).read_text("utf-8"))
    expected = manifest["files"][classifier.MODEL_FILE]["sha256"]
    assert file_sha256(classifier.MODEL_DIR / classifier.MODEL_FILE) == expected


def test_probabilities_cover_nine_and_sum_to_one() -> None:
    sentences = ["I felt anxious.", "", "The room was booked for two hours."]
    features = np.hstack([_random_embeddings(len(sentences))] * 3)
    results = classifier.classify(load_model(), sentences, features)
    assert len(results) == len(sentences)
    for result in results:
        assert tuple(result.probabilities) == CATEGORIES
        assert sum(result.probabilities.values()) == pytest.approx(1.0, abs=1e-6)
        assert result.category == max(result.probabilities, key=result.probabilities.get)


def test_empty_input() -> None:
    assert classify_sentences([]) == []


def test_a_string_or_mismatched_contexts_are_usage_errors() -> None:
    with pytest.raises(UsageError):
        classify_sentences("One sentence.")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        classify_sentences(["One.", "Two."], ["One."])


def test_neighbours_from_context() -> None:
    context = "We met the new staff. I felt anxious before the talk. It went well."
    prev, nxt = classifier.neighbours("I felt anxious before the talk.", context)
    assert prev == "We met the new staff."
    assert nxt == "It went well."
    assert classifier.neighbours("Absent sentence here.", "Something else entirely.") == ("", "")


@pytest.mark.xfail(
    strict=True,
    reason="known regression of the in-domain model (issue 13): the context-free 'On Tuesday I "
    "ran an induction session...' comes out Intention (0.55) over Experience",
)
def test_clear_sentences() -> None:
    sentences = list(CLEAR)
    results = classify_sentences(sentences)
    assert [r.category for r in results] == [CLEAR[s] for s in sentences]


def test_context_is_accepted() -> None:
    sentence = "I felt anxious before presenting to the board."
    context = f"The board meeting was on Monday. {sentence} Afterwards I had a coffee."
    result = classify_sentences([sentence], [context])[0]
    assert result.category == "Feeling"
