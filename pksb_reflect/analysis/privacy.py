"""Before-submission checks: what a candidate should anonymise, found sentence by sentence.

People's names come from spaCy's named-entity recogniser (en_core_web_sm's `ner`, which has
its own token vectors, so it runs on the Docs segmentation already parsed); e-mail addresses,
UK phone numbers, NHS numbers (with their check digit) and record identifiers come from
patterns. The author's own name, taken from the title block above the first body paragraph,
is not flagged, and neither are the authors of models the statement cites ("Kolb's cycle",
"Schön (1983)"). The lexicons live in pksb_data/privacy.yaml.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from pksb_reflect.analysis.segment import Paragraph, SegmentedDocument, Sentence
from pksb_reflect.paths import bundled

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

PrivacyKind = Literal["person", "email", "phone", "nhs_number", "identifier"]
KIND_NAMES: dict[PrivacyKind, tuple[str, str]] = {
    "person": ("name", "names"),
    "email": ("e-mail address", "e-mail addresses"),
    "phone": ("phone number", "phone numbers"),
    "nhs_number": ("NHS number", "NHS numbers"),
    "identifier": ("identifier", "identifiers"),
}

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# +44 7700 900123, +44 (0)20 7946 0018, 020 7946 0018, 01632 960123, 07700-900-123.
_PHONE = re.compile(r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|\(?0)\d[\d\s()-]{7,14}\d(?!\d)")
_NHS = re.compile(r"(?<![\d\w])(\d{3})([ -]?)(\d{3})\2(\d{4})(?![\d\w])")
_AUTHOR_LINE = re.compile(
    r"^\s*(?:name|candidate|author|written by|by)\s*[:\-\u2013]?\s*(.+)$", re.I
)
_NAME_TOKEN = re.compile(r"^[A-Z][^\W\d_]*(?:['\u2019-][^\W\d_]+)*\.?$")
_YEAR_AFTER = re.compile(r"^['\u2019]?s?\s*(?:\(|,)\s*(?:19|20)\d\d|^\s+et al\b")
_POSSESSIVE = re.compile(r"['\u2019]s?$")
TITLES = frozenset({"dr", "dr.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "miss", "prof", "prof."})


class PrivacyData(BaseModel):
    """pksb_data/privacy.yaml: cited authors, model words, identifier cues and the advice."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cited_names: list[str] = Field(min_length=1)
    model_words: list[str] = Field(min_length=1)
    place_words: list[str] = Field(min_length=1)
    identifier_words: list[str] = Field(min_length=1)
    advice: dict[PrivacyKind, str]
    declaration: str

    @field_validator("cited_names", "model_words", "place_words", "identifier_words")
    @classmethod
    def _words(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.fullmatch(r"[^\W\d_]+(?: [^\W\d_]+)*", value):
                raise ValueError(f"{value!r}: letters and single spaces only")
        return values

    @field_validator("advice")
    @classmethod
    def _every_kind(cls, advice: dict[PrivacyKind, str]) -> dict[PrivacyKind, str]:
        missing = set(KIND_NAMES) - set(advice)
        if missing:
            raise ValueError(f"no advice for {', '.join(sorted(missing))}")
        return advice

    def identifier_pattern(self) -> re.Pattern[str]:
        words = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in self.identifier_words)
        return re.compile(
            rf"\b(?:{words})\s+(?:id|no\.?|number|ref(?:erence)?|code)\s*[:#]?\s*"
            r"(?=[A-Z0-9/-]*\d)[A-Z0-9][A-Z0-9/-]{2,}\b"
            r"|\bMRN\s*[:#]?\s*\d{4,}\b",
            re.IGNORECASE,
        )


class PrivacyFinding(BaseModel):
    """Something to anonymise: what it is, exactly as written, and where."""

    kind: PrivacyKind
    text: str = Field(description="The name, address or number as written (source.text).")
    start: int
    end: int
    paragraph: int = Field(description="Index of its paragraph in outline.paragraphs.")
    sentence: int | None = Field(
        default=None, description="Index in outline.sentences; None in a heading or reference."
    )


class PrivacyReport(BaseModel):
    """The before-submission checks: findings in reading order, and the declaration line."""

    findings: list[PrivacyFinding] = Field(default_factory=list)
    author: list[str] = Field(
        default_factory=list, description="Names read as the author's own (not flagged)."
    )
    summary: str
    advice: dict[PrivacyKind, str] = Field(description="What to do about each kind of finding.")
    declaration: str = Field(description="That pksb-reflect wrote none of the text.")


@lru_cache(maxsize=1)
def load_privacy_data() -> PrivacyData:
    with (bundled("pksb_data") / "privacy.yaml").open(encoding="utf-8") as handle:
        return PrivacyData.model_validate(yaml.safe_load(handle))


# en_core_web_sm's other components: not loaded at all for the recogniser's own pipeline.
_NOT_NER = ["tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer"]
_NER_LOCK = threading.Lock()
_NER: dict[int, Language] = {}


def load_ner(nlp: Language) -> Language:
    """A pipeline of en_core_web_sm's `ner` alone, sharing `nlp`'s vocabulary (loaded once)."""
    with _NER_LOCK:
        known = _NER.get(id(nlp))
        if known is None:
            import spacy

            from pksb_reflect.nlp.pipeline import PIPELINE_PACKAGES

            for name in PIPELINE_PACKAGES:
                try:
                    known = spacy.load(name, vocab=nlp.vocab, exclude=_NOT_NER)
                except OSError:
                    continue
                break
            if known is None:  # load_pipeline succeeded with one of these, so this is rare
                from pksb_reflect.errors import ModelError

                raise ModelError("spaCy's named-entity recogniser could not be loaded")
            _NER[id(nlp)] = known
        return known


def check_privacy(document: SegmentedDocument, nlp: Language | None = None) -> PrivacyReport:
    """Names, e-mail addresses, phone numbers and identifiers to anonymise before submitting."""
    if nlp is None:
        from pksb_reflect.nlp.pipeline import load_pipeline

        nlp = load_pipeline()
    data = load_privacy_data()
    ner = load_ner(nlp)
    outline = document.outline
    text = document.source.analysis_text
    taken: list[tuple[int, int]] = []
    found: list[tuple[PrivacyKind, int, int, Paragraph]] = []

    def claim(kind: PrivacyKind, paragraph: Paragraph, start: int, end: int) -> None:
        """Keep a finding at offsets relative to `paragraph`, unless an earlier one has them."""
        start, end = paragraph.start + start, paragraph.start + end
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        found.append((kind, start, end, paragraph))

    identifiers = data.identifier_pattern()
    for paragraph in outline.paragraphs:
        chunk = text[paragraph.start : paragraph.end]
        for match in _NHS.finditer(chunk):
            digits = match.group(1) + match.group(3) + match.group(4)
            if nhs_check_digit_ok(digits) and not digits.startswith("0"):
                claim("nhs_number", paragraph, match.start(), match.end())
        patterns: tuple[tuple[PrivacyKind, re.Pattern[str]], ...] = (
            ("phone", _PHONE),
            ("email", _EMAIL),
            ("identifier", identifiers),
        )
        for kind, pattern in patterns:
            for match in pattern.finditer(chunk):
                if kind == "phone" and not _phone_digits_ok(match.group()):
                    continue
                claim(kind, paragraph, match.start(), match.end())
    author = _author_names(outline.paragraphs, ner)
    author_words = {
        w.casefold() for name in author for w in name.split() if w.casefold() not in TITLES
    }
    cited = {n.casefold() for n in data.cited_names}
    model_words = {w.casefold() for w in data.model_words}
    not_names = cited | {w.casefold() for w in data.place_words}
    for paragraph, doc in _person_docs(document, ner):
        for ent in doc.ents:
            if ent.label_ != "PERSON":
                continue
            span = _person_span(doc.text, ent.start_char, ent.end_char)
            if span is None:
                continue
            start, end = span
            words = [w.casefold() for w in doc.text[start:end].split()]
            after = doc.text[end : end + 24]
            if any(w in not_names for w in words) or _YEAR_AFTER.match(after):
                continue
            following = re.match(r"['\u2019]?s?\s+([^\W\d_]+)", after)
            if following and following.group(1).casefold() in model_words:
                continue
            if author_words and all(w in author_words or w in TITLES for w in words):
                continue
            claim("person", paragraph, start, end)
    found.sort(key=lambda item: item[1])
    starts = [s.start for s in outline.sentences]
    findings = [
        PrivacyFinding(
            kind=kind,
            text=document.source.text[start:end],
            start=start,
            end=end,
            paragraph=paragraph.index,
            sentence=_sentence_at(outline.sentences, starts, start, paragraph),
        )
        for kind, start, end, paragraph in found
    ]
    return PrivacyReport(
        findings=findings,
        author=author,
        summary=_summary(findings),
        advice=dict(data.advice),
        declaration=" ".join(data.declaration.split()),
    )


def nhs_check_digit_ok(digits: str) -> bool:
    """The NHS number's modulus 11 check: weights 10 to 2 on the first nine digits."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _phone_digits_ok(text: str) -> bool:
    """A UK number: 10 or 11 digits from its leading 0, or 9 or 10 after +44 (and '(0)')."""
    digits = re.sub(r"\D", "", text)
    if text.startswith("+44"):
        rest = digits[2:]
        if "(0)" in text:
            rest = rest[1:]
        return 9 <= len(rest) <= 10 and not rest.startswith("0")
    return 10 <= len(digits) <= 11 and digits[1] != "0"


def _person_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The entity without a possessive ending, or None when it does not look like a name."""
    name = _POSSESSIVE.sub("", text[start:end]).rstrip()
    words = name.split()
    if not words or not all(_NAME_TOKEN.match(w) or w.casefold() in TITLES for w in words):
        return None
    if all(w.isupper() and len(w) > 1 for w in words):  # an acronym: PKSB, CILIP
        return None
    return start, start + len(name)


def _person_docs(document: SegmentedDocument, ner: Language) -> Iterator[tuple[Paragraph, Doc]]:
    """Body paragraphs (their parsed Docs, through `ner`) and headings after the title block."""
    body = list(document.body())
    docs = list(ner.pipe(doc for _, doc in body))
    by_index = {paragraph.index: doc for (paragraph, _), doc in zip(body, docs, strict=True)}
    text = document.source.analysis_text
    past_title = False
    for paragraph in document.outline.paragraphs:
        if paragraph.kind == "body":
            past_title = True
            yield paragraph, by_index[paragraph.index]
        elif paragraph.kind == "heading" and past_title:
            yield paragraph, ner(text[paragraph.start : paragraph.end])


def _author_names(paragraphs: list[Paragraph], ner: Language) -> list[str]:
    """Names in the title block: the headings and lines above the first body paragraph."""
    names: list[str] = []
    for paragraph in paragraphs:
        if paragraph.kind != "heading":
            break
        line = _AUTHOR_LINE.match(paragraph.text)
        if line:
            names.append(line.group(1).split(",")[0].strip())
            continue
        names.extend(
            _POSSESSIVE.sub("", e.text).strip()
            for e in ner(paragraph.text).ents
            if e.label_ == "PERSON"
        )
    return [n for n in dict.fromkeys(names) if n and all(_NAME_TOKEN.match(w) for w in n.split())]


def _sentence_at(
    sentences: list[Sentence], starts: list[int], offset: int, paragraph: Paragraph
) -> int | None:
    if paragraph.kind != "body":
        return None
    position = bisect.bisect_right(starts, offset) - 1
    if position >= 0 and sentences[position].paragraph == paragraph.index:
        return sentences[position].index
    return None


def _summary(findings: list[PrivacyFinding]) -> str:
    if not findings:
        return (
            "No names of other people, e-mail addresses, phone numbers or identifiers were "
            "found; read it once more yourself before you submit."
        )
    counts: dict[PrivacyKind, int] = {}
    for finding in findings:
        counts[finding.kind] = counts.get(finding.kind, 0) + 1
    parts = [
        f"{n} {KIND_NAMES[kind][0] if n == 1 else KIND_NAMES[kind][1]}"
        for kind, n in counts.items()
    ]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Anonymise {listed} before you submit."
