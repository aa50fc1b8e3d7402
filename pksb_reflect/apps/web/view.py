"""The report as the page's templates read it: plain values, user text left for Jinja to escape.

Sentence colours are CSS classes (the page's Content-Security-Policy allows no inline styles);
each sentence carries its reading (category, stage, markers, anything to anonymise) for the
tooltip shown on hover and on keyboard focus.
"""

from __future__ import annotations

import re
from typing import Any

from pksb_reflect.render.common import (
    CATEGORY_GLOSS,
    JUDGEMENT_LABEL,
    feedback_of,
    paragraph_numbers,
    part,
    stage_label,
)
from pksb_reflect.results import Assessment

JUDGEMENT_CLASS = {"met": "met", "partly": "partly", "not yet evident": "notyet"}


def css_name(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "other"


def report_view(assessment: Assessment, token: str) -> dict[str, Any]:
    """Everything the report template shows, for one Assessment kept under `token`."""
    fb = feedback_of(assessment)
    wc = assessment.word_count
    numbers = paragraph_numbers(assessment)
    reflection = part(assessment, "reflection")
    by_index = {}
    if reflection is not None and len(reflection.sentences) == len(assessment.outline.sentences):
        by_index = {s.index: s for s in reflection.sentences}
    privacy = part(assessment, "privacy")
    flagged: dict[int, list[str]] = {}
    privacy_items = []
    if privacy is not None:
        for finding in privacy.findings:
            advice = privacy.advice[finding.kind]
            if finding.sentence is not None:
                flagged.setdefault(finding.sentence, []).append(
                    f"\u201c{finding.text}\u201d: {advice}"
                )
            where = numbers.get(finding.paragraph)
            privacy_items.append(
                {
                    "text": finding.text,
                    "advice": advice,
                    "where": f"paragraph {where}" if where else "a heading",
                    "sentence": finding.sentence,
                }
            )
    stages = fb.sentence_stages
    sentences = assessment.outline.sentences
    paragraphs: list[dict[str, Any]] = []
    for paragraph in assessment.outline.paragraphs:
        if paragraph.kind != "body" or paragraph.index not in numbers:
            paragraphs.append({"kind": paragraph.kind, "text": paragraph.text, "pieces": []})
            continue
        pieces: list[dict[str, Any]] = []
        cursor = paragraph.start
        for index in paragraph.sentence_indexes:
            sentence = sentences[index]
            if sentence.start > cursor:
                gap = paragraph.text[cursor - paragraph.start : sentence.start - paragraph.start]
                pieces.append({"text": gap})
            stage = stages[index] if index < len(stages) else "what"
            info = by_index.get(index)
            category = info.category if info is not None else "Other"
            reason = (
                "; ".join(f"{m.kind.replace('_', ' ')}: {m.text}" for m in info.markers[:5])
                if info is not None and info.markers
                else ""
            )
            pieces.append(
                {
                    "text": sentence.text,
                    "index": index,
                    "category": category,
                    "gloss": CATEGORY_GLOSS.get(category, ""),
                    "cls": css_name(category),
                    "stage": stage_label(stage),
                    "probability": f"{info.probability:.0%}" if info is not None else "",
                    "reason": reason,
                    "flags": flagged.get(index, []),
                }
            )
            cursor = sentence.end
        if cursor < paragraph.end:
            pieces.append({"text": paragraph.text[cursor - paragraph.start :]})
        paragraphs.append(
            {"kind": "body", "number": numbers[paragraph.index], "text": "", "pieces": pieces}
        )
    coverage = part(assessment, "pksb")
    areas = []
    if coverage is not None:
        expected = set(coverage.expected)
        missing = set(coverage.missing_expected)
        for area in coverage.areas[:10]:
            areas.append(
                {
                    "name": area.name,
                    "strength": round(float(area.strength), 3),
                    "percent": f"{area.strength:.0%}",
                    "expected": area.id in expected,
                    "missing": area.id in missing,
                }
            )
    return {
        "token": token,
        "name": assessment.source.name,
        "route_name": assessment.route_name,
        "framework": assessment.framework,
        "summary": fb.summary,
        "words": {
            "counted": wc.counted,
            "limit": wc.limit,
            "status": wc.status,
            "rule": wc.rule,
            "high": round(wc.limit * 0.95),
        },
        "criteria": [
            {
                "number": c.number,
                "name": c.name,
                "judgement": JUDGEMENT_LABEL[c.judgement],
                "cls": JUDGEMENT_CLASS[c.judgement],
                "summary": c.summary,
                "reasons": c.reasons,
                "paragraphs": ", ".join(str(n) for n in c.paragraph_numbers) or "none",
            }
            for c in fb.criteria
        ],
        "priorities": [{"title": p.title, "detail": p.detail} for p in fb.priorities],
        "strengths": [{"title": p.title, "detail": p.detail} for p in fb.strengths],
        "cuts": (
            {
                "summary": fb.word_limit.summary,
                "entries": [
                    {
                        "number": c.quote.paragraph_number,
                        "words": c.words,
                        "reason": c.reason,
                        "text": c.quote.text,
                    }
                    for c in fb.word_limit.cuts
                ],
            }
            if fb.word_limit is not None
            else None
        ),
        "areas": areas,
        "depth": (
            f"Depth: level {reflection.document.level}, {reflection.document.level_name}; "
            f"{reflection.document.reflective_share:.0%} of sentences reflect."
            if reflection is not None
            else ""
        ),
        "privacy": (
            {
                "summary": privacy.summary,
                "entries": privacy_items,
                "declaration": privacy.declaration,
            }
            if privacy is not None
            else None
        ),
        "legend": [(name, css_name(name), gloss) for name, gloss in CATEGORY_GLOSS.items()],
        "paragraphs": paragraphs,
        "warnings": assessment.warnings,
        "text": _plain_text(assessment),
    }


def _plain_text(assessment: Assessment) -> str:
    """The statement as the edit box shows it: headings as Markdown lines, paragraphs apart."""
    lines = []
    for paragraph in assessment.outline.paragraphs:
        lines.append(f"# {paragraph.text}" if paragraph.kind == "heading" else paragraph.text)
    return "\n\n".join(lines) + "\n"
