"""Renderers: every report format is drawn from the one Assessment model."""

from __future__ import annotations

from typing import Literal

from pksb_reflect.results import Assessment

ReportFormat = Literal["text", "json", "markdown", "html"]
FORMATS: tuple[ReportFormat, ...] = ("text", "json", "markdown", "html")


def json_safe(text: str) -> str:
    """JSON with '<', '>' and '&' written as \\u escapes: the same data once parsed, but inert
    if the report is ever pasted into a web page (these characters occur only inside strings)."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(assessment: Assessment, fmt: ReportFormat, *, color: bool = False) -> str:
    """The report as a string in the chosen format."""
    if fmt == "json":
        return json_safe(assessment.model_dump_json()) + "\n"
    if fmt == "markdown":
        from pksb_reflect.render.markdown import render_markdown

        return render_markdown(assessment)
    if fmt == "html":
        from pksb_reflect.render.html import render_html

        return render_html(assessment)
    from pksb_reflect.render.text import render_text

    return render_text(assessment, color=color)
