"""The terminal report's feedback sections: criteria, strengths, priorities, cuts, analyses.

Kept apart from text.py so the word-count part and these sections can change independently.
User text is escaped with rich's `escape` so '[' in a draft is never read as markup.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pksb_reflect.framework import load_route
from pksb_reflect.judgement.models import short
from pksb_reflect.render.common import JUDGEMENT_LABEL, feedback_of, part, portfolio_sections
from pksb_reflect.results import Assessment

JUDGEMENT_STYLE = {"met": "green", "partly": "yellow", "not yet evident": "red"}


def feedback_sections(console: Console, assessment: Assessment) -> None:
    """Print every feedback section the Assessment has, in reading order."""
    fb = feedback_of(assessment)
    console.print()
    console.print(escape(fb.summary))
    console.rule("Criteria", style="dim")
    table = Table(show_header=True, box=None, pad_edge=False, expand=True)
    table.add_column("Criterion", ratio=2)
    table.add_column("Judgement", ratio=1)
    table.add_column("¶", ratio=1)
    table.add_column("Why", ratio=5)
    for c in fb.criteria:
        style = JUDGEMENT_STYLE[c.judgement]
        table.add_row(
            f"{c.number}. {escape(c.name)}",
            f"[{style}]{JUDGEMENT_LABEL[c.judgement]}[/]",
            ", ".join(str(n) for n in c.paragraph_numbers) or "-",
            escape(c.summary),
        )
    console.print(table)
    for title, points, style in (
        ("Strengths", fb.strengths, "green"),
        ("Priorities", fb.priorities, "yellow"),
    ):
        console.rule(title, style="dim")
        for number, point in enumerate(points, start=1):
            console.print(f"[bold {style}]{number}. {escape(point.title)}[/]")
            console.print(f"   {escape(point.detail)}")
    if fb.word_limit is not None:
        console.rule("Where to cut", style="dim")
        console.print(escape(fb.word_limit.summary))
        for cut in fb.word_limit.cuts:
            console.print(
                f" - ¶{cut.quote.paragraph_number}, {cut.words} words: "
                f"\u201c{escape(short(cut.quote.text, 18))}\u201d"
            )
    _reflection(console, assessment)
    _pksb(console, assessment)
    for title, lines in portfolio_sections(assessment):
        console.rule(title, style="dim")
        for line in lines:
            console.print(f" - {escape(line)}")
    console.print(f"[dim]{escape('; '.join(fb.basis))}[/]")


def _reflection(console: Console, assessment: Assessment) -> None:
    report = part(assessment, "reflection")
    if report is None:
        return
    doc = report.document
    b = doc.balance
    console.rule("Reflection", style="dim")
    console.print(
        f"Depth: level {doc.level}, {escape(doc.level_name)}; "
        f"{doc.reflective_share:.0%} of sentences reflect."
    )
    console.print(f"What? {b.what} · So what? {b.so_what} · Now what? {b.now_what}")
    if doc.missing_categories and load_route(assessment.route).expects_every_kind:
        console.print(f"Not yet present: {escape(', '.join(doc.missing_categories))}")


def _pksb(console: Console, assessment: Assessment) -> None:
    coverage = part(assessment, "pksb")
    if coverage is None:
        return
    console.rule("PKSB coverage", style="dim")
    console.print(f" {'Area':<46} {'how clearly shown':<20} share of evidence")
    shown = sorted(coverage.areas, key=lambda a: (-a.share, -a.strength, a.id))
    for area in [a for a in shown if a.strength > 0][:8]:
        name = area.name if len(area.name) <= 46 else area.name[:45] + "…"
        bar = "█" * round(area.strength * 20)
        console.print(f" {escape(name):<46} {bar:<20} {area.share:.0%}")
    if coverage.missing_expected:
        names = {a.id: a.name for a in coverage.areas}
        missing = ", ".join(names.get(m, m) for m in coverage.missing_expected)
        console.print(f"Expected but not yet shown: {escape(missing)}")
    for note in coverage.numbering:
        console.print(f"{escape(note.reason)} {escape(note.question)}")
