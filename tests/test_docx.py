"""Feedback as Word comments: anchored at the right words, the candidate's text untouched."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from support import EXAMPLES

from pksb_reflect.api import assess
from pksb_reflect.errors import InputError
from pksb_reflect.render.docx import AUTHOR, render_bytes
from pksb_reflect.results import Assessment

EXTRA = "I agreed the plan with Sarah Jones and could be reached on 020 7946 0018 while it ran."


def _statement_docx(path: Path) -> bytes:
    """The strong example as a Word file whose runs cross sentence boundaries, with bold and
    italic runs, a Title, and a privacy finding to anchor."""
    document = docx.Document()
    document.add_paragraph("Chartership statement", style="Title")
    blocks = [b.strip() for b in (EXAMPLES / "chartership_strong.md").read_text().split("\n\n")]
    blocks.insert(2, EXTRA)
    for block in filter(None, blocks):
        if block.startswith("#"):
            document.add_heading(block.lstrip("# "), level=1)
            continue
        paragraph = document.add_paragraph()
        words = block.split(" ")
        for i in range(0, len(words), 7):
            run = paragraph.add_run(
                " ".join(words[i : i + 7]) + (" " if i + 7 < len(words) else "")
            )
            run.italic = (i // 7) % 3 == 1 or None
            run.bold = (i // 7) % 5 == 2 or None
    document.save(path)
    return path.read_bytes()


def _chars(document: docx.document.Document) -> list[list[tuple[str, bool, bool]]]:
    return [
        [(ch, bool(r.bold), bool(r.italic)) for r in p.runs for ch in r.text]
        for p in document.paragraphs
    ]


def _anchored(document: docx.document.Document) -> dict[int, str]:
    """Comment id -> the text between its range start and end."""
    texts: dict[int, list[str]] = {}
    open_ids: set[int] = set()
    for element in document.element.body.iter():
        if element.tag == qn("w:commentRangeStart"):
            open_ids.add(int(element.get(qn("w:id"))))
        elif element.tag == qn("w:commentRangeEnd"):
            open_ids.discard(int(element.get(qn("w:id"))))
        elif element.tag == qn("w:t"):
            for cid in open_ids:
                texts.setdefault(cid, []).append(element.text or "")
    return {cid: "".join(parts) for cid, parts in texts.items()}


@pytest.fixture(scope="module")
def annotated(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes, Assessment]:
    path = tmp_path_factory.mktemp("docx") / "draft.docx"
    original = _statement_docx(path)
    assessment = assess(path, "chartership")
    return original, render_bytes(assessment, original=original), assessment


def test_text_and_formatting_are_unchanged(annotated: tuple[bytes, bytes, Assessment]) -> None:
    original, result, _ = annotated
    before, after = docx.Document(io.BytesIO(original)), docx.Document(io.BytesIO(result))
    assert [p.text for p in before.paragraphs] == [p.text for p in after.paragraphs]
    assert _chars(before) == _chars(after)
    assert [p.style.name for p in before.paragraphs] == [p.style.name for p in after.paragraphs]


def test_comments_sit_at_their_headings_and_sentences(
    annotated: tuple[bytes, bytes, Assessment],
) -> None:
    _, result, assessment = annotated
    document = docx.Document(io.BytesIO(result))
    comments = list(document.comments)
    assert comments and all(c.author == AUTHOR for c in comments)
    anchored = _anchored(document)
    by_text = {c.comment_id: c.text for c in comments}
    for number, name in ((1, "Personal performance"), (2, "Organisational context")):
        [cid] = [i for i, t in by_text.items() if t.startswith(f"Criterion {number}:")]
        assert anchored[cid] == f"Criterion {number}: {name}"
    assert assessment.feedback is not None
    quoted = [p for p in assessment.feedback.strengths if p.quote is not None]
    assert quoted
    for point in quoted:
        [cid] = [i for i, t in by_text.items() if t.startswith("Strength") and point.title in t]
        assert anchored[cid] == point.quote.text  # type: ignore[union-attr]
    [name] = [i for i, t in by_text.items() if "\u201cSarah Jones\u201d" in t]
    assert anchored[name] == "Sarah Jones"
    [phone] = [i for i, t in by_text.items() if "\u201c020 7946 0018\u201d" in t]
    assert anchored[phone] == "020 7946 0018"


def test_a_different_file_is_refused(annotated: tuple[bytes, bytes, Assessment]) -> None:
    _, result, assessment = annotated
    with pytest.raises(InputError, match="changed since it was assessed"):
        render_bytes(assessment, original=result)


def test_markdown_statement_becomes_a_new_document() -> None:
    assessment = assess(EXAMPLES / "chartership_weak.md", "chartership")
    document = docx.Document(io.BytesIO(render_bytes(assessment)))
    texts = [p.text for p in document.paragraphs]
    assert texts == [p.text.replace("\n", " ") for p in assessment.outline.paragraphs]
    comments = list(document.comments)
    assert len(comments) >= 4 and {c.author for c in comments} == {AUTHOR}
    anchored = _anchored(document)
    assert any(t.startswith("pksb-reflect feedback") for t in (c.text for c in comments))
    sentences = {s.text.replace("\n", " ") for s in assessment.outline.sentences}
    wrong = [a for a in anchored.values() if a not in sentences and a not in texts]
    assert not wrong


def test_check_writes_a_commented_copy_and_leaves_the_draft_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pksb_reflect.cli import main

    draft = tmp_path / "draft.docx"
    original = _statement_docx(draft)
    out = tmp_path / "draft-feedback.docx"
    assert main(["check", str(draft), "--format", "docx", "--out", str(out)]) == 0
    assert draft.read_bytes() == original
    document = docx.Document(str(out))
    assert {c.author for c in document.comments} == {AUTHOR}
    before = docx.Document(io.BytesIO(original))
    assert [p.text for p in document.paragraphs] == [p.text for p in before.paragraphs]
    capsys.readouterr()
    assert main(["check", str(draft), "--format", "docx"]) == 2
    assert "--out" in capsys.readouterr().err
