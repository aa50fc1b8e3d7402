"""The JSON report: exactly `Assessment.model_dump_json()`, made inert inside a web page."""

from __future__ import annotations

from pksb_reflect.results import Assessment


def json_safe(text: str) -> str:
    """JSON with '<', '>' and '&' written as \\u escapes: the same data once parsed, but inert
    if the report is ever pasted into a web page (these characters occur only inside strings)."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(assessment: Assessment, *, color: bool = False) -> str:
    """The Assessment's JSON contract; `color` is ignored (JSON has none)."""
    return json_safe(assessment.model_dump_json()) + "\n"
