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
from pksb_reflect.analysis.mapping.core import PksbCoverage
from pksb_reflect.analysis.reflection.report import ReflectionReport
from pksb_reflect.analysis.segment import DocumentOutline
from pksb_reflect.analysis.wordcount import WordCount
from pksb_reflect.framework import FrameworkVersion, RouteId
from pksb_reflect.io.ingest import SourceFormat
from pksb_reflect.judgement.feedback import Feedback

SCHEMA_VERSION = "1.0"


class SourceInfo(BaseModel):
    """Which document was assessed, so a report can be matched to its draft."""

    name: str
    format: SourceFormat
    encoding: str | None
    sha256: str = Field(description="sha256 of the file's bytes as read.")
    characters: int


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
