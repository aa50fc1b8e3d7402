"""Batch review for mentors: every draft in a folder, one report each, and a summary.

`review` finds the statements under a folder, assesses them in chunks with `assess_many` (one
spaCy pass and one batched encoder call per chunk; the models load once per process), writes a
report per draft, and writes `summary.csv` and a self-contained `index.html`. A draft that
cannot be read becomes a failed row; every other draft is still reviewed. The library never
prints: progress and per-draft results reach the caller through callbacks.

With `jobs > 1` the chunks go to worker processes, each of which loads the models once and
assesses its chunks with `assess_many`.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from pksb_reflect.errors import EXIT_OK, EXIT_PARTIAL, OutputError, PksbError, UsageError
from pksb_reflect.io.ingest import find_documents, real_path
from pksb_reflect.runtime import Runtime

if TYPE_CHECKING:
    from pksb_reflect.api import AssessOptions
    from pksb_reflect.results import Assessment

DRAFT_SUFFIXES = (".txt", ".md", ".docx", ".pdf")
SUMMARY_CSV = "summary.csv"
INDEX_HTML = "index.html"
RESERVED = {SUMMARY_CSV, INDEX_HTML}
DEFAULT_CHUNK = 16
MISSING = "—"
MAX_NAME = 180

SUMMARY_COLUMNS = (
    "draft",
    "words",
    "limit status",
    "depth level",
    "reflective share",
    "PKSB areas covered",
    "criteria met",
    "problems found",
)


class ReviewRow(BaseModel):
    """One draft's line in the summary: its figures, or why it could not be reviewed."""

    draft: str = Field(description="The draft's path relative to the reviewed folder.")
    report: str | None = Field(default=None, description="Report file name inside the out dir.")
    ok: bool = True
    error: str | None = None
    words: int | None = None
    word_limit: int | None = None
    limit_status: str | None = None
    depth_level: str | None = None
    reflective_share: float | None = None
    pksb_areas_covered: list[str] | None = None
    criteria_met: int | None = None
    criteria_total: int | None = None
    problems: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    def cells(self) -> dict[str, str]:
        """The summary columns as text, with '—' where a figure is not available."""
        if not self.ok:
            return {
                "draft": self.draft,
                **{column: MISSING for column in SUMMARY_COLUMNS[1:-1]},
                "problems found": f"could not be reviewed: {self.error}",
            }
        words = (
            f"{self.words} of {self.word_limit}"
            if self.words is not None and self.word_limit is not None
            else MISSING
        )
        share = f"{self.reflective_share:.0%}" if self.reflective_share is not None else MISSING
        areas = (
            f"{len(self.pksb_areas_covered)}: {', '.join(self.pksb_areas_covered)}"
            if self.pksb_areas_covered
            else ("0" if self.pksb_areas_covered is not None else MISSING)
        )
        criteria = (
            f"{self.criteria_met} of {self.criteria_total}"
            if self.criteria_met is not None and self.criteria_total is not None
            else MISSING
        )
        return {
            "draft": self.draft,
            "words": words,
            "limit status": self.limit_status or MISSING,
            "depth level": self.depth_level or MISSING,
            "reflective share": share,
            "PKSB areas covered": areas,
            "criteria met": criteria,
            "problems found": "; ".join(self.problems) if self.problems else "none",
        }


class ReviewResult(BaseModel):
    """What a review did: one row per draft, where the summary went, and how long it took."""

    folder: str
    out_dir: str
    route: str
    format: str
    jobs: int
    rows: list[ReviewRow]
    summary_csv: str | None = None
    index_html: str | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> list[ReviewRow]:
        return [row for row in self.rows if not row.ok]

    @property
    def exit_code(self) -> int:
        """0 when every draft was reviewed, 1 when some failed."""
        return EXIT_PARTIAL if self.failed else EXIT_OK


ProgressCallback = Callable[[ReviewRow, int, int], None]


# --- finding drafts ---------------------------------------------------------------------------


def find_drafts(folder: str | Path, exclude: Sequence[str | Path] = ()) -> list[Path]:
    """Statement files under `folder`, recursively, sorted by relative path.

    Hidden files and folders, Word's '~$' lock files and the `exclude` folders (our own output)
    are skipped; symlinked folders are followed once each, so a link loop ends.
    """
    root = Path(folder)
    if not root.is_dir():
        raise UsageError("is not a folder", str(root))
    found = find_documents(root, suffixes=DRAFT_SUFFIXES, exclude=exclude)
    return [path for path in found if path.is_file()]


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
    cleaned = re.sub(r"[^\w.-]+", "_", part, flags=re.ASCII).strip("._") or "_"
    return cleaned


# --- the summary row of an assessment --------------------------------------------------------


def summarise(draft: str, report: str | None, assessment: Assessment) -> ReviewRow:
    """A summary row: the Assessment's own headline figures, and the problems to look at."""
    figures = assessment.figures
    if figures is None:
        raise ValueError("an Assessment without figures cannot be summarised")
    depth = (
        f"{figures.depth_level} {figures.depth_name}" if figures.depth_level is not None else None
    )
    return ReviewRow(
        draft=draft,
        report=report,
        words=figures.words,
        word_limit=figures.word_limit,
        limit_status=figures.word_status,
        depth_level=depth,
        reflective_share=figures.reflective_share,
        pksb_areas_covered=[area.name for area in figures.areas_covered],
        criteria_met=figures.criteria_met,
        criteria_total=figures.criteria_total,
        problems=_problems(assessment),
        warnings=list(assessment.warnings),
    )


def _problems(assessment: Assessment) -> list[str]:
    """Over the limit, the feedback's priorities, and expected PKSB areas not shown."""
    problems: list[str] = []
    wc = assessment.word_count
    if wc.status == "over":
        problems.append(f"over the word limit by {wc.words_to_cut}")
    if assessment.feedback is not None:
        for point in assessment.feedback.priorities:
            title = " ".join(point.title.split())
            if title and title not in problems:
                problems.append(title)
    if assessment.pksb is not None and assessment.pksb.missing_expected:
        names = {a.id: a.name for a in assessment.pksb.areas}
        missing = [names.get(i, i) for i in assessment.pksb.missing_expected]
        problems.append(f"expected PKSB areas not shown: {', '.join(missing)}")
    return problems


# --- the work ---------------------------------------------------------------------------------


class _Task(BaseModel):
    path: str
    draft: str
    report: str


class _Settings(BaseModel):
    options: dict[str, Any]
    fmt: str
    out_dir: str
    force: bool


def _review_chunk(tasks: list[_Task], settings: _Settings, runtime: Runtime) -> list[ReviewRow]:
    """Assess a chunk with one assess_many call, then render and write each report."""
    from pksb_reflect.api import AssessOptions, assess_many
    from pksb_reflect.io.output import write_report
    from pksb_reflect.render import render

    options = AssessOptions(**settings.options)
    paths = [Path(task.path) for task in tasks]
    try:
        results = assess_many(paths, options, runtime=runtime)
    except Exception:
        # Something unexpected broke the batch: assess one by one to isolate the draft.
        results = [_assess_alone(path, options, runtime) for path in paths]
    rows: list[ReviewRow] = []
    for task, result in zip(tasks, results, strict=True):
        if isinstance(result, PksbError):
            rows.append(ReviewRow(draft=task.draft, ok=False, error=_error_text(result, task)))
            continue
        try:
            report = render(result, settings.fmt)
            write_report(Path(settings.out_dir) / task.report, report, force=settings.force)
        except PksbError as exc:
            rows.append(ReviewRow(draft=task.draft, ok=False, error=exc.one_line()))
            continue
        rows.append(summarise(task.draft, task.report, result))
    return rows


def _assess_alone(path: Path, options: AssessOptions, runtime: Runtime) -> Assessment | PksbError:
    """One draft through assess_many; an unexpected failure becomes that draft's error."""
    from pksb_reflect.api import assess_many

    try:
        return assess_many([path], options, runtime=runtime)[0]
    except Exception as exc:
        return PksbError(f"internal error: {type(exc).__name__}: {exc}", str(path))


def _error_text(error: PksbError, task: _Task) -> str:
    """The error in one line, naming the draft by its relative path."""
    text = " ".join(error.message.split())
    return f"{task.draft}: {text}"


_worker_runtime: Runtime | None = None


def _worker_init(threads: int, disk_cache: bool) -> None:
    """In a spawned worker: its share of the cores, and the runtime it keeps for its chunks."""
    global _worker_runtime
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = str(threads)
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    _worker_runtime = Runtime(disk_cache=disk_cache)


def _review_chunk_in_worker(tasks: list[_Task], settings: _Settings) -> list[ReviewRow]:
    if _worker_runtime is None:
        raise RuntimeError("review worker started without its runtime")
    return _review_chunk(tasks, settings, _worker_runtime)


def _chunks(tasks: list[_Task], size: int) -> Iterator[list[_Task]]:
    for start in range(0, len(tasks), size):
        yield tasks[start : start + size]


def review(
    folder: str | Path,
    out_dir: str | Path,
    *,
    route: str = "chartership",
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

    `runtime` (default: a new one with `disk_cache`) serves a one-process review; with
    `jobs > 1` each worker process builds its own.

    Raises UsageError for a bad folder, route or format, and OutputError when the out dir or
    the summary cannot be written (or would overwrite files without `force`). Drafts that
    cannot be read are rows with `ok=False`; the rest are reviewed regardless.
    """
    from pksb_reflect.api import check_options, make_options
    from pksb_reflect.render import renderer_for

    started = time.perf_counter()
    renderer_for(fmt)  # UsageError for an unknown format, before any work
    check_options(route, framework)
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    root = Path(folder)
    out = Path(out_dir)
    if root.is_dir() and out.exists() and real_path(out) == real_path(root):
        raise UsageError("--out must be a different folder from the drafts folder", str(out))
    drafts = find_drafts(root, exclude=[out])
    relative = [path.relative_to(root).as_posix() for path in drafts]
    names = report_names(relative, fmt)
    _prepare_out_dir(out, [*names, *RESERVED], force)
    if on_start is not None:
        on_start(len(drafts))

    options = make_options(
        route,
        framework,
        count_headings=count_headings,
        count_references=count_references,
        **({"max_bytes": max_bytes} if max_bytes else {}),
        **({"max_seconds": max_seconds} if max_seconds else {}),
    )
    settings = _Settings(options=options.model_dump(), fmt=fmt, out_dir=str(out), force=force)
    tasks = [
        _Task(path=str(path), draft=rel, report=name)
        for path, rel, name in zip(drafts, relative, names, strict=True)
    ]
    rows_by_draft: dict[str, ReviewRow] = {}
    done = 0

    def record(rows: list[ReviewRow]) -> None:
        nonlocal done
        for row in rows:
            rows_by_draft[row.draft] = row
            done += 1
            if progress is not None:
                progress(row, done, len(tasks))

    jobs = max(1, min(jobs, len(tasks))) if tasks else 1
    if jobs == 1:
        runtime = runtime or Runtime(disk_cache=disk_cache)
        for chunk in _chunks(tasks, chunk_size):
            record(_review_chunk(chunk, settings, runtime))
    else:
        _run_parallel(tasks, settings, jobs, chunk_size, record, disk_cache)

    rows = [rows_by_draft[task.draft] for task in tasks]
    summary_csv = out / SUMMARY_CSV
    index_html = out / INDEX_HTML
    from pksb_reflect.io.output import write_report

    write_report(summary_csv, summary_to_csv(rows), force=True)
    write_report(index_html, summary_to_html(rows, route=route, fmt=fmt), force=True)
    return ReviewResult(
        folder=str(root),
        out_dir=str(out),
        route=route,
        format=fmt,
        jobs=jobs,
        rows=rows,
        summary_csv=str(summary_csv),
        index_html=str(index_html),
        seconds=time.perf_counter() - started,
    )


def _run_parallel(
    tasks: list[_Task],
    settings: _Settings,
    jobs: int,
    chunk_size: int,
    record: Callable[[list[ReviewRow]], None],
    disk_cache: bool,
) -> None:
    """Chunks of drafts to `jobs` spawned worker processes, each loading the models once."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # Small enough chunks that every worker gets several, so progress moves and loads balance.
    size = max(1, min(chunk_size, -(-len(tasks) // (jobs * 2))))
    threads = max(1, (os.cpu_count() or 1) // jobs)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=context,
        initializer=_worker_init,
        initargs=(threads, disk_cache),
    ) as pool:
        futures = {
            pool.submit(_review_chunk_in_worker, chunk, settings): chunk
            for chunk in _chunks(tasks, size)
        }
        for future in as_completed(futures):
            chunk = futures[future]
            try:
                record(future.result())
            except PksbError as exc:
                record([ReviewRow(draft=t.draft, ok=False, error=exc.one_line()) for t in chunk])
            except Exception as exc:  # a crashed worker fails its chunk, not the review
                message = f"worker failed ({type(exc).__name__}: {exc})"
                record([ReviewRow(draft=t.draft, ok=False, error=message) for t in chunk])


def _prepare_out_dir(out: Path, names: Sequence[str], force: bool) -> None:
    """Create the out dir; refuse before any work if it would overwrite files unasked."""
    if out.exists() and not out.is_dir():
        raise OutputError("is a file, not a folder", str(out))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot be created ({exc.strerror or exc})", str(out)) from None
    if force:
        return
    clashes = [name for name in names if (out / name).exists()]
    if clashes:
        more = f" and {len(clashes) - 1} more" if len(clashes) > 1 else ""
        raise OutputError(f"already holds {clashes[0]}{more}; pass --force to overwrite", str(out))


# --- the summary ------------------------------------------------------------------------------


def summary_to_csv(rows: Sequence[ReviewRow]) -> str:
    """summary.csv: one line per draft, the summary columns plus the report file name."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*SUMMARY_COLUMNS, "report"])
    for row in rows:
        cells = row.cells()
        writer.writerow([_csv_safe(cells[c]) for c in SUMMARY_COLUMNS] + [row.report or ""])
    return buffer.getvalue()


def _csv_safe(value: str) -> str:
    """Stop a spreadsheet reading a cell as a formula (a draft could be named '=cmd...')."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


_STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1d1d1f}
h1{font-size:1.4rem;margin:0 0 .3rem}p.meta{color:#555;margin:0 0 1rem}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.35rem .5rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}tr.failed td{background:#fdecea}
td.num{text-align:right;white-space:nowrap}.over{color:#b00020;font-weight:600}
.near{color:#8a6d00}.under{color:#1b6e20}
"""


def summary_to_html(rows: Sequence[ReviewRow], *, route: str, fmt: str) -> str:
    """index.html: a self-contained page (inline CSS, no scripts); all user text escaped."""
    esc = html.escape
    failed = sum(1 for row in rows if not row.ok)
    head = "".join(f"<th>{esc(column)}</th>" for column in SUMMARY_COLUMNS)
    body: list[str] = []
    for row in rows:
        cells = row.cells()
        draft = esc(cells["draft"])
        if row.ok and row.report:
            draft = f'<a href="{esc(_href(row.report))}">{draft}</a>'
        status = esc(cells["limit status"])
        if row.limit_status in ("over", "near", "under"):
            status = f'<span class="{row.limit_status}">{status}</span>'
        tds = [
            f"<td>{draft}</td>",
            f'<td class="num">{esc(cells["words"])}</td>',
            f"<td>{status}</td>",
            f"<td>{esc(cells['depth level'])}</td>",
            f'<td class="num">{esc(cells["reflective share"])}</td>',
            f"<td>{esc(cells['PKSB areas covered'])}</td>",
            f'<td class="num">{esc(cells["criteria met"])}</td>',
            f"<td>{esc(cells['problems found'])}</td>",
        ]
        css = ' class="failed"' if not row.ok else ""
        body.append(f"<tr{css}>{''.join(tds)}</tr>")
    summary = f"{len(rows)} drafts reviewed for {esc(route)}"
    if failed:
        summary += f"; {failed} could not be reviewed"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>pksb-reflect review</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n<h1>pksb-reflect review</h1>\n"
        f'<p class="meta">{summary}. Reports are {esc(fmt)} files beside this page.</p>\n'
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(body)
        + "\n</tbody>\n</table>\n</body>\n</html>\n"
    )


def _href(name: str) -> str:
    from urllib.parse import quote

    return quote(name)
