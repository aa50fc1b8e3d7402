"""The reflection report's data: per-sentence results, paragraph and document levels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from pksb_reflect.nlp.markers import Marker

LevelName = Literal[
    "descriptive writing", "descriptive reflection", "dialogic reflection", "critical reflection"
]
LEVEL_NAMES: dict[int, LevelName] = {
    1: "descriptive writing",
    2: "descriptive reflection",
    3: "dialogic reflection",
    4: "critical reflection",
}
Stage = Literal["what", "so_what", "now_what"]
ReflectiveBy = Literal["category", "markers"]


class CategoryLike(Protocol):
    """What the grader needs of a sentence category (classifier.SentenceCategory fits)."""

    @property
    def category(self) -> str: ...

    @property
    def probabilities(self) -> Mapping[str, float]: ...


class SentenceReflection(BaseModel):
    """One sentence: its category, how sure the classifier was, and its markers.

    Offsets (the sentence's and its markers') are into SourceText.text, like segment.Sentence.
    """

    index: int
    paragraph: int
    start: int
    end: int
    text: str = Field(
        default="", exclude=True, description="Kept in memory; the JSON has it once, in outline."
    )
    category: str
    probability: float
    markers: list[Marker] = Field(default_factory=list)
    # Filled by grade_sentences from sentence_stage (the one stage rule):
    stage: Stage = "what"
    reflective: bool = False
    reflective_by: ReflectiveBy = "category"


class WhatBalance(BaseModel):
    """Sentences per stage of Rolfe/Driscoll's model; shares add up to 1 (0 when empty)."""

    what: int = 0
    so_what: int = 0
    now_what: int = 0
    what_share: float = 0.0
    so_what_share: float = 0.0
    now_what_share: float = 0.0


class ParagraphReflection(BaseModel):
    """The depth of one body paragraph and the sentences that decided it."""

    paragraph: int
    sentence_indexes: list[int]
    level: int
    level_name: LevelName
    reflective_share: float
    balance: WhatBalance
    missing_categories: list[str]
    reasons: list[str]


class DocumentReflection(BaseModel):
    """The depth of the whole statement, graded on pooled evidence (not a maximum)."""

    level: int
    level_name: LevelName
    reflective_share: float
    balance: WhatBalance
    missing_categories: list[str]
    reasons: list[str]
    paragraph_levels: list[int] = Field(default_factory=list)


class ReflectionReport(BaseModel):
    """Everything the Assessment carries about reflection."""

    sentences: list[SentenceReflection]
    paragraphs: list[ParagraphReflection]
    document: DocumentReflection
