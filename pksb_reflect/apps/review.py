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
from typing import Any

from pydantic import BaseModel, Field

from pksb_reflect.errors import EXIT_OK, EXIT_PARTIAL, OutputError, PksbError, UsageError
from pksb_reflect.io.ingest import find_documents, real_path

DRAFT_SUFFIXES = (".txt", ".md", ".docx", ".pdf")
REPORT_SUFFIX = {"html": ".html", "markdown": ".md", "json": ".json", "text": ".txt"}
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
    suffix = REPORT_SUFFIX[fmt]
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


# --- reading the assessment defensively -------------------------------------------------------


def _first(obj: Any, names: Sequence[str]) -> Any:
    """The first attribute (or mapping key) of `obj` among `names` that is present and set."""
    if obj is None:
        return None
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value is not None:
            return value
    return None


def _label(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str | int | float):
        return str(value)
    label = _first(value, ("label", "name", "level", "value"))
    return str(label) if label is not None else str(value)


def _fraction(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        share = float(value)
        return share / 100 if share > 1 else share
    return _fraction(_first(value, ("share", "fraction", "value")))


def _covered_areas(pksb: Any) -> list[str] | None:
    if pksb is None:
        return None
    covered = _first(pksb, ("covered_areas", "areas_covered", "covered"))
    if covered is not None:
        return [_area_id(item) for item in covered]
    areas = _first(pksb, ("areas",))
    if areas is None:
        return None
    out = []
    for area in areas:
        strength = _first(area, ("strength", "score"))
        touched = _first(area, ("covered", "touched"))
        if touched is True or (touched is None and strength is not None and strength >= 0.5):
            out.append(_area_id(area))
    return out


def _area_id(item: Any) -> str:
    return str(item) if isinstance(item, str) else str(_first(item, ("id", "name")) or item)


def _criteria(feedback: Any) -> tuple[int | None, int | None]:
    criteria = _first(feedback, ("criteria",))
    if not criteria:
        return None, None
    met = 0
    for item in criteria:
        flag = _first(item, ("met", "is_met"))
        status = _first(item, ("judgement", "status", "verdict"))
        if flag is True or (flag is None and str(status).lower() in ("met", "strong", "yes")):
            met += 1
    return met, len(criteria)


def _problems(assessment: Any) -> list[str]:
    problems: list[str] = []
    wc = assessment.word_count
    if wc.status == "over":
        problems.append(f"over the word limit by {wc.words_to_cut}")
    feedback = getattr(assessment, "feedback", None)
    listed = _first(feedback, ("problems", "issues", "priorities", "findings"))
    for item in listed or []:
        text = item if isinstance(item, str) else _first(item, ("title", "summary", "text"))
        text = " ".join(str(text or "").split())
        if text and text not in problems:
            problems.append(text)
    pksb = getattr(assessment, "pksb", None)
    missing = _first(pksb, ("missing_expected",))
    if missing:
        problems.append(f"expected PKSB areas not shown: {', '.join(map(str, missing))}")
    return problems


def depth_level(assessment: Any) -> str | None:
    """'2 descriptive reflection' from Assessment.reflection, when it exists."""
    reflection = getattr(assessment, "reflection", None)
    document = _first(reflection, ("document",)) or reflection
    level = _first(document, ("level", "depth_level", "depth"))
    name = _first(document, ("level_name",))
    if level is not None and name is not None and not isinstance(level, str):
        return f"{level} {name}"
    return _label(level) if level is not None else _label(name)


def reflective_share(assessment: Any) -> float | None:
    """The share of reflective sentences (0-1) from Assessment.reflection, when it exists."""
    reflection = getattr(assessment, "reflection", None)
    document = _first(reflection, ("document",)) or reflection
    return _fraction(
        _first(document, ("reflective_share", "reflective_fraction", "share_reflective"))
    )


def summarise(draft: str, report: str | None, assessment: Any) -> ReviewRow:
    """A summary row from an Assessment; fields other engineers add are read with getattr."""
    met, total = _criteria(getattr(assessment, "feedback", None))
    return ReviewRow(
        draft=draft,
        report=report,
        words=assessment.word_count.counted,
        word_limit=assessment.word_count.limit,
        limit_status=assessment.word_count.status,
        depth_level=depth_level(assessment),
        reflective_share=reflective_share(assessment),
        pksb_areas_covered=_covered_areas(getattr(assessment, "pksb", None)),
        criteria_met=met,
        criteria_total=total,
        problems=_problems(assessment),
        warnings=list(assessment.warnings),
    )


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


def _review_chunk(tasks: list[_Task], settings: _Settings) -> list[ReviewRow]:
    """Assess a chunk with one assess_many call, then render and write each report."""
    from pksb_reflect.api import AssessOptions, assess_many
    from pksb_reflect.io.output import write_report
    from pksb_reflect.render import render

    options = AssessOptions(**settings.options)
    paths = [Path(task.path) for task in tasks]
    try:
        results = assess_many(paths, options)
    except Exception:
        # Something unexpected broke the batch: assess one by one to isolate the draft.
        results = [_assess_alone(path, options) for path in paths]
    rows: list[ReviewRow] = []
    for task, result in zip(tasks, results, strict=True):
        if isinstance(result, PksbError):
            rows.append(ReviewRow(draft=task.draft, ok=False, error=_error_text(result, task)))
            continue
        try:
            report = render(result, settings.fmt)  # type: ignore[arg-type]
            write_report(Path(settings.out_dir) / task.report, report, force=settings.force)
        except PksbError as exc:
            rows.append(ReviewRow(draft=task.draft, ok=False, error=exc.one_line()))
            continue
        rows.append(summarise(task.draft, task.report, result))
    return rows


def _assess_alone(path: Path, options: Any) -> Any:
    """One draft through assess_many; an unexpected failure becomes that draft's error."""
    from pksb_reflect.api import assess_many

    try:
        return assess_many([path], options)[0]
    except Exception as exc:
        return PksbError(f"internal error: {type(exc).__name__}: {exc}", str(path))


def _error_text(error: PksbError, task: _Task) -> str:
    """The error in one line, naming the draft by its relative path."""
    text = " ".join(error.message.split())
    return f"{task.draft}: {text}"


def _worker_init(threads: int) -> None:
    """Give each worker its share of the cores before torch is imported."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = str(threads)
    os.environ["TOKENIZERS_PARALLELISM"] = "false"


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
    progress: ProgressCallback | None = None,
    on_start: Callable[[int], None] | None = None,
) -> ReviewResult:
    """Review every draft under `folder`, writing reports and a summary into `out_dir`.

    Raises UsageError for a bad folder, route or format, and OutputError when the out dir or
    the summary cannot be written (or would overwrite files without `force`). Drafts that
    cannot be read are rows with `ok=False`; the rest are reviewed regardless.
    """
    from pksb_reflect.api import check_options, make_options
    from pksb_reflect.render import FORMATS

    started = time.perf_counter()
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
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
        for chunk in _chunks(tasks, chunk_size):
            record(_review_chunk(chunk, settings))
    else:
        _run_parallel(tasks, settings, jobs, chunk_size, record)

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
) -> None:
    """Chunks of drafts to `jobs` spawned worker processes, each loading the models once."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # Small enough chunks that every worker gets several, so progress moves and loads balance.
    size = max(1, min(chunk_size, -(-len(tasks) // (jobs * 2))))
    threads = max(1, (os.cpu_count() or 1) // jobs)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_worker_init, initargs=(threads,)
    ) as pool:
        futures = {
            pool.submit(_review_chunk, chunk, settings): chunk for chunk in _chunks(tasks, size)
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
