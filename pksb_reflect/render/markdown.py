"""The Markdown report: for pasting into notes or a mentor's email.

Every piece of user text goes through `md_escape`, so a draft containing HTML, template braces or
Markdown links is shown as written and can never become markup when the report is rendered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pksb_reflect.framework import load_route
from pksb_reflect.render.common import (
    CATEGORY_GLOSS,
    JUDGEMENT_LABEL,
    feedback_of,
    paragraph_numbers,
    part,
    portfolio_sections,
    stage_label,
)
from pksb_reflect.results import Assessment

_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~])")
_LIST_NUMBER = re.compile(r"^(\s*\d+)([.)])")
_LIST_MARK = re.compile(r"^(\s*)([-+=])")


def md_escape(text: str) -> str:
    """Text safe to place in Markdown: HTML characters as entities, markup characters escaped."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SPECIAL.sub(r"\\\1", text).replace("://", ":\\/\\/").replace("](", "]\\(")
    text = _LIST_NUMBER.sub(r"\1\\\2", text)
    return _LIST_MARK.sub(r"\1\\\2", text)


def render(assessment: Assessment, *, color: bool = False) -> str:
    """The whole report as Markdown; `color` is ignored."""
    fb = feedback_of(assessment)
    wc = assessment.word_count
    out: list[str] = []
    out.append(f"# Feedback on {md_escape(assessment.source.name)}")
    out.append("")
    out.append(
        f"Route: **{md_escape(assessment.route_name)}** · PKSB {md_escape(assessment.framework)}"
        f" · {wc.counted} of {wc.limit} words ({wc.status} the limit)"
    )
    out.append("")
    if assessment.warnings:  # how the document was read comes before what it says
        out.append("## Notes")
        out.append("")
        for warning in assessment.warnings:
            out.append(f"- {md_escape(warning)}")
        out.append("")
    out.append(md_escape(fb.summary))
    out.append("")
    out.append("## Criteria")
    out.append("")
    out.append("| Criterion | Judgement | Paragraphs | Why |")
    out.append("|---|---|---|---|")
    for c in fb.criteria:
        paragraphs = ", ".join(str(n) for n in c.paragraph_numbers) or "none"
        out.append(
            f"| {c.number}. {md_escape(c.name)} | **{JUDGEMENT_LABEL[c.judgement]}** | "
            f"{paragraphs} | {md_escape(c.summary)} |"
        )
    out.append("")
    for c in fb.criteria:
        out.append(f"### Criterion {c.number}: {md_escape(c.name)}: {JUDGEMENT_LABEL[c.judgement]}")
        out.append("")
        for reason in c.reasons:
            out.append(f"- {md_escape(reason)}")
        out.append("")
    out.append("## Strengths")
    out.append("")
    for number, point in enumerate(fb.strengths, start=1):
        out.append(f"{number}. **{md_escape(point.title)}**: {md_escape(point.detail)}")
    out.append("")
    out.append("## Priorities")
    out.append("")
    for number, point in enumerate(fb.priorities, start=1):
        out.append(f"{number}. **{md_escape(point.title)}**: {md_escape(point.detail)}")
    out.append("")
    if fb.word_limit is not None:
        out.append("## Where to cut")
        out.append("")
        out.append(md_escape(fb.word_limit.summary))
        out.append("")
        for cut in fb.word_limit.cuts:
            out.append(
                f"- Paragraph {cut.quote.paragraph_number}, {cut.words} words "
                f"({md_escape(cut.reason)}): “{md_escape(cut.quote.text)}”"
            )
        out.append("")
    out.extend(_word_count(assessment))
    out.extend(_reflection(assessment))
    out.extend(_pksb(assessment))
    for title, lines in portfolio_sections(assessment):
        out.append(f"## {title}")
        out.append("")
        out.extend(f"- {md_escape(line)}" for line in lines)
        out.append("")
    out.extend(_statement(assessment, fb.sentence_stages))
    out.append(f"*{' · '.join(md_escape(b) for b in fb.basis)}*")
    return "\n".join(out).rstrip() + "\n"


def _word_count(assessment: Assessment) -> list[str]:
    wc = assessment.word_count
    return [
        "## Word count",
        "",
        f"- Counted: {wc.counted} of {wc.limit} ({md_escape(wc.rule)})",
        f"- Body text {wc.body - wc.evidence_labels}, evidence labels {wc.evidence_labels}, "
        f"headings {wc.headings}, reference list {wc.references}, everything {wc.total}",
        "",
    ]


def _reflection(assessment: Assessment) -> list[str]:
    report = part(assessment, "reflection")
    if report is None:
        return []
    doc = report.document
    b = doc.balance
    out = [
        "## Reflection",
        "",
        f"- Depth: level {doc.level}, {md_escape(doc.level_name)}",
        f"- Reflective sentences: {doc.reflective_share:.0%}",
        f"- What? {b.what} · So what? {b.so_what} · Now what? {b.now_what}",
    ]
    if doc.missing_categories and load_route(assessment.route).expects_every_kind:
        out.append(f"- Not yet present: {md_escape(', '.join(doc.missing_categories))}")
    for reason in doc.reasons:
        out.append(f"- {md_escape(reason)}")
    out.append("")
    return out


def _pksb(assessment: Assessment) -> list[str]:
    coverage = part(assessment, "pksb")
    if coverage is None:
        return []
    out = ["## PKSB coverage", "", "| Area | Strength | Share |", "|---|---|---|"]
    for area in coverage.areas[:10]:
        out.append(f"| {md_escape(area.name)} | {area.strength:.0%} | {area.share:.0%} |")
    out.append("")
    if coverage.missing_expected:
        names = {a.id: a.name for a in coverage.areas}
        missing = ", ".join(names.get(m, m) for m in coverage.missing_expected)
        out.append(f"Expected but not yet shown: {md_escape(missing)}")
        out.append("")
    for note in coverage.numbering:
        out.extend([f"- {md_escape(note.reason)} {md_escape(note.question)}", ""])
    return out


def _statement(assessment: Assessment, stages: Sequence[str]) -> list[str]:
    """The statement, paragraph by paragraph, each sentence tagged with its reading."""
    report = part(assessment, "reflection")
    categories = {}
    if report is not None and len(report.sentences) == len(assessment.outline.sentences):
        categories = {s.index: s.category for s in report.sentences}
    numbers = paragraph_numbers(assessment)
    sentences = assessment.outline.sentences
    out = ["## Your statement, sentence by sentence", ""]
    for paragraph in assessment.outline.paragraphs:
        if paragraph.kind == "heading":
            out.append(f"**{md_escape(paragraph.text)}**")
            out.append("")
        elif paragraph.index in numbers:
            out.append(f"Paragraph {numbers[paragraph.index]}:")
            out.append("")
            for index in paragraph.sentence_indexes:
                tag = stage_label(stages[index]) if index < len(stages) else ""
                if index in categories:
                    category = categories[index]
                    tag = f"{category} ({CATEGORY_GLOSS.get(category, '')}), {tag}"
                out.append(f"- \\[{md_escape(tag)}\\] {md_escape(sentences[index].text)}")
            out.append("")
    return out
