"""Mentor-style feedback: each criterion judged, strengths, priorities and where to cut.

The judgements are made in their own modules, from one reading of the statement:

1. reading: body sentences with the What?/So what?/Now what? stage the reflection report gives
   each (the reflection package decides stages once; feedback never re-derives them), and each
   body paragraph given to one criterion (see reading.py).
2. criteria: each criterion's demands, reflection and evidence (see criteria.py); the demands
   of every route and level are data in pksb_data/feedback.yaml.
3. points: priorities and strengths; cuts: where to cut; this module: the summary.

The output is deterministic: no randomness, and every list is sorted on stable keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pksb_reflect.analysis.evidence import EvidenceReport
from pksb_reflect.analysis.mapping import PksbCoverage
from pksb_reflect.analysis.reflection.report import ReflectionReport
from pksb_reflect.analysis.segment import DocumentOutline
from pksb_reflect.analysis.wordcount import WordCount
from pksb_reflect.framework import Route, load_route, load_routes
from pksb_reflect.judgement.criteria import judge
from pksb_reflect.judgement.cuts import cut_advice
from pksb_reflect.judgement.models import CriterionFeedback, Feedback, ParagraphNote, Point, Stage
from pksb_reflect.judgement.points import priorities, strengths
from pksb_reflect.judgement.reading import Doc, assign, read

if TYPE_CHECKING:
    from pksb_reflect.results import Assessment


def build_feedback(
    route: Route | str,
    outline: DocumentOutline,
    word_count: WordCount,
    reflection: ReflectionReport | None = None,
    pksb: PksbCoverage | None = None,
    evidence: EvidenceReport | None = None,
) -> Feedback:
    """Judge a statement against its route from whatever analyses are available."""
    if isinstance(route, str):
        route = load_route(route)
    doc = read(route, outline, word_count, reflection, pksb, evidence)
    crits, assignment = assign(doc)
    criteria = [judge(doc, crits[c.id]) for c in route.criteria]
    ranked = priorities(doc, criteria)
    basis = [
        "What?/So what?/Now what? from the reflection report (sentence categories and markers)"
        if doc.reflection is not None
        else "no reflection report: every sentence read as What?, so reflection is not credited"
    ]
    basis.append(
        "criteria from headings, route cue words and PKSB areas"
        if pksb is not None
        else "criteria from headings and route cue words (no PKSB coverage)"
    )
    basis.append("demands of each route and level from pksb_data/feedback.yaml")
    if evidence is not None:
        basis.append("evidence links checked against the evidence folder")
    paragraphs = []
    for p in doc.body:
        sents = doc.in_paragraph(p.index)
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
    by_index = {s.s.index: s.stage for s in doc.sents}
    stages: list[Stage] = [by_index.get(s.index, "what") for s in outline.sentences]
    return Feedback(
        route=route.id,
        summary=_summary(route, criteria, ranked, doc),
        basis=basis,
        criteria=criteria,
        strengths=strengths(doc, criteria),
        priorities=ranked,
        word_limit=cut_advice(
            doc, {d.quote.sentence for c in criteria for d in c.demands if d.quote is not None}
        ),
        paragraphs=paragraphs,
        sentence_stages=stages,
    )


def _summary(
    route: Route, criteria: Sequence[CriterionFeedback], ranked: Sequence[Point], doc: Doc
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
    if ranked:
        title = ranked[0].title
        lead += f" Start with: {title[0].lower()}{title[1:]}" + ("" if title[-1] in ".?!" else ".")
    return lead


def feedback_for(assessment: Assessment) -> Feedback:
    """Feedback from an Assessment's own fields; reflection, PKSB and evidence may be absent."""
    return build_feedback(
        load_routes().get(assessment.route),
        assessment.outline,
        assessment.word_count,
        reflection=assessment.reflection,
        pksb=assessment.pksb,
        evidence=assessment.evidence,
    )
