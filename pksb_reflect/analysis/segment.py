"""Segmentation and word counts: headings, paragraphs and sentences with character offsets.

Paragraphs come from the source's own blocks; sentences come from spaCy, run once over all body
paragraphs with `nlp.pipe`. Offsets are into SourceText.text, so quotes are the candidate's words.

Work is bounded before spaCy sees it: a body paragraph longer than PARAGRAPH_MAX_CHARS is split
(at whitespace) into several, and a run of more than RUN_ON_TOKENS tokens with no full stop is
given sentence breaks, so one 5,000-word sentence costs what 25 ordinary ones do.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, cast

import numpy as np
from pydantic import BaseModel, Field

from pksb_reflect.errors import PksbError
from pksb_reflect.io.ingest import SourceText
from pksb_reflect.limits import TimeBudget

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

ParagraphKind = Literal["heading", "body", "references"]

# A short line with no closing punctuation reads as a heading, e.g. "Criterion 2: Context".
HEADING_MAX_WORDS = 12
# Far longer than any real paragraph, far below spaCy's nlp.max_length (1,000,000 characters).
PARAGRAPH_MAX_CHARS = 20_000
# The longest stretch of tokens without sentence-ending punctuation that is parsed as one sentence.
RUN_ON_TOKENS = 200
PIPE_BATCH = 32
_SENTENCE_END = re.compile(r"[.!?\u2026;:]+[\"')\]\u2019\u201d]*$")
_REFERENCE_HEADING = re.compile(
    r"^\W*(references?|bibliography|reference list|works cited|sources|further reading|"
    r"reading list|list of evidence|evidence list|appendi(?:x|ces))\W*$",
    re.IGNORECASE,
)
# Evidence labels as candidates write them: (E4), [E4], (Evidence 4, 5), see appendix 2.
EVIDENCE_LABEL = re.compile(
    r"[(\[]\s*(?:see\s+)?(?:e|ev|evidence|appendix)\.?\s*\d+[a-z]?"
    r"(?:\s*(?:[,;&]|and|-|\u2013)\s*(?:e|ev|evidence)?\.?\s*\d+[a-z]?)*\s*[)\]]"
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
    warnings: list[str] = field(default_factory=list)
    embeddings: np.ndarray | None = None
    """One row per outline sentence, encoded once per draft (`api` sets it)."""

    def neighbours(self, index: int) -> tuple[int | None, int | None]:
        """The sentences just before and after sentence `index` in the same paragraph."""
        sentences = self.outline.sentences
        paragraph = sentences[index].paragraph
        before = index - 1 if index > 0 and sentences[index - 1].paragraph == paragraph else None
        after = (
            index + 1
            if index + 1 < len(sentences) and sentences[index + 1].paragraph == paragraph
            else None
        )
        return before, after

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


def segment(source: SourceText, nlp: Language) -> SegmentedDocument:
    """Split a source into headings, body paragraphs and sentences, with spaCy sentences."""
    return segment_many([source], nlp)[0]


def segment_many(sources: Sequence[SourceText], nlp: Language) -> list[SegmentedDocument]:
    """Segment several sources with one `nlp.pipe` pass over all their body paragraphs."""
    return cast(list[SegmentedDocument], segment_bounded(sources, nlp))


PARSED_CACHE_SIZE = 2048


class ParseCache:
    """Parsed paragraphs, most recently used last, keyed by pipeline and exact text.

    Re-checking an edited draft with the same Runtime parses only the paragraphs that changed.
    Safe to share between threads: each look-up and store holds the lock.
    """

    def __init__(self, size: int = PARSED_CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple[int, str], tuple[Doc, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, nlp: Language, text: str) -> tuple[Doc, int] | None:
        with self._lock:
            known = self._items.get((id(nlp), text))
            if known is not None:
                self._items.move_to_end((id(nlp), text))
            return known

    def put(self, nlp: Language, text: str, doc: Doc, run: int) -> None:
        with self._lock:
            self._items[(id(nlp), text)] = (doc, run)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def segment_bounded(
    sources: Sequence[SourceText],
    nlp: Language,
    budgets: Sequence[TimeBudget] | None = None,
    parsed: ParseCache | None = None,
) -> list[SegmentedDocument | PksbError]:
    """Like `segment_many`, but each source has a time budget: one that runs out becomes its
    TimeLimitError, its remaining paragraphs are skipped, and the other sources go on."""
    if budgets is None:
        budgets = [TimeBudget(None) for _ in sources]
    warnings: list[list[str]] = [[] for _ in sources]
    planned = [_plan_paragraphs(s, w) for s, w in zip(sources, warnings, strict=True)]
    failed: dict[int, PksbError] = {}
    longest_run = [0] * len(sources)

    docs_by_source: list[dict[int, Doc]] = [{} for _ in sources]

    def stream() -> Iterator[tuple[Doc, tuple[int, int, str, int]]]:
        for doc_number, (source, paragraphs) in enumerate(zip(sources, planned, strict=True)):
            analysis = source.analysis_text
            for paragraph in paragraphs:
                if doc_number in failed:
                    break
                if paragraph.kind != "body":
                    continue
                text = analysis[paragraph.start : paragraph.end]
                known = parsed.get(nlp, text) if parsed is not None else None
                if known is not None:  # an unchanged paragraph of a re-checked draft
                    docs_by_source[doc_number][paragraph.index] = known[0]
                    longest_run[doc_number] = max(longest_run[doc_number], known[1])
                    continue
                doc = nlp.make_doc(text)
                run = _break_run_ons(doc)
                longest_run[doc_number] = max(longest_run[doc_number], run)
                yield doc, (doc_number, paragraph.index, text, run)

    last = time.monotonic()
    for doc, (doc_number, paragraph_index, text, run) in nlp.pipe(
        stream(), as_tuples=True, batch_size=PIPE_BATCH
    ):
        now = time.monotonic()
        budgets[doc_number].charge(now - last)
        last = now
        if doc_number in failed:
            continue
        docs_by_source[doc_number][paragraph_index] = doc
        if parsed is not None:
            parsed.put(nlp, text, doc, run)
        try:
            budgets[doc_number].check("analyse its sentences", sources[doc_number].name)
        except PksbError as exc:
            failed[doc_number] = exc
    results: list[SegmentedDocument | PksbError] = []
    for doc_number, (source, paragraphs, docs) in enumerate(
        zip(sources, planned, docs_by_source, strict=True)
    ):
        if doc_number in failed:
            results.append(failed[doc_number])
            continue
        if longest_run[doc_number] > RUN_ON_TOKENS:
            warnings[doc_number].append(
                f"{source.name}: has a sentence of more than {RUN_ON_TOKENS} words with no full "
                f"stop; it was analysed in parts of at most {RUN_ON_TOKENS} words"
            )
        document = _attach_sentences(source, paragraphs, docs)
        document.warnings.extend(warnings[doc_number])
        results.append(document)
    return results


def _break_run_ons(doc: Doc) -> int:
    """Start a sentence after every RUN_ON_TOKENS tokens with no sentence-ending punctuation.

    Returns the longest such run, in words. The parser keeps sentence starts set before it runs.
    """
    run = words = longest = 0
    for token in doc:
        if (token.is_space and "\n" in token.text) or _SENTENCE_END.search(token.text):
            run = words = 0
            continue
        run += 1
        if not token.is_punct:
            words += 1
            longest = max(longest, words)
        if run > RUN_ON_TOKENS:
            token.is_sent_start = True
            run = 1
    return longest


def _split_long(text: str, start: int) -> Iterator[tuple[int, str]]:
    """Cut text over PARAGRAPH_MAX_CHARS into pieces at whitespace, after a full stop if one is
    near; yields (offset, piece) with pieces stripped, so word counts add up."""
    pos = 0
    while len(text) - pos > PARAGRAPH_MAX_CHARS:
        window = text[pos : pos + PARAGRAPH_MAX_CHARS]
        cut = max(window.rfind(". "), window.rfind("? "), window.rfind("! "))
        if cut < PARAGRAPH_MAX_CHARS // 2:
            cut = max(window.rfind(" "), window.rfind("\n"))
        if cut <= 0:  # no whitespace at all: one enormous "word", cut where we must
            cut = PARAGRAPH_MAX_CHARS - 1
        piece = text[pos : pos + cut + 1]
        lead = len(piece) - len(piece.lstrip())
        if piece.strip():
            yield start + pos + lead, piece.strip()
        pos += cut + 1
    piece = text[pos:]
    lead = len(piece) - len(piece.lstrip())
    if piece.strip():
        yield start + pos + lead, piece.strip()


def _plan_paragraphs(source: SourceText, warnings: list[str] | None = None) -> list[Paragraph]:
    paragraphs: list[Paragraph] = []
    notes = warnings if warnings is not None else []
    split = 0
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
        pieces = [(start, text)]
        if kind == "body" and len(text) > PARAGRAPH_MAX_CHARS:
            pieces = list(_split_long(text, start))
            split += 1
        for piece_start, piece in pieces:
            labels = [m.group() for m in EVIDENCE_LABEL.finditer(piece)] if kind == "body" else []
            paragraphs.append(
                Paragraph(
                    index=len(paragraphs),
                    kind=kind,
                    start=piece_start,
                    end=piece_start + len(piece),
                    text=piece,
                    words=count_words(piece),
                    evidence_labels=labels,
                    evidence_label_words=sum(count_words(label) for label in labels),
                )
            )
    if split:
        notes.append(
            f"{source.name}: has {split} paragraph{'s' if split != 1 else ''} longer than "
            f"{PARAGRAPH_MAX_CHARS:,} characters; each was analysed in parts"
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
