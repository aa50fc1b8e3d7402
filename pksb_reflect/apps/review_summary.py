"""The review's summary: one row per draft, as summary.csv and a sortable index.html.

Every cell holds user-supplied text at some point (file names, routes named in titles, the
statement's own words in a priority), so every cell is neutralised for its destination: CSV
cells that a spreadsheet would run as a formula get a leading quote (OWASP), HTML is escaped and
its only links are our own report names, and names are shown with control characters escaped.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from typing import Literal
from urllib.parse import quote

from pydantic import BaseModel, Field

from pksb_reflect.errors import display_name
from pksb_reflect.io.files import Skipped

MISSING = "—"
MAX_PROBLEMS = 5
MAX_CELL = 160
RowStatus = Literal["reviewed", "failed", "interrupted", "not reviewed"]

SUMMARY_COLUMNS = (
    "draft",
    "route",
    "words",
    "limit status",
    "depth level",
    "reflective share",
    "PKSB areas covered",
    "criteria met",
    "top priority",
    "problems found",
    "report",
)


class ReviewRow(BaseModel):
    """One draft's line in the summary: its figures, or why it could not be reviewed."""

    draft: str = Field(description="The draft's path relative to the reviewed folder.")
    report: str | None = Field(default=None, description="Report file name inside the out dir.")
    status: RowStatus = "reviewed"
    error: str | None = None
    route: str | None = None
    route_note: str | None = Field(default=None, description="How the route was chosen.")
    words: int | None = None
    word_limit: int | None = None
    limit_status: str | None = None
    depth_level: str | None = None
    reflective_share: float | None = None
    pksb_areas_covered: list[str] | None = Field(default=None, description="Area names.")
    criteria_met: int | None = None
    criteria_total: int | None = None
    top_priority: str | None = None
    problems: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "reviewed"

    def cells(self) -> dict[str, str]:
        """The summary columns as text, with '—' where a figure is not available."""
        if self.status != "reviewed":
            why = {
                "failed": "could not be reviewed",
                "interrupted": "report written; the review stopped before its figures were read",
                "not reviewed": "not reviewed: the review stopped first",
            }[self.status]
            problem = f"{why}: {self.error}" if self.error else why
            return {
                **dict.fromkeys(SUMMARY_COLUMNS, MISSING),
                "draft": self.draft,
                "route": self.route or MISSING,
                "problems found": _cut(problem),
                "report": self.report or "",
            }
        words = (
            f"{self.words} of {self.word_limit}"
            if self.words is not None and self.word_limit is not None
            else MISSING
        )
        share = f"{self.reflective_share:.0%}" if self.reflective_share is not None else MISSING
        areas = self.pksb_areas_covered
        covered = (
            MISSING if areas is None else (f"{len(areas)}: {'; '.join(areas)}" if areas else "0")
        )
        criteria = (
            f"{self.criteria_met} of {self.criteria_total}"
            if self.criteria_met is not None and self.criteria_total is not None
            else MISSING
        )
        return {
            "draft": self.draft,
            "route": self.route or MISSING,
            "words": words,
            "limit status": self.limit_status or MISSING,
            "depth level": self.depth_level or MISSING,
            "reflective share": share,
            "PKSB areas covered": covered,
            "criteria met": criteria,
            "top priority": _cut(self.top_priority) if self.top_priority else "none",
            "problems found": capped_problems(self.problems),
            "report": self.report or "",
        }


def _cut(text: str, limit: int = MAX_CELL) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def capped_problems(problems: Sequence[str]) -> str:
    """At most MAX_PROBLEMS problems, each cut short; the report has them all."""
    if not problems:
        return "none"
    shown = "; ".join(_cut(p) for p in problems[:MAX_PROBLEMS])
    more = len(problems) - MAX_PROBLEMS
    return f"{shown}; and {more} more in the report" if more > 0 else shown


def csv_safe(value: str) -> str:
    """Stop a spreadsheet reading a cell as a formula (a draft could be named '=cmd...').

    Control characters are shown escaped first, so no cell breaks a line or hides a tab.
    """
    value = display_name(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def summary_to_csv(rows: Sequence[ReviewRow]) -> str:
    """summary.csv: one line per draft; every cell, the report's name too, neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SUMMARY_COLUMNS)
    for row in rows:
        cells = row.cells()
        writer.writerow([csv_safe(cells[column]) for column in SUMMARY_COLUMNS])
    return buffer.getvalue()


_STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1d1d1f}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:1.5rem 0 .4rem}
p.meta{color:#555;margin:0 0 1rem}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.35rem .5rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}th button{font:inherit;border:0;
background:none;padding:0;cursor:pointer;text-align:left}th button:focus-visible{outline:2px
solid #1a56db}tr.failed td{background:#fdecea}tr.stopped td{background:#fff6d6}
td.num{text-align:right;white-space:nowrap}.over{color:#b00020;font-weight:600}
.near{color:#7a5d00}.under{color:#1b6e20}
"""
# Sorting is an enhancement: without scripts the table reads in folder order.
_SORT = """
document.querySelectorAll("th button").forEach(function(b, col){b.addEventListener("click",
function(){var body=document.querySelector("#drafts tbody");var rows=[].slice.call(body.rows);
var up=b.getAttribute("data-up")!=="1";b.setAttribute("data-up",up?"1":"0");
rows.sort(function(x,y){var a=x.cells[col].getAttribute("data-sort")||x.cells[col].textContent;
var c=y.cells[col].getAttribute("data-sort")||y.cells[col].textContent;var n=parseFloat(a)-
parseFloat(c);var r=isNaN(n)?a.localeCompare(c):n;return up?r:-r;});
rows.forEach(function(r){body.appendChild(r);});});});
"""
_HTML_COLUMNS = SUMMARY_COLUMNS[:-1]
_NUMERIC = {"words", "reflective share", "criteria met"}


def summary_to_html(
    rows: Sequence[ReviewRow],
    *,
    route: str,
    fmt: str,
    skipped: Sequence[Skipped] = (),
    stopped: str | None = None,
) -> str:
    """index.html: a self-contained page (inline CSS and a small sort script); text escaped."""
    esc = html.escape
    head = "".join(
        f'<th scope="col"><button type="button">{esc(c)}</button></th>' for c in _HTML_COLUMNS
    )
    body = [_html_row(row) for row in rows]
    failed = sum(1 for row in rows if row.status == "failed")
    reviewed = sum(1 for row in rows if row.ok)
    summary = f"{reviewed} of {len(rows)} drafts reviewed ({esc(_route_phrase(route))})"
    if failed:
        summary += f"; {failed} could not be reviewed"
    if stopped:
        summary += f". {esc(stopped)}"
    skipped_html = ""
    if skipped:
        items = "".join(f"<li>{esc(s.path)}: {esc(s.reason)}</li>" for s in skipped)
        skipped_html = f"<h2>{len(skipped)} files not reviewed</h2>\n<ul>{items}</ul>\n"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>pksb-reflect review</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n<h1>pksb-reflect review</h1>\n"
        f'<p class="meta">{summary}. Reports are {esc(fmt)} files beside this page; select a '
        "column heading to sort.</p>\n"
        f'<table id="drafts">\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
        + "\n".join(body)
        + f"\n</tbody>\n</table>\n{skipped_html}<script>{_SORT}</script>\n</body>\n</html>\n"
    )


def _route_phrase(route: str) -> str:
    return "each draft's route read from its title or name" if route == "auto" else f"for {route}"


def _html_row(row: ReviewRow) -> str:
    esc = html.escape
    cells = row.cells()
    out: list[str] = []
    for column in _HTML_COLUMNS:
        text = esc(cells[column])
        attrs = ' class="num"' if column in _NUMERIC else ""
        if column == "draft" and row.report and row.status in ("reviewed", "interrupted"):
            # Our own report name, percent-encoded: a relative link, never a scheme.
            text = f'<a href="./{esc(quote(row.report))}">{text}</a>'
        elif column == "limit status" and row.limit_status in ("over", "near", "under"):
            text = f'<span class="{row.limit_status}">{text}</span>'
        elif column == "route" and row.route_note:
            attrs += f' title="{esc(row.route_note)}"'
        if column == "words" and row.words is not None:
            attrs += f' data-sort="{row.words}"'
        elif column == "reflective share" and row.reflective_share is not None:
            attrs += f' data-sort="{row.reflective_share:.4f}"'
        out.append(f"<td{attrs}>{text}</td>")
    css = {
        "failed": ' class="failed"',
        "interrupted": ' class="stopped"',
        "not reviewed": ' class="stopped"',
    }
    return f"<tr{css.get(row.status, '')}>{''.join(out)}</tr>"
