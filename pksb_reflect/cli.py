"""The `pksb-reflect` command: a thin layer over the library.

Only argparse and our light modules load at start-up, so `--help` answers at once; spaCy and
the encoder load when a command needs them. Every failure is one line on stderr and an exit code:
0 success, 1 some drafts failed (review), 2 usage, 3 input, 4 model, 5 output, 70 an
internal error (a bug: please report it).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pksb_reflect import __version__

if TYPE_CHECKING:
    from pksb_reflect.results import Assessment

from pksb_reflect.errors import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, PksbError

ROUTES = ("certification", "chartership", "fellowship", "revalidation")
FRAMEWORKS = ("2021", "2014")
CHECK_FORMATS = ("text", "json", "markdown", "html")
# Offered by `review`; those not yet in pksb_reflect.render.FORMATS are refused when run.
REVIEW_FORMATS = ("html", "markdown", "json", "text")
COMPARE_FORMATS = ("text", "json", "markdown")
NO_CACHE_HELP = "neither read nor write the on-disk embedding cache"


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit with our usage code and one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(EXIT_USAGE)


def _megabytes(value: str) -> int:
    try:
        size = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of megabytes: {value!r}") from None
    if not math.isfinite(size) or size > 1024 * 1024:
        raise argparse.ArgumentTypeError(f"not a usable number of megabytes: {value!r}")
    if size <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return int(size * 1024 * 1024)


def _day(value: str) -> date:
    """A date as the CPD log accepts it: ISO (2025-03-31) or UK day-first (31/03/2025)."""
    from pksb_reflect.analysis.cpd import parse_date

    try:
        return parse_date(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise argparse.ArgumentTypeError("must be a number of seconds more than 0")
    return seconds


def _add_route_options(parser: argparse.ArgumentParser) -> None:
    """--route and --framework, as check, review and compare take them."""
    parser.add_argument(
        "--route", choices=ROUTES, default="chartership", help="default: chartership"
    )
    parser.add_argument(
        "--framework", choices=FRAMEWORKS, default="2021", help="PKSB version (default: 2021)"
    )


def _add_counting_options(
    parser: argparse.ArgumentParser, *, max_size_help: str, max_seconds_help: str
) -> None:
    """The word-counting flags and the input bounds, as check and review take them."""
    parser.add_argument(
        "--count-headings", action="store_true", help="count headings towards the word limit"
    )
    parser.add_argument(
        "--count-references",
        action="store_true",
        help="count the reference list and evidence labels towards the word limit",
    )
    parser.add_argument(
        "--max-size", type=_megabytes, default=None, metavar="MB", help=max_size_help
    )
    parser.add_argument(
        "--max-seconds", type=_seconds, default=None, metavar="S", help=max_seconds_help
    )


def _apply_no_cache(args: argparse.Namespace) -> None:
    """Turn the on-disk embedding cache off for this run when --no-cache was given."""
    if args.no_cache:
        from pksb_reflect.nlp.cache import disable_disk_cache

        disable_disk_cache()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="pksb-reflect",
        description=(
            "Mentor-style feedback on CILIP Professional Registration statements: word limits, "
            "reflective writing and PKSB coverage. Everything runs on this machine."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    check = commands.add_parser(
        "check",
        help="check one statement and print its report",
        description="Check one reflective statement against a registration route.",
    )
    check.add_argument(
        "file", metavar="FILE", help="statement (.txt, .md, .docx, .pdf) or - for stdin"
    )
    _add_route_options(check)
    check.add_argument("--format", choices=CHECK_FORMATS, default="text", help="default: text")
    check.add_argument("--out", metavar="PATH", help="write the report here instead of stdout")
    check.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    _add_counting_options(
        check,
        max_size_help="largest input file to read, in MB (default: 20)",
        max_seconds_help="longest time to spend reading and analysing the statement (default: 60)",
    )
    check.add_argument("--no-cache", action="store_true", help=NO_CACHE_HELP)
    check.add_argument(
        "--evidence",
        nargs="+",
        default=[],
        metavar="PATH",
        help="evidence files or folders (.txt, .md, .docx, .pdf; folders searched recursively)",
    )
    check.add_argument(
        "--pksb-audit",
        metavar="FILE",
        help="PKSB self-assessment, CSV or YAML: skill, current, desired, comment",
    )
    check.add_argument(
        "--cpd-log", metavar="FILE", help="CPD log for revalidation, CSV: date, activity, hours"
    )
    check.add_argument(
        "--cpd-year-end",
        type=_day,
        metavar="DATE",
        help="last day of the registration year (default: the latest CPD entry)",
    )
    check.set_defaults(handler=_run_check)
    _add_review_parser(commands)
    _add_compare_parser(commands)

    schema = commands.add_parser("schema", help="print the JSON schema of the assessment")
    schema.set_defaults(handler=_run_schema)
    return parser


def _run_check(args: argparse.Namespace) -> int:
    _apply_no_cache(args)
    from pksb_reflect.errors import display_name
    from pksb_reflect.limits import DEFAULT_MAX_SECONDS, LOAD_GRACE_SECONDS, hard_time_limit
    from pksb_reflect.render import render

    if args.out:  # fail before the analysis, not after it
        from pksb_reflect.io.output import check_writable

        check_writable(args.out, force=args.force, protect=[args.file])
    # FILE is always a path (or '-'): a Path is never mistaken for the statement's own text.
    seconds = args.max_seconds or DEFAULT_MAX_SECONDS
    shown = "<stdin>" if args.file == "-" else display_name(args.file)
    with hard_time_limit(seconds + LOAD_GRACE_SECONDS, shown):
        assessment = _assess_file(args, seconds)
    to_terminal = args.out is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    report = render(assessment, args.format, color=to_terminal)
    if args.out:
        from pksb_reflect.io.output import write_report

        write_report(args.out, report, force=args.force, protect=[args.file])
    else:
        sys.stdout.write(report)
    for warning in assessment.warnings:
        sys.stderr.write(f"pksb-reflect: warning: {warning}\n")
    return EXIT_OK


def _assess_file(args: argparse.Namespace, seconds: float) -> Assessment:
    """The `check` command's one assessment, with its options."""
    from pksb_reflect.api import assess
    from pksb_reflect.io.ingest import DEFAULT_MAX_BYTES

    return assess(
        args.file if args.file == "-" else Path(args.file),
        args.route,
        framework=args.framework,
        count_headings=args.count_headings,
        count_references=args.count_references,
        max_bytes=args.max_size or DEFAULT_MAX_BYTES,
        max_seconds=seconds,
        evidence=args.evidence,
        pksb_audit=args.pksb_audit,
        cpd_log=args.cpd_log,
        cpd_year_end=args.cpd_year_end,
    )


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return jobs


def _add_review_parser(commands: argparse._SubParsersAction) -> None:
    review = commands.add_parser(
        "review",
        help="review every draft in a folder: one report each and a summary",
        description=(
            "Review every statement (.txt, .md, .docx, .pdf) under FOLDER: one report per draft "
            "in DIR, plus summary.csv and index.html. Exit code 1 if some drafts could not be "
            "reviewed."
        ),
    )
    review.add_argument("folder", metavar="FOLDER", help="folder of drafts (searched recursively)")
    _add_route_options(review)
    review.add_argument("--out", metavar="DIR", required=True, help="folder for the reports")
    review.add_argument(
        "--format", choices=REVIEW_FORMATS, default=None, help="report format (default: html)"
    )
    review.add_argument(
        "--jobs", type=_jobs, default=1, metavar="N", help="worker processes (default: 1)"
    )
    review.add_argument("--force", action="store_true", help="overwrite existing reports")
    review.add_argument("--no-cache", action="store_true", help=NO_CACHE_HELP)
    _add_counting_options(
        review,
        max_size_help="largest file, in MB (default: 20)",
        max_seconds_help="longest time to spend on any one draft (default: 60)",
    )
    review.set_defaults(handler=_run_review)


def _add_compare_parser(commands: argparse._SubParsersAction) -> None:
    compare = commands.add_parser(
        "compare",
        help="say what changed between two drafts",
        description="Compare two drafts: figures, PKSB coverage and paragraphs changed.",
    )
    compare.add_argument("old", metavar="OLD", help="the earlier draft")
    compare.add_argument("new", metavar="NEW", help="the later draft")
    _add_route_options(compare)
    compare.add_argument("--format", choices=COMPARE_FORMATS, default="text", help="default: text")
    compare.add_argument("--no-cache", action="store_true", help=NO_CACHE_HELP)
    compare.set_defaults(handler=_run_compare)


def _run_review(args: argparse.Namespace) -> int:
    _apply_no_cache(args)
    from pksb_reflect.apps.review import review
    from pksb_reflect.render import FORMATS

    fmt = args.format or next(f for f in ("html", "markdown", "text") if f in FORMATS)
    with _ReviewProgress() as progress:
        result = review(
            args.folder,
            args.out,
            route=args.route,
            framework=args.framework,
            fmt=fmt,
            jobs=args.jobs,
            force=args.force,
            count_headings=args.count_headings,
            count_references=args.count_references,
            max_bytes=args.max_size,
            max_seconds=args.max_seconds,
            progress=progress.advance,
            on_start=progress.start,
        )
    failed = len(result.failed)
    sys.stderr.write(
        f"pksb-reflect: reviewed {len(result.rows) - failed} of {len(result.rows)} drafts "
        f"in {result.seconds:.1f} s; summary: {result.index_html}\n"
    )
    return result.exit_code


class _ReviewProgress:
    """A rich progress bar on stderr (drafts done of total, ETA), only on a terminal.

    Drafts that fail are reported as one line each, above the bar or plainly.
    """

    def __init__(self) -> None:
        self._bar = None
        self._task = None

    def __enter__(self) -> _ReviewProgress:
        return self

    def start(self, total: int) -> None:
        if not sys.stderr.isatty() or total == 0:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("reviewing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("drafts, ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task("review", total=total)

    def advance(self, row: object, done: int, total: int) -> None:
        if not getattr(row, "ok", True):
            line = f"pksb-reflect: error: {getattr(row, 'error', '')}"
            if self._bar is not None:
                self._bar.console.print(line, markup=False, highlight=False)
            else:
                sys.stderr.write(line + "\n")
        if self._bar is not None:
            self._bar.update(self._task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _run_compare(args: argparse.Namespace) -> int:
    _apply_no_cache(args)
    from pksb_reflect.apps.compare import compare, render_comparison

    comparison = compare(args.old, args.new, args.route, framework=args.framework)
    sys.stdout.write(render_comparison(comparison, args.format))
    return EXIT_OK


def _run_schema(args: argparse.Namespace) -> int:
    import json

    from pksb_reflect.results import Assessment

    sys.stdout.write(json.dumps(Assessment.model_json_schema(), indent=2) + "\n")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, run, and turn every failure into one line and an exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except PksbError as exc:
        sys.stderr.write(f"pksb-reflect: error: {exc.one_line()}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("pksb-reflect: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the promise is one line, never a traceback
        if os.environ.get("PKSB_REFLECT_DEBUG"):
            raise
        sys.stderr.write(
            f"pksb-reflect: internal error: {type(exc).__name__}: {exc} "
            "(set PKSB_REFLECT_DEBUG=1 for details)\n"
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
