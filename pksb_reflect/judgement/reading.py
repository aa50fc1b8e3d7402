"""The statement as the judgements read it: body sentences with their stage (from the
reflection report), and each body paragraph given to one criterion.

A paragraph goes to a criterion by the heading above it ("Criterion 2", "Organisational
context") when there is one, otherwise by the route's cue words and, when PKSB coverage is
present, the areas it maps to. Without criterion headings a sentence elsewhere that plainly
speaks to another criterion counts for it too, so a one-paragraph revalidation statement can
cover all three.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pksb_reflect.analysis.evidence import EvidenceReport
from pksb_reflect.analysis.mapping import PksbCoverage
from pksb_reflect.analysis.reflection.report import ReflectionReport
from pksb_reflect.analysis.segment import (
    EVIDENCE_LABEL,
    DocumentOutline,
    Paragraph,
    Sentence,
    count_words,
)
from pksb_reflect.analysis.wordcount import WordCount
from pksb_reflect.framework import Route
from pksb_reflect.judgement.models import CRITERION_IDS, CriterionId, Quote, Stage, short

ORGANISATIONAL_AREAS = frozenset({"wider_org", "10", "11"})
WIDER_AREAS = frozenset({"wider_sector"})
AREA_WEIGHT = 3.0  # a paragraph's PKSB share counts as this many cue words

_HEADING_NUMBER = re.compile(r"\bcriterion\s*(\d|one|two|three)\b", re.IGNORECASE)
_HEADING_NAMES: tuple[tuple[CriterionId, re.Pattern[str]], ...] = (
    ("personal", re.compile(r"\bpersonal (performance|development)\b|^\W*personal\b", re.I)),
    ("organisational", re.compile(r"\borgani[sz]ation(al)?\b", re.IGNORECASE)),
    ("wider", re.compile(r"\bwider\b|\bprofessional context\b", re.IGNORECASE)),
)
_NUMBERED = re.compile(r"^\W*([123])[.):]?\s+\w", re.IGNORECASE)
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3}


@dataclass
class Sent:
    """One body sentence with everything the judgements need."""

    s: Sentence
    number: int  # body paragraph number, 1-based
    stage: Stage
    category: str | None
    markers: tuple[str, ...]
    words: int


@dataclass
class Crit:
    """The sentences and paragraphs gathered for one criterion."""

    id: CriterionId
    number: int
    name: str
    paragraphs: list[int] = field(default_factory=list)
    assigned_by: list[str] = field(default_factory=list)
    sentences: list[Sent] = field(default_factory=list)


@dataclass
class Doc:
    """The inputs, read once, in the shape the rules want."""

    route: Route
    outline: DocumentOutline
    word_count: WordCount
    body: list[Paragraph]
    numbers: dict[int, int]
    sents: list[Sent]
    levels: dict[int, int]
    reflection: ReflectionReport | None
    pksb: PksbCoverage | None
    evidence: EvidenceReport | None
    headed: bool = False

    def in_paragraph(self, paragraph: int) -> list[Sent]:
        return [s for s in self.sents if s.s.paragraph == paragraph]


def quote(sent: Sent) -> Quote:
    s = sent.s
    return Quote(
        sentence=s.index,
        paragraph=s.paragraph,
        paragraph_number=sent.number,
        start=s.start,
        end=s.end,
        text=s.text,
    )


def read(
    route: Route,
    outline: DocumentOutline,
    word_count: WordCount,
    reflection: ReflectionReport | None,
    pksb: PksbCoverage | None,
    evidence: EvidenceReport | None,
) -> Doc:
    """Body sentences with the stage the reflection report gives them (What? without one)."""
    body = [p for p in outline.paragraphs if p.kind == "body" and p.sentence_indexes]
    numbers = {p.index: n for n, p in enumerate(body, start=1)}
    if reflection is not None and len(reflection.sentences) != len(outline.sentences):
        reflection = None
    by_index = {s.index: s for s in reflection.sentences} if reflection is not None else {}
    sents: list[Sent] = []
    for s in outline.sentences:
        if s.paragraph not in numbers:
            continue
        labels = sum(count_words(m.group()) for m in EVIDENCE_LABEL.finditer(s.text))
        counted = count_words(s.text) - (0 if word_count.counted_references else labels)
        r = by_index.get(s.index)
        stage: Stage = "what"
        category: str | None = None
        markers: tuple[str, ...] = ()
        if r is not None:
            stage = r.stage  # decided once, in analysis.reflection (sentence_stage)
            category = r.category
            markers = tuple(sorted({m.kind for m in r.markers if not m.negated}))
        sents.append(Sent(s, numbers[s.paragraph], stage, category, markers, max(counted, 0)))
    levels = {p.paragraph: p.level for p in reflection.paragraphs} if reflection else {}
    return Doc(
        route=route,
        outline=outline,
        word_count=word_count,
        body=body,
        numbers=numbers,
        sents=sents,
        levels=levels,
        reflection=reflection,
        pksb=pksb,
        evidence=evidence,
    )


def heading_criterion(text: str) -> CriterionId | None:
    match = _HEADING_NUMBER.search(text)
    if match:
        raw = match.group(1).lower()
        number = _WORD_NUMBERS.get(raw) or int(raw)
        if 1 <= number <= 3:
            return CRITERION_IDS[number - 1]
    for criterion_id, pattern in _HEADING_NAMES:
        if pattern.search(text):
            return criterion_id
    numbered = _NUMBERED.match(text)
    if numbered and len(text.split()) <= 6:
        return CRITERION_IDS[int(numbered.group(1)) - 1]
    return None


def _cue_pattern(cue: str) -> re.Pattern[str]:
    """A cue as a whole-word pattern that also matches its inflections (organisation-al)."""
    stem = cue.strip()
    if len(stem) > 5 and " " not in stem:
        stem = stem.rstrip("es") if stem.endswith(("es", "e")) else stem
    return re.compile(r"\b" + re.escape(stem) + r"\w*", re.IGNORECASE)


def _cue_scores(route: Route, text: str) -> dict[CriterionId, float]:
    return {
        c.id: float(sum(len(_cue_pattern(cue).findall(text)) for cue in c.cues))
        for c in route.criteria
    }


def _area_scores(pksb: PksbCoverage | None, paragraph: int) -> dict[CriterionId, float]:
    """Shares of the paragraph's PKSB evidence that point at each criterion (0 without PKSB)."""
    out: dict[CriterionId, float] = {"personal": 0.0, "organisational": 0.0, "wider": 0.0}
    if pksb is None:
        return out
    for cov in pksb.paragraphs:
        if cov.paragraph != paragraph:
            continue
        for area in cov.areas:
            if area.id in ORGANISATIONAL_AREAS:
                out["organisational"] += area.share
            elif area.id in WIDER_AREAS:
                out["wider"] += area.share
            elif area.id != "ethics":
                out["personal"] += area.share
    return out


def assign(doc: Doc) -> tuple[dict[CriterionId, Crit], dict[int, tuple[CriterionId, str]]]:
    """Each body paragraph's criterion and how it was decided; the sentences per criterion."""
    route = doc.route
    crits = {c.id: Crit(c.id, c.number, c.name) for c in route.criteria}
    headed: dict[int, tuple[CriterionId, str]] = {}
    current: tuple[CriterionId, str] | None = None
    for p in doc.outline.paragraphs:
        if p.kind == "heading":
            found = heading_criterion(p.text)
            if found:
                current = (found, f"heading '{short(p.text, 8)}'")
            elif current is not None and len(p.text.split()) <= 3:
                current = None  # "Introduction", "Conclusion": not a criterion's section
        elif p.kind == "body" and current is not None:
            headed[p.index] = current
    doc.headed = bool(headed)
    assignment: dict[int, tuple[CriterionId, str]] = {}
    for p in doc.body:
        if p.index in headed:
            assignment[p.index] = headed[p.index]
            continue
        cues = _cue_scores(route, p.text)
        areas = _area_scores(doc.pksb, p.index)
        total = {c: cues[c] + AREA_WEIGHT * areas[c] for c in CRITERION_IDS}
        best = max(CRITERION_IDS, key=lambda c: (total[c], -CRITERION_IDS.index(c)))
        how = "route cue words" + (" and PKSB areas" if doc.pksb is not None else "")
        if total[best] == 0:
            best, how = "personal", "no cue words (taken as personal development)"
        assignment[p.index] = (best, how)
    for p in doc.body:
        criterion_id, how = assignment[p.index]
        crits[criterion_id].paragraphs.append(p.index)
        crits[criterion_id].assigned_by.append(how)
    for sent in doc.sents:
        crits[assignment[sent.s.paragraph][0]].sentences.append(sent)
    if not headed and route.id == "revalidation":
        # 250 words with no headings: the whole statement speaks to every criterion, and each
        # criterion's demands pick out what shows it.
        for crit in crits.values():
            crit.sentences = list(doc.sents)
    elif not headed:  # no criterion headings: a sentence can speak for another criterion too
        for sent in doc.sents:
            own = assignment[sent.s.paragraph][0]
            scores = _cue_scores(route, sent.s.text)
            for criterion_id in CRITERION_IDS:
                if criterion_id != own and scores[criterion_id] >= 2 > scores[own]:
                    crits[criterion_id].sentences.append(sent)
        for crit in crits.values():
            crit.sentences.sort(key=lambda x: x.s.index)
    return crits, assignment
