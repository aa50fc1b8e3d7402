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
    r"reading list|list of evidence|evidence list|evidence|supporting evidence|"
    r"appendi(?:x|ces))\W*$",
    re.IGNORECASE,
)
_LABEL_WORD = r"(?:e|ev|evidence|appendix|cpd\s+log(?:\s+entry)?)"
# Evidence labels as candidates write them: (E4), [E4], (Evidence 4, 5), see appendix 2,
# (E5, 23 responses), (E5 - survey), (CPD log 1, 3), and a bare "E5 shows ..." as a subject.
EVIDENCE_LABEL = re.compile(
    r"[(\[]\s*(?:see\s+)?" + _LABEL_WORD + r"\.?\s*\d+[a-z]?\b"
    r"(?:\s*(?:[,;&]|and|-|\u2013)\s*" + _LABEL_WORD + r"?\.?\s*\d+[a-z]?\b(?!\s+[a-z]))*"
    r"(?:\s*(?:[,;:]|-|\u2013|\u2014)\s*[^()\[\]\n]{1,60})?\s*[)\]]"
    r"|\b(?:see\s+)?(?:evidence|appendix)\s+\d+[a-z]?(?:\s*(?:,|and|&)\s*\d+[a-z]?)*\b"
    r"|\bE\d{1,3}[a-z]?\b(?=\s+(?:shows?|showed|sets? out|records?|recorded|gives|contains|"
    r"summari[sz]es|is|was|has|includes?)\b)",
    re.IGNORECASE,
)
# Where a citation's own words start: "(E5, 23 responses)" cites E5 only.
EVIDENCE_TAIL = re.compile(
    r"\s*(?:[,;:]|-|\u2013|\u2014)\s*(?=(?:\d+\s+)?(?!(?:and|e|ev|evidence|appendix|cpd)\b)"
    r"[a-z]{2,})",
    re.IGNORECASE,
)
# A list item's marker at the start of a line: "- ", "* ", "• ", "1. ", "2) ", "a) ".
LIST_MARKER = re.compile(
    r"^[ \t]*(?:[-*\u2022\u2013\u25aa\u25cf]|\d{1,2}[.)]|[a-z][.)])[ \t]+", re.M
)
# A line giving the candidate's details rather than the statement: "Name: ...", "Route: ...".
DETAIL_LINE = re.compile(
    r"^\W*(?:name|candidate|job title|role|post|employer|organisation|route|date|"
    r"(?:cilip )?membership (?:number|no\.?)|word count[^:]*|submitted[^:]*)\W*:",
    re.IGNORECASE,
)
_CRITERION_NAME = re.compile(
    r"\bcriterion\b|\bpersonal\b|\borgani[sz]ation|\bwider\b|\bprofessional context\b",
    re.IGNORECASE,
)
_CRITERION_LINE = re.compile(r"^\W*criterion\s*(?:\d|one|two|three)\b", re.IGNORECASE)
# The longest line read as a list item after a lead-in ending with a colon.
LIST_ITEM_MAX_WORDS = 25
# Lines longer than this are paragraphs of their own, not a paragraph wrapped over lines.
PARAGRAPH_LINE_WORDS = 30


def count_words(text: str) -> int:
    """Words as the labels count them: whitespace-separated tokens with a letter or digit,
    leaving out list markers at the start of a line ("-", "1.")."""
    return sum(
        1 for token in LIST_MARKER.sub(" ", text).split() if any(ch.isalnum() for ch in token)
    )


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
    """A short line with no closing punctuation, a "Criterion 2: ..." line however long it
    is, or a line of the candidate's details ("Name: ...")."""
    stripped = text.strip()
    if "\n" in stripped or stripped.startswith("|"):  # a table row is not a heading
        return False
    if LIST_MARKER.match(stripped):  # "1. Personal performance" is a heading, not a list item
        stripped = LIST_MARKER.sub("", stripped, count=1)
        if not _CRITERION_NAME.search(stripped) or count_words(stripped) > 6:
            return False
    if stripped.endswith(":") and count_words(stripped) >= 5:  # a list's lead-in sentence
        return False
    if DETAIL_LINE.match(stripped) and count_words(stripped) <= 20:
        return True
    limit = 40 if _CRITERION_LINE.match(stripped) else HEADING_MAX_WORDS
    if count_words(stripped) > limit:
        return False
    return not re.search(r"[.!?;,]['\")\]*]*$", stripped)


def _units(text: str, start: int) -> Iterator[tuple[int, str]]:
    """The parts of one block as (offset, text): a block whose lines are headings,
    details, list items or whole paragraphs is read line by line (list items stay together);
    a paragraph wrapped over lines stays one part."""
    lines: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            lead = len(line) - len(line.lstrip())
            lines.append((start + pos + lead, line.strip()))
        pos += len(line) + 1
    if len(lines) <= 1:
        yield start, text
        return
    by_line = any(count_words(t) > PARAGRAPH_LINE_WORDS for _, t in lines) or any(
        _looks_like_heading(t) or LIST_MARKER.match(t) or t.startswith("|") for _, t in lines
    )
    if not by_line:
        yield start, text
        return
    run: list[tuple[int, str]] = []  # consecutive list items, or consecutive wrapped lines
    run_is_list = False

    def flush() -> Iterator[tuple[int, str]]:
        if run:
            first, last = run[0], run[-1]
            yield first[0], text[first[0] - start : last[0] - start + len(last[1])]

    for offset, line in lines:
        is_list = bool(LIST_MARKER.match(line))
        if _looks_like_heading(line) or line.startswith("|"):
            yield from flush()
            run = []
            yield offset, line
            continue
        if run and (is_list != run_is_list or not is_list):
            yield from flush()
            run = []
        run.append((offset, line))
        run_is_list = is_list
    yield from flush()


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
                run = _break_run_ons(doc, items=bool(LIST_MARKER.match(text)))
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


def _break_run_ons(doc: Doc, *, items: bool = False) -> int:
    """Start a sentence after every RUN_ON_TOKENS tokens with no sentence-ending punctuation,
    and, in a list (`items`), at every item: each bullet is a sentence of its own.

    Returns the longest such run, in words. The parser keeps sentence starts set before it runs.
    """
    run = words = longest = 0
    after_break = False
    for token in doc:
        if token.is_space and "\n" in token.text:
            run = words = 0
            after_break = items
            continue
        if after_break:
            token.is_sent_start = True
            after_break = False
            if token.i + 1 < len(doc) and not any(ch.isalnum() for ch in token.text):
                doc[token.i + 1].is_sent_start = False  # the item goes on after its marker
        if _SENTENCE_END.search(token.text):
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
    split_count = [0]
    items: set[int] = set()
    in_references = False
    for block in source.blocks:
        raw = source.text[block.start : block.end]
        # Trim surrounding whitespace so offsets cover the words themselves.
        lead = len(raw) - len(raw.lstrip())
        text = raw.strip()
        if not text:
            continue
        start = block.start + lead
        units = [(start, text)] if block.kind == "heading" else _units(text, start)
        for unit_start, unit in units:
            # After a lead-in ending with a colon, short lines are the items of a list (as a
            # .docx gives them: one paragraph each, no marker), until prose or a heading.
            kind: str = block.kind
            last = paragraphs[-1] if paragraphs else None
            listing = (
                last is not None
                and last.kind == "body"
                and (last.text.rstrip().endswith(":") or last.index in items)
            )
            if (
                listing
                and kind != "heading"
                and count_words(unit) <= LIST_ITEM_MAX_WORDS
                and not _CRITERION_NAME.search(unit)
                and not _REFERENCE_HEADING.match(unit)
            ):
                kind = "list item"
            in_references = _add_paragraph(
                paragraphs, kind, unit_start, unit, in_references, split_count
            )
            if kind == "list item":
                items.add(paragraphs[-1].index)
    if split_count[0]:
        notes.append(
            f"{source.name}: has {split_count[0]} paragraph{'s' if split_count[0] != 1 else ''} "
            f"longer than {PARAGRAPH_MAX_CHARS:,} characters; each was analysed in parts"
        )
    return paragraphs


def _add_paragraph(
    paragraphs: list[Paragraph],
    block_kind: str,
    start: int,
    text: str,
    in_references: bool,
    split_count: list[int],
) -> bool:
    """Add one part of a block as a heading, body or references paragraph (or several, when
    it is very long); returns whether a reference list is now running."""
    is_heading = block_kind == "heading" or (
        block_kind == "paragraph" and _looks_like_heading(text)
    )
    if is_heading:
        in_references = bool(_REFERENCE_HEADING.match(text.strip("*_ ")))
        kind: ParagraphKind = "heading"
    elif text.startswith("|"):  # a Markdown table: an evidence list, not prose
        kind = "references"
    else:
        kind = "references" if in_references else "body"
    pieces = [(start, text)]
    if kind == "body" and len(text) > PARAGRAPH_MAX_CHARS:
        pieces = list(_split_long(text, start))
        split_count[0] += 1
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
    return in_references


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
