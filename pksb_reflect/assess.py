"""The top-level job: read a statement, analyse it, and return an Assessment.

`assess_many` is the batch form used by `review`: every draft goes through spaCy in one
`nlp.pipe` pass and through the encoder in one batched call, and one unreadable draft becomes
an error entry while the rest are assessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from .errors import InputError, PksbError, UsageError
from .framework import (
    FRAMEWORK_VERSIONS,
    ROUTE_IDS,
    FrameworkVersion,
    RouteId,
    load_route,
    load_routes,
)
from .ingest import DEFAULT_MAX_BYTES, SUFFIX_FORMATS, SourceText, parse_bytes, read_source
from .results import Assessment, SourceInfo
from .segment import SegmentedDocument, segment_many
from .wordcount import count_statement

Source = str | Path | SourceText


class AssessOptions(BaseModel):
    """How to assess: the route, the framework version, counting rules and input bounds."""

    route: RouteId = "chartership"
    framework: FrameworkVersion = "2021"
    count_headings: bool = False
    count_references: bool = False
    max_bytes: int = Field(default=DEFAULT_MAX_BYTES, gt=0)


def _check_options(route: str, framework: str) -> None:
    if route not in ROUTE_IDS:
        raise UsageError(f"unknown route {route!r}; choose one of {', '.join(ROUTE_IDS)}")
    if framework not in FRAMEWORK_VERSIONS:
        raise UsageError(
            f"unknown framework {framework!r}; choose one of {', '.join(FRAMEWORK_VERSIONS)}"
        )


def load_source(source: Source, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceText:
    """A path, '-', a SourceText, or the statement itself as a string.

    A string is read as a path when it names an existing file or ends in a supported file
    suffix with no line break; anything else is taken as the statement's text.
    """
    if isinstance(source, SourceText):
        return source
    if isinstance(source, Path):
        return read_source(source, max_bytes=max_bytes)
    if source == "-":
        return read_source(source, max_bytes=max_bytes)
    looks_like_path = "\n" not in source and len(source) < 4096 and (
        Path(source).suffix.lower() in SUFFIX_FORMATS or Path(source).is_file()
    )
    if looks_like_path:
        return read_source(source, max_bytes=max_bytes)
    return parse_bytes(source.encode("utf-8"), name="<text>", fmt="txt", max_bytes=max_bytes)


def assess(
    source: Source,
    route: str = "chartership",
    *,
    framework: str = "2021",
    count_headings: bool = False,
    count_references: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Assessment:
    """Assess one statement (a path, '-', or the text itself) for a registration route."""
    _check_options(route, framework)
    options = AssessOptions(
        route=route,  # type: ignore[arg-type]
        framework=framework,  # type: ignore[arg-type]
        count_headings=count_headings,
        count_references=count_references,
        max_bytes=max_bytes,
    )
    result = assess_many([source], options)[0]
    if isinstance(result, PksbError):
        raise result
    return result


def assess_many(
    sources: Sequence[Source], options: AssessOptions | None = None
) -> list[Assessment | PksbError]:
    """Assess several statements in one batch; each entry is an Assessment or the error."""
    options = options or AssessOptions()
    _check_options(options.route, options.framework)
    loaded: list[SourceText | PksbError] = []
    for source in sources:
        try:
            loaded.append(load_source(source, options.max_bytes))
        except PksbError as exc:
            loaded.append(exc)
    readable = [item for item in loaded if isinstance(item, SourceText)]
    from .nlp import load_pipeline

    segmented = iter(segment_many(readable, load_pipeline()) if readable else [])
    results: list[Assessment | PksbError] = []
    for item in loaded:
        if isinstance(item, PksbError):
            results.append(item)
            continue
        try:
            results.append(_assess_segmented(next(segmented), options))
        except PksbError as exc:
            results.append(exc)
    return results


def _assess_segmented(document: SegmentedDocument, options: AssessOptions) -> Assessment:
    source = document.source
    if not document.outline.sentences:
        raise InputError("has headings but no statement text to assess", source.name)
    route = load_route(options.route)
    word_count = count_statement(
        document.outline,
        route.word_limit,
        load_routes().near_fraction,
        count_headings=options.count_headings,
        count_references=options.count_references,
    )
    return Assessment(
        source=SourceInfo(
            name=source.name,
            format=source.format,
            encoding=source.encoding,
            sha256=source.sha256,
            characters=len(source.text),
        ),
        route=options.route,
        route_name=route.name,
        framework=options.framework,
        word_count=word_count,
        outline=document.outline,
        warnings=list(source.warnings),
    )
