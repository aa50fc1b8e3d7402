"""`pksb-reflect compare`: what changed between two drafts, paragraph by paragraph."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pksb_reflect import cli
from pksb_reflect.apps.compare import (
    DraftComparison,
    align_paragraphs,
    compare,
    render_comparison,
)
from pksb_reflect.nlp.cache import CACHE_DIR_ENV

KEPT = (
    "I joined the regional member network and helped to organise its annual conference, "
    "which took me into libraries I had never visited."
)
REWRITE_OLD = (
    "The evening drop-in sessions ran for a term and forty learners came to them. Tutors said "
    "that the group handed in fewer late assignments than before."
)
REWRITE_NEW = (
    "The evening drop-in sessions ran for a whole term and forty-one learners came to them. "
    "Tutors said that the group handed in fewer late assignments than the year before."
)
DROPPED = "I also read widely about cataloguing standards during the year."
ADDED = (
    "Looking back, I argued from the library's point of view when I should have argued from "
    "the college's, and I will agree measures with the teaching team before the next trial."
)


def test_align_finds_added_removed_rewritten_and_moved() -> None:
    old = [KEPT, REWRITE_OLD, DROPPED, "A paragraph that moves."]
    new = ["A paragraph that moves.", KEPT, REWRITE_NEW, ADDED]
    changes, unchanged = align_paragraphs(old, new)
    kinds = sorted((kind, i, j) for kind, i, j, _ in changes)
    assert unchanged == 1
    assert ("rewritten", 1, 2) in kinds
    assert ("removed", 2, None) in kinds
    assert ("added", None, 3) in kinds
    assert ("moved", 3, 0) in kinds
    rewritten = next(c for c in changes if c[0] == "rewritten")
    assert 0.5 <= rewritten[3] < 1.0


def test_align_ignores_case_spacing_and_curly_quotes() -> None:
    changes, unchanged = align_paragraphs(
        ["The library\u2019s  plan   worked."], ["the library's plan worked."]
    )
    assert changes == [] and unchanged == 1


def test_unrelated_paragraph_is_not_a_rewrite() -> None:
    changes, _ = align_paragraphs([DROPPED], [ADDED])
    assert sorted(c[0] for c in changes) == ["added", "removed"]


@pytest.fixture
def drafts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    old = tmp_path / "draft1.md"
    new = tmp_path / "draft2.md"
    old.write_text(f"# Criterion 3\n\n{KEPT}\n\n{REWRITE_OLD}\n\n{DROPPED}\n", encoding="utf-8")
    new.write_text(f"# Criterion 3\n\n{KEPT}\n\n{REWRITE_NEW}\n\n{ADDED}\n", encoding="utf-8")
    yield old, new


def test_compare_reports_words_and_paragraphs(drafts: tuple[Path, Path]) -> None:
    old, new = drafts
    result = compare(old, new, "certification")
    assert isinstance(result, DraftComparison)
    old_words = len(f"{KEPT} {REWRITE_OLD} {DROPPED}".split())
    new_words = len(f"{KEPT} {REWRITE_NEW} {ADDED}".split())
    assert (result.words.old, result.words.new) == (old_words, new_words)
    assert result.word_limit == 1000
    assert result.unchanged_paragraphs == 1
    assert {p.kind for p in result.paragraphs} == {"rewritten", "removed", "added"}
    rewritten = next(p for p in result.paragraphs if p.kind == "rewritten")
    assert (rewritten.old_index, rewritten.new_index) == (2, 2)  # the heading is paragraph 0
    for fmt in ("text", "markdown"):
        text = render_comparison(result, fmt)  # type: ignore[arg-type]
        assert "1 added, 1 removed, 1 rewritten" in text
    assert json.loads(render_comparison(result, "json"))["words"]["new"] == new_words


def test_compare_cli_json(drafts: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    old, new = drafts
    assert cli.main(["compare", str(old), str(new), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["old"] == str(old) and data["new"] == str(new)
    assert data["limit_status"] == {"old": "under", "new": "under"}


def test_compare_missing_file_is_one_line_error(
    drafts: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    old, _ = drafts
    code = cli.main(["compare", str(old), str(old.parent / "nope.md")])
    assert code == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nope.md: no such file" in err
