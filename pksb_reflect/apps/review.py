"""Batch review for mentors: every draft in a folder, one report each, and a summary.

`review` finds the drafts under a folder (flat, or one folder per mentee with evidence, PKSB
self-assessment and CPD log; see `review_plan`), assesses them in chunks with `assess_many`,
writes a report per draft and keeps `summary.csv` and a self-contained `index.html` up to date
as it goes: a review that stops (a signal, a full disk) leaves a summary of every report that
exists. A draft that cannot be read becomes a failed row; every other draft is still reviewed.
The library never prints: progress and per-draft results reach the caller through callbacks.

With `jobs > 1` the chunks go to worker processes (`review_run`), each of which loads the models
once. A second review into the same out dir is refused while one runs.
"""

from __future__ import annotations

import hashlib
import re
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from pksb_reflect.apps.review_plan import DraftPlan, detect_route, plan_folder
from pksb_reflect.apps.review_run import remove_temp_files, review_lock, run_workers
from pksb_reflect.apps.review_summary import (
    ReviewRow,
    RowStatus,
    summary_to_csv,
    summary_to_html,
)
from pksb_reflect.errors import (
    EXIT_OK,
    EXIT_PARTIAL,
    InputError,
    OutputError,
    PksbError,
    UsageError,
    display_name,
)
from pksb_reflect.io.files import Skipped, real_path
from pksb_reflect.io.ingest import SUFFIX_FORMATS
from pksb_reflect.limits import Stopped
from pksb_reflect.runtime import Runtime

if TYPE_CHECKING:
    from pksb_reflect.results import Assessment

SUMMARY_CSV = "summary.csv"
INDEX_HTML = "index.html"
RESERVED = {SUMMARY_CSV, INDEX_HTML}
DEFAULT_CHUNK = 16
MAX_NAME = 180
# The summary is rewritten (atomically) at most this often while a review runs, and at the end.
SUMMARY_EVERY = 1.0
AUTO = "auto"


class ReviewResult(BaseModel):
    """What a review did: one row per draft, what it skipped, and where the summary went."""

    folder: str
    out_dir: str
    route: str
    format: str
    jobs: int
    rows: list[ReviewRow]
    skipped: list[Skipped] = Field(default_factory=list)
    summary_csv: str | None = None
    index_html: str | None = None
    seconds: float = 0.0
    stopped_by: int | None = Field(default=None, description="The signal that stopped it.")

    @property
    def failed(self) -> list[ReviewRow]:
        return [row for row in self.rows if not row.ok]

    @property
    def exit_code(self) -> int:
        """0 when every draft was reviewed, 1 when some failed, 128 + signal when stopped."""
        if self.stopped_by is not None:
            return 128 + self.stopped_by
        return EXIT_PARTIAL if self.failed else EXIT_OK

    def lines(self, most: int = 5) -> list[str]:
        """What happened, in one-line messages safe for a terminal (names escaped)."""
        index = display_name(self.index_html or INDEX_HTML)
        done = sum(1 for row in self.rows if row.ok)
        out: list[str] = []
        if self.stopped_by is not None:
            name = signal.Signals(self.stopped_by).name
            written = sum(1 for row in self.rows if row.status == "interrupted")
            extra = f", {written} more reports written as it stopped" if written else ""
            out.append(
                f"stopped by {name}: {done} of {len(self.rows)} drafts reviewed{extra}; "
                f"summary of the reports that exist: {index}"
            )
        else:
            out.append(
                f"reviewed {done} of {len(self.rows)} drafts in {self.seconds:.1f} s; "
                f"summary: {index}"
            )
        if self.skipped:
            shown = "; ".join(s.line() for s in self.skipped[:most])
            more = f"; and {len(self.skipped) - most} more" if len(self.skipped) > most else ""
            out.append(f"skipped {len(self.skipped)} files ({shown}{more}); listed in {index}")
        return out


class ReviewStopped(Stopped):
    """A review stopped by a signal, after writing the summary of the reports that exist."""

    def __init__(self, signum: int, result: ReviewResult) -> None:
        super().__init__(signum)
        self.result = result


ProgressCallback = Callable[[ReviewRow, int, int], None]


# --- finding drafts ---------------------------------------------------------------------------


def find_drafts(folder: str | Path, exclude: Sequence[str | Path] = ()) -> list[Path]:
    """Statement files under `folder` (evidence excluded), sorted by relative path."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError("is not a folder", display_name(str(root)))
    plan = plan_folder(root, [Path(p) for p in exclude])
    return [Path(draft.path) for draft in plan.drafts]


def report_names(relative: Sequence[str], fmt: str) -> list[str]:
    """A distinct, file-system-safe report name for each draft's relative path.

    'unit 1/My draft.docx' becomes 'unit_1__My_draft.docx.html'; names that would clash (also
    when compared without case) get '-2', '-3'... before the extension.
    """
    from pksb_reflect.render import renderer_for

    suffix = renderer_for(fmt).suffix
    taken = {name.lower() for name in RESERVED}
    names: list[str] = []
    for rel in relative:
        base = "__".join(_safe(part) for part in Path(rel).parts) or "draft"
        if len(base) > MAX_NAME:
            digest = hashlib.sha256(rel.encode("utf-8", "surrogatepass")).hexdigest()[:10]
            base = f"{base[: MAX_NAME - 11]}-{digest}"
        candidate = base + suffix
        number = 2
        while candidate.lower() in taken:
            candidate = f"{base}-{number}{suffix}"
            number += 1
        taken.add(candidate.lower())
        names.append(candidate)
    return names


def _safe(part: str) -> str:
    return re.sub(r"[^\w.-]+", "_", part, flags=re.ASCII).strip("._") or "_"


# --- one draft's summary row ------------------------------------------------------------------


def summarise(
    draft: str, report: str | None, assessment: Assessment, note: str | None = None
) -> ReviewRow:
    """A summary row: the Assessment's own headline figures, its top priority and problems."""
    figures = assessment.figures
    if figures is None:
        raise ValueError("an Assessment without figures cannot be summarised")
    depth = (
        f"{figures.depth_level} {figures.depth_name}" if figures.depth_level is not None else None
    )
    priorities = (
        [" ".join(point.title.split()) for point in assessment.feedback.priorities]
        if assessment.feedback is not None
        else []
    )
    return ReviewRow(
        draft=draft,
        report=report,
        route=assessment.route,
        route_note=note,
        words=figures.words,
        word_limit=figures.word_limit,
        limit_status=figures.word_status,
        depth_level=depth,
        reflective_share=figures.reflective_share,
        pksb_areas_covered=[area.name for area in figures.areas_covered],
        criteria_met=figures.criteria_met,
        criteria_total=figures.criteria_total,
        top_priority=next((p for p in priorities if p), None),
        problems=_problems(assessment, priorities),
        warnings=list(assessment.warnings),
    )


def _problems(assessment: Assessment, priorities: list[str]) -> list[str]:
    """Over the limit, the feedback's priorities, and expected PKSB areas not shown."""
    problems: list[str] = []
    wc = assessment.word_count
    if wc.status == "over":
        problems.append(f"over the word limit by {wc.words_to_cut}")
    problems.extend(p for p in dict.fromkeys(priorities) if p and p not in problems)
    if assessment.pksb is not None and assessment.pksb.missing_expected:
        names = {a.id: a.name for a in assessment.pksb.areas}
        missing = [names.get(i, i) for i in assessment.pksb.missing_expected]
        problems.append(f"expected PKSB areas not shown: {', '.join(missing)}")
    return problems


# --- the work ---------------------------------------------------------------------------------


class _Task(BaseModel):
    plan: DraftPlan
    report: str

    @property
    def draft(self) -> str:
        return self.plan.draft


class _Settings(BaseModel):
    options: dict[str, Any]
    route: str
    fallback_route: str
    fmt: str
    out_dir: str
    force: bool
    disk_cache: bool = True


def _failed(task: _Task, message: str) -> ReviewRow:
    return ReviewRow(draft=task.draft, status="failed", error=" ".join(message.split()))


def review_chunk(
    tasks: list[_Task], settings: _Settings, emit: Callable[[ReviewRow], None], runtime: Runtime
) -> None:
    """Read each draft, choose its route, assess drafts that share options together, and
    write each report; `emit` gets each draft's row as soon as its report is on disk."""
    from pksb_reflect.api import AssessOptions
    from pksb_reflect.io.ingest import read_source
    from pksb_reflect.limits import TimeBudget

    base = AssessOptions(**settings.options)
    groups: dict[str, list[tuple[_Task, Any, str | None]]] = {}
    options_of: dict[str, AssessOptions] = {}
    for task in tasks:
        budget = TimeBudget(base.max_seconds)
        try:
            with budget.running():
                source = read_source(Path(task.plan.path), max_bytes=base.max_bytes, budget=budget)
        except PksbError as exc:
            emit(_failed(task, f"{task.draft}: {exc.message}"))
            continue
        route, note = _route_for(source, task.draft, settings)
        options = base.model_copy(
            update={
                "route": route,
                "evidence": list(task.plan.evidence),
                "pksb_audit": task.plan.pksb_audit,
                "cpd_log": task.plan.cpd_log,
            }
        )
        key = options.model_dump_json()
        options_of[key] = options
        groups.setdefault(key, []).append((task, source, note))
    for key, members in groups.items():
        _assess_group(members, options_of[key], settings, emit, runtime)


_worker_runtime: Runtime | None = None


def _review_chunk_in_worker(
    tasks: list[_Task], settings: _Settings, emit: Callable[[ReviewRow], None]
) -> None:
    """In a spawned worker: the runtime it builds once and keeps for all its chunks."""
    global _worker_runtime
    if _worker_runtime is None:
        _worker_runtime = Runtime(disk_cache=settings.disk_cache)
    review_chunk(tasks, settings, emit, _worker_runtime)


def _route_for(source: Any, draft: str, settings: _Settings) -> tuple[str, str | None]:
    if settings.route != AUTO:
        return settings.route, None
    found, where = detect_route(source, draft)
    if found is not None:
        return found, f"route read from {where}"
    return settings.fallback_route, (
        f"no route named in its title, headings or file name; read as {settings.fallback_route}"
    )


def _assess_group(
    members: list[tuple[_Task, Any, str | None]],
    options: Any,
    settings: _Settings,
    emit: Callable[[ReviewRow], None],
    runtime: Runtime,
) -> None:
    from pksb_reflect.api import assess_many
    from pksb_reflect.io.output import write_report
    from pksb_reflect.render import render

    sources = [source for _, source, _ in members]
    try:
        results: list[Any] = assess_many(sources, options, runtime=runtime)
    except PksbError as exc:  # the folder's audit or CPD log is bad: each draft says so
        results = [exc] * len(sources)
    except Exception:  # something unexpected broke the batch: one by one to isolate it
        results = [_assess_alone(source, options, runtime) for source in sources]
    for (task, _, note), result in zip(members, results, strict=True):
        if isinstance(result, PksbError):
            emit(_failed(task, _error_text(result, task)))
            continue
        protect = [task.plan.path, *task.plan.evidence]
        protect += [p for p in (task.plan.pksb_audit, task.plan.cpd_log) if p]
        try:
            report = render(result, settings.fmt)
            write_report(
                Path(settings.out_dir) / task.report, report, force=settings.force, protect=protect
            )
        except PksbError as exc:
            emit(_failed(task, exc.one_line()))
            continue
        emit(summarise(task.draft, task.report, result, note))


def _assess_alone(source: Any, options: Any, runtime: Runtime) -> Any:
    """One draft through assess_many; an unexpected failure becomes that draft's error."""
    from pksb_reflect.api import assess_many

    try:
        return assess_many([source], options, runtime=runtime)[0]
    except PksbError as exc:
        return exc
    except Exception as exc:
        return PksbError(f"internal error: {type(exc).__name__}: {str(exc)[:200]}")


def _error_text(error: PksbError, task: _Task) -> str:
    """The error in one line, naming the draft by its relative path."""
    text = " ".join(error.message.split())
    if error.path and Path(error.path).name != Path(task.plan.path).name:
        text = f"{display_name(error.path)}: {text}"  # a side input (audit, CPD log) is at fault
    return f"{task.draft}: {text}"


def _chunks(tasks: list[_Task], size: int) -> Iterator[list[_Task]]:
    for start in range(0, len(tasks), size):
        yield tasks[start : start + size]


def review(
    folder: str | Path,
    out_dir: str | Path,
    *,
    route: str = AUTO,
    fallback_route: str = "chartership",
    framework: str = "2021",
    fmt: str = "html",
    jobs: int = 1,
    force: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
    count_headings: bool = False,
    count_references: bool = False,
    max_bytes: int | None = None,
    max_seconds: float | None = None,
    disk_cache: bool = True,
    runtime: Runtime | None = None,
    progress: ProgressCallback | None = None,
    on_start: Callable[[int], None] | None = None,
) -> ReviewResult:
    """Review every draft under `folder`, writing reports and a summary into `out_dir`.

    `route` is a route id for every draft, or 'auto': each draft's own title, headings or path
    says, else `fallback_route` (with a note). Raises UsageError for a bad route or format,
    InputError for a missing folder or one with no drafts, OutputError when the out dir cannot
    be written, is locked by another review, or would be overwritten without `force`. Drafts
    that cannot be read are failed rows. A signal (Stopped, KeyboardInterrupt) ends the review
    as ReviewStopped, carrying the result of what was done; the summary is on disk either way.
    `runtime` (default: a new one with `disk_cache`) serves a one-process review; with
    `jobs > 1` each worker process builds its own.
    """
    from pksb_reflect.api import check_options, make_options
    from pksb_reflect.render import renderer_for

    started = time.time()
    renderer_for(fmt)  # UsageError for an unknown format, before any work
    check_options(fallback_route if route == AUTO else route, framework)
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    root, out = Path(folder), Path(out_dir)
    if not root.is_dir():
        raise InputError("no such folder" if not root.exists() else "is not a folder", str(root))
    if out.exists() and real_path(out) == real_path(root):
        raise UsageError("--out must be a different folder from the drafts folder", str(out))
    plan = plan_folder(root, exclude=[out])
    if not plan.drafts:
        kinds = ", ".join(sorted(SUFFIX_FORMATS))
        raise InputError(
            f"holds no drafts to review ({kinds}); {len(plan.skipped)} files skipped", str(root)
        )
    names = report_names([d.draft for d in plan.drafts], fmt)
    _make_out_dir(out)
    options = make_options(
        fallback_route if route == AUTO else route,
        framework,
        count_headings=count_headings,
        count_references=count_references,
        **({"max_bytes": max_bytes} if max_bytes else {}),
        **({"max_seconds": max_seconds} if max_seconds else {}),
    )
    settings = _Settings(
        options=options.model_dump(),
        route=route,
        fallback_route=fallback_route,
        fmt=fmt,
        out_dir=str(out),
        force=force,
        disk_cache=disk_cache,
    )
    tasks = [_Task(plan=draft, report=name) for draft, name in zip(plan.drafts, names, strict=True)]
    jobs = max(1, min(jobs, len(tasks)))
    result = ReviewResult(
        folder=display_name(str(root)),
        out_dir=display_name(str(out)),
        route=route,
        format=fmt,
        jobs=jobs,
        rows=[],
        skipped=plan.skipped,
        summary_csv=str(out / SUMMARY_CSV),
        index_html=str(out / INDEX_HTML),
    )
    with review_lock(out):
        if not force:
            _refuse_clashes(out, [*names, *RESERVED])
        _run(tasks, settings, jobs, chunk_size, result, started, progress, on_start, runtime)
    return result


def _run(
    tasks: list[_Task],
    settings: _Settings,
    jobs: int,
    chunk_size: int,
    result: ReviewResult,
    started: float,
    progress: ProgressCallback | None,
    on_start: Callable[[int], None] | None,
    runtime: Runtime | None,
) -> None:
    """The drafts' work, with the summary kept current and written whatever happens."""
    rows: dict[str, ReviewRow] = {}
    out = Path(settings.out_dir)
    last_written = time.monotonic()

    def record(row: ReviewRow) -> None:
        nonlocal last_written
        rows[row.draft] = row
        if progress is not None:
            progress(row, len(rows), len(tasks))
        if time.monotonic() - last_written >= SUMMARY_EVERY:
            _write_summary(out, result, tasks, rows, started, stopped=None, final=False)
            last_written = time.monotonic()

    def fail(lost: list[_Task], why: str) -> None:
        for task in lost:
            record(_failed(task, f"{task.draft}: {why}"))

    if on_start is not None:
        on_start(len(tasks))
    try:
        if jobs == 1:
            runtime = runtime or Runtime(disk_cache=settings.disk_cache)
            for chunk in _chunks(tasks, chunk_size):
                review_chunk(chunk, settings, record, runtime)
        else:
            size = max(1, min(chunk_size, -(-len(tasks) // (jobs * 2))))
            chunks = list(_chunks(tasks, size))
            run_workers(chunks, _review_chunk_in_worker, settings, jobs, record, fail)
    except BaseException as exc:
        signum = _signal_of(exc)
        remove_temp_files(out, [task.report for task in tasks] + sorted(RESERVED))
        stopped = f"Stopped by {signal.Signals(signum).name}" if signum is not None else None
        _write_summary(out, result, tasks, rows, started, stopped=stopped, final=True, quiet=True)
        if signum is not None:
            result.stopped_by = signum
            raise ReviewStopped(signum, result) from None
        raise
    _write_summary(out, result, tasks, rows, started, stopped=None, final=True)


def _signal_of(exc: BaseException) -> int | None:
    if isinstance(exc, Stopped):
        return exc.signum
    if isinstance(exc, KeyboardInterrupt):
        return int(signal.SIGINT)
    return None


def _write_summary(
    out: Path,
    result: ReviewResult,
    tasks: list[_Task],
    rows: dict[str, ReviewRow],
    started: float,
    *,
    stopped: str | None,
    final: bool,
    quiet: bool = False,
) -> None:
    """summary.csv and index.html for the rows so far; reports on disk but not yet summarised
    (a worker stopped between writing and telling) are listed, the rest marked not reviewed."""
    from pksb_reflect.io.output import write_report

    listed: list[ReviewRow] = []
    for task in tasks:
        row = rows.get(task.draft)
        if row is None:
            if not final:
                continue
            report = out / task.report
            written = report.exists() and report.stat().st_mtime >= started
            status: RowStatus = "interrupted" if written else "not reviewed"
            row = ReviewRow(
                draft=task.draft, status=status, report=task.report if written else None
            )
        listed.append(row)
    result.rows = listed
    result.seconds = time.time() - started
    try:
        write_report(out / SUMMARY_CSV, summary_to_csv(listed), force=True)
        page = summary_to_html(
            listed, route=result.route, fmt=result.format, skipped=result.skipped, stopped=stopped
        )
        write_report(out / INDEX_HTML, page, force=True)
    except OutputError:
        if not quiet:
            raise


def _make_out_dir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise OutputError("is a file, not a folder", str(out))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot be created ({exc.strerror or exc})", str(out)) from None


def _refuse_clashes(out: Path, names: Sequence[str]) -> None:
    """Refuse before any work if the review would overwrite files unasked."""
    clashes = [name for name in names if (out / name).exists()]
    if clashes:
        more = f" and {len(clashes) - 1} more" if len(clashes) > 1 else ""
        raise OutputError(f"already holds {clashes[0]}{more}; pass --force to overwrite", str(out))
