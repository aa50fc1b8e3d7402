"""What every renderer shares: the optional analyses read safely, labels, and colours.

The Assessment gains analyses over time (reflection, PKSB coverage, evidence, audit, CPD) and
each may be absent, so renderers read them through `part()` and draw a section only when it
is there. Renderers never run judgement: every format shows the feedback the Assessment
carries, so every format has the same judgements.
"""

from __future__ import annotations

from typing import Any

from pksb_reflect.errors import UsageError
from pksb_reflect.judgement.models import STAGE_LABELS, Feedback
from pksb_reflect.results import Assessment

JUDGEMENT_LABEL = {"met": "Met", "partly": "Partly met", "not yet evident": "Not yet evident"}
# Reflective categories (Ullmann's eight plus Other) in reading order, with a short gloss.
CATEGORY_GLOSS: dict[str, str] = {
    "Experience": "what happened",
    "Feeling": "how it felt",
    "Reflection": "thinking it through",
    "Difficulty": "what was hard",
    "Belief": "what you hold true",
    "Perspective": "another view",
    "Learning": "what you learned",
    "Intention": "what you will do",
    "Other": "other",
}
STAGE_GLOSS = {
    "what": "What? what happened",
    "so_what": "So what? why it mattered",
    "now_what": "Now what? what changes",
}


def part(assessment: Assessment, name: str) -> Any:
    """An optional analysis of the Assessment, or None when it is absent."""
    return getattr(assessment, name, None)


def feedback_of(assessment: Assessment) -> Feedback:
    """The Assessment's feedback (every Assessment from `assess` carries it)."""
    if assessment.feedback is None:
        raise UsageError(f"{assessment.source.name}: the assessment carries no feedback to show")
    return assessment.feedback


def stage_label(stage: str) -> str:
    return STAGE_LABELS.get(stage, stage)


def paragraph_numbers(assessment: Assessment) -> dict[int, int]:
    """Outline paragraph index -> 1-based body paragraph number, as the feedback counts them."""
    body = [p for p in assessment.outline.paragraphs if p.kind == "body" and p.sentence_indexes]
    return {p.index: n for n, p in enumerate(body, start=1)}


def portfolio_sections(assessment: Assessment) -> list[tuple[str, list[str]]]:
    """Evidence, self-assessment, CPD and privacy findings as (title, plain sentences) each.

    Each renderer escapes and lays out the sentences its own way; paragraph numbers are the
    body paragraphs as the feedback counts them.
    """
    numbers = paragraph_numbers(assessment)
    sections: list[tuple[str, list[str]]] = []
    evidence = part(assessment, "evidence")
    if evidence is not None:
        sections.append(("Evidence", _evidence_lines(evidence, numbers)))
    audit = part(assessment, "audit")
    if audit is not None:
        sections.append(("PKSB self-assessment", _audit_lines(audit, numbers)))
    cpd = part(assessment, "cpd")
    if cpd is not None:
        sections.append(("CPD log", _cpd_lines(cpd)))
    privacy = part(assessment, "privacy")
    if privacy is not None:
        sections.append(("Before you submit", privacy_lines(privacy, numbers)))
    return sections


def privacy_lines(privacy: Any, numbers: dict[int, int]) -> list[str]:
    """The before-submission findings, one line each, then the summary and the declaration."""
    lines = [privacy.summary]
    for finding in privacy.findings:
        where = _paragraphs([finding.paragraph], numbers) or "a heading"
        lines.append(
            f"{where[:1].upper()}{where[1:]}: \u201c{finding.text}\u201d is "
            f"{privacy.advice[finding.kind]}."
        )
    lines.append(privacy.declaration)
    return lines


def _paragraphs(indexes: list[int], numbers: dict[int, int]) -> str:
    found = sorted({numbers[i] for i in indexes if i in numbers})
    if not found:
        return ""
    label = "paragraph" if len(found) == 1 else "paragraphs"
    return f"{label} {', '.join(str(n) for n in found)}"


def _evidence_lines(evidence: Any, numbers: dict[int, int]) -> list[str]:
    lines: list[str] = []
    cited: dict[str, list[int]] = {}
    described: dict[str, list[int]] = {}
    for link in evidence.links:
        target = cited if link.kind == "explicit" else described
        target.setdefault(link.evidence, []).append(link.paragraph)
    for item in evidence.items:
        if not item.readable:
            continue
        areas = ", ".join(a.name for a in item.areas[:2])
        line = f"{item.id}: {item.title or item.name} ({item.name}, {item.words} words)"
        line += f", mainly {areas}" if areas else ""
        if item.id in cited:
            line += f"; cited in {_paragraphs(cited[item.id], numbers)}"
        if item.id in described:
            line += f"; described without its label in {_paragraphs(described[item.id], numbers)}"
        if item.id in evidence.unused:
            line += "; never used in the statement: cite it where it supports a point, or drop it"
        lines.append(line + ".")
    for missing in evidence.missing_references:
        where = _paragraphs([missing.paragraph], numbers) or "the statement"
        lines.append(
            f"{where[:1].upper()}{where[1:]} cites {missing.reference}, but no evidence file "
            f"is labelled {missing.label}."
        )
    for claim in evidence.unsupported_claims:
        where = _paragraphs([claim.paragraph], numbers) or "The statement"
        quote = f': "{claim.quotes[0]}"' if claim.quotes else ""
        lines.append(
            f"{where[:1].upper()}{where[1:]} claims a result with no evidence behind it{quote}"
        )
    for area in evidence.unsupported_areas:
        lines.append(f"{area.name} is shown in the statement, but no evidence item supports it.")
    lines.extend(evidence.errors)
    lines.extend(evidence.warnings)
    return lines


def _audit_lines(audit: Any, numbers: dict[int, int]) -> list[str]:
    lines: list[str] = []
    for gap in audit.gaps:
        label = f"{gap.id} {gap.name}" if gap.id[:1].isdigit() else gap.name
        line = f"{label}: rated {gap.current}, aiming for {gap.desired} (gap {gap.gap})"
        paragraphs = _paragraphs([hit.paragraph for hit in gap.statement], numbers)
        if paragraphs:
            line += f"; the statement addresses it in {paragraphs}"
        if gap.evidence:
            line += f"; evidence {', '.join(gap.evidence)}"
        if not gap.addressed:
            line += "; nothing in the statement or the evidence addresses it yet"
        lines.append(line + ".")
    if not audit.gaps:
        lines.append("No gaps: every desired rating equals the current one.")
    if audit.no_comment:
        lines.append(
            f"No comment for {', '.join(audit.no_comment)}: assessors read the comments, so say "
            "how you will show the learning."
        )
    lines.extend(audit.warnings)
    return lines


def _cpd_lines(cpd: Any) -> list[str]:
    lines = [f"{cpd.message[:1].upper()}{cpd.message[1:]}."]
    for year in cpd.years[1:]:
        lines.append(
            f"Earlier year {year.start} to {year.end}: {year.hours:g} hours from "
            f"{year.entries} activities."
        )
    for activity in cpd.activities:
        if not activity.reflected and activity.row in cpd.not_reflected:
            lines.append(
                f"Not reflected on in the statement: {activity.activity} "
                f"({activity.date}, {activity.hours:g} h)."
            )
    lines.extend(cpd.warnings)
    return lines
