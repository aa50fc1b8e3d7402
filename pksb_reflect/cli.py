"""The `pksb-reflect` command: a thin layer over the library.

Only argparse and our light modules load at start-up, so `--help` answers at once; spaCy and
the encoder load when a command needs them. Every failure is one line on stderr and an exit code:
0 success, 1 some drafts failed (review), 2 usage, 3 input, 4 model, 5 output, 70 an
internal error (a bug: please report it).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from . import __version__
from .errors import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, PksbError

ROUTES = ("certification", "chartership", "fellowship", "revalidation")
FRAMEWORKS = ("2021", "2014")
CHECK_FORMATS = ("text", "json")


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
    if size <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return int(size * 1024 * 1024)


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
    check.add_argument("file", metavar="FILE", help="statement (.txt, .md, .docx, .pdf) or - for stdin")
    check.add_argument("--route", choices=ROUTES, default="chartership", help="default: chartership")
    check.add_argument(
        "--framework", choices=FRAMEWORKS, default="2021", help="PKSB version (default: 2021)"
    )
    check.add_argument("--format", choices=CHECK_FORMATS, default="text", help="default: text")
    check.add_argument("--out", metavar="PATH", help="write the report here instead of stdout")
    check.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    check.add_argument(
        "--count-headings", action="store_true", help="count headings towards the word limit"
    )
    check.add_argument(
        "--count-references",
        action="store_true",
        help="count the reference list and evidence labels towards the word limit",
    )
    check.add_argument(
        "--max-size",
        type=_megabytes,
        default=None,
        metavar="MB",
        help="largest input file to read, in MB (default: 20)",
    )
    check.set_defaults(handler=_run_check)

    schema = commands.add_parser("schema", help="print the JSON schema of the assessment")
    schema.set_defaults(handler=_run_schema)
    return parser


def _run_check(args: argparse.Namespace) -> int:
    from .assess import assess
    from .ingest import DEFAULT_MAX_BYTES
    from .render import render

    assessment = assess(
        args.file,
        args.route,
        framework=args.framework,
        count_headings=args.count_headings,
        count_references=args.count_references,
        max_bytes=args.max_size or DEFAULT_MAX_BYTES,
    )
    to_terminal = args.out is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    report = render(assessment, args.format, color=to_terminal)
    if args.out:
        from .output import write_report

        write_report(args.out, report, force=args.force)
    else:
        sys.stdout.write(report)
    for warning in assessment.warnings:
        sys.stderr.write(f"pksb-reflect: warning: {warning}\n")
    return EXIT_OK


def _run_schema(args: argparse.Namespace) -> int:
    import json

    from .results import Assessment

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
