"""The terminal report: plain text, with colour only when the output is a terminal."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pksb_reflect.results import Assessment

STATUS_STYLE = {"under": "green", "near": "yellow", "over": "bold red"}


def render(assessment: Assessment, *, color: bool = False) -> str:
    """The terminal report; colour codes only when `color` (the output is a terminal)."""
    buffer = io.StringIO()
    console = Console(
        file=buffer, force_terminal=color, no_color=not color, width=100, highlight=False
    )
    _word_count(console, assessment)
    for warning in assessment.warnings:  # how the document was read, before what it says
        console.print(f"[yellow]Note:[/] {escape(warning)}", markup=True)
    from pksb_reflect.render.text_sections import feedback_sections

    feedback_sections(console, assessment)
    return buffer.getvalue()


def _word_count(console: Console, assessment: Assessment) -> None:
    wc = assessment.word_count
    # User text (file names, quotes) is escaped: '[' in it must never be read as rich markup.
    console.rule(f"[bold]{escape(assessment.source.name)}[/] — {assessment.route_name}")
    style = STATUS_STYLE[wc.status]
    verdict = {
        "under": "under the limit",
        "near": "near the limit",
        "over": f"over the limit: cut {wc.words_to_cut} words",
    }[wc.status]
    console.print(
        f"Words: [bold]{wc.counted}[/] of {wc.limit} — [{style}]{verdict}[/]", markup=True
    )
    console.print(f"Rule: {wc.rule}.")
    table = Table(show_header=True, box=None, pad_edge=False)
    table.add_column("Part")
    table.add_column("Words", justify="right")
    table.add_row("Body text", str(wc.body - wc.evidence_labels))
    table.add_row("Evidence labels", str(wc.evidence_labels))
    table.add_row("Headings", str(wc.headings))
    table.add_row("Reference list", str(wc.references))
    table.add_row("Everything", str(wc.total))
    console.print(table)
    if wc.status_if_all_counted != wc.status:
        console.print(
            f"Counting every word ({wc.total}) the statement would be "
            f"{wc.status_if_all_counted} the limit; check your route's current guidance."
        )
