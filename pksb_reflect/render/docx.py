"""Feedback as Word comments: the candidate's own .docx, copied, with comments at their words.

For a .docx statement the original bytes are needed: the caller passes them as `original`,
and they must hash to the Assessment's `source.sha256`, so the comments can only land on the
file that was assessed. The copy keeps every paragraph's text and formatting; a run is split
(its formatting copied to both halves) only where a comment starts or ends inside it. For
.md, .txt and .pdf statements a new .docx of the statement is written with the same comments.

Comments (author "pksb-reflect"): an overview at the first paragraph, each criterion at its
heading (or its first paragraph), priorities, strengths and cuts at their sentences, and each
before-submission finding at the words themselves.
"""

from __future__ import annotations

import hashlib
import io
from copy import deepcopy
from dataclasses import dataclass
from typing import Any, Literal

from pksb_reflect.errors import InputError
from pksb_reflect.render.common import JUDGEMENT_LABEL, feedback_of, paragraph_numbers, part
from pksb_reflect.results import Assessment

AUTHOR = "pksb-reflect"
INITIALS = "PR"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_TEXT_TAGS = (f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}delText")


@dataclass
class _Block:
    """A paragraph (w:p) or table row (w:tr) of the document and where its text sits."""

    element: Any
    kind: Literal["paragraph", "row"]
    start: int  # offset in the statement's text of the block's first (stripped) character
    lead: int  # characters of leading whitespace stripped from the element's text
    text: str  # the element's text, stripped


@dataclass
class _Anchor:
    """A comment: the statement's text range it is about (None: the whole block) and its text."""

    paragraph: int
    span: tuple[int, int] | None
    lines: list[str]


def render_bytes(assessment: Assessment, *, original: bytes | None = None) -> bytes:
    """The annotated .docx: a copy of `original` for .docx statements, else a new document."""
    import docx

    if assessment.source.format == "docx":
        if original is None:
            raise InputError(
                "the Word-comments report needs the original .docx to copy", assessment.source.name
            )
        if hashlib.sha256(original).hexdigest() != assessment.source.sha256:
            raise InputError(
                "has changed since it was assessed; check it again", assessment.source.name
            )
        document = docx.Document(io.BytesIO(original))
        blocks = _docx_blocks(document.element.body)
    else:
        document = docx.Document()
        blocks = _new_blocks(document, assessment)
    _annotate(document, blocks, assessment)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- the document's text, block by block, as pksb_reflect.io.ingest reads it ------------------


def _segments(element: Any) -> list[tuple[Any, str]]:
    """(node, text) for every piece of accepted text: deleted and moved-away text left out."""
    pieces: list[tuple[Any, str]] = []
    for node in element.iter(*_TEXT_TAGS):
        if node.tag == f"{_W}delText":
            continue
        if next(node.iterancestors(f"{_W}moveFrom", f"{_W}del"), None) is not None:
            continue
        text = node.text or "" if node.tag == f"{_W}t" else "\t" if node.tag == f"{_W}tab" else "\n"
        pieces.append((node, text))
    return pieces


def _text(element: Any) -> str:
    return "".join(text for _, text in _segments(element))


def _docx_blocks(body: Any) -> list[_Block]:
    """Body paragraphs and table rows with the offsets reading gave them (blank ones skipped,
    two characters between blocks)."""
    blocks: list[_Block] = []
    pos = 0

    def add(element: Any, kind: Literal["paragraph", "row"], raw: str) -> None:
        nonlocal pos
        text = raw.strip()
        if not text:
            return
        if blocks:
            pos += 2
        blocks.append(_Block(element, kind, pos, len(raw) - len(raw.lstrip()), text))
        pos += len(text)

    for child in body.iterchildren():
        if child.tag == f"{_W}p":
            add(child, "paragraph", _text(child))
        elif child.tag == f"{_W}tbl":
            for row in child.iter(f"{_W}tr"):
                cells = [
                    " ".join(_text(p).strip() for p in cell.iter(f"{_W}p")).strip()
                    for cell in row.iter(f"{_W}tc")
                ]
                add(row, "row", " | ".join(c for c in cells if c))
    return blocks


def _new_blocks(document: Any, assessment: Assessment) -> list[_Block]:
    """A new document of the statement: one Word paragraph per outline paragraph."""
    for paragraph in assessment.outline.paragraphs:
        text = paragraph.text.replace("\n", " ")  # a soft line break; same length
        if paragraph.kind == "heading":
            document.add_heading(text, level=2)
        else:
            document.add_paragraph(text)
    elements = [c for c in document.element.body.iterchildren() if c.tag == f"{_W}p"]
    return [
        _Block(element, "paragraph", p.start, 0, p.text.replace("\n", " "))
        for p, element in zip(assessment.outline.paragraphs, elements, strict=True)
    ]


# --- which comments, where -------------------------------------------------------------------


def _anchors(assessment: Assessment) -> list[_Anchor]:
    fb = feedback_of(assessment)
    outline = assessment.outline
    sentences = outline.sentences
    by_number = {n: index for index, n in paragraph_numbers(assessment).items()}
    anchors: list[_Anchor] = []
    wc = assessment.word_count
    overview = [
        f"pksb-reflect feedback ({assessment.route_name}, PKSB {assessment.framework}): "
        f"{fb.summary}",
        f"Word count: {wc.counted} of {wc.limit} ({wc.status} the limit).",
    ]
    privacy = part(assessment, "privacy")
    if privacy is not None:
        overview += [privacy.summary, privacy.declaration]
    anchors.append(_Anchor(outline.paragraphs[0].index, None, overview))

    def sentence_span(index: int) -> tuple[int, tuple[int, int]]:
        sentence = sentences[index]
        return sentence.paragraph, (sentence.start, sentence.end)

    for criterion in fb.criteria:
        lines = [
            f"Criterion {criterion.number}: {criterion.name}: "
            f"{JUDGEMENT_LABEL[criterion.judgement]}. {criterion.summary}",
            *criterion.reasons,
        ]
        first = [by_number[n] for n in criterion.paragraph_numbers if n in by_number]
        where = first[0] if first else outline.paragraphs[0].index
        if where > 0 and outline.paragraphs[where - 1].kind == "heading":
            where -= 1  # the criterion's heading
        anchors.append(_Anchor(where, None, lines))
    for title, points in (("Priority", fb.priorities), ("Strength", fb.strengths)):
        for number, point in enumerate(points, start=1):
            line = f"{title} {number}: {point.title}. {point.detail}"
            if point.quote is not None:
                paragraph, span = sentence_span(point.quote.sentence)
                anchors.append(_Anchor(paragraph, span, [line]))
            elif point.paragraph_number in by_number:
                anchors.append(_Anchor(by_number[point.paragraph_number], None, [line]))
            elif title == "Priority":  # a priority about the whole statement: at the start
                anchors.append(_Anchor(outline.paragraphs[0].index, None, [line]))
    if fb.word_limit is not None:
        for cut in fb.word_limit.cuts:
            paragraph, span = sentence_span(cut.quote.sentence)
            anchors.append(
                _Anchor(paragraph, span, [f"Could cut ({cut.words} words): {cut.reason}."])
            )
    if privacy is not None:
        advice = privacy.advice
        for finding in privacy.findings:
            anchors.append(
                _Anchor(
                    finding.paragraph,
                    (finding.start, finding.end),
                    [f"Before you submit: \u201c{finding.text}\u201d is {advice[finding.kind]}."],
                )
            )
    coverage = part(assessment, "pksb")
    for note in coverage.numbering if coverage is not None else []:
        paragraph, span = sentence_span(note.sentence)
        anchors.append(_Anchor(paragraph, span, [f"{note.reason} {note.question}"]))
    return anchors


# --- placing them ----------------------------------------------------------------------------


def _annotate(document: Any, blocks: list[_Block], assessment: Assessment) -> None:
    from docx.text.run import Run

    paragraphs = assessment.outline.paragraphs
    placed: list[tuple[_Anchor, _Block, tuple[int, int] | None]] = []
    for anchor in _anchors(assessment):
        block = _block_of(blocks, paragraphs[anchor.paragraph].start)
        if block is None:
            continue
        placed.append((anchor, block, _local_span(block, anchor, paragraphs[anchor.paragraph])))
    # Split runs at every boundary first: a split after a comment is placed would move its end.
    for block in {id(b): b for _, b, _ in placed}.values():
        if block.kind != "paragraph":
            continue
        for span in {s for _, b, s in placed if b is block and s is not None}:
            for offset in span:
                _split_at(block.element, offset)
    for anchor, block, local in placed:
        runs = _runs_for(block, local)
        if not runs:
            continue
        comment = document.add_comment(
            [Run(runs[0], document), Run(runs[-1], document)],
            text=anchor.lines[0],
            author=AUTHOR,
            initials=INITIALS,
        )
        for line in anchor.lines[1:]:
            comment.add_paragraph(line)


def _block_of(blocks: list[_Block], start: int) -> _Block | None:
    for block in blocks:
        if block.start <= start <= block.start + len(block.text):
            return block
    return None


def _local_span(block: _Block, anchor: _Anchor, paragraph: Any) -> tuple[int, int] | None:
    """The anchor's range in the element's own text, or None to take the whole block.

    The whole block is taken for table rows, and where the block's text is not the outline
    paragraph's (a control character shown as U+FFFD, say): never a guessed position.
    """
    if anchor.span is None or block.kind != "paragraph":
        return None
    offset = paragraph.start - block.start
    own = block.text[offset : offset + len(paragraph.text)].replace("\n", " ")
    if own != paragraph.text.replace("\n", " "):
        return None
    start, end = anchor.span
    if not (block.start <= start < end <= block.start + len(block.text)):
        return None
    return start - block.start + block.lead, end - block.start + block.lead


def _split_at(p: Any, offset: int) -> None:
    """Make `offset` (into the paragraph's text) a run boundary, splitting the run there."""
    pos = 0
    for node, text in _segments(p):
        run = node.getparent()
        if pos < offset < pos + len(text) and node.tag == f"{_W}t" and run.tag == f"{_W}r":
            _split_run(run, node, offset - pos)
            return
        if pos == offset and run.tag == f"{_W}r" and _has_text_before(run, node):
            _split_run(run, node, 0)
            return
        if pos >= offset:
            return
        pos += len(text)


def _has_text_before(run: Any, node: Any) -> bool:
    for child in run:
        if child is node:
            return False
        if child.tag in _TEXT_TAGS:
            return True
    return False


def _split_run(run: Any, node: Any, k: int) -> None:
    """Split `run` so that `node`'s text from character k starts a new run of the same format."""
    index = list(run).index(node)
    second = deepcopy(run)
    for child in list(run)[index + (1 if k else 0) :]:
        run.remove(child)
    if k:
        node.text = node.text[:k]
        node.set(_XML_SPACE, "preserve")
    children = list(second)
    for child in children[:index]:
        if child.tag != f"{_W}rPr":
            second.remove(child)
    copy = children[index]
    if k:
        copy.text = copy.text[k:]
        copy.set(_XML_SPACE, "preserve")
    run.addnext(second)


def _own_runs(element: Any, paragraph: Any) -> list[Any]:
    """Runs whose nearest paragraph is `paragraph` (not a text box inside it)."""
    return [
        r
        for r in element.iter(f"{_W}r")
        if next(r.iterancestors(f"{_W}p"), None) is paragraph and _text(r)
    ]


def _runs_for(block: _Block, span: tuple[int, int] | None) -> list[Any]:
    if block.kind == "row":
        return [r for r in block.element.iter(f"{_W}r") if _text(r)]
    whole = _own_runs(block.element, block.element)
    if span is None:
        return whole
    start, end = span
    chosen: list[Any] = []
    pos = 0
    for node, text in _segments(block.element):
        if text and pos < end and start < pos + len(text):
            run = node.getparent()
            if run not in chosen:
                chosen.append(run)
        pos += len(text)
    if not chosen or any(r not in whole for r in chosen):
        return whole
    return [chosen[0], chosen[-1]]
