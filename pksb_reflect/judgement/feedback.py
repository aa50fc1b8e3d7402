"""Mentor-style feedback: each criterion judged, strengths, priorities and where to cut.

Every judgement is derived in the open, so a candidate can act on it:

1. Each body paragraph is given to one criterion: by the heading above it ("Criterion 2",
   "Organisational context") when there is one, otherwise by the route's cue words and, when
   PKSB coverage is present, the areas it maps to (wider organisation, strategy and customer
   focus for criterion 2; the wider sector for criterion 3; everything else counts towards
   personal development). Without headings, single sentences elsewhere that plainly speak to
   another criterion also count for it, so a one-paragraph revalidation statement can cover all
   three.
2. Each sentence is placed at What? / So what? / Now what?: from the reflection report when it is
   present, otherwise from plain cue phrases ("I learned", "next time") -- and the feedback says
   which basis it used.
3. A criterion is judged on three things: does it meet the route level's demands (each demand
   is a short list of phrases; the sentence that shows it is quoted), does its writing reflect
   (a reflective share of at least 30%, or 20% with both a So what? and a Now what?, and depth
   level 2 or more when graded),
   and, for portfolio routes, does it cite evidence. All three: "met". Half the demands or
   reflective writing: "partly". Otherwise: "not yet evident".

The output is deterministic: no randomness, and every list is sorted on stable keys.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from pksb_reflect.analysis.segment import (
    EVIDENCE_LABEL,
    DocumentOutline,
    Paragraph,
    Sentence,
    count_words,
)
from pksb_reflect.analysis.wordcount import WordCount
from pksb_reflect.framework import Route, load_route, load_routes

if TYPE_CHECKING:
    from pksb_reflect.analysis.mapping.core import PksbCoverage
    from pksb_reflect.analysis.reflection.report import ReflectionReport
    from pksb_reflect.results import Assessment

Judgement = Literal["met", "partly", "not yet evident"]
Stage = Literal["what", "so_what", "now_what"]
CriterionId = Literal["personal", "organisational", "wider"]
CRITERION_IDS: tuple[CriterionId, ...] = ("personal", "organisational", "wider")
STAGE_LABELS: dict[str, str] = {"what": "What?", "so_what": "So what?", "now_what": "Now what?"}

REFLECTIVE_SHARE = 0.3  # share of So what?/Now what? sentences for writing to count as reflective
MIN_CYCLE_SHARE = 0.2  # the share that suffices when both So what? and Now what? are present
MIN_POINTS = 3
MAX_POINTS = 5
QUOTE_WORDS = 22
ORGANISATIONAL_AREAS = frozenset({"wider_org", "10", "11"})
WIDER_AREAS = frozenset({"wider_sector"})
PORTFOLIO_ROUTES = frozenset({"certification", "chartership", "fellowship"})


# --- the model -------------------------------------------------------------------------------


class Quote(BaseModel):
    """A sentence of the candidate's own, exactly as written, and where it sits."""

    sentence: int = Field(description="Index of the sentence in outline.sentences.")
    paragraph: int = Field(description="Index of its paragraph in outline.paragraphs.")
    paragraph_number: int = Field(description="1-based number among body paragraphs.")
    start: int
    end: int
    text: str = Field(description="The exact text, source.text[start:end].")


class DemandCheck(BaseModel):
    """One thing the route level asks of a criterion, and the sentence that shows it (if any)."""

    demand: str
    found: bool
    quote: Quote | None = None


class CriterionFeedback(BaseModel):
    """One criterion of the route: the verdict, why, and the candidate's words behind it."""

    id: CriterionId
    number: int
    name: str
    judgement: Judgement
    summary: str
    reasons: list[str]
    paragraph_numbers: list[int] = Field(description="Body paragraphs that address it.")
    assigned_by: list[str] = Field(
        description="How each of those paragraphs was given to the criterion (same order)."
    )
    sentences: int
    reflective_share: float
    depth_level: int | None = Field(
        default=None, description="Highest Hatton & Smith level of its paragraphs, when graded."
    )
    so_what: bool
    now_what: bool
    demands: list[DemandCheck]
    evidence_labels: list[str]
    evidence_backed: bool | None = Field(
        default=None, description="Whether the cited evidence was found; None when not checked."
    )
    quotes: list[Quote]


class Point(BaseModel):
    """A strength or a priority: concrete, tied to a paragraph where it can be."""

    title: str
    detail: str
    criterion: int | None = None
    paragraph_number: int | None = None
    quote: Quote | None = None


class CutSuggestion(BaseModel):
    """A sentence that could go first when the statement must shrink, and why."""

    quote: Quote
    words: int
    reason: str


class WordLimitAdvice(BaseModel):
    """Where to cut, most descriptive sentences first, until the limit is met."""

    status: Literal["near", "over"]
    counted: int
    limit: int
    words_to_cut: int
    summary: str
    cuts: list[CutSuggestion]
    words_saved: int


class ParagraphNote(BaseModel):
    """How one body paragraph was read: its criterion and its What?/So what?/Now what? mix."""

    paragraph: int
    paragraph_number: int
    criterion: CriterionId
    assigned_by: str
    what: int
    so_what: int
    now_what: int
    level: int | None = None


class Feedback(BaseModel):
    """The mentor's view of one statement against one route."""

    route: str
    summary: str
    basis: list[str] = Field(description="Which analyses the judgements rest on.")
    criteria: list[CriterionFeedback]
    strengths: list[Point]
    priorities: list[Point]
    word_limit: WordLimitAdvice | None = None
    paragraphs: list[ParagraphNote]
    sentence_stages: list[Stage] = Field(
        description="What?/So what?/Now what? of every sentence, in outline order."
    )

    def criterion(self, criterion_id: str) -> CriterionFeedback:
        for item in self.criteria:
            if item.id == criterion_id:
                return item
        raise KeyError(criterion_id)

    @property
    def met(self) -> int:
        return sum(c.judgement == "met" for c in self.criteria)


# --- what each route level demands, as phrases that show it ---------------------------------


@dataclass(frozen=True)
class Demand:
    """A demand in a candidate's terms, and the phrases (regexes) that show it is addressed."""

    text: str
    patterns: tuple[str, ...]
    advice: str


_NEED = Demand(
    "a development need you identified",
    (r"\bgaps?\b", r"self-assess", r"\bPKSB\b", r"\bI needed to\b", r"\bI lacked\b",
     r"\b(weak|weakness|unsure|not confident|lack of confidence)\b", r"\brated (it |myself )?at\b",
     r"\bidentified\b"),
    "say plainly which gap you spotted (your PKSB self-assessment is the natural source)",
)  # fmt: skip
_ACTION = Demand(
    "what you did to develop",
    (r"\b(course|training|workshop|webinar|shadow\w*|mentor\w*|read(ing)?|studied|"
     r"observ\w+|practis\w+|completed|attended|enrolled|joined)\b",),
    "name the activity you took on to close the gap",
)  # fmt: skip
_APPLIED = Demand(
    "learning applied in practice",
    (r"\bI (now|applied|apply|used|put)\b", r"\bin practice\b", r"\bsince then\b",
     r"\bI have since\b", r"\b(rebuilt|redesigned|changed how|changed the way)\b",
     r"\bnow (plan|use|ask|start|check|run)\b"),
    "show the learning at work: what you now do differently in your job",
)  # fmt: skip
_PROCESS_OUTCOME = Demand(
    "reflection on how it went and what it achieved",
    (r"\b(learn(ed|t)|realis|recognis|taught me|showed me)\w*", r"\b(next time|differently)\b",
     r"\b(result|outcome|impact|improv\w+|rose|fell|increased|reduced)\b"),
    "reflect on the process and the result, including what you would do differently",
)  # fmt: skip
_ORG_AIMS = Demand(
    "the organisation's aims and where your service fits",
    (r"\b(strateg\w+|mission|aims?|objectives?|priorit\w+|targets?|plan)\b",
     r"\b(organisation|college|university|council|trust|firm|company|authority|school)\b"),
    "set out what your organisation is trying to achieve and how your service supports it",
)  # fmt: skip
_OWN_ROLE = Demand(
    "your own role within it",
    (r"\bmy (role|job|post|responsibilit\w+|team)\b", r"\bI am responsible\b", r"\bas (a|the) "
     r"\w+ (librarian|assistant|officer|manager|adviser|advisor)\b", r"\bI (work|manage|lead)\b"),
    "describe your own role and how it serves those aims",
)  # fmt: skip
_EVALUATION = Demand(
    "an evaluation of how well the service performs",
    (r"\b(evaluat\w+|survey\w*|statistics|figures|data|feedback|analys\w+|measur\w+|"
     r"review\w*|audit\w*|usage|footfall|benchmark\w*)\b",),
    "evaluate the service with some evidence (statistics, feedback, a review) before changing it",
)  # fmt: skip
_IMPROVEMENT = Demand(
    "an improvement you made or recommended",
    (r"\b(recommend\w*|propos\w+|introduc\w+|implement\w*|launch\w*|set up|trial\w*|pilot\w*|"
     r"redesign\w*|changed|improve\w*)\b",),
    "describe the improvement you made or recommended as a result",
)  # fmt: skip
_OUTCOME = Demand(
    "its actual or intended outcome",
    (r"\b(outcome|result\w*|impact|attended|rose|fell|increased|reduced|fewer|more|doubled|"
     r"reported|since|now)\b", r"\b\d+\s*(%|per cent|percent)"),
    "say what the change achieved, or what it should achieve and how you will know",
)  # fmt: skip
_ACHIEVEMENT = Demand(
    "a substantial achievement and your part in it",
    (r"\b(led|lead|established|founded|transformed|restructur\w+|launched|delivered|built|"
     r"directed|secured|negotiated)\b",),
    "name the substantial achievement and the part you personally played",
)  # fmt: skip
_EFFECT = Demand(
    "its effect on the organisation and its users",
    (r"\b(impact|outcome|result\w*|effect|users|readers|patrons|students|staff|rose|fell|"
     r"increased|reduced|saved)\b",),
    "show the effect on the organisation and its users, with evidence",
)  # fmt: skip
_BEYOND = Demand(
    "engagement beyond your own workplace",
    (r"\b(CILIP|conference|network\w*|visit\w*|webinar|other (libraries|services|colleges)|"
     r"sector|profession\w*|national|regional|group|committee|event)\b",),
    "show how you have looked beyond your own service: networks, visits, events, reading",
)  # fmt: skip
_OTHERS_LEARNED = Demand(
    "what you learned about how other services work",
    (r"\b(learn(ed|t)|realis\w+|showed me|taught me|changed how|made me)\b",),
    "say what you learned about other services and what it changed in your thinking",
)  # fmt: skip
_ISSUES = Demand(
    "reflection on current issues in the sector",
    (r"\b(issues?|debate|funding|cuts|closures?|trends?|challenges?|polic\w+|AI|"
     r"misinformation|inclusion|equalit\w+|diversity|sustainab\w+|digital|future|"
     r"pressures?|ethic\w*|advocacy)\b",),
    "reflect on a current issue facing the sector and what it means for your practice",
)  # fmt: skip
_CONTRIBUTION = Demand(
    "a significant contribution to the profession",
    (r"\b(published|wrote|article|paper|chapter|committee|chair\w*|keynote|presented|"
     r"taught|trustee|board|standards?|mentored|mentoring|edited|founded)\b",),
    "set out your contribution to the profession beyond your organisation",
)  # fmt: skip
_INFLUENCE = Demand(
    "the difference that contribution made to others",
    (r"\b(adopted|taken up|used by|cited|influenc\w+|others|colleagues across|"
     r"other (libraries|services|organisations)|now use|widely)\b",),
    "show that others have taken up or benefited from your contribution",
)  # fmt: skip
_YEAR_LEARNING = Demand(
    "the year's most significant learning",
    (r"\b(learn(ed|t)|realis\w+|discover\w+|understand|taught me|showed me)\b",),
    "pick the most significant thing you learned this year and say why it mattered",
)  # fmt: skip
_PRACTICE_CHANGE = Demand(
    "how it changed your practice",
    (r"\b(now|changed|since|introduc\w+|started|I use|differently|apply|applied)\b",),
    "say what you now do differently because of it",
)  # fmt: skip
_SERVICE_EFFECT = Demand(
    "an effect on your service or its users",
    (r"\b(service|users|readers|patrons|students|patients|customers|colleagues|team|"
     r"organisation)\b",),
    "show a concrete effect of your learning on your service or its users",
)  # fmt: skip
_KEPT_UP = Demand(
    "keeping up with the wider profession",
    (r"\b(CILIP|conference|network\w*|webinar|sector|profession\w*|journal|blog|"
     r"group|national|community)\b",),
    "say how you kept up with the profession beyond your workplace",
)  # fmt: skip

DEMANDS: dict[tuple[str, str], tuple[Demand, ...]] = {
    ("certification", "personal"): (_NEED, _ACTION, _OTHERS_LEARNED),
    ("certification", "organisational"): (_ORG_AIMS, _OWN_ROLE),
    ("certification", "wider"): (_BEYOND, _OTHERS_LEARNED),
    ("chartership", "personal"): (_NEED, _ACTION, _APPLIED, _PROCESS_OUTCOME),
    ("chartership", "organisational"): (_ORG_AIMS, _EVALUATION, _IMPROVEMENT, _OUTCOME),
    ("chartership", "wider"): (_BEYOND, _ISSUES),
    ("fellowship", "personal"): (_NEED, _ACTION, _APPLIED, _PROCESS_OUTCOME),
    ("fellowship", "organisational"): (_ACHIEVEMENT, _EFFECT),
    ("fellowship", "wider"): (_CONTRIBUTION, _INFLUENCE),
    ("revalidation", "personal"): (_YEAR_LEARNING, _PRACTICE_CHANGE),
    ("revalidation", "organisational"): (_SERVICE_EFFECT,),
    ("revalidation", "wider"): (_KEPT_UP,),
}

# --- plain cue phrases: the stage of a sentence when no reflection report is present ---------

_NOW_WHAT = re.compile(
    r"\b(I|we) (will|shall|plan|intend|aim|want to|hope to|am going to|would (now )?(do|"
    r"change|approach|try|ask|start))\b|\bnext (time|year|step)\b|\bin (the )?future\b|"
    r"\bfrom now on\b|\bgoing forward\b|\blooking ahead\b|\bI now\b|\bI have since\b|"
    r"\bmy next\b|\bI('d| would) (do|like)\b",
    re.IGNORECASE,
)
_SO_WHAT = re.compile(
    r"\b(I|we) (learn(ed|t)|realis(ed|e)|realiz(ed|e)|recognis(ed|e)|understood|noticed|"
    r"discovered|felt|was (surprised|uncomfortable|frustrated|nervous|anxious|embarrassed|"
    r"proud|pleased|worried|struck)|wonder(ed)?|suspect|think|believe|found (it|that|the))\b|"
    r"\btaught me\b|\bshowed me\b|\bmade me\b|\bon reflection\b|\blooking back\b|"
    r"\bin hindsight\b|\bbecause\b|\bwhich meant\b|\bthis means\b|\bthe lesson\b|"
    r"\bwhat I learn(ed|t)\b|\bhelped me (see|understand)\b|\bchanged how I\b|"
    r"\b(surprised|struck) me\b|\bit became clear\b|\bI (saw|could see) that\b|"
    r"\bI wanted to (know|understand|find out) (whether|why|how)\b|\bmattered\b|"
    r"\bI take (this|that|it) as\b|\bI am (not|less|more) sure\b",
    re.IGNORECASE,
)
_HEADING_NUMBER = re.compile(r"\bcriterion\s*(\d|one|two|three)\b", re.IGNORECASE)
_HEADING_NAMES: tuple[tuple[CriterionId, re.Pattern[str]], ...] = (
    ("personal", re.compile(r"\bpersonal (performance|development)\b", re.IGNORECASE)),
    ("organisational", re.compile(r"\borgani[sz]ation(al)?\b", re.IGNORECASE)),
    ("wider", re.compile(r"\bwider\b|\bprofessional context\b", re.IGNORECASE)),
)
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3}


def cue_stage(text: str) -> Stage:
    """What?/So what?/Now what? of a sentence from plain cue phrases (no model needed)."""
    if _NOW_WHAT.search(text):
        return "now_what"
    if _SO_WHAT.search(text):
        return "so_what"
    return "what"


def _cue_pattern(cue: str) -> re.Pattern[str]:
    """A cue as a whole-word pattern that also matches its inflections (organisation-al)."""
    stem = cue.strip()
    if len(stem) > 5 and " " not in stem:
        stem = stem.rstrip("es") if stem.endswith(("es", "e")) else stem
    return re.compile(r"\b" + re.escape(stem) + r"\w*", re.IGNORECASE)


# --- working state ---------------------------------------------------------------------------


@dataclass
class _Sent:
    """One sentence with everything the judgements need."""

    s: Sentence
    number: int  # body paragraph number, 1-based
    stage: Stage
    category: str | None
    markers: tuple[str, ...]
    words: int


@dataclass
class _Crit:
    """The sentences and paragraphs gathered for one criterion."""

    id: CriterionId
    number: int
    name: str
    paragraphs: list[int] = field(default_factory=list)
    assigned_by: list[str] = field(default_factory=list)
    sentences: list[_Sent] = field(default_factory=list)


@dataclass
class _Doc:
    """The inputs, read once, in the shape the rules want."""

    route: Route
    outline: DocumentOutline
    word_count: WordCount
    body: list[Paragraph]
    numbers: dict[int, int]
    sents: list[_Sent]
    levels: dict[int, int]
    reflection: Any
    pksb: Any
    evidence: Any
    stage_basis: str


def _quote(sent: _Sent) -> Quote:
    s = sent.s
    return Quote(
        sentence=s.index,
        paragraph=s.paragraph,
        paragraph_number=sent.number,
        start=s.start,
        end=s.end,
        text=s.text,
    )


def short(text: str, words: int = QUOTE_WORDS) -> str:
    """The first `words` words of a quote, with an ellipsis when cut, for inline use."""
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def _read(
    route: Route,
    outline: DocumentOutline,
    word_count: WordCount,
    reflection: ReflectionReport | None,
    pksb: PksbCoverage | None,
    evidence: Any,
) -> _Doc:
    body = [p for p in outline.paragraphs if p.kind == "body" and p.sentence_indexes]
    numbers = {p.index: n for n, p in enumerate(body, start=1)}
    by_index = {}
    if reflection is not None and len(reflection.sentences) == len(outline.sentences):
        by_index = {s.index: s for s in reflection.sentences}
    sents: list[_Sent] = []
    for s in outline.sentences:
        if s.paragraph not in numbers:
            continue
        labels = sum(count_words(m.group()) for m in EVIDENCE_LABEL.finditer(s.text))
        counted = count_words(s.text) - (0 if word_count.counted_references else labels)
        r = by_index.get(s.index)
        if r is not None:
            stage: Stage = r.stage  # reflection.sentence_stage, the one stage rule
            category: str | None = r.category
            markers = tuple(sorted({m.kind for m in r.markers if not m.negated}))
        else:
            stage, category, markers = cue_stage(s.text), None, ()
        sents.append(_Sent(s, numbers[s.paragraph], stage, category, markers, max(counted, 0)))
    levels = {}
    if by_index:
        levels = {p.paragraph: p.level for p in reflection.paragraphs}  # type: ignore[union-attr]
    basis = (
        "reflection report (sentence categories and markers)"
        if by_index
        else "plain cue phrases (the reflection report was not available)"
    )
    return _Doc(
        route=route,
        outline=outline,
        word_count=word_count,
        body=body,
        numbers=numbers,
        sents=sents,
        levels=levels,
        reflection=reflection if by_index else None,
        pksb=pksb,
        evidence=evidence,
        stage_basis=basis,
    )


# --- which paragraphs address which criterion ------------------------------------------------


def _heading_criterion(text: str) -> CriterionId | None:
    match = _HEADING_NUMBER.search(text)
    if match:
        raw = match.group(1).lower()
        number = _WORD_NUMBERS.get(raw) or int(raw)
        if 1 <= number <= 3:
            return CRITERION_IDS[number - 1]
    for criterion_id, pattern in _HEADING_NAMES:
        if pattern.search(text):
            return criterion_id
    return None


def _cue_scores(route: Route, text: str) -> dict[CriterionId, float]:
    scores: dict[CriterionId, float] = {}
    for criterion in route.criteria:
        scores[criterion.id] = float(
            sum(len(_cue_pattern(cue).findall(text)) for cue in criterion.cues)
        )
    return scores


def _area_scores(pksb: Any, paragraph: int) -> dict[CriterionId, float]:
    """Shares of the paragraph's PKSB evidence that point at each criterion (0 without PKSB)."""
    out: dict[CriterionId, float] = {"personal": 0.0, "organisational": 0.0, "wider": 0.0}
    if pksb is None:
        return out
    for cov in getattr(pksb, "paragraphs", []):
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


def _assign(doc: _Doc) -> tuple[dict[CriterionId, _Crit], dict[int, tuple[CriterionId, str]]]:
    route = doc.route
    crits = {c.id: _Crit(c.id, c.number, c.name) for c in route.criteria}
    headed: dict[int, tuple[CriterionId, str]] = {}
    current: tuple[CriterionId, str] | None = None
    for p in doc.outline.paragraphs:
        if p.kind == "heading":
            found = _heading_criterion(p.text)
            current = (found, f"heading '{short(p.text, 8)}'") if found else None
        elif p.kind == "body" and current is not None:
            headed[p.index] = current
    assignment: dict[int, tuple[CriterionId, str]] = {}
    for p in doc.body:
        if p.index in headed:
            assignment[p.index] = headed[p.index]
            continue
        cues = _cue_scores(route, p.text)
        areas = _area_scores(doc.pksb, p.index)
        total = {c: cues[c] + 3.0 * areas[c] for c in CRITERION_IDS}
        best = max(CRITERION_IDS, key=lambda c: (total[c], -CRITERION_IDS.index(c)))
        how = "route cue words" + (" and PKSB areas" if doc.pksb is not None else "")
        if total[best] == 0:
            best, how = "personal", "no cue words (taken as personal development)"
        assignment[p.index] = (best, how)
    for p in doc.body:
        criterion_id, how = assignment[p.index]
        crits[criterion_id].paragraphs.append(p.index)
        crits[criterion_id].assigned_by.append(how)
    by_paragraph = {p: crits[c] for p, (c, _) in assignment.items()}
    for sent in doc.sents:
        by_paragraph[sent.s.paragraph].sentences.append(sent)
    if not headed:  # no criterion headings: a sentence can speak for another criterion too
        for sent in doc.sents:
            own = assignment[sent.s.paragraph][0]
            scores = _cue_scores(route, sent.s.text)
            for criterion_id in CRITERION_IDS:
                if criterion_id != own and scores[criterion_id] >= 2 > scores[own]:
                    crits[criterion_id].sentences.append(sent)
        for crit in crits.values():
            crit.sentences.sort(key=lambda x: x.s.index)
    return crits, assignment


# --- judging a criterion ---------------------------------------------------------------------


def _demand_checks(route_id: str, crit: _Crit) -> list[DemandCheck]:
    checks: list[DemandCheck] = []
    for demand in DEMANDS[(route_id, crit.id)]:
        patterns = [re.compile(p, re.IGNORECASE) for p in demand.patterns]
        hit = next((s for s in crit.sentences if any(p.search(s.s.text) for p in patterns)), None)
        checks.append(
            DemandCheck(
                demand=demand.text, found=hit is not None, quote=_quote(hit) if hit else None
            )
        )
    return checks


def _labels(doc: _Doc, paragraphs: Sequence[int]) -> list[str]:
    seen: dict[str, None] = {}
    for p in doc.body:
        if p.index in paragraphs:
            for label in p.evidence_labels:
                seen.setdefault(label, None)
    return list(seen)


def _evidence_backed(evidence: Any, paragraphs: Sequence[int]) -> bool | None:
    """Whether the evidence cited in these paragraphs was found, when evidence was checked.

    Read by duck typing so feedback does not depend on the evidence model's internals: any list
    attribute of items that carry a paragraph index and a found/resolved/exists flag.
    """
    if evidence is None:
        return None
    for name in ("links", "citations", "references", "labels"):
        items = getattr(evidence, name, None)
        if not isinstance(items, list) or not items:
            continue
        flags = []
        for item in items:
            paragraph = getattr(item, "paragraph", None)
            if paragraph is None or paragraph not in paragraphs:
                continue
            for flag in ("found", "resolved", "exists", "matched"):
                value = getattr(item, flag, None)
                if isinstance(value, bool):
                    flags.append(value)
                    break
        if flags:
            return all(flags)
    return None


def _judge(doc: _Doc, crit: _Crit) -> CriterionFeedback:
    route = doc.route
    n = len(crit.sentences)
    so = [s for s in crit.sentences if s.stage == "so_what"]
    now = [s for s in crit.sentences if s.stage == "now_what"]
    share = (len(so) + len(now)) / n if n else 0.0
    level = max((doc.levels[p] for p in crit.paragraphs if p in doc.levels), default=None)
    checks = (
        _demand_checks(route.id, crit)
        if n
        else [DemandCheck(demand=d.text, found=False) for d in DEMANDS[(route.id, crit.id)]]
    )
    found = sum(c.found for c in checks)
    labels = _labels(doc, crit.paragraphs)
    backed = _evidence_backed(doc.evidence, crit.paragraphs)
    needs_evidence = route.id in PORTFOLIO_ROUTES
    evidence_ok = not needs_evidence or (bool(labels) and backed is not False)
    # Reflective: enough So what?/Now what? writing, or a little less when both are present
    # (the full cycle); never when the graded depth is still descriptive writing.
    reflects = (
        n > 0
        and bool(so or now)
        and (level is None or level >= 2)
        and (share >= REFLECTIVE_SHARE or (bool(so) and bool(now) and share >= MIN_CYCLE_SHARE))
    )
    numbers = [doc.numbers[p] for p in crit.paragraphs]
    where = _where(numbers)
    reasons: list[str] = []
    if n == 0:
        judgement: Judgement = "not yet evident"
        reasons.append(
            f"No paragraph speaks to criterion {crit.number} ({crit.name.lower()}); "
            f"give it a heading and at least one paragraph of its own."
        )
    else:
        reasons.append(
            f"{where} address{'es' if len(numbers) == 1 else ''} it "
            f"({n} sentence{'s' if n != 1 else ''})."
            if numbers
            else f"No paragraph is given to it, but {n} sentence(s) elsewhere speak to it."
        )
        for check in checks:
            if check.found and check.quote is not None:
                reasons.append(
                    f'Shows {check.demand}: "{short(check.quote.text, 14)}" '
                    f"(paragraph {check.quote.paragraph_number})."
                )
            else:
                reasons.append(f"Does not yet show {check.demand}.")
        depth = f", depth level {level}" if level is not None else ""
        reasons.append(
            f"{share:.0%} of its sentences reflect (So what? {len(so)}, Now what? {len(now)}"
            f"{depth}); {'that is reflective writing' if reflects else 'mostly description'}."
        )
        if needs_evidence:
            if not labels:
                reasons.append("No evidence is cited in its paragraphs.")
            elif backed is False:
                reasons.append(f"Cites {', '.join(labels)}, but not all of it was found.")
            else:
                reasons.append(f"Cites evidence: {', '.join(labels)}.")
        if found == len(checks) and reflects and evidence_ok:
            judgement = "met"
        elif found * 2 >= len(checks) or reflects:
            judgement = "partly"
        else:
            judgement = "not yet evident"
    summary = _criterion_summary(crit, judgement, checks, reflects, evidence_ok, n)
    quotes = _criterion_quotes(crit, checks, so, now)
    return CriterionFeedback(
        id=crit.id,
        number=crit.number,
        name=crit.name,
        judgement=judgement,
        summary=summary,
        reasons=reasons,
        paragraph_numbers=numbers,
        assigned_by=list(crit.assigned_by),
        sentences=n,
        reflective_share=round(share, 4),
        depth_level=level,
        so_what=bool(so),
        now_what=bool(now),
        demands=checks,
        evidence_labels=labels,
        evidence_backed=backed,
        quotes=quotes,
    )


def _where(numbers: Sequence[int]) -> str:
    if not numbers:
        return "No paragraph"
    if len(numbers) == 1:
        return f"Paragraph {numbers[0]}"
    return "Paragraphs " + ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"


def _criterion_summary(
    crit: _Crit,
    judgement: Judgement,
    checks: Sequence[DemandCheck],
    reflects: bool,
    evidence_ok: bool,
    n: int,
) -> str:
    if n == 0:
        return "Not yet addressed: nothing in the statement speaks to this criterion."
    missing = [c.demand for c in checks if not c.found]
    if judgement == "met":
        return "Met: the demands of this criterion are shown, reflectively and with evidence."
    gaps = []
    if missing:
        gaps.append("missing " + "; ".join(missing))
    if not reflects:
        gaps.append("mostly describes rather than reflects")
    if not evidence_ok:
        gaps.append("no evidence cited")
    lead = "Partly there" if judgement == "partly" else "Not yet evident"
    return f"{lead}: " + "; ".join(gaps) + "."


def _criterion_quotes(
    crit: _Crit, checks: Sequence[DemandCheck], so: Sequence[_Sent], now: Sequence[_Sent]
) -> list[Quote]:
    chosen: dict[int, Quote] = {}
    for check in checks:
        if check.quote is not None:
            chosen.setdefault(check.quote.sentence, check.quote)
    for sent in list(so[:1]) + list(now[:1]):
        chosen.setdefault(sent.s.index, _quote(sent))
    return [chosen[k] for k in sorted(chosen)][:5]


# --- strengths and priorities ----------------------------------------------------------------


@dataclass(order=True)
class _Ranked:
    """A point with its sort key: higher weight first, then document order."""

    key: tuple[float, int, str]
    point: Point = field(compare=False)
    tag: str = field(compare=False, default="")


def _rank(weight: float, order: int, point: Point, tag: str = "") -> _Ranked:
    return _Ranked((-weight, order, point.title), point, tag)


def _choose(ranked: list[_Ranked]) -> list[Point]:
    """The best-ranked points (sorts `ranked`), at most MAX_POINTS and two paragraph points."""
    ranked.sort()
    chosen: list[Point] = []
    paragraph_items = 0
    for item in ranked:
        if item.tag == "paragraph":
            if paragraph_items >= 2:
                continue
            paragraph_items += 1
        chosen.append(item.point)
        if len(chosen) == MAX_POINTS:
            break
    return chosen


def _paragraph_stages(doc: _Doc, paragraph: int) -> list[_Sent]:
    return [s for s in doc.sents if s.s.paragraph == paragraph]


def _priorities(
    doc: _Doc, criteria: Sequence[CriterionFeedback], assignment: dict[int, tuple[str, str]]
) -> list[Point]:
    wc = doc.word_count
    route = doc.route
    ranked: list[_Ranked] = []
    if wc.status == "over":
        ranked.append(_rank(100, 0, Point(
            title=f"Cut {wc.words_to_cut} words to meet the {wc.limit}-word limit",
            detail=(
                f"The statement counts {wc.counted} words against a limit of {wc.limit}. "
                "Cut description before reflection: the sentences listed under 'Where to cut' "
                "only retell events."
            ),
        )))  # fmt: skip
    for c in criteria:
        missing = [d for d in c.demands if not d.found]
        advice = {d.text: d.advice for d in DEMANDS[(route.id, c.id)]}
        if c.judgement == "not yet evident" and c.sentences == 0:
            ranked.append(_rank(95, c.number, Point(
                title=f"Write criterion {c.number}: {c.name.lower()}",
                detail=(
                    f"Nothing in the statement speaks to criterion {c.number} yet. It asks you "
                    f"to do this: {route.criteria[c.number - 1].demands}"
                ),
                criterion=c.number,
            )))  # fmt: skip
            continue
        if c.judgement == "met":
            continue
        weight = 90 if c.judgement == "not yet evident" else 80
        first = c.paragraph_numbers[0] if c.paragraph_numbers else None
        if missing:
            what = missing[0]
            detail = (
                f"Criterion {c.number} ({_where(c.paragraph_numbers).lower()}) does not yet show "
                f"{what.demand}: {advice[what.demand]}."
            )
            if len(missing) > 1:
                detail += " Also missing: " + "; ".join(d.demand for d in missing[1:]) + "."
            ranked.append(_rank(weight, c.number, Point(
                title=f"Criterion {c.number}: show {what.demand}",
                detail=detail, criterion=c.number, paragraph_number=first,
            ), tag="criterion"))  # fmt: skip
        elif c.reflective_share < REFLECTIVE_SHARE:
            ranked.append(_rank(weight - 5, c.number, Point(
                title=f"Criterion {c.number}: reflect, don't only report",
                detail=(
                    f"Criterion {c.number} covers the right ground but {c.reflective_share:.0%} "
                    "of its sentences reflect. After each event, say what it meant to you and "
                    "what you now do differently."
                ),
                criterion=c.number, paragraph_number=first,
            ), tag="criterion"))  # fmt: skip
        elif route.id in PORTFOLIO_ROUTES and not c.evidence_labels:
            ranked.append(_rank(weight - 10, c.number, Point(
                title=f"Criterion {c.number}: link your evidence",
                detail=(
                    f"{_where(c.paragraph_numbers)} make claims without citing evidence. Add a "
                    "label such as (E4) after each claim so the assessor can check it."
                ),
                criterion=c.number, paragraph_number=first,
            ), tag="criterion"))  # fmt: skip
    descriptive = 0
    for p in doc.body:
        sents = _paragraph_stages(doc, p.index)
        if len(sents) < 2:
            continue
        stages = {s.stage for s in sents}
        number = doc.numbers[p.index]
        first = _quote(sents[0])
        topic = short(first.text, 12)
        if stages == {"what"}:
            point = Point(
                title=f"Paragraph {number}: add the So what? and the Now what?",
                detail=(
                    f'Paragraph {number} tells what happened ("{topic}") but not what you '
                    "learned from it or what you would change. Add a sentence on why it "
                    "mattered and one on what you now do, or will do, differently."
                ),
                paragraph_number=number,
                quote=first,
            )
            ranked.append(_rank(70 + min(p.words, 200) / 100, number, point, tag="paragraph"))
            descriptive += 1
        elif "so_what" in stages and "now_what" not in stages and len(sents) >= 4:
            what_share = sum(s.stage == "what" for s in sents) / len(sents)
            if what_share >= 0.6:
                point = Point(
                    title=f"Paragraph {number}: say what you will do with it",
                    detail=(
                        f"Paragraph {number} is mostly account ({what_share:.0%} of its "
                        f"sentences) with a little learning but no Now what?. End it with "
                        "what you now do differently, or plan to."
                    ),
                    paragraph_number=number,
                    quote=first,
                )
                ranked.append(_rank(60, number, point, tag="paragraph"))
    if not any(s.stage == "now_what" for s in doc.sents):
        ranked.append(_rank(65, 0, Point(
            title="Say what comes next",
            detail=(
                "No sentence looks forward. Assessors want the Now what?: close each criterion "
                "with what you will do differently, try next, or keep developing."
            ),
        )))  # fmt: skip
    if doc.pksb is not None:
        missing = list(getattr(doc.pksb, "missing_expected", []) or [])
        names = _area_names(doc.pksb)
        if missing:
            listed = ", ".join(names.get(a, a) for a in missing)
            ranked.append(_rank(40, 0, Point(
                title="Touch the PKSB areas the criteria expect",
                detail=(
                    f"Nothing in the statement clearly shows {listed}. A sentence on how "
                    "your work connects to them (for example an ethical question you weighed) "
                    "would widen the picture."
                ),
            )))  # fmt: skip
    headings = any(
        p.kind == "heading" and _heading_criterion(p.text) for p in doc.outline.paragraphs
    )
    if not headings and route.id in PORTFOLIO_ROUTES:
        ranked.append(_rank(30, 0, Point(
            title="Use the criteria as headings",
            detail=(
                "The statement has no criterion headings. Headings such as 'Criterion 2: "
                "Organisational context' help the assessor and are not counted in the limit."
            ),
        )))  # fmt: skip
    if wc.status == "near":
        ranked.append(_rank(20, 0, Point(
            title="Leave yourself room under the limit",
            detail=(
                f"At {wc.counted} of {wc.limit} words you are close to the limit; trim the "
                "descriptive sentences listed under 'Where to cut' before adding anything."
            ),
        )))  # fmt: skip
    chosen = _choose(ranked)
    if len(chosen) < MIN_POINTS:
        chosen.extend(_polish(doc, criteria, chosen)[: MIN_POINTS - len(chosen)])
    return chosen


def _area_names(pksb: Any) -> dict[str, str]:
    return {a.id: a.name for a in getattr(pksb, "areas", [])}


def _polish(
    doc: _Doc, criteria: Sequence[CriterionFeedback], taken: Sequence[Point]
) -> list[Point]:
    """Next steps for a strong draft: still concrete, still tied to a paragraph."""
    titles = {p.title for p in taken}
    named = {p.paragraph_number for p in taken if p.paragraph_number is not None}
    out: list[Point] = []
    # The least reflective paragraph of some length is where the next gain is.
    candidates = []
    for p in doc.body:
        sents = _paragraph_stages(doc, p.index)
        if len(sents) >= 2:
            share = sum(s.stage != "what" for s in sents) / len(sents)
            if doc.numbers[p.index] not in named:
                candidates.append((share, doc.numbers[p.index], sents))
    candidates.sort(key=lambda x: (x[0], x[1]))
    for share, number, sents in candidates[:2]:
        what = next((s for s in sents if s.stage == "what"), sents[0])
        out.append(Point(
            title=f"Paragraph {number}: turn more of the account into reflection",
            detail=(
                f"Paragraph {number} is your least reflective ({share:.0%} of sentences). "
                f"Could \"{short(what.s.text, 12)}\" be shortened to make room for why it "
                "mattered?"
            ),
            paragraph_number=number,
            quote=_quote(what),
        ))  # fmt: skip
    weakest = min(criteria, key=lambda c: (c.reflective_share, c.number))
    out.append(Point(
        title=f"Criterion {weakest.number}: bring in another viewpoint",
        detail=(
            f"Criterion {weakest.number} would be stronger with someone else's view -- a "
            "colleague's feedback, a user's words or something you read -- set against your own."
        ),
        criterion=weakest.number,
        paragraph_number=weakest.paragraph_numbers[0] if weakest.paragraph_numbers else None,
    ))  # fmt: skip
    out.append(Point(
        title="Read it aloud as the assessor",
        detail=(
            "For each paragraph ask 'so what?' once more: if the answer is not on the page, "
            "add it in a sentence."
        ),
    ))  # fmt: skip
    return [p for p in out if p.title not in titles]


def _strengths(doc: _Doc, criteria: Sequence[CriterionFeedback]) -> list[Point]:
    wc = doc.word_count
    ranked: list[_Ranked] = []
    for c in criteria:
        if c.judgement != "met":
            continue
        shown = [d for d in c.demands if d.quote is not None]
        example = shown[-1] if shown else None
        detail = f"Criterion {c.number} is met: " + "; ".join(d.demand for d in c.demands) + "."
        if example is not None and example.quote is not None:
            detail += f' For example: "{short(example.quote.text, 16)}"'
        ranked.append(_rank(90, c.number, Point(
            title=f"Criterion {c.number} is well made",
            detail=detail,
            criterion=c.number,
            paragraph_number=example.quote.paragraph_number if example and example.quote else None,
            quote=example.quote if example else None,
        ), tag="criterion"))  # fmt: skip
    full = []
    for p in doc.body:
        sents = _paragraph_stages(doc, p.index)
        so = [s for s in sents if s.stage == "so_what"]
        now = [s for s in sents if s.stage == "now_what"]
        level = doc.levels.get(p.index, 0)
        if so and now and (not doc.levels or level >= 2):
            share = (len(so) + len(now)) / len(sents)
            full.append((level, share, doc.numbers[p.index], so[0], now[0]))
    full.sort(key=lambda x: (-x[0], -x[1], x[2]))
    for level, _share, number, so_sent, now_sent in full[:2]:
        depth = f" (depth level {level})" if level else ""
        ranked.append(_rank(80 + level, number, Point(
            title=f"Paragraph {number} reflects all the way through",
            detail=(
                f"Paragraph {number}{depth} goes beyond the event: you say what it meant "
                f"(\"{short(so_sent.s.text, 12)}\") and what you now do "
                f"(\"{short(now_sent.s.text, 12)}\")."
            ),
            paragraph_number=number,
            quote=_quote(so_sent),
        ), tag="paragraph"))  # fmt: skip
    weighing = next(
        (
            s
            for s in doc.sents
            if s.category not in (None, "Experience", "Other")
            and {"hedge", "contrast"} & set(s.markers)
        ),
        None,
    ) or next(
        (s for s in doc.sents if re.search(r"\b(on reflection|in hindsight|I suspect|"
                                           r"I cannot show|the limits of)\b", s.s.text, re.I)),
        None,
    )  # fmt: skip
    if weighing is not None:
        ranked.append(_rank(70, weighing.number, Point(
            title="You question your own account",
            detail=(
                f"In paragraph {weighing.number} you weigh what happened rather than only "
                f"reporting it: \"{short(weighing.s.text, 16)}\". That honesty is what "
                "assessors look for."
            ),
            paragraph_number=weighing.number,
            quote=_quote(weighing),
        )))  # fmt: skip
    cited = [c for c in criteria if c.evidence_labels]
    if doc.route.id in PORTFOLIO_ROUTES and len(cited) >= 2:
        labels = sorted({lab for c in cited for lab in c.evidence_labels}, key=_label_key)
        ranked.append(_rank(60, 0, Point(
            title="Evidence is signposted",
            detail=(
                f"You cite evidence under {len(cited)} of the 3 criteria ({', '.join(labels[:8])}"
                f"{'…' if len(labels) > 8 else ''}), so the assessor can check your claims."
            ),
        )))  # fmt: skip
    viewpoint = next((s for s in doc.sents if "perspective" in s.markers), None) or next(
        (s for s in doc.sents if re.search(r"\b(reading|read about|according to|"
                                           r"\(\w+,? \d{4}\)|feedback)\b", s.s.text, re.I)
         and s.stage != "what"),
        None,
    )  # fmt: skip
    if viewpoint is not None:
        ranked.append(_rank(55, viewpoint.number, Point(
            title="You draw on other voices",
            detail=(
                f"Paragraph {viewpoint.number} lets another view shape yours: "
                f"\"{short(viewpoint.s.text, 16)}\"."
            ),
            paragraph_number=viewpoint.number,
            quote=_quote(viewpoint),
        )))  # fmt: skip
    if doc.pksb is not None:
        names = _area_names(doc.pksb)
        dominant = list(getattr(doc.pksb, "dominant", []) or [])
        expected = list(getattr(doc.pksb, "expected", []) or [])
        missing = set(getattr(doc.pksb, "missing_expected", []) or [])
        touched = [e for e in expected if e not in missing]
        if dominant:
            detail = "Your statement centres on " + ", ".join(names.get(a, a) for a in dominant)
            if touched:
                detail += "; it also touches " + ", ".join(names.get(a, a) for a in touched)
            ranked.append(_rank(45, 0, Point(
                title="A clear PKSB focus", detail=detail + "."
            )))  # fmt: skip
    if any(p.kind == "heading" and _heading_criterion(p.text) for p in doc.outline.paragraphs):
        ranked.append(_rank(40, 0, Point(
            title="Easy to follow",
            detail=(
                "Criterion headings split the statement the way assessors read it, and they do "
                "not count towards the limit."
            ),
        )))  # fmt: skip
    if wc.status == "under":
        ranked.append(_rank(35, 0, Point(
            title="Within the word limit",
            detail=f"{wc.counted} of {wc.limit} words: room to add reflection where it helps.",
        )))  # fmt: skip
    specific = next(
        (s for s in doc.sents if s.stage == "what" and re.search(r"\d", s.s.text)), None
    )
    if specific is not None:
        ranked.append(_rank(30, specific.number, Point(
            title="Concrete detail",
            detail=(
                f"You give specifics an assessor can picture (paragraph {specific.number}: "
                f"\"{short(specific.s.text, 14)}\"); keep them, but make each one earn its place."
            ),
            paragraph_number=specific.number,
            quote=_quote(specific),
        )))  # fmt: skip
    if doc.sents:
        ranked.append(_rank(10, 0, Point(
            title="Written in your own voice",
            detail=(
                "The statement speaks about your own work in the first person, which is the "
                "right starting point for reflective writing."
            ),
        )))  # fmt: skip
    return _choose(ranked)


def _label_key(label: str) -> tuple[int, str]:
    digits = re.findall(r"\d+", label)
    return (int(digits[0]) if digits else 0, label)


# --- where to cut ----------------------------------------------------------------------------

_REFLECTIVE_MARKERS = frozenset(
    {"mental_verb", "feeling", "causal", "contrast", "hedge", "future_intention", "perspective",
     "change_growth", "wider_context"}
)  # fmt: skip


def _cut_advice(doc: _Doc) -> WordLimitAdvice | None:
    wc = doc.word_count
    if wc.status == "under":
        return None
    target = wc.words_to_cut if wc.status == "over" else max(1, round(wc.limit * 0.05))

    def key(s: _Sent) -> tuple[int, int, int, int, int]:
        reflective = len(_REFLECTIVE_MARKERS & set(s.markers))
        has_label = 1 if EVIDENCE_LABEL.search(s.s.text) else 0
        return (
            {"what": 0, "so_what": 1, "now_what": 2}[s.stage],
            has_label,
            reflective,
            -s.words,
            s.s.index,
        )

    cuts: list[CutSuggestion] = []
    saved = 0
    for s in sorted((s for s in doc.sents if s.words > 0), key=key):
        if saved >= target or len(cuts) >= 12:
            break
        why = (
            "describes events without saying what they meant"
            if s.stage == "what"
            else "reflective, but could be tightened"
        )
        if s.stage == "what" and EVIDENCE_LABEL.search(s.s.text):
            why += "; keep the evidence label in a shorter sentence"
        cuts.append(CutSuggestion(quote=_quote(s), words=s.words, reason=why))
        saved += s.words
    cuts.sort(key=lambda c: c.quote.sentence)
    if wc.status == "over":
        summary = (
            f"{wc.counted} words against a limit of {wc.limit}: cut at least {wc.words_to_cut}. "
            f"Start with the most descriptive sentences; the {len(cuts)} below save {saved} words."
        )
    else:
        summary = (
            f"{wc.counted} words, close to the limit of {wc.limit}. If you add anything, make "
            f"room first: the {len(cuts)} sentence(s) below are the most descriptive "
            f"({saved} words)."
        )
    return WordLimitAdvice(
        status=wc.status,
        counted=wc.counted,
        limit=wc.limit,
        words_to_cut=wc.words_to_cut,
        summary=summary,
        cuts=cuts,
        words_saved=saved,
    )


# --- the whole -------------------------------------------------------------------------------


def build_feedback(
    route: Route | str,
    outline: DocumentOutline,
    word_count: WordCount,
    reflection: ReflectionReport | None = None,
    pksb: PksbCoverage | None = None,
    evidence: Any = None,
) -> Feedback:
    """Judge a statement against its route from whatever analyses are available."""
    if isinstance(route, str):
        route = load_route(route)
    doc = _read(route, outline, word_count, reflection, pksb, evidence)
    crits, assignment = _assign(doc)
    criteria = [_judge(doc, crits[c.id]) for c in route.criteria]
    priorities = _priorities(doc, criteria, assignment)
    strengths = _strengths(doc, criteria)
    basis = [f"What?/So what?/Now what? from {doc.stage_basis}"]
    basis.append(
        "criteria from headings, route cue words and PKSB areas"
        if pksb is not None
        else "criteria from headings and route cue words (no PKSB coverage)"
    )
    if evidence is not None:
        basis.append("evidence links checked against the evidence folder")
    paragraphs = []
    for p in doc.body:
        sents = _paragraph_stages(doc, p.index)
        criterion_id, how = assignment[p.index]
        paragraphs.append(
            ParagraphNote(
                paragraph=p.index,
                paragraph_number=doc.numbers[p.index],
                criterion=criterion_id,
                assigned_by=how,
                what=sum(s.stage == "what" for s in sents),
                so_what=sum(s.stage == "so_what" for s in sents),
                now_what=sum(s.stage == "now_what" for s in sents),
                level=doc.levels.get(p.index),
            )
        )
    stages: list[Stage] = []
    by_index = {s.s.index: s.stage for s in doc.sents}
    for s in outline.sentences:
        stages.append(by_index.get(s.index, "what"))
    return Feedback(
        route=route.id,
        summary=_summary(route, criteria, priorities, doc),
        basis=basis,
        criteria=criteria,
        strengths=strengths,
        priorities=priorities,
        word_limit=_cut_advice(doc),
        paragraphs=paragraphs,
        sentence_stages=stages,
    )


def _summary(
    route: Route, criteria: Sequence[CriterionFeedback], priorities: Sequence[Point], doc: _Doc
) -> str:
    met = sum(c.judgement == "met" for c in criteria)
    partly = sum(c.judgement == "partly" for c in criteria)
    missing = len(criteria) - met - partly
    if met == len(criteria):
        lead = f"All {len(criteria)} {route.name} criteria are met."
    else:
        counts = [f"{met} of {len(criteria)} met"]
        counts += [f"{partly} partly there"] if partly else []
        counts += [f"{missing} not yet evident"] if missing else []
        lead = f"{route.name} criteria: {', '.join(counts)}."
    if doc.reflection is not None:
        level = doc.reflection.document
        lead += (
            f" Overall the writing reads as {level.level_name} (level {level.level}; "
            f"{level.reflective_share:.0%} of sentences reflect)."
        )
    else:
        share = sum(s.stage != "what" for s in doc.sents) / len(doc.sents) if doc.sents else 0.0
        lead += f" {share:.0%} of sentences go beyond describing what happened."
    if priorities:
        title = priorities[0].title
        lead += f" Start with: {title[0].lower()}{title[1:]}" + ("" if title[-1] in ".?!" else ".")
    return lead


def feedback_for(assessment: Assessment) -> Feedback:
    """Feedback from an Assessment's own fields; reflection, PKSB and evidence may be absent."""
    return build_feedback(
        load_routes().get(assessment.route),
        assessment.outline,
        assessment.word_count,
        reflection=getattr(assessment, "reflection", None),
        pksb=getattr(assessment, "pksb", None),
        evidence=getattr(assessment, "evidence", None),
    )
