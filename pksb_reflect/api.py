"""The top-level job: read a statement, analyse it, and return an Assessment.

`assess_many` is the batch form used by `review`: every draft goes through spaCy in one
`nlp.pipe` pass and through the encoder in one batched call, and one unreadable draft becomes
an error entry while the rest are assessed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from pksb_reflect.analysis.mapping import (
    SentenceMapping,
    check_version,
    map_document,
    map_vectors,
)
from pksb_reflect.analysis.privacy import check_privacy
from pksb_reflect.analysis.reflection.classifier import (
    SentenceCategory,
    classify,
    context_embeddings,
    statement_features,
)
from pksb_reflect.analysis.reflection.report import analyse_reflection
from pksb_reflect.analysis.segment import SegmentedDocument, segment_bounded, segment_many
from pksb_reflect.analysis.wordcount import count_statement
from pksb_reflect.errors import InputError, PksbError, UsageError
from pksb_reflect.framework import (
    FRAMEWORK_VERSIONS,
    ROUTE_IDS,
    FrameworkVersion,
    RouteId,
    load_route,
    load_routes,
)
from pksb_reflect.io.ingest import (
    DEFAULT_MAX_BYTES,
    SUFFIX_FORMATS,
    SourceText,
    parse_bytes,
    read_source,
)
from pksb_reflect.limits import DEFAULT_MAX_SECONDS, TimeBudget
from pksb_reflect.nlp.language import language_warning
from pksb_reflect.results import Assessment, SourceInfo, figures_of
from pksb_reflect.runtime import Runtime, default_runtime

Source = str | Path | SourceText

if TYPE_CHECKING:
    from pksb_reflect.analysis.audit import AuditFile
    from pksb_reflect.analysis.cpd import CpdLog


class AssessOptions(BaseModel):
    """How to assess: the route, the framework version, counting rules and input bounds."""

    route: RouteId = "chartership"
    framework: FrameworkVersion = "2021"
    count_headings: bool = False
    count_references: bool = False
    max_bytes: int = Field(default=DEFAULT_MAX_BYTES, gt=0)
    max_seconds: float | None = Field(
        default=DEFAULT_MAX_SECONDS,
        gt=0,
        description="Longest time to spend reading and analysing one document; None: no bound.",
    )
    evidence: list[str | Path] = Field(
        default_factory=list, description="Evidence files or folders to read the statement against."
    )
    pksb_audit: str | Path | None = Field(
        default=None, description="PKSB self-assessment (CSV or YAML) to find the gaps in."
    )
    cpd_log: str | Path | None = Field(default=None, description="CPD log (CSV), revalidation.")
    cpd_year_end: date | None = Field(
        default=None, description="Last day of the registration year (default: latest entry)."
    )


def check_options(route: str, framework: str) -> None:
    """Raise UsageError for an unknown route or framework version."""
    if route not in ROUTE_IDS:
        raise UsageError(f"unknown route {route!r}; choose one of {', '.join(ROUTE_IDS)}")
    if framework not in FRAMEWORK_VERSIONS:
        raise UsageError(
            f"unknown framework {framework!r}; choose one of {', '.join(FRAMEWORK_VERSIONS)}"
        )


def make_options(route: str, framework: str, **settings: Any) -> AssessOptions:
    """AssessOptions from keyword arguments, after checking the route and framework names."""
    check_options(route, framework)
    return AssessOptions(
        route=route,  # type: ignore[arg-type]
        framework=framework,  # type: ignore[arg-type]
        **settings,
    )


def load_source(
    source: Source, max_bytes: int = DEFAULT_MAX_BYTES, budget: TimeBudget | None = None
) -> SourceText:
    """A path, '-', a SourceText, or the statement itself as a string.

    A string is read as a path when it names an existing file or ends in a supported file
    suffix with no line break; anything else is taken as the statement's text.
    """
    if isinstance(source, SourceText):
        return source
    if isinstance(source, Path):
        return read_source(source, max_bytes=max_bytes, budget=budget)
    if source == "-":
        return read_source(source, max_bytes=max_bytes, budget=budget)
    if _looks_like_path(source):
        return read_source(source, max_bytes=max_bytes, budget=budget)
    return parse_bytes(
        source.encode("utf-8", errors="surrogateescape"),
        name="<text>",
        fmt="txt",
        max_bytes=max_bytes,
        budget=budget,
    )


def _looks_like_path(text: str) -> bool:
    if "\n" in text or len(text) > 1024:
        return False
    candidate = Path(text)
    try:
        return candidate.suffix.lower() in SUFFIX_FORMATS or candidate.is_file()
    except (OSError, ValueError):  # a name too long for the file system is not a file
        return False


def assess(
    source: Source,
    route: str = "chartership",
    *,
    framework: str = "2021",
    count_headings: bool = False,
    count_references: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_seconds: float | None = DEFAULT_MAX_SECONDS,
    evidence: Sequence[str | Path] = (),
    pksb_audit: str | Path | None = None,
    cpd_log: str | Path | None = None,
    cpd_year_end: date | None = None,
    runtime: Runtime | None = None,
) -> Assessment:
    """Assess one statement (a path, '-', or the text itself) for a registration route.

    `evidence` (files or folders), `pksb_audit` (CSV or YAML self-assessment) and `cpd_log`
    (CSV, revalidation) add the portfolio's other parts to the report when given. `runtime`
    holds the loaded models (default: the process's shared one).
    """
    options = make_options(
        route,
        framework,
        count_headings=count_headings,
        count_references=count_references,
        max_bytes=max_bytes,
        max_seconds=max_seconds,
        evidence=list(evidence),
        pksb_audit=pksb_audit,
        cpd_log=cpd_log,
        cpd_year_end=cpd_year_end,
    )
    result = assess_many([source], options, runtime=runtime)[0]
    if isinstance(result, PksbError):
        raise result
    return result


def assess_many(
    sources: Sequence[Source],
    options: AssessOptions | None = None,
    *,
    runtime: Runtime | None = None,
) -> list[Assessment | PksbError]:
    """Assess several statements in one batch; each entry is an Assessment or the error."""
    if isinstance(sources, str | Path | SourceText):
        raise UsageError("assess_many takes a list of sources; use assess for one")
    options = options or AssessOptions()
    runtime = runtime or default_runtime()
    check_options(options.route, options.framework)
    side = _read_side_inputs(options)  # a bad audit or CPD row fails fast, before models load
    loaded: list[SourceText | PksbError] = []
    budgets: list[TimeBudget] = []
    for source in sources:
        budget = TimeBudget(options.max_seconds)
        try:
            with budget.running():
                loaded.append(load_source(source, options.max_bytes, budget))
            budgets.append(budget)
        except PksbError as exc:
            loaded.append(exc)
    readable = [item for item in loaded if isinstance(item, SourceText)]
    bounded = segment_bounded(readable, runtime.nlp, budgets, runtime.parsed) if readable else []
    # A document whose time ran out during segmentation becomes its error entry.
    timed_out = {
        id(src): r for src, r in zip(readable, bounded, strict=True) if isinstance(r, PksbError)
    }
    loaded = [timed_out.get(id(item), item) for item in loaded]
    documents = _encode_batch([r for r in bounded if isinstance(r, SegmentedDocument)], runtime)
    budgets = [b for b, r in zip(budgets, bounded, strict=True) if _ok(r)]
    segmented = iter(zip(documents, budgets, strict=True))
    results: list[Assessment | PksbError] = []
    for item in loaded:
        if isinstance(item, PksbError):
            results.append(item)
            continue
        document, budget = next(segmented)
        try:
            with budget.running():
                budget.check("analyse", document.source.name)
                results.append(_assess_segmented(document, options, side, runtime))
        except PksbError as exc:
            results.append(exc)
    _add_feedback(results)
    _note_repeats(results)
    return results


def _add_feedback(results: list[Assessment | PksbError]) -> None:
    """Mentor feedback, then the headline figures: both read every other analysis."""
    from pksb_reflect.analysis.mapping import DEFAULT_PARAMS
    from pksb_reflect.judgement.feedback import feedback_for

    for result in results:
        if isinstance(result, Assessment):
            result.feedback = feedback_for(result)
            result.figures = figures_of(result, DEFAULT_PARAMS.touch_strength)


def _ok(result: SegmentedDocument | PksbError) -> bool:
    return isinstance(result, SegmentedDocument)


def _note_repeats(results: list[Assessment | PksbError]) -> None:
    """Say so where one document (same name, same bytes) was given more than once."""
    seen: set[tuple[str, str]] = set()
    for result in results:
        if isinstance(result, PksbError):
            continue
        key = (result.source.name, result.source.sha256)
        if key in seen:
            result.warnings.append(
                f"{result.source.name}: was given more than once; it is reported each time"
            )
        seen.add(key)


def _encode_batch(
    documents: Sequence[SegmentedDocument], runtime: Runtime
) -> list[SegmentedDocument]:
    """Every sentence of every draft through the encoder in one batched call, once.

    Each draft gets its rows of the matrix as its `embeddings`; every later analysis reads
    those. Sentences already in the cache (an unchanged paragraph of a re-checked draft) are
    not re-encoded.
    """
    texts = [text for document in documents for text in document.sentence_texts]
    matrix = runtime.encoder.encode(texts)
    out: list[SegmentedDocument] = []
    start = 0
    for document in documents:
        end = start + len(document.outline.sentences)
        out.append(dataclasses.replace(document, embeddings=matrix[start:end]))
        start = end
    return out


def _assess_segmented(
    document: SegmentedDocument, options: AssessOptions, side: SideInputs, runtime: Runtime
) -> Assessment:
    source = document.source
    if not document.outline.sentences:
        raise InputError(
            "has no statement text to assess: every line reads as a heading "
            "(short, with no full stop)",
            source.name,
        )
    route = load_route(options.route)
    word_count = count_statement(
        document.outline,
        route.word_limit,
        load_routes().near_fraction,
        count_headings=options.count_headings,
        count_references=options.count_references,
    )
    assessment = Assessment(
        reflection=analyse_reflection(
            document,
            classify(runtime.classifier, document.sentence_texts, statement_features(document)),
        ),
        pksb=map_document(document, runtime, options.framework, list(route.expects_areas)),
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
        warnings=_warnings(document),
        privacy=check_privacy(document, runtime.nlp),
    )
    _add_side_inputs(assessment, document, options, side, runtime)
    return assessment


SideInputs = tuple["AuditFile | None", "CpdLog | None"]


def _read_side_inputs(options: AssessOptions) -> SideInputs:
    """The self-assessment and CPD log, parsed and validated (InputError names file and row)."""
    audit = cpd_log = None
    if options.pksb_audit is not None:
        from pksb_reflect.analysis.audit import read_audit

        audit = read_audit(options.pksb_audit, options.framework)
    if options.cpd_log is not None:
        from pksb_reflect.analysis.cpd import read_cpd_log

        cpd_log = read_cpd_log(options.cpd_log, options.framework)
    return audit, cpd_log


def _add_side_inputs(
    assessment: Assessment,
    document: SegmentedDocument,
    options: AssessOptions,
    side: SideInputs,
    runtime: Runtime,
) -> None:
    """Evidence, self-assessment and CPD log, each read against this statement when given.

    They share the statement's PKSB mapping (`assessment.pksb`) and its sentence vectors.
    """
    audit_file, cpd_log = side
    coverage = assessment.pksb
    if options.evidence and coverage is not None:
        from pksb_reflect.analysis.evidence import check_evidence

        assessment.evidence = check_evidence(
            document,
            options.evidence,
            framework=options.framework,
            coverage=coverage,
            resources=runtime,
            max_bytes=options.max_bytes,
        )
    if audit_file is not None and coverage is not None:
        from pksb_reflect.analysis.audit import audit_pksb

        assessment.audit = audit_pksb(
            audit_file, document, coverage=coverage, evidence=assessment.evidence
        )
    if cpd_log is not None:
        from pksb_reflect.analysis.cpd import check_cpd

        assessment.cpd = check_cpd(
            cpd_log,
            document,
            route=options.route,
            year_end=options.cpd_year_end,
            encoder=runtime.encoder,
        )


def _warnings(document: SegmentedDocument) -> list[str]:
    """The source's reading notes, segmentation's notes, and a note if it is not English."""
    notes = [*document.source.warnings, *document.warnings]
    body = " ".join(p.text for p in document.outline.paragraphs if p.kind == "body")
    language = language_warning(body, document.source.name)
    if language:
        notes.append(language)
    return notes


def classify_sentences(
    sentences: Sequence[str],
    contexts: Sequence[str] | None = None,
    *,
    runtime: Runtime | None = None,
) -> list[SentenceCategory]:
    """The reflection category of each sentence, with every category's probability.

    `contexts[i]`, when given, is the text around sentence i ("previous. sentence. next.").
    """
    texts = _sentence_list(sentences, "sentences")
    context_texts = None if contexts is None else _sentence_list(contexts, "contexts")
    if context_texts is not None and len(context_texts) != len(texts):
        raise UsageError("contexts must have one entry per sentence")
    if not texts:
        return []
    runtime = runtime or default_runtime()
    features = context_embeddings(texts, context_texts, runtime.encoder)
    return classify(runtime.classifier, texts, features)


def map_sentences(
    sentences: Sequence[str], framework: str = "2021", *, runtime: Runtime | None = None
) -> list[SentenceMapping]:
    """Each sentence mapped onto every area and skill of the PKSB (2021 or 2014)."""
    texts = _sentence_list(sentences, "sentences")
    check_version(framework)
    if not texts:
        return []
    runtime = runtime or default_runtime()
    return map_vectors(texts, runtime.encoder.encode(texts), runtime, framework)


def _sentence_list(values: Sequence[str], name: str) -> list[str]:
    """A list of strings, or UsageError: a bare string is one text, not a list of characters."""
    if isinstance(values, str) or not all(isinstance(v, str) for v in values):
        raise UsageError(f"{name} must be a list of strings")
    return list(values)


def read_statement(source: Source, *, runtime: Runtime | None = None) -> SegmentedDocument:
    """A statement read, segmented and encoded once: what every analysis takes as input.

    For callers that run single analyses (mapping, evidence, CPD) on their own.
    """
    runtime = runtime or default_runtime()
    [document] = segment_many([load_source(source)], runtime.nlp)
    [encoded] = _encode_batch([document], runtime)
    return encoded
