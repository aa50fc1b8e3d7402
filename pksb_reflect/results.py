"""The Assessment: everything pksb-reflect concludes about one statement, as one pydantic model.

Its JSON (`Assessment.model_dump_json()`) is a public contract, documented in the README;
`schema_version` changes when a field is removed or changes meaning.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from . import __version__
from .framework import FrameworkVersion, RouteId
from .ingest import SourceFormat
from .segment import DocumentOutline
from .wordcount import WordCount

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
