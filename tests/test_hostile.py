"""Hostile inputs: every kind ends in one clear line on stderr and its documented exit code.

No traceback, no input file changed (sha256 and mtime compared), no report half-written or
overwritten unasked, no network. The corpus is generated (tests/hostile.py); the two large files
are made once per session.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import hostile as h
import pytest

from pksb_reflect import cli
from pksb_reflect.errors import (
    EXIT_INPUT,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_USAGE,
    TimeLimitError,
    display_name,
)


@dataclass
class Run:
    """What one in-process `pksb-reflect` run left behind."""

    rc: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.err.splitlines()


def fingerprint(path: Path) -> tuple[str, int, int]:
    """sha256, mtime (ns) and size; for a link, of the link itself."""
    info = path.lstat()
    if path.is_symlink():
        return hashlib.sha256(os.readlink(path).encode()).hexdigest(), info.st_mtime_ns, 0
    if not stat.S_ISREG(info.st_mode):  # a pipe: reading it would block
        return "", info.st_mtime_ns, info.st_size
    return hashlib.sha256(path.read_bytes()).hexdigest(), info.st_mtime_ns, info.st_size


@contextmanager
def untouched(*paths: Path) -> Iterator[None]:
    """Assert the files are byte-for-byte and mtime-for-mtime the same afterwards."""
    before = {p: fingerprint(p) for p in paths}
    yield
    assert {p: fingerprint(p) for p in paths} == before


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    """Run the CLI in-process; check the promises every run keeps."""
    capsys.readouterr()
    try:
        rc = cli.main(list(argv))
    except SystemExit as exc:  # a usage error must be a return code, never an exit
        raise AssertionError(f"cli.main raised SystemExit({exc.code})") from None
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    for line in err.splitlines():  # every message is one line of ours
        assert line.startswith("pksb-reflect"), line
    errors = [line for line in err.splitlines() if ": error:" in line]
    assert len(errors) == (0 if rc == EXIT_OK else 1), err
    return Run(rc, out, err)


# --- the corpus -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.fixture(scope="session")
def huge_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return h.huge_text(tmp_path_factory.mktemp("huge"), megabytes=50)


@pytest.fixture(scope="session")
def many_pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return h.pdf_many_pages(tmp_path_factory.mktemp("pages"), pages=300)


def _json(run: Run) -> dict:
    return json.loads(run.out)


def _body_text(report: dict) -> str:
    return " ".join(p["text"] for p in report["outline"]["paragraphs"] if p["kind"] == "body")


def _utf16(report: dict) -> None:
    assert report["source"]["encoding"] == "utf-16-le"
    assert "county library" in _body_text(report)


def _cp1252(report: dict) -> None:
    assert report["source"]["encoding"] == "cp1252"
    assert "\u201cI learned\u201d" in _body_text(report)
    assert "team\u2019s" in _body_text(report)


def _invalid_utf8(report: dict) -> None:
    assert report["source"]["encoding"] == "utf-8"
    assert "café-library" in _body_text(report)  # the good UTF-8 is not turned to mojibake
    assert "\ufffd" in _body_text(report)


def _no_language_note(report: dict) -> None:
    assert not any("English" in w for w in report["warnings"])


def _tables(report: dict) -> None:
    assert "budget cycle" in _body_text(report)


def _tracked(report: dict) -> None:
    body = _body_text(report)
    assert h.TRACKED_ACCEPTED in body
    assert h.TRACKED_DELETED_WORD not in body and "twice" not in body
    assert h.COMMENT_TEXT not in json.dumps(report)
    accepted_words = len(h.TRACKED_ACCEPTED.split()) + len(h.STATEMENT.split())
    assert report["word_count"]["body"] == accepted_words


def _emoji(report: dict) -> None:
    assert "😀👍🏽" in _body_text(report) and "שלום" in _body_text(report)


def _injection(report: dict) -> None:
    assert "<script>" in _body_text(report)  # kept as written: it is escaped on output
    assert "{{7*7}}" in report["source"]["name"]


@dataclass(frozen=True)
class Case:
    make: Callable[[Path], Path]
    rc: int
    says: str | None = None
    check: Callable[[dict], None] | None = None


CASES: dict[str, Case] = {
    "empty file": Case(h.empty, EXIT_INPUT, "is empty: there is no text to assess"),
    "whitespace only": Case(h.whitespace_only, EXIT_INPUT, "is empty"),
    "single word": Case(h.single_word, EXIT_INPUT, "has no statement text to assess"),
    "binary junk .txt": Case(h.binary_junk, EXIT_INPUT, "looks like binary data"),
    "invalid UTF-8": Case(h.invalid_utf8, EXIT_OK, "invalid bytes, each shown as", _invalid_utf8),
    "UTF-16 without BOM": Case(h.utf16_without_bom, EXIT_OK, None, _utf16),
    "cp1252 smart quotes": Case(h.cp1252_smart_quotes, EXIT_OK, None, _cp1252),
    "French": Case(
        h.french,
        EXIT_OK,
        "appears to be in French, not English; pksb-reflect analyses English only",
    ),
    "Welsh": Case(h.welsh, EXIT_OK, "appears to be in Welsh, not English"),
    "URLs and citations": Case(h.urls_and_citations, EXIT_OK, None, _no_language_note),
    "emoji and RTL": Case(h.emoji_and_rtl, EXIT_OK, None, _emoji),
    "markup injection": Case(h.injection, EXIT_OK, None, _injection),
    "leading dash, spaces, unicode name": Case(h.awkward_name, EXIT_OK),
    "symlink loop": Case(h.symlink_loop, EXIT_INPUT, "is a broken or looping link"),
    "named pipe": Case(h.fifo, EXIT_INPUT, "is not a regular file"),
    ".docx not a zip": Case(h.docx_not_zip, EXIT_INPUT, "it is not a zip archive"),
    ".docx zip bomb": Case(h.docx_zip_bomb, EXIT_INPUT, "over the 64 MB safety limit"),
    ".docx zip bomb, many parts": Case(
        h.docx_many_parts_bomb, EXIT_INPUT, "over the 200 MB safety limit"
    ),
    ".docx only tables": Case(h.docx_tables_only, EXIT_OK, "holds only tables", _tables),
    ".docx tracked changes, comments": Case(
        h.docx_tracked_changes, EXIT_OK, "read as if all changes were accepted", _tracked
    ),
    "encrypted PDF": Case(h.pdf_encrypted, EXIT_INPUT, "is an encrypted PDF"),
    "PDF without text layer": Case(h.pdf_no_text, EXIT_INPUT, "no text layer"),
    "truncated PDF": Case(h.pdf_truncated, EXIT_INPUT, "is not a readable PDF"),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_hostile_input(kind: str, corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = CASES[kind]
    folder = corpus / kind.replace(" ", "_").replace("/", "_")
    folder.mkdir()
    path = case.make(folder)
    with untouched(path):
        run = run_cli(capsys, "check", "--format", "json", "--", str(path))
    assert run.rc == case.rc, run.err
    if case.says is not None:
        (line,) = [line for line in run.lines if case.says in line]
        assert display_name(str(path)) in line  # the message names the file
    if run.rc == EXIT_OK:
        report = _json(run)
        assert "<" not in run.out  # JSON escapes '<' from any source
        if case.check:
            case.check(report)
    else:
        assert run.out == ""


def test_tracked_changes_say_accepted_and_comments(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = h.docx_tracked_changes(corpus)
    run = run_cli(capsys, "check", str(path))
    assert "has comments; they are not counted or assessed" in run.err


def test_huge_file_refused_fast_by_default(
    huge_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    with untouched(huge_file):
        run = run_cli(capsys, "check", str(huge_file))
    assert run.rc == EXIT_INPUT
    assert "over the 20 MB limit (raise it with --max-size)" in run.err
    assert time.monotonic() - started < 5


def test_huge_file_memory_bounded_with_max_size(huge_file: Path) -> None:
    """In a fresh process: refused by size by default, and by the word bound under 2 GB."""
    script = textwrap.dedent(
        f"""
        import resource, sys, time
        from pksb_reflect.cli import main
        t = time.monotonic()
        first = main(["check", {str(huge_file)!r}])
        second = main(["check", "--max-size", "60", {str(huge_file)!r}])
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(first, second, peak, time.monotonic() - t)
        """
    )
    with untouched(huge_file):
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
        )
    assert "Traceback" not in done.stderr
    first, second, peak_kb, seconds = done.stdout.split()
    assert (int(first), int(second)) == (EXIT_INPUT, EXIT_INPUT), done.stderr
    assert "has more than 200,000 words" in done.stderr
    assert int(peak_kb) < 2 * 1024 * 1024  # ru_maxrss is in KiB on Linux
    assert float(seconds) < 60


def test_5000_word_sentence_is_split_before_parsing(
    corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pksb_reflect import limits
    from pksb_reflect.analysis.segment import RUN_ON_TOKENS, segment_many
    from pksb_reflect.io.ingest import read_source
    from pksb_reflect.nlp.pipeline import load_pipeline

    folder = corpus / "run-on"
    folder.mkdir()
    path = h.run_on_sentence(folder)
    with untouched(path):
        (document,) = segment_many([read_source(path)], load_pipeline())
        assert sum(p.words for p in document.outline.paragraphs) == h.RUN_ON_WORDS
        assert max(len(s.text.split()) for s in document.outline.sentences) <= RUN_ON_TOKENS
        assert any("sentence of more than 200 words" in w for w in document.warnings)
        # The whole check: done, or stopped cleanly by the time bound (later stages may be slow
        # on 25 long sentences); the hard guard's model-loading grace is not needed in-process.
        monkeypatch.setattr(limits, "LOAD_GRACE_SECONDS", 0.0)
        started = time.monotonic()
        run = run_cli(capsys, "check", "--max-seconds", "4", str(path))
    assert time.monotonic() - started < 15
    if run.rc == EXIT_OK:
        assert "has a sentence of more than 200 words" in run.err
    else:
        assert run.rc == EXIT_INPUT
        assert "took more than 4 s" in run.err and display_name(str(path)) in run.err


def test_300_page_pdf(many_pages: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with untouched(many_pages):
        run = run_cli(capsys, "check", "--format", "json", str(many_pages))
    assert run.rc == EXIT_OK
    assert "read from a PDF's text layer" in run.err
    assert _json(run)["word_count"]["total"] == 300 * 12


def test_injection_in_every_format(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """User markup reaches no report live: JSON escapes it, rich never reads it as markup."""
    from pksb_reflect.api import assess
    from pksb_reflect.render import TEXT_FORMATS, render

    folder = corpus / "injection-formats"
    folder.mkdir()
    path = h.injection(folder)
    run = run_cli(capsys, "check", "--", str(path))
    assert run.rc == EXIT_OK
    assert "{{7*7}}[red]x" in run.out  # shown as written, not taken as a colour
    assessment = assess(str(path))
    for fmt in TEXT_FORMATS:
        report = render(assessment, fmt)
        assert "7777777" not in report  # no template evaluated user text
        if fmt == "json":
            assert "<" not in report
            assert json.loads(report)["source"]["name"] == assessment.source.name
        elif fmt in ("html", "markdown"):
            assert "<script" not in report and "<img" not in report and "<b onm" not in report


def test_leading_dash_names(
    corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = corpus / "dash"
    folder.mkdir()
    spaced = h.awkward_name(folder)
    dashed = h.write(folder, "-draft.txt", h.STATEMENT)
    monkeypatch.chdir(folder)
    with untouched(spaced, dashed):
        for name in (spaced.name, dashed.name):
            run = run_cli(capsys, "check", name)  # read as an option: a usage error
            assert run.rc == EXIT_USAGE
            for spelling in (["--", name], [f"./{name}"]):
                run = run_cli(capsys, "check", *spelling)
                assert run.rc == EXIT_OK
        assert "é 日本 ✓" in run_cli(capsys, "check", "--", spaced.name).out


def test_control_characters_in_name_stay_on_one_line(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = corpus / "control-name"
    folder.mkdir()
    path = h.write(folder, "two\nlines\x1b[31m.txt", b"")
    run = run_cli(capsys, "check", str(path))
    assert run.rc == EXIT_INPUT
    assert "two\\nlines\\x1b[31m.txt" in run.err and "\x1b" not in run.err


# --- reports: atomic, never over a file unasked, never over an input -----------------------


@pytest.fixture
def statement(tmp_path: Path) -> Path:
    return h.write(tmp_path, "statement.txt", h.STATEMENT)


def test_existing_report_needs_force(
    statement: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = h.write(tmp_path, "report.json", "an earlier report")
    with untouched(statement, report):
        run = run_cli(capsys, "check", str(statement), "--format", "json", "--out", str(report))
    assert run.rc == EXIT_OUTPUT
    assert "already exists; pass --force" in run.err
    with untouched(statement):
        run = run_cli(
            capsys, "check", str(statement), "--format", "json", "--out", str(report), "--force"
        )
    assert run.rc == EXIT_OK
    assert json.loads(report.read_text())["source"]["name"] == str(statement)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "statement.txt"]


def test_report_never_overwrites_the_input(
    statement: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with untouched(statement):
        run = run_cli(capsys, "check", str(statement), "--out", str(statement), "--force")
    assert run.rc == EXIT_OUTPUT
    assert "is an input file" in run.err


def test_output_folder_without_write_permission(
    statement: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if os.geteuid() == 0:  # root ignores permission bits: make the folder refuse as it would
        import tempfile

        def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    try:
        with untouched(statement):
            run = run_cli(capsys, "check", str(statement), "--out", str(locked / "r.txt"))
        assert run.rc == EXIT_OUTPUT
        assert "cannot be written (Permission denied)" in run.err
        assert display_name(str(locked / "r.txt")) in run.err
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_failed_write_keeps_old_report_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pksb_reflect.errors import OutputError
    from pksb_reflect.io import output

    target = h.write(tmp_path, "report.txt", "old report")

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.os, "replace", disk_full)
    with pytest.raises(OutputError, match="No space left"):
        output.write_report(target, "new report", force=True)
    assert target.read_text() == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]


def test_report_to_a_folder_or_missing_folder(tmp_path: Path) -> None:
    from pksb_reflect.errors import OutputError
    from pksb_reflect.io.output import write_report

    with pytest.raises(OutputError, match="is a folder"):
        write_report(tmp_path, "x", force=True)
    with pytest.raises(OutputError, match="folder does not exist"):
        write_report(tmp_path / "no" / "r.txt", "x")


# --- the same file twice, a link loop in a review folder ------------------------------------


def test_same_file_twice(statement: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pksb_reflect.api import AssessOptions, assess_many

    with untouched(statement):
        first, second = assess_many([statement, statement], AssessOptions())
        run = run_cli(capsys, "check", str(statement), str(statement))
    assert not isinstance(first, Exception) and not isinstance(second, Exception)
    assert first.word_count == second.word_count
    assert "was given more than once" in second.warnings[-1]
    assert run.rc == EXIT_USAGE  # check takes one file


def test_symlink_loops_in_a_review_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drafts = tmp_path / "drafts"
    (drafts / "sub").mkdir(parents=True)
    good = h.write(drafts, "good.txt", h.STATEMENT)
    os.symlink("..", drafts / "sub" / "up")  # a folder loop
    h.symlink_loop(drafts)  # a file that links to itself
    with untouched(good):
        run = run_cli(capsys, "review", str(drafts), "--out", str(tmp_path / "out"))
    assert run.rc in (EXIT_OK, 1)
    rows = (tmp_path / "out" / "summary.csv").read_text().splitlines()
    assert sum("good.txt" in row for row in rows) == 1


# --- time bound -----------------------------------------------------------------------------


def test_time_bound_stops_a_long_document() -> None:
    from pksb_reflect.api import AssessOptions, assess, assess_many

    assert AssessOptions().max_seconds == 60
    # About 40,000 words in distinct paragraphs (identical ones would be parsed only once).
    long_text = "\n\n".join(f"In week {i}, {h.STATEMENT}" for i in range(600))
    started = time.monotonic()
    with pytest.raises(TimeLimitError, match=r"took more than 0.5 s .*--max-seconds"):
        assess(long_text, max_seconds=0.5)
    assert time.monotonic() - started < 15
    short, long = assess_many([h.STATEMENT, long_text], AssessOptions(max_seconds=0.5))
    assert isinstance(long, TimeLimitError)
    assert not isinstance(short, Exception)


def test_max_seconds_option(statement: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "check", str(statement), "--max-seconds", "0")
    assert run.rc == EXIT_USAGE
    run = run_cli(capsys, "check", str(statement), "--max-seconds", "0.000001")
    assert run.rc == EXIT_INPUT
    assert "--max-seconds" in run.err
    run = run_cli(capsys, "check", str(statement), "--max-size", "nan")
    assert run.rc == EXIT_USAGE


# --- privacy ---------------------------------------------------------------------------------

NO_NETWORK = textwrap.dedent(
    """
    import socket, sys, traceback
    attempts = []

    def refuse(*args, **kwargs):
        frames = traceback.extract_stack()
        # urllib3 probes for IPv6 support at import by binding to ::1: no traffic leaves.
        if not any(f.name == "_has_ipv6" for f in frames):
            attempts.append("".join(traceback.format_list(frames[-8:])))
            sys.stderr.write("NETWORK ATTEMPT\\n" + attempts[-1])
        raise OSError("network disabled by the privacy test")

    class NoNetSocket(socket.socket):
        def __init__(self, family=-1, *args, **kwargs):
            if family in (socket.AF_INET, socket.AF_INET6) or family == -1:
                refuse(family)
            super().__init__(family, *args, **kwargs)

    socket.socket = NoNetSocket
    socket.create_connection = refuse
    socket.getaddrinfo = refuse
    from pksb_reflect.cli import main

    codes = [main(argv) for argv in {runs!r}]
    print("RESULT", codes, len(attempts))
    """
)


def test_no_network_on_the_main_path(statement: Path, tmp_path: Path) -> None:
    runs = [["check", "--format", "json", str(statement)], ["check", str(statement)]]
    runs.append(["review", str(statement.parent), "--out", str(tmp_path / "reviewed")])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    done = subprocess.run(
        [sys.executable, "-c", NO_NETWORK.format(runs=runs)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert "Traceback" not in done.stderr
    (result,) = [line for line in done.stdout.splitlines() if line.startswith("RESULT")]
    assert result == f"RESULT {[0] * len(runs)} 0", done.stderr
