"""Reflection depth: Hatton & Smith levels and the What?/So what?/Now what? balance.

The grade is deterministic and explainable: every level is reached by named sentences and the
markers in them (pksb_reflect.nlp.markers), so feedback can quote the candidate's own words.

Sentence signals (from the classifier's category and the markers of the sentence):

* stage and reflective: one rule, sentence_stage; each SentenceReflection of the report carries
  its `stage`, `reflective` and `reflective_by` ("category" or "markers"):
  - by category: Intention (including a change in practice already made, "I now ...") is
    Now what?; Feeling, Reflection, Difficulty, Belief, Perspective, Learning are So what?;
    Experience and Other are What?;
  - by markers, only when the category is Experience or Other and the classifier is unsure
    (probability below UNSURE_PROBABILITY): a future intention or a change already made gives
    Now what?; a strong marker (STRONG_MARKER_KINDS: mental_verb, feeling, change_growth,
    hedge, wider_context, perspective) gives So what?. Causal and contrast links are not
    strong: accounts of events give causes too.
  A sentence is reflective when its stage is So what? or Now what?.
* reasoning: a mental_verb, causal, feeling or change_growth marker, a Feeling/Reflection/
  Learning category with any marker, or (implicit reflection) any So what? category at
  IMPLICIT_PROBABILITY or above, with no cue word needed.
* dialogic: a hedge in a reflective sentence, a contrast with a mental verb or hedge, a
  counterfactual ("would have", "could have"), a questioning mental verb (wonder, doubt,
  rethink; any mental verb with whether/if), a question, or a DIALOGIC_CATEGORIES sentence
  (Reflection) at IMPLICIT_PROBABILITY or above.
* other view: a perspective marker (someone's view, "according to", a citation, a named model)
  or the Perspective category. wider context: a wider_context marker. learning: the Learning
  category or a change_growth marker.

Paragraph levels: 1 descriptive writing (the default); 2 descriptive reflection (reflective
share >= MIN_REFLECTIVE_SHARE and a reasoning sentence); 3 dialogic reflection (level 2 and a
dialogic sentence); 4 critical reflection (level 2, wider context, other views weighed, and
learning, intention or dialogue alongside). The pooled document grade applies the same rules
to all sentences with two of each signal, capped at 2 when under DESCRIPTIVE_CAP_SHARE of the
statement is reflective and at 3 without a Now what?.

The document level is read from its paragraphs (_from_paragraphs): how much of the statement,
by sentences, sits in paragraphs at level 2 or above and at 3 or above; level 4 also needs a
critical paragraph and a critical pooled grade. The thresholds were tuned on the statements'
dev split and the team's dev documents (benchmarks/tune_depth.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pksb_reflect.analysis.reflection.models import (
    LEVEL_NAMES,
    CategoryLike,
    DocumentReflection,
    ParagraphReflection,
    ReflectionReport,
    ReflectiveBy,
    SentenceReflection,
    Stage,
    WhatBalance,
)
from pksb_reflect.nlp.markers import Marker, sentence_markers

if TYPE_CHECKING:
    from pksb_reflect.analysis.segment import SegmentedDocument

WHAT = frozenset({"Experience", "Other"})
SO_WHAT = frozenset({"Feeling", "Reflection", "Difficulty", "Belief", "Perspective", "Learning"})
NOW_WHAT = frozenset({"Intention"})
# The elements of a full reflective account; the ones a paragraph or statement lacks are named.
CORE_CATEGORIES = ("Experience", "Feeling", "Reflection", "Perspective", "Learning", "Intention")

# Mental verbs that are themselves a weighing of one's own view ("I wonder whether...").
QUESTIONING_VERBS = frozenset({"wonder", "question", "doubt", "reconsider", "rethink", "challenge"})
_WHETHER = re.compile(r"\b(whether|if)\b", re.IGNORECASE)

MIN_REFLECTIVE_SHARE = 0.25
# Below this classifier probability for Experience/Other, the markers decide the stage.
UNSURE_PROBABILITY = 0.5
# change_growth cues that describe a change in practice already made (Now what?).
PRACTICE_CHANGE_CUES = frozenset({"i now", "now i", "since then", "these days i", "no longer"})
STRONG_MARKER_KINDS = frozenset(
    {"mental_verb", "feeling", "change_growth", "hedge", "wider_context", "perspective"}
)
DESCRIPTIVE_CAP_SHARE = 0.3
# Implicit reflection (tuned on the statements' dev split and the team's dev documents):
# a So what? category at or above this probability is reasoning without a cue word, and a
# DIALOGIC_CATEGORIES sentence at it weighs alternatives (Reflection: hedged, questioning or
# counterfactual thought about one's own experience, by the annotation manual).
IMPLICIT_PROBABILITY = 0.6
DIALOGIC_CATEGORIES = frozenset({"Reflection"})
# The statement's level from its paragraphs' levels (see _from_paragraphs); else pooled only.
DOCUMENT_FROM_PARAGRAPHS = True
DOC_SHARE_2 = 0.5
DOC_SHARE_3 = 0.5
DOC_CRITICAL_PARAGRAPHS = 1
# Paragraphs: dialogic sentences needed for level 3; whether a What? -> So what? -> Now what?
# paragraph counts as one of them.
PARAGRAPH_DIALOGIC_NEED = 1
STRUCTURE_COUNTS = True
# Whether reasoning and wider-context markers count inside a descriptive (What?) sentence.
DESCRIPTION_MARKERS_COUNT = False
QUOTE_WORDS = 9


# --- sentence signals ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Signals:
    """Which depth signals one sentence gives, each with the markers that gave it."""

    sentence: SentenceReflection
    stage: Stage
    reflective: bool
    # Strong markers that made an Experience/Other sentence reflective (empty otherwise).
    by_markers: tuple[Marker, ...] = ()
    reasoning: tuple[Marker, ...] = ()
    dialogic: tuple[Marker, ...] = ()
    other_view: tuple[Marker, ...] = ()
    wider: tuple[Marker, ...] = ()
    learning: tuple[Marker, ...] = ()
    intention: tuple[Marker, ...] = ()
    is_dialogic: bool = False
    is_other_view: bool = False
    is_learning: bool = False
    is_reasoning: bool = False


@dataclass(frozen=True)
class StageDecision:
    """The stage of one sentence, whether it is reflective, and what decided it."""

    stage: Stage
    reflective: bool
    reflective_by: ReflectiveBy
    markers: tuple[Marker, ...] = ()  # the markers that decided, when reflective_by is markers


def _practice_change(markers: Iterable[Marker]) -> tuple[Marker, ...]:
    """'I now keep...', 'since then I...', 'these days I...': a change already made."""
    return tuple(m for m in markers if m.kind == "change_growth" and m.cue in PRACTICE_CHANGE_CUES)


def sentence_stage(
    category: str, probability: float, markers: Sequence[Marker] = ()
) -> StageDecision:
    """The one rule for a sentence's stage and reflective flag (feedback reads its result).

    * The category decides when the classifier is sure (its probability for the category is at
      least UNSURE_PROBABILITY), and always for the reflective categories: Intention is Now
      what? (so is a change already made, which the classifier files under Intention);
      Learning, Reflection, Belief, Perspective, Feeling and Difficulty are So what?;
      Experience and Other are What?.
    * Only where the classifier is unsure of an Experience or Other verdict do the markers
      decide: a future intention or a change already made ("I now ...", "since then I ...")
      gives Now what?; a strong reflective marker (STRONG_MARKER_KINDS) gives So what?.
    A sentence is reflective when its stage is So what? or Now what?.
    """
    if category in NOW_WHAT:
        return StageDecision("now_what", True, "category")
    if category in SO_WHAT:
        return StageDecision("so_what", True, "category")
    if probability < UNSURE_PROBABILITY:
        forward = tuple(m for m in markers if m.kind == "future_intention" and not m.negated)
        forward = forward + _practice_change(markers)
        if forward:
            return StageDecision("now_what", True, "markers", forward)
        strong = strong_markers(markers)
        if strong:
            return StageDecision("so_what", True, "markers", strong)
    return StageDecision("what", False, "category")


def stage_of(category: str, markers: Iterable[Marker], *, probability: float = 1.0) -> Stage:
    """What? / So what? / Now what? for one sentence (sentence_stage's stage)."""
    return sentence_stage(category, probability, tuple(markers)).stage


def strong_markers(markers: Sequence[Marker]) -> tuple[Marker, ...]:
    """The markers strong enough to make a sentence reflective (see the module docstring)."""
    return tuple(m for m in markers if m.kind in STRONG_MARKER_KINDS)


def _signals(s: SentenceReflection) -> _Signals:
    ms = s.markers
    decision = sentence_stage(s.category, s.probability, ms)
    by_markers = decision.markers
    reflective = decision.reflective
    of = {k: tuple(m for m in ms if m.kind == k) for k in {m.kind for m in ms}}
    reasoning = (
        of.get("mental_verb", ())
        + of.get("causal", ())
        + of.get("feeling", ())
        + of.get("change_growth", ())
    )
    if not reflective and not DESCRIPTION_MARKERS_COUNT:
        reasoning = ()  # "so I moved them to the map drawers": a cause inside an account
    # Implicit reflection: a sure So what? category counts without any cue word.
    implicit = s.category in SO_WHAT and s.probability >= IMPLICIT_PROBABILITY
    is_reasoning = (
        bool(reasoning)
        or implicit
        or (
            s.category in {"Feeling", "Reflection", "Learning"}
            and any(m.kind != "first_person" for m in ms)
        )
    )
    hedges = of.get("hedge", ())
    contrasts = of.get("contrast", ())
    dialogic: tuple[Marker, ...] = ()
    counterfactual = tuple(h for h in hedges if h.cue in {"would have", "could"})
    if counterfactual:
        dialogic = counterfactual
    elif hedges and reflective:
        dialogic = hedges
    elif contrasts and (of.get("mental_verb") or hedges):
        dialogic = contrasts + of.get("mental_verb", ())
    questioning = tuple(
        m for m in of.get("mental_verb", ())
        if m.cue in QUESTIONING_VERBS or _WHETHER.search(s.text)
    )  # fmt: skip
    if not dialogic and questioning:
        dialogic = questioning
    question = s.text.rstrip().endswith("?") and reflective
    implicit_dialogic = s.category in DIALOGIC_CATEGORIES and s.probability >= IMPLICIT_PROBABILITY
    other = of.get("perspective", ())
    learning = of.get("change_growth", ())
    return _Signals(
        sentence=s,
        stage=decision.stage,
        reflective=reflective,
        by_markers=by_markers,
        reasoning=reasoning,
        dialogic=dialogic,
        other_view=other,
        wider=of.get("wider_context", ()) if reflective or DESCRIPTION_MARKERS_COUNT else (),
        learning=learning,
        intention=of.get("future_intention", ()),
        is_dialogic=bool(dialogic) or question or implicit_dialogic,
        is_other_view=bool(other) or s.category == "Perspective",
        is_learning=bool(learning) or s.category == "Learning",
        is_reasoning=is_reasoning,
    )


# --- grading -------------------------------------------------------------------------------


@dataclass
class _Grade:
    level: int
    reasons: list[str] = field(default_factory=list)


def _quote(s: SentenceReflection) -> str:
    words = s.text.split()
    text = " ".join(words[:QUOTE_WORDS])
    return f"s{s.index} '{text}{'…' if len(words) > QUOTE_WORDS else ''}'"


def _cite(signals: Sequence[_Signals], attr: str, limit: int = 3) -> str:
    """'s3 'quote' (causal: because; hedge: perhaps); s5 ...' for the first few sentences."""
    parts = []
    for sig in signals[:limit]:
        ms: tuple[Marker, ...] = getattr(sig, attr)
        cues = ", ".join(f"{m.kind}: {m.text}" for m in ms[:3])
        detail = cues or f"category {sig.sentence.category}"
        parts.append(f"{_quote(sig.sentence)} ({detail})")
    more = f" and {len(signals) - limit} more" if len(signals) > limit else ""
    return "; ".join(parts) + more


def _balance(signals: Sequence[_Signals]) -> WhatBalance:
    n = len(signals)
    what = sum(s.stage == "what" for s in signals)
    so_what = sum(s.stage == "so_what" for s in signals)
    now_what = n - what - so_what
    if n == 0:
        return WhatBalance()
    return WhatBalance(
        what=what,
        so_what=so_what,
        now_what=now_what,
        what_share=what / n,
        so_what_share=so_what / n,
        now_what_share=now_what / n,
    )


def _missing(signals: Sequence[_Signals]) -> list[str]:
    present = {s.sentence.category for s in signals}
    if any(s.stage == "now_what" for s in signals):
        present.add("Intention")
    if any(s.is_other_view for s in signals):
        present.add("Perspective")
    if any(s.is_learning for s in signals):
        present.add("Learning")
    return [c for c in CORE_CATEGORIES if c not in present]


def _described_evaluated_changed(signals: Sequence[_Signals]) -> bool:
    """A What? sentence, then a So what? after it, then a Now what? after that."""
    stages = [s.stage for s in signals]
    if "what" not in stages:
        return False
    rest = stages[stages.index("what") :]
    if "so_what" not in rest:
        return False
    return "now_what" in rest[rest.index("so_what") :]


def _grade(signals: Sequence[_Signals], *, document: bool) -> _Grade:
    """Apply the level rules of the module docstring to one paragraph or the whole document."""
    need = 2 if document else 1
    n = len(signals)
    share = sum(s.reflective for s in signals) / n if n else 0.0
    reasoning = [s for s in signals if s.is_reasoning]
    dialogic = [s for s in signals if s.is_dialogic]
    other = [s for s in signals if s.is_other_view]
    wider = [s for s in signals if s.wider]
    learning = [s for s in signals if s.is_learning]
    intention = [s for s in signals if s.stage == "now_what"]
    grade = _Grade(level=1)
    if n == 0:
        grade.reasons.append("No body sentences to grade.")
        return grade

    if share < MIN_REFLECTIVE_SHARE or len(reasoning) < need:
        grade.reasons.append(
            f"Descriptive: {share:.0%} of sentences are reflective (level 2 needs "
            f"{MIN_REFLECTIVE_SHARE:.0%}) and {len(reasoning)} give reasons, feelings or "
            f"learning in the writer's words (needs {need})"
            + (f": {_cite(reasoning, 'reasoning')}." if reasoning else ".")
        )
        return grade
    grade.level = 2
    grade.reasons.append(
        f"Reflects on the experience ({share:.0%} of sentences reflective): "
        f"{_cite(reasoning, 'reasoning')}."
    )

    need_dialogic = need if document else PARAGRAPH_DIALOGIC_NEED
    structured = not document and STRUCTURE_COUNTS and _described_evaluated_changed(signals)
    if structured:
        grade.reasons.append(
            "Moves from description to evaluation to change (What?, So what?, Now what?)."
        )
    if len(dialogic) + structured >= need_dialogic:
        grade.level = 3
        grade.reasons.append(
            f"Weighs alternatives or questions assumptions in {len(dialogic)} sentence(s): "
            f"{_cite(dialogic, 'dialogic')}."
        )
    else:
        grade.reasons.append(
            f"Not yet dialogic: {len(dialogic)} sentence(s) weigh alternatives with hedges, "
            f"contrasts or questions (needs {need_dialogic})"
            + (f": {_cite(dialogic, 'dialogic')}." if dialogic else ".")
        )

    several_views = len(other) >= 2 or (len(other) >= 1 and len(dialogic) >= 1)
    # A statement must say what changed (its Now what? is checked by _cap_document); a
    # paragraph only needs to carry the thought somewhere: learning, intention or dialogue.
    follow_through = bool(learning) if document else bool(learning or intention or dialogic)
    if len(wider) >= need and several_views and follow_through:
        grade.level = 4
        grade.reasons.append(
            f"Critical: places the experience in a wider context in {len(wider)} sentence(s) "
            f"({_cite(wider, 'wider')}) and engages other perspectives "
            f"({_cite(other, 'other_view')})."
        )
        if document:
            grade.reasons.append(
                f"Says what changed ({_cite(learning, 'learning', 2)}) and what comes next "
                f"({_cite(intention, 'intention', 2)})."
            )
    else:
        missing = []
        if len(wider) < need:
            missing.append(
                f"links to a wider ethical, social or professional context in {len(wider)} "
                f"sentence(s) (needs {need})"
            )
        if not several_views:
            missing.append(f"other people's perspectives or literature in {len(other)} sentence(s)")
        if not follow_through:
            missing.append(
                "no learning or change is stated"
                if document
                else "no learning, intention or weighing of alternatives alongside"
            )
        if grade.level >= 2:
            grade.reasons.append("Not critical: " + "; ".join(missing) + ".")
    return grade


def _share_reason(signals: Sequence[_Signals]) -> str:
    """How the reflective share was reached: by category, plus sentences judged by markers."""
    n = len(signals)
    by_category = sum(s.sentence.category not in WHAT for s in signals)
    by_markers = [s for s in signals if s.by_markers]
    text = (
        f"Reflective share {(by_category + len(by_markers)) / n:.0%}: {by_category} of {n} "
        f"sentence(s) reflective by category ({by_category / n:.0%} by category alone)"
    )
    return (
        text + f", {len(by_markers)} more by markers where the classifier was unsure of "
        f"Experience or Other: {_cite(by_markers, 'by_markers')}."
    )


def _cap_document(grade: _Grade, signals: Sequence[_Signals]) -> _Grade:
    """Document-only caps: heavy description and a missing Now what? limit the level."""
    n = len(signals)
    share = sum(s.reflective for s in signals) / n if n else 0.0
    if grade.level > 2 and share < DESCRIPTIVE_CAP_SHARE:
        grade.level = 2
        grade.reasons.append(
            f"Capped at level 2: only {share:.0%} of the statement is reflective; most of it "
            "describes events."
        )
    if grade.level == 4 and not any(s.stage == "now_what" for s in signals):
        grade.level = 3
        grade.reasons.append("Capped at level 3: no Now what? sentence says what will change.")
    return grade


def _sentence_reflections(
    segmented: SegmentedDocument, categories: Sequence[CategoryLike]
) -> list[SentenceReflection]:
    sentences = segmented.outline.sentences
    if len(categories) != len(sentences):
        raise ValueError(
            f"{len(categories)} categories for {len(sentences)} sentences: they must align"
        )
    paragraphs = {p.index: p for p in segmented.outline.paragraphs}
    out: list[SentenceReflection] = []
    for sentence, cat in zip(sentences, categories, strict=True):
        paragraph = paragraphs[sentence.paragraph]
        doc = segmented.docs.get(sentence.paragraph)
        markers: list[Marker] = []
        if doc is not None and doc.has_extension("marker_data"):
            local = sentence_markers(
                doc, sentence.start - paragraph.start, sentence.end - paragraph.start
            )
            markers = [
                m.model_copy(update={"start": m.start + paragraph.start,
                                     "end": m.end + paragraph.start})
                for m in local
            ]  # fmt: skip
        out.append(
            SentenceReflection(
                index=sentence.index,
                paragraph=sentence.paragraph,
                start=sentence.start,
                end=sentence.end,
                text=sentence.text,
                category=cat.category,
                probability=float(cat.probabilities.get(cat.category, 0.0)),
                markers=markers,
            )
        )
    return out


def _from_paragraphs(pooled: _Grade, paragraphs: Sequence[ParagraphReflection]) -> _Grade:
    """The statement's level from how much of it (by sentences) reaches each paragraph level.

    Level 2 needs DOC_SHARE_2 of the sentences in paragraphs at level 2 or above, level 3
    DOC_SHARE_3 at level 3 or above, and level 4 also needs DOC_CRITICAL_PARAGRAPHS critical
    paragraphs and the pooled evidence to be critical (wider context, other views, change).
    """
    total = sum(len(p.sentence_indexes) for p in paragraphs)

    def share(level: int) -> float:
        return sum(len(p.sentence_indexes) for p in paragraphs if p.level >= level) / total

    level = 1
    if share(2) >= DOC_SHARE_2:
        level = 2
        if share(3) >= DOC_SHARE_3:
            level = 3
            critical = sum(p.level == 4 for p in paragraphs)
            if critical >= DOC_CRITICAL_PARAGRAPHS and pooled.level == 4:
                level = 4
    levels = ", ".join(str(p.level) for p in paragraphs)
    reasons = [
        f"Graded {level} from its paragraphs (levels {levels}): {share(2):.0%} of the sentences "
        f"sit in paragraphs at level 2 or above (level 2 needs {DOC_SHARE_2:.0%}) and "
        f"{share(3):.0%} at level 3 or above (level 3 needs {DOC_SHARE_3:.0%}); level 4 needs "
        f"{DOC_CRITICAL_PARAGRAPHS} critical paragraph(s) and critical evidence overall.",
        *pooled.reasons,
    ]
    return _Grade(level=level, reasons=reasons)


def grade_sentences(sentences: Sequence[SentenceReflection]) -> ReflectionReport:
    """Grade already-built sentence reflections (the core of analyse_reflection; testable alone)."""
    signals = [_signals(s) for s in sentences]
    by_paragraph: dict[int, list[_Signals]] = {}
    for sig in signals:
        by_paragraph.setdefault(sig.sentence.paragraph, []).append(sig)
    paragraphs: list[ParagraphReflection] = []
    for index, sigs in sorted(by_paragraph.items()):
        grade = _grade(sigs, document=False)
        paragraphs.append(
            ParagraphReflection(
                paragraph=index,
                sentence_indexes=[s.sentence.index for s in sigs],
                level=grade.level,
                level_name=LEVEL_NAMES[grade.level],
                reflective_share=sum(s.reflective for s in sigs) / len(sigs),
                balance=_balance(sigs),
                missing_categories=_missing(sigs),
                reasons=grade.reasons,
            )
        )
    grade = _cap_document(_grade(signals, document=True), signals)
    if DOCUMENT_FROM_PARAGRAPHS and paragraphs:
        grade = _from_paragraphs(grade, paragraphs)
    if any(s.by_markers for s in signals):  # otherwise the share is the category share
        grade.reasons.insert(0, _share_reason(signals))
    document = DocumentReflection(
        level=grade.level,
        level_name=LEVEL_NAMES[grade.level],
        reflective_share=(sum(s.reflective for s in signals) / len(signals)) if signals else 0.0,
        balance=_balance(signals),
        missing_categories=_missing(signals),
        reasons=grade.reasons,
        paragraph_levels=[p.level for p in paragraphs],
    )
    carried = [
        sig.sentence.model_copy(
            update={
                "stage": sig.stage,
                "reflective": sig.reflective,
                "reflective_by": "markers" if sig.by_markers else "category",
            }
        )
        for sig in signals
    ]
    return ReflectionReport(sentences=carried, paragraphs=paragraphs, document=document)


def analyse_reflection(
    segmented: SegmentedDocument, categories: Sequence[CategoryLike]
) -> ReflectionReport:
    """Depth and balance of a statement; `categories` align with segmented.outline.sentences."""
    return grade_sentences(_sentence_reflections(segmented, categories))
