"""The Feedback model: criteria judged, strengths, priorities and where to cut.

Sentences are referred to by their index in outline.sentences; a Quote also carries the exact
text and offsets, so a renderer can show the candidate's own words.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Judgement = Literal["met", "partly", "not yet evident"]
Stage = Literal["what", "so_what", "now_what"]
CriterionId = Literal["personal", "organisational", "wider"]
CRITERION_IDS: tuple[CriterionId, ...] = ("personal", "organisational", "wider")
STAGE_LABELS: dict[str, str] = {"what": "What?", "so_what": "So what?", "now_what": "Now what?"}
QUOTE_WORDS = 22


def short(text: str, words: int = QUOTE_WORDS) -> str:
    """The first `words` words of a quote, with an ellipsis when cut, for inline use."""
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


class Quote(BaseModel):
    """A sentence of the candidate's own, exactly as written, and where it sits."""

    sentence: int = Field(description="Index of the sentence in outline.sentences.")
    paragraph: int = Field(description="Index of its paragraph in outline.paragraphs.")
    paragraph_number: int = Field(description="1-based number among body paragraphs.")
    start: int
    end: int
    text: str = Field(description="The exact text, source.text[start:end].")


class DemandCheck(BaseModel):
    """One thing the route level asks of a criterion, and the sentence that shows it (if any)."""

    id: str = Field(description="The demand's id in pksb_data/feedback.yaml.")
    demand: str
    found: bool
    quote: Quote | None = None


class CriterionFeedback(BaseModel):
    """One criterion of the route: the verdict, why, and the candidate's words behind it."""

    id: CriterionId
    number: int
    name: str
    judgement: Judgement
    summary: str
    reasons: list[str]
    paragraph_numbers: list[int] = Field(description="Body paragraphs that address it.")
    assigned_by: list[str] = Field(
        description="How each of those paragraphs was given to the criterion (same order)."
    )
    sentences: int
    reflective_share: float
    depth_level: int | None = Field(
        default=None, description="Highest Hatton & Smith level of its paragraphs, when graded."
    )
    so_what: bool
    now_what: bool
    demands: list[DemandCheck]
    evidence_labels: list[str]
    evidence_backed: bool | None = Field(
        default=None,
        description="Whether every item its paragraphs cite has a file: True, False when a "
        "cited label has no file, None when no evidence folder was checked or nothing is cited.",
    )
    quotes: list[Quote]


class Point(BaseModel):
    """A strength or a priority: concrete, tied to a paragraph where it can be."""

    title: str
    detail: str
    criterion: int | None = None
    paragraph_number: int | None = None
    quote: Quote | None = None


class CutSuggestion(BaseModel):
    """A sentence that could go first when the statement must shrink, and why."""

    quote: Quote
    words: int
    reason: str
    role: str | None = Field(
        default=None, description="Why it can go: generic, signposting, scene_setting, or None."
    )


class WordLimitAdvice(BaseModel):
    """Where to cut, most descriptive sentences first, until the limit is met."""

    status: Literal["near", "over"]
    counted: int
    limit: int
    words_to_cut: int
    summary: str
    cuts: list[CutSuggestion]
    words_saved: int


class ParagraphNote(BaseModel):
    """How one body paragraph was read: its criterion and its What?/So what?/Now what? mix."""

    paragraph: int
    paragraph_number: int
    criterion: CriterionId
    assigned_by: str
    what: int
    so_what: int
    now_what: int
    level: int | None = None


class Feedback(BaseModel):
    """The mentor's view of one statement against one route."""

    route: str
    summary: str
    basis: list[str] = Field(description="Which analyses the judgements rest on.")
    criteria: list[CriterionFeedback]
    strengths: list[Point]
    priorities: list[Point]
    word_limit: WordLimitAdvice | None = None
    paragraphs: list[ParagraphNote]
    sentence_stages: list[Stage] = Field(
        description="What?/So what?/Now what? of every sentence, in outline order."
    )

    def criterion(self, criterion_id: str) -> CriterionFeedback:
        for item in self.criteria:
            if item.id == criterion_id:
                return item
        raise KeyError(criterion_id)

    @property
    def met(self) -> int:
        return sum(c.judgement == "met" for c in self.criteria)
