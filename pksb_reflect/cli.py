"""The `pksb-reflect` command: a thin click layer over the library.

Only click and our light modules load at start-up, so `--help` answers at once; spaCy and the
encoder load when a command needs them. Every failure is one line on stderr and an exit code:
0 success, 1 some drafts failed (review), 2 usage, 3 input, 4 model, 5 output, 70 an internal
error (a bug: please report it).
"""

from __future__ import annotations

import math
import os
import signal
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pksb_reflect import __version__
from pksb_reflect.errors import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, PksbError, UsageError
from pksb_reflect.framework import FRAMEWORK_VERSIONS, ROUTE_IDS
from pksb_reflect.render import REGISTRY

if TYPE_CHECKING:
    from pksb_reflect.apps.compare import CompareFormat
    from pksb_reflect.apps.review import ReviewRow
    from pksb_reflect.results import Assessment
    from pksb_reflect.runtime import Runtime

PROG = "pksb-reflect"
COMPARE_FORMATS = ("text", "json", "markdown")
NO_CACHE_HELP = "neither read nor write the on-disk embedding cache"


class _Megabytes(click.ParamType):
    name = "MB"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            size = float(value)
        except ValueError:
            self.fail(f"not a number of megabytes: {value!r}", param, ctx)
        if not math.isfinite(size) or size > 1024 * 1024:
            self.fail(f"not a usable number of megabytes: {value!r}", param, ctx)
        if size <= 0:
            self.fail("must be more than 0", param, ctx)
        return int(size * 1024 * 1024)


class _Seconds(click.ParamType):
    name = "S"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        try:
            seconds = float(value)
        except ValueError:
            self.fail(f"not a number of seconds: {value!r}", param, ctx)
        if not math.isfinite(seconds) or seconds <= 0:
            self.fail("must be a number of seconds more than 0", param, ctx)
        return seconds


class _Day(click.ParamType):
    """A date as the CPD log accepts it: ISO (2025-03-31) or UK day-first (31/03/2025)."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        from pksb_reflect.analysis.cpd import parse_date

        try:
            return parse_date(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def _framework_option(command: Any) -> Any:
    return click.option(
        "--framework",
        type=click.Choice(FRAMEWORK_VERSIONS),
        default="2021",
        show_default=True,
        help="PKSB version",
    )(command)


def _route_options(command: Any) -> Any:
    """--route and --framework, as check and compare take them."""
    return click.option(
        "--route", type=click.Choice(ROUTE_IDS), default="chartership", show_default=True
    )(_framework_option(command))


def _review_route_options(command: Any) -> Any:
    """review's --route (auto: each draft's own title or name) and its fallback, --framework."""
    command = click.option(
        "--fallback-route",
        type=click.Choice(ROUTE_IDS),
        default="chartership",
        show_default=True,
        help="with --route auto, the route of a draft that names none",
    )(_framework_option(command))
    return click.option(
        "--route",
        type=click.Choice(("auto", *ROUTE_IDS)),
        default="auto",
        show_default=True,
        help="auto: each draft's route from its title, headings or file name",
    )(command)


def _counting_options(max_size_help: str, max_seconds_help: str) -> Any:
    """The word-counting flags and the input bounds, as check and review take them."""

    def decorate(command: Any) -> Any:
        for option in reversed(
            (
                click.option(
                    "--count-headings", is_flag=True, help="count headings towards the limit"
                ),
                click.option(
                    "--count-references",
                    is_flag=True,
                    help="count the reference list and evidence labels towards the limit",
                ),
                click.option("--max-size", type=_Megabytes(), default=None, help=max_size_help),
                click.option("--max-seconds", type=_Seconds(), default=None, help=max_seconds_help),
                click.option("--no-cache", is_flag=True, help=NO_CACHE_HELP),
            )
        ):
            command = option(command)
        return command

    return decorate


def _runtime(no_cache: bool) -> Runtime:
    from pksb_reflect.runtime import Runtime

    return Runtime(disk_cache=not no_cache)


@click.group(
    name=PROG,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=(
        "Mentor-style feedback on CILIP Professional Registration statements: word limits, "
        "reflective writing and PKSB coverage. Everything runs on this machine."
    ),
)
@click.version_option(__version__, prog_name=PROG, message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context) -> None:
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_usage(), err=True)
        click.echo(f"Try '{PROG} --help' for the commands, or '{PROG} check FILE'.", err=True)
        ctx.exit(EXIT_USAGE)


@cli.command(help="Check one reflective statement against a registration route.")
@click.argument("file", metavar="FILE")
@_route_options
@click.option(
    "--format", "fmt", type=click.Choice(tuple(REGISTRY)), default="text", show_default=True
)
@click.option("--out", metavar="PATH", help="write the report here instead of stdout")
@click.option("--force", is_flag=True, help="overwrite an existing --out file")
@_counting_options(
    "largest input file to read, in MB (default: 20)",
    "longest time to spend reading and analysing the statement (default: 60)",
)
@click.option(
    "--evidence",
    multiple=True,
    metavar="PATH",
    help="an evidence file or folder (.txt, .md, .docx, .pdf); repeat for more",
)
@click.option("--pksb-audit", metavar="FILE", help="PKSB self-assessment, CSV or YAML")
@click.option(
    "--cpd-log", metavar="FILE", help="CPD log for revalidation, CSV: date, activity, hours"
)
@click.option(
    "--cpd-year-end",
    type=_Day(),
    default=None,
    help="last day of the registration year (default: the latest CPD entry)",
)
def check(
    file: str,
    route: str,
    framework: str,
    fmt: str,
    out: str | None,
    force: bool,
    count_headings: bool,
    count_references: bool,
    max_size: int | None,
    max_seconds: float | None,
    no_cache: bool,
    evidence: tuple[str, ...],
    pksb_audit: str | None,
    cpd_log: str | None,
    cpd_year_end: date | None,
) -> None:
    """FILE is a statement (.txt, .md, .docx, .pdf) or - for standard input."""
    from pksb_reflect.api import assess
    from pksb_reflect.errors import display_name
    from pksb_reflect.io.ingest import DEFAULT_MAX_BYTES
    from pksb_reflect.limits import DEFAULT_MAX_SECONDS, LOAD_GRACE_SECONDS, hard_time_limit
    from pksb_reflect.render import render

    inputs = [file, *evidence, *(p for p in (pksb_audit, cpd_log) if p)]
    binary = REGISTRY[fmt].binary
    if binary and not out:
        raise UsageError(f"--format {fmt} writes a file: give it with --out PATH")
    if out:  # fail before the analysis, not after it
        from pksb_reflect.io.output import check_writable

        check_writable(out, force=force, protect=inputs)
    seconds = max_seconds or DEFAULT_MAX_SECONDS
    shown = "<stdin>" if file == "-" else display_name(file)
    with hard_time_limit(seconds + LOAD_GRACE_SECONDS, shown):
        # FILE is always a path (or '-'): a Path is never mistaken for the statement's text.
        assessment = assess(
            file if file == "-" else Path(file),
            route,
            framework=framework,
            count_headings=count_headings,
            count_references=count_references,
            max_bytes=max_size or DEFAULT_MAX_BYTES,
            max_seconds=seconds,
            evidence=list(evidence),
            pksb_audit=pksb_audit,
            cpd_log=cpd_log,
            cpd_year_end=cpd_year_end,
            runtime=_runtime(no_cache),
        )
    to_terminal = out is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    report: str | bytes
    if binary:
        from pksb_reflect.render import render_bytes

        # The Word report copies a .docx statement: it gets the file's bytes, and checks they
        # hash to the assessed source's sha256 (a file changed meanwhile is refused).
        report = render_bytes(assessment, fmt, original=_original_bytes(file, assessment))
    else:
        report = render(assessment, fmt, color=to_terminal)
    if out:
        from pksb_reflect.io.output import write_report

        write_report(out, report, force=force, protect=inputs)
    elif isinstance(report, str):
        from pksb_reflect.io.output import write_stdout

        write_stdout(report)
    for warning in assessment.warnings:
        sys.stderr.write(f"{PROG}: warning: {warning}\n")


def _original_bytes(file: str, assessment: Assessment) -> bytes | None:
    """The statement file's bytes, for a report that copies it (a .docx read from a path)."""
    if assessment.source.format != "docx" or file == "-":
        return None
    from pksb_reflect.errors import InputError, display_name

    try:
        return Path(file).read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot be read again ({exc.strerror or exc})", display_name(file)
        ) from None


@cli.command(
    help=(
        "Review every statement (.txt, .md, .docx, .pdf) under FOLDER, flat or one folder per "
        "mentee (evidence/, PKSB audit and CPD log beside the statement): one report per draft "
        "in --out, plus summary.csv and index.html. Exit code 1 if some drafts could not be "
        "reviewed, 130 or 143 if stopped by a signal."
    )
)
@click.argument("folder", metavar="FOLDER")
@_review_route_options
@click.option("--out", metavar="DIR", required=True, help="folder for the reports")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(tuple(name for name, r in REGISTRY.items() if not r.binary)),
    default="html",
    show_default=True,
)
@click.option(
    "--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="worker processes"
)
@click.option("--force", is_flag=True, help="overwrite existing reports")
@_counting_options(
    "largest file, in MB (default: 20)", "longest time to spend on any one draft (default: 60)"
)
def review(
    folder: str,
    route: str,
    fallback_route: str,
    framework: str,
    out: str,
    fmt: str,
    jobs: int,
    force: bool,
    count_headings: bool,
    count_references: bool,
    max_size: int | None,
    max_seconds: float | None,
    no_cache: bool,
) -> None:
    from pksb_reflect.apps.review import ReviewStopped
    from pksb_reflect.apps.review import review as review_folder
    from pksb_reflect.limits import Stopped, stop_on_signals

    with _ReviewProgress() as progress, stop_on_signals():
        try:
            result = review_folder(
                folder,
                out,
                route=route,
                fallback_route=fallback_route,
                framework=framework,
                fmt=fmt,
                jobs=jobs,
                force=force,
                count_headings=count_headings,
                count_references=count_references,
                max_bytes=max_size,
                max_seconds=max_seconds,
                disk_cache=not no_cache,
                progress=progress.advance,
                on_start=progress.start,
            )
        except ReviewStopped as stopped:
            result = stopped.result
        except Stopped as stopped:  # before any draft was started: nothing to summarise
            name = signal.Signals(stopped.signum).name
            sys.stderr.write(f"{PROG}: stopped by {name} before any draft was reviewed\n")
            click.get_current_context().exit(stopped.exit_code)
    for line in result.lines():
        sys.stderr.write(f"{PROG}: {line}\n")
    click.get_current_context().exit(result.exit_code)


class _ReviewProgress:
    """A rich progress bar on stderr (drafts done of total, ETA), only on a terminal.

    Drafts that fail are reported as one line each, above the bar or plainly.
    """

    def __init__(self) -> None:
        from rich.progress import Progress, TaskID

        self._bar: Progress | None = None
        self._task: TaskID | None = None

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

    def advance(self, row: ReviewRow, done: int, total: int) -> None:
        if not row.ok:
            line = f"{PROG}: error: {row.error or ''}"
            if self._bar is not None:
                self._bar.console.print(line, markup=False, highlight=False)
            else:
                sys.stderr.write(line + "\n")
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


@cli.command(help="Compare two drafts: figures, PKSB coverage and paragraphs changed.")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@_route_options
@click.option(
    "--format", "fmt", type=click.Choice(COMPARE_FORMATS), default="text", show_default=True
)
@click.option("--no-cache", is_flag=True, help=NO_CACHE_HELP)
def compare(
    old: str, new: str, route: str, framework: str, fmt: CompareFormat, no_cache: bool
) -> None:
    from pksb_reflect.apps.compare import compare as compare_drafts
    from pksb_reflect.apps.compare import render_comparison

    comparison = compare_drafts(old, new, route, framework=framework, runtime=_runtime(no_cache))
    from pksb_reflect.io.output import write_stdout

    write_stdout(render_comparison(comparison, fmt))


@cli.command(help="Open the local web page: paste or drop a statement and read its feedback.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--no-browser", is_flag=True, help="do not open the page in a browser")
def serve(port: int, host: str, no_browser: bool) -> None:
    from pksb_reflect.apps.serve import is_loopback, serve_forever

    if not is_loopback(host):
        sys.stderr.write(
            f"{PROG}: warning: listening on {host}, not this computer only: anyone who can "
            "reach it can use the page and see the statements checked there\n"
        )
    shown = f"[{host}]" if ":" in host else host
    sys.stderr.write(f"{PROG}: serving http://{shown}:{port}/ (press Ctrl+C to stop)\n")
    serve_forever(host, port, open_browser=not no_browser)


@cli.command(help="Print the JSON schema of the Assessment.")
def schema() -> None:
    import json

    from pksb_reflect.io.output import write_stdout
    from pksb_reflect.results import Assessment

    write_stdout(json.dumps(Assessment.model_json_schema(), indent=2) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run a command and turn every failure into one line and an exit code."""
    try:
        code = cli.main(
            args=list(argv) if argv is not None else None, prog_name=PROG, standalone_mode=False
        )
    except click.UsageError as exc:
        where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        sys.stderr.write(f"{PROG}: error: {' '.join(exc.format_message().split())}{where}\n")
        return EXIT_USAGE
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.Abort:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130
    except PksbError as exc:
        sys.stderr.write(f"{PROG}: error: {exc.one_line()}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the promise is one line, never a traceback
        if os.environ.get("PKSB_REFLECT_DEBUG"):
            raise
        sys.stderr.write(
            f"{PROG}: internal error: {type(exc).__name__}: {exc} "
            "(set PKSB_REFLECT_DEBUG=1 for details)\n"
        )
        return EXIT_INTERNAL
    return code if isinstance(code, int) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
