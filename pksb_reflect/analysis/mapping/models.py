"""The mapper's settings and its results (the `pksb` part of the Assessment JSON)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field, field_serializer

TextKind = Literal["descriptor", "name", "keywords", "example"]
DEFAULT_EXPECTED = ("ethics", "wider_sector", "wider_org")
# Scores below this are left out of a sentence's or paragraph's JSON (they are noise, not claims).
LISTED_SCORE = 0.01


@dataclass(frozen=True)
class MappingParams:
    """The run-time knobs of the scorer; defaults tuned on dev (benchmarks/eval_mapping.py).

    What the shipped models were built with (regularisation, cross-version examples) is fixed in
    models/mapping/ by its build.py; nothing here refits them.
    """

    top_k: int = 5  # cosines averaged for the kNN prototype
    w_lr: float = 0.5  # weight of the logistic-regression log-probabilities
    w_knn: float = 10.0  # weight of the top-k mean cosine
    w_centroid: float = 0.0  # weight of the centroid cosine
    w_lex: float = 1.5  # weight of the lexical (TF-IDF) model's log-probabilities
    w_cue: float = 1.0  # logit bonus per context cue (pksb_data/mapping_cues.yaml)
    w_context: float = 2.0  # weight of the paragraph's mean area logits on each sentence
    temperature: float = 1.0  # softmax temperature over areas (calibration)
    w_ref_number: float = 12.0  # logit bonus for "PKSB 8.6", "section 11"
    w_ref_name: float = 0.0  # logit bonus for an area or skill name in the text
    number_margin: float = 0.02  # how much closer the other numbering's skill must be to win
    skill_temperature: float = 0.05  # softmax temperature over skills within an area
    skill_clear: float = 0.45  # share within the area a skill needs to be reported as clear
    negated_weight: float = 0.1  # evidence weight of a negated claim
    hedged_weight: float = 0.4  # evidence weight of a hedged or intended (future) claim
    focus: float = 0.0  # shares weigh a sentence by its top area confidence to this power
    evidence_floor: float = 0.25  # sentence score at which it counts as showing an area
    touch_strength: float = 0.5  # document strength at which an area counts as touched
    main_share: float = 0.2  # share of a document's evidence for a main area
    main_cap: int = 3  # at most this many main areas
    max_skills: int = 5  # skills listed per sentence


DEFAULT_PARAMS = MappingParams()


@dataclass(frozen=True)
class BuildSettings:
    """How models/mapping/build.py fits the shipped area models (part of their inputs digest)."""

    lr_c: float = 4.0  # inverse regularisation of the embedding logistic regression
    lex_c: float = 16.0  # inverse regularisation of the lexical model
    cross_examples: bool = True  # also train on the other version's examples (crosswalk)


BUILD_SETTINGS = BuildSettings()


class LabelScore(BaseModel):
    """One area or skill with its calibrated confidence (0-1)."""

    id: str
    name: str
    score: float


class ExplicitReference(BaseModel):
    """A place where the writer names the PKSB themselves: a number or an area/skill name."""

    text: str
    start: int
    end: int
    kind: Literal["number", "name"]
    ids: list[str] = Field(description="Ids in the report's framework version it points to.")


class NumberReading(BaseModel):
    """What a cited number names in one framework version."""

    version: str
    id: str
    name: str
    similarity: float = Field(description="Cosine of the sentence to that skill's texts.")


class NumberingNote(BaseModel):
    """A cited PKSB number that names different skills in the 2014 and 2021 numberings."""

    sentence: int = Field(description="Index of the sentence citing it (outline order).")
    number: str
    readings: list[NumberReading] = Field(description="One reading per framework version.")
    chosen: str = Field(description="The version whose reading the mapping used.")
    ids: list[str] = Field(description="Ids in the report's version the mapping credited.")
    reason: str = Field(description="Why that reading was taken: what the surrounding words say.")
    question: str = Field(description="What to ask the candidate.")


class Explanation(BaseModel):
    """The framework text a sentence came closest to, so a reader can see why it was placed."""

    label: str
    kind: TextKind
    text: str
    similarity: float


class SentenceMapping(BaseModel):
    """Where one sentence sits on the PKSB, and how sure we are.

    In the JSON the sentence's text is left out (it is in `outline.sentences`, same index) and
    `areas` and `skills` list only the labels with a score of at least LISTED_SCORE.
    """

    text: str = Field(default="", exclude=True)
    areas: list[LabelScore]
    skills: list[LabelScore]
    level: Literal["skill", "area"] = Field(
        description="'area' when no skill stands out: the placement falls back to the area."
    )
    explicit: bool = Field(description="True when the writer names a PKSB area or skill.")
    references: list[ExplicitReference] = Field(default_factory=list)
    negated: bool = Field(description="The claim is denied ('I have not yet catalogued').")
    hedged: bool = Field(description="The claim is only hoped for or planned ('I hope to').")
    cues: list[str] = Field(default_factory=list, description="The words that flagged it.")
    evidence_weight: float = Field(
        description="How much the sentence counts as evidence: 1, less when hedged or negated."
    )
    best_area_match: Explanation | None = None
    best_skill_match: Explanation | None = None

    @field_serializer("areas", "skills")
    def _listed(self, labels: list[LabelScore]) -> list[LabelScore]:
        """The labels worth reading: the best one, and any other above LISTED_SCORE."""
        return [label for i, label in enumerate(labels) if i == 0 or label.score >= LISTED_SCORE]

    @property
    def top_area(self) -> str:
        return self.areas[0].id

    @property
    def top_skill(self) -> str | None:
        return self.skills[0].id if self.level == "skill" and self.skills else None


class AreaCoverage(BaseModel):
    """How strongly a stretch of text covers one area, and the sentences behind it."""

    id: str
    name: str
    strength: float = Field(description="Noisy-or of sentence evidence: is it shown at all.")
    share: float = Field(description="Fraction of the stretch's evidence that is about it.")
    sentence_indexes: list[int] = Field(default_factory=list)
    quotes: list[str] = Field(
        default_factory=list,
        exclude=True,
        description="The sentences' texts, in memory only: the JSON refers to them by index.",
    )
    explicit: bool = False


class ParagraphCoverage(BaseModel):
    """The coverage of one body paragraph."""

    paragraph: int
    sentence_indexes: list[int]
    areas: list[AreaCoverage]
    dominant: list[str]

    @field_serializer("areas")
    def _shown(self, areas: list[AreaCoverage]) -> list[AreaCoverage]:
        """In the JSON, only the areas the paragraph shows at all."""
        return [area for area in areas if area.strength > 0 or area.share >= LISTED_SCORE]


class PksbCoverage(BaseModel):
    """A document on the PKSB: sentences, paragraphs, the whole, and what it never touches."""

    framework: str
    sentences: list[SentenceMapping]
    paragraphs: list[ParagraphCoverage]
    areas: list[AreaCoverage] = Field(description="Every area, strongest first.")
    dominant: list[str] = Field(description="The main areas of the document (at most 3).")
    expected: list[str]
    missing_expected: list[str] = Field(description="Expected elements no sentence shows.")
    negated_sentences: list[int] = Field(default_factory=list)
    numbering: list[NumberingNote] = Field(
        default_factory=list,
        description=(
            "Cited PKSB numbers that name different skills in the 2014 and 2021 numberings: "
            "which reading was taken and why, and the question for the candidate."
        ),
    )


class TextMapping(BaseModel):
    """An evidence item (a document or a list of paragraphs) on the PKSB."""

    areas: list[LabelScore]
    skills: list[LabelScore]
    dominant: list[str]
    sentences: int
