"""Word counts against a route's limit, with the counting rule stated.

CILIP's portfolio guidance leaves criterion headings out of the count; whether references and
evidence labels count is not settled publicly, so we count every part separately, apply the rule
the user chose, and say what the strictest rule would give.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from pksb_reflect.analysis.segment import DocumentOutline

LimitStatus = Literal["under", "near", "over"]


class WordCount(BaseModel):
    """The statement's length by part, the counted total, and its status against the limit."""

    counted: int = Field(description="Words counted towards the limit under `rule`.")
    limit: int
    status: LimitStatus
    words_to_cut: int = Field(description="How many words to remove to meet the limit (0 if met).")
    rule: str = Field(description="Which parts were counted, in words a candidate understands.")
    body: int = Field(description="Words in body paragraphs, evidence labels included.")
    headings: int
    references: int = Field(description="Words in a reference list or bibliography.")
    evidence_labels: int = Field(description="Words in evidence labels such as '(E4)'.")
    total: int = Field(description="Every word in the document.")
    counted_headings: bool
    counted_references: bool
    status_if_all_counted: LimitStatus


def limit_status(words: int, limit: int, near_fraction: float) -> LimitStatus:
    if words > limit:
        return "over"
    if words >= limit * (1 - near_fraction):
        return "near"
    return "under"


def count_statement(
    outline: DocumentOutline,
    limit: int,
    near_fraction: float,
    *,
    count_headings: bool = False,
    count_references: bool = False,
) -> WordCount:
    """Count a statement's words by part and judge them against `limit`."""
    body = sum(p.words for p in outline.paragraphs if p.kind == "body")
    headings = sum(p.words for p in outline.paragraphs if p.kind == "heading")
    references = sum(p.words for p in outline.paragraphs if p.kind == "references")
    labels = sum(p.evidence_label_words for p in outline.paragraphs if p.kind == "body")
    counted = body - labels
    included = ["body text"]
    excluded = []
    if count_headings:
        counted += headings
        included.append("headings")
    else:
        excluded.append("headings")
    if count_references:
        counted += references + labels
        included.append("reference list and evidence labels")
    else:
        excluded.append("reference list and evidence labels")
    rule = f"counted: {', '.join(included)}"
    if excluded:
        rule += f"; not counted: {', '.join(excluded)}"
    total = body + headings + references
    return WordCount(
        counted=counted,
        limit=limit,
        status=limit_status(counted, limit, near_fraction),
        words_to_cut=max(0, counted - limit),
        rule=rule,
        body=body,
        headings=headings,
        references=references,
        evidence_labels=labels,
        total=total,
        counted_headings=count_headings,
        counted_references=count_references,
        status_if_all_counted=limit_status(total, limit, near_fraction),
    )
