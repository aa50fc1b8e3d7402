"""The Assessment: everything pksb-reflect concludes about one statement, as one pydantic model.

Its JSON (`Assessment.model_dump_json()`) is a public contract, documented in the README;
`schema_version` changes when a field is removed or changes meaning.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from pksb_reflect import __version__
from pksb_reflect.analysis.audit import AuditReport
from pksb_reflect.analysis.cpd import CpdReport
from pksb_reflect.analysis.evidence import EvidenceReport
from pksb_reflect.analysis.mapping import PksbCoverage
from pksb_reflect.analysis.privacy import PrivacyReport
from pksb_reflect.analysis.reflection.report import ReflectionReport
from pksb_reflect.analysis.segment import DocumentOutline
from pksb_reflect.analysis.wordcount import WordCount
from pksb_reflect.framework import FrameworkVersion, RouteId
from pksb_reflect.io.ingest import SourceFormat
from pksb_reflect.judgement.models import Feedback

SCHEMA_VERSION = "2.0"


class SourceInfo(BaseModel):
    """Which document was assessed, so a report can be matched to its draft."""

    name: str
    format: SourceFormat
    encoding: str | None
    sha256: str = Field(description="sha256 of the file's bytes as read.")
    characters: int


class AreaFigure(BaseModel):
    """A PKSB area the statement covers, with its share of the statement's evidence."""

    id: str
    name: str
    share: float


class Figures(BaseModel):
    """The headline figures, computed once from the Assessment's parts and read by every view.

    Reports, `review`'s summary and `compare` all show these, so no two places can disagree.
    """

    words: int
    word_limit: int
    word_status: str
    depth_level: int | None = None
    depth_name: str | None = None
    reflective_share: float | None = Field(
        default=None, description="Share of body sentences that reflect (So what? or Now what?)."
    )
    areas_covered: list[AreaFigure] = Field(
        default_factory=list,
        description="Areas shown at least clearly enough to count as touched, largest share first.",
    )
    main_areas: list[str] = Field(default_factory=list, description="pksb.dominant, by id.")
    criteria_met: int | None = None
    criteria_total: int | None = None
    criteria: dict[str, str] = Field(
        default_factory=dict, description="Each criterion's name and its judgement."
    )


class Assessment(BaseModel):
    """One statement judged against one route."""

    schema_version: str = SCHEMA_VERSION
    tool_version: str = __version__
    source: SourceInfo
    route: RouteId
    route_name: str
    framework: FrameworkVersion
    word_count: WordCount
    outline: DocumentOutline
    warnings: list[str] = Field(default_factory=list)
    reflection: ReflectionReport | None = Field(
        default=None,
        description="Per-sentence categories and markers; paragraph and document depth.",
    )
    pksb: PksbCoverage | None = Field(
        default=None,
        description="Per-sentence PKSB mappings; paragraph and document coverage of every area.",
    )
    evidence: EvidenceReport | None = Field(
        default=None,
        description="The statement read against its evidence files (with --evidence).",
    )
    audit: AuditReport | None = Field(
        default=None,
        description="The PKSB self-assessment's gaps and where they are addressed (--pksb-audit).",
    )
    cpd: CpdReport | None = Field(
        default=None, description="CPD hours per registration year and reflection (--cpd-log)."
    )
    feedback: Feedback | None = Field(
        default=None,
        description="Mentor feedback: criteria judged, strengths, priorities, where to cut.",
    )
    figures: Figures | None = Field(
        default=None, description="The headline figures every report and summary shows."
    )
    privacy: PrivacyReport | None = Field(
        default=None,
        description="Before submission: names, contact details and identifiers to anonymise.",
    )


def figures_of(assessment: Assessment, touch_strength: float) -> Figures:
    """The headline figures of an assessment, from its reflection, mapping and feedback.

    `touch_strength` is the mapping's threshold for an area to count as shown (the same one
    that decides `pksb.missing_expected`), so "covered" means one thing everywhere.
    """
    wc = assessment.word_count
    figures = Figures(words=wc.counted, word_limit=wc.limit, word_status=wc.status)
    if assessment.reflection is not None:
        document = assessment.reflection.document
        figures.depth_level = document.level
        figures.depth_name = document.level_name
        figures.reflective_share = document.reflective_share
    if assessment.pksb is not None:
        shown = [a for a in assessment.pksb.areas if a.strength >= touch_strength]
        figures.areas_covered = [
            AreaFigure(id=a.id, name=a.name, share=a.share)
            for a in sorted(shown, key=lambda a: (-a.share, a.id))
        ]
        figures.main_areas = list(assessment.pksb.dominant)
    if assessment.feedback is not None:
        criteria = assessment.feedback.criteria
        figures.criteria_met = sum(c.judgement == "met" for c in criteria)
        figures.criteria_total = len(criteria)
        figures.criteria = {c.name: c.judgement for c in criteria}
    return figures
