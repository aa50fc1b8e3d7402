"""Renderers: every report format is drawn from the one Assessment model."""

from __future__ import annotations

from typing import Literal

from ..results import Assessment

ReportFormat = Literal["text", "json"]
FORMATS: tuple[ReportFormat, ...] = ("text", "json")


def render(assessment: Assessment, fmt: ReportFormat, *, color: bool = False) -> str:
    """The report as a string in the chosen format."""
    if fmt == "json":
        return assessment.model_dump_json() + "\n"
    from .text import render_text

    return render_text(assessment, color=color)
