"""Segmentation and word counts: headings, paragraphs and sentences with character offsets.

Paragraphs come from the source's own blocks; sentences come from spaCy, run once over all body
paragraphs with `nlp.pipe`. Offsets are into SourceText.text, so quotes are the candidate's words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from .ingest import SourceText

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

ParagraphKind = Literal["heading", "body", "references"]

# A short line with no closing punctuation reads as a heading ("Criterion 2: Organisational context").
HEADING_MAX_WORDS = 12
_REFERENCE_HEADING = re.compile(
    r"^\W*(references?|bibliography|reference list|works cited|sources|further reading|"
    r"reading list|list of evidence|evidence list|appendi(?:x|ces))\W*$",
    re.IGNORECASE,
)
# Evidence labels as candidates write them: (E4), [E4], (Evidence 4, 5), Evidence 12b, see appendix 2.
EVIDENCE_LABEL = re.compile(
    r"[(\[]\s*(?:see\s+)?(?:e|ev|evidence|appendix)\.?\s*\d+[a-z]?"
    r"(?:\s*(?:[,;&]|and|-|–)\s*(?:e|ev|evidence)?\.?\s*\d+[a-z]?)*\s*[)\]]"
    r"|\b(?:see\s+)?(?:evidence|appendix)\s+\d+[a-z]?(?:\s*(?:,|and|&)\s*\d+[a-z]?)*\b",
    re.IGNORECASE,
)


def count_words(text: str) -> int:
    """Words as Microsoft Word counts them: runs of characters between whitespace."""
    return len(text.split())


class Sentence(BaseModel):
    """One sentence of a body paragraph; `index` runs over the whole document."""

    index: int
    paragraph: int
    start: int
    end: int
    text: str


class Paragraph(BaseModel):
    """A block of the statement: a heading, a body paragraph, or part of a reference list."""

    index: int
    kind: ParagraphKind
    start: int
    end: int
    text: str
    words: int
    evidence_labels: list[str] = Field(default_factory=list)
    evidence_label_words: int = 0
    sentence_indexes: list[int] = Field(default_factory=list)


class DocumentOutline(BaseModel):
    """The statement's structure, as every later analysis sees it."""

    paragraphs: list[Paragraph]
    sentences: list[Sentence]


@dataclass(frozen=True)
class SegmentedDocument:
    """A source, its outline, and the spaCy Doc of each body paragraph (runtime only)."""

    source: SourceText
    outline: DocumentOutline
    docs: dict[int, Doc]

    def body(self) -> Iterator[tuple[Paragraph, Doc]]:
        """Body paragraphs in order, each with its Doc (whose sentences are its Sentences)."""
        for paragraph in self.outline.paragraphs:
            if paragraph.kind == "body":
                yield paragraph, self.docs[paragraph.index]

    @property
    def sentence_texts(self) -> list[str]:
        return [s.text for s in self.outline.sentences]


def _looks_like_heading(text: str) -> bool:
    stripped = text.strip()
    if "\n" in stripped or count_words(stripped) > HEADING_MAX_WORDS:
        return False
    return not re.search(r"[.!?;,]['\")\]]*$", stripped)


def segment(source: SourceText, nlp: Language | None = None) -> SegmentedDocument:
    """Split a source into headings, body paragraphs and sentences, with spaCy sentences."""
    if nlp is None:
        from .nlp import load_pipeline

        nlp = load_pipeline()
    return segment_many([source], nlp)[0]


def segment_many(sources: Sequence[SourceText], nlp: Language) -> list[SegmentedDocument]:
    """Segment several sources with one `nlp.pipe` pass over all their body paragraphs."""
    planned = [_plan_paragraphs(source) for source in sources]
    texts: list[str] = []
    owners: list[tuple[int, int]] = []
    for doc_number, (source, paragraphs) in enumerate(zip(sources, planned, strict=True)):
        analysis = source.analysis_text
        for paragraph in paragraphs:
            if paragraph.kind == "body":
                texts.append(analysis[paragraph.start : paragraph.end])
                owners.append((doc_number, paragraph.index))
    docs_by_source: list[dict[int, Doc]] = [{} for _ in sources]
    for (doc_number, paragraph_index), doc in zip(
        owners, nlp.pipe(texts, batch_size=64), strict=True
    ):
        docs_by_source[doc_number][paragraph_index] = doc
    return [
        _attach_sentences(source, paragraphs, docs)
        for source, paragraphs, docs in zip(sources, planned, docs_by_source, strict=True)
    ]


def _plan_paragraphs(source: SourceText) -> list[Paragraph]:
    paragraphs: list[Paragraph] = []
    in_references = False
    for block in source.blocks:
        raw = source.text[block.start : block.end]
        # Trim surrounding whitespace so offsets cover the words themselves.
        lead = len(raw) - len(raw.lstrip())
        text = raw.strip()
        if not text:
            continue
        start = block.start + lead
        is_heading = block.kind == "heading" or (
            block.kind == "paragraph" and _looks_like_heading(text)
        )
        if is_heading:
            in_references = bool(_REFERENCE_HEADING.match(text))
            kind: ParagraphKind = "heading"
        else:
            kind = "references" if in_references else "body"
        labels = [m.group() for m in EVIDENCE_LABEL.finditer(text)] if kind == "body" else []
        paragraphs.append(
            Paragraph(
                index=len(paragraphs),
                kind=kind,
                start=start,
                end=start + len(text),
                text=text,
                words=count_words(text),
                evidence_labels=labels,
                evidence_label_words=sum(count_words(label) for label in labels),
            )
        )
    return paragraphs


def _attach_sentences(
    source: SourceText, paragraphs: list[Paragraph], docs: dict[int, Doc]
) -> SegmentedDocument:
    sentences: list[Sentence] = []
    for paragraph in paragraphs:
        if paragraph.kind != "body":
            continue
        for sent in docs[paragraph.index].sents:
            if not sent.text.strip():
                continue
            start = paragraph.start + sent.start_char
            end = start + len(sent.text.rstrip())
            paragraph.sentence_indexes.append(len(sentences))
            sentences.append(
                Sentence(
                    index=len(sentences),
                    paragraph=paragraph.index,
                    start=start,
                    end=end,
                    text=source.text[start:end],
                )
            )
    return SegmentedDocument(
        source=source,
        outline=DocumentOutline(paragraphs=paragraphs, sentences=sentences),
        docs=docs,
    )
