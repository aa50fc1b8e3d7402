"""What every renderer shares: the optional analyses read safely, labels, and colours.

The Assessment gains analyses over time (reflection, PKSB coverage, evidence, audit, CPD) and
each may be absent, so renderers read them through `part()` and draw a section only when it
is there. Feedback is computed here when an Assessment arrives without it, so every format has
the same judgements.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..feedback import STAGE_LABELS, Feedback, feedback_for
from ..results import Assessment

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
EXTRA_SECTIONS = (("evidence", "Evidence"), ("audit", "PKSB self-assessment"), ("cpd", "CPD log"))


def part(assessment: Assessment, name: str) -> Any:
    """An optional analysis of the Assessment, or None when it is absent."""
    return getattr(assessment, name, None)


def feedback_of(assessment: Assessment) -> Feedback:
    """The Assessment's feedback, computed now when it was not stored."""
    return assessment.feedback or feedback_for(assessment)


def stage_label(stage: str) -> str:
    return STAGE_LABELS.get(stage, stage)


def paragraph_numbers(assessment: Assessment) -> dict[int, int]:
    """Outline paragraph index -> 1-based body paragraph number, as the feedback counts them."""
    body = [p for p in assessment.outline.paragraphs if p.kind == "body" and p.sentence_indexes]
    return {p.index: n for n, p in enumerate(body, start=1)}


def flatten(value: Any, prefix: str = "", depth: int = 0) -> Iterator[tuple[str, str]]:
    """(key, value) rows from a model of unknown shape, for the evidence/audit/CPD sections.

    Lists of models are summarised one row per item; depth is bounded so a large model stays a
    readable table.
    """
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(item, dict | list) and depth < 2:
                yield from flatten(item, name, depth + 1)
            else:
                yield name, _short(item)
    elif isinstance(value, list):
        for number, item in enumerate(value[:50], start=1):
            name = f"{prefix}[{number}]"
            if isinstance(item, dict) and depth < 2:
                summary = "; ".join(
                    f"{k}: {_short(v, 60)}"
                    for k, v in item.items()
                    if not isinstance(v, dict | list)
                )
                yield name, summary
            else:
                yield name, _short(item)
        if len(value) > 50:
            yield f"{prefix}[…]", f"{len(value) - 50} more"
    else:
        yield prefix or "value", _short(value)


def _short(value: Any, limit: int = 160) -> str:
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
