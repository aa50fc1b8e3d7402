"""Issue 11's hostile kinds for `check`: links out of folders, outputs over inputs, bounds in
units of work, malformed audit and CPD values, odd encodings and line endings.

Every file is built here (tests/hostile.py). Each case ends in one line on stderr naming the
file, its exit code, no traceback, and no input changed. Figures for memory and time are
measured in a fresh process (VmHWM), never as speed claims.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import date, timedelta
from pathlib import Path

import hostile as h
import pytest
from test_hostile import run_cli, untouched

from pksb_reflect.errors import EXIT_INPUT, EXIT_OK, EXIT_OUTPUT, display_name
from pksb_reflect.io.ingest import parse_bytes, read_source

SECRET = "The vault phrase is zebra-quartz-lantern and nobody outside the team knows it."


@pytest.fixture
def statement(tmp_path: Path) -> Path:
    return h.write(tmp_path, "statement.txt", h.STATEMENT)


def _one_error(err: str) -> str:
    (line,) = [line for line in err.splitlines() if ": error:" in line]
    assert len(line) < 600  # at most 200 characters of the user's data, never the whole value
    return line


# --- 1. links, devices and FIFOs inside named folders ---------------------------------------


def test_evidence_folder_reads_nothing_outside_itself(
    tmp_path: Path, statement: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = h.write(tmp_path, "secret.txt", SECRET)
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    h.write(evidence, "E1_observation.txt", "A colleague observed my induction session. " * 3)
    os.symlink(outside, evidence / "E2_link-out.txt")
    os.symlink("..", evidence / "up")  # the parent folder holds the statement itself
    os.symlink("/dev/zero", evidence / "E3_zero.txt")
    os.mkfifo(evidence / "E4_pipe.txt")
    with untouched(outside, statement):
        run = run_cli(
            capsys, "check", str(statement), "--format", "json", "--evidence", str(evidence)
        )
    assert run.rc == EXIT_OK
    assert "zebra-quartz" not in run.out
    report = json.loads(run.out)["evidence"]
    assert [item["id"] for item in report["items"]] == ["E1"]
    errors = " | ".join(report["errors"])
    assert "E2_link-out.txt: is a link to a place outside the folder" in errors
    assert "up: is a link to a place outside the folder" in errors
    assert "E3_zero.txt: is a link to a place outside the folder" in errors
    assert "E4_pipe.txt: is a named pipe (FIFO), not a regular file" in errors


# --- 2. outputs never replace an input or anything that is not a regular file -----------------


def test_report_never_replaces_an_input_or_a_device(
    tmp_path: Path, statement: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audit = h.write(tmp_path, "audit.csv", "skill,current,desired,comment\n11,1,3,plan\n")
    cpd = h.cpd_rows(tmp_path, ["2025-01-10,Copyright webinar,2"])
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    inside = h.write(evidence, "E1_notes.txt", "Notes of a meeting with the archivist. " * 3)
    pipe = tmp_path / "pipe.json"
    os.mkfifo(pipe)
    inputs = ["--pksb-audit", str(audit), "--cpd-log", str(cpd), "--evidence", str(evidence)]
    for target, says in (
        (audit, "is an input file of this run"),
        (cpd, "is an input file of this run"),
        (inside, "is an input file of this run"),
        (evidence / "new-report.json", "is an input file of this run"),
        (Path(os.devnull), "is not a regular file"),
        (pipe, "is not a regular file"),
    ):
        with untouched(statement, audit, cpd, inside):
            run = run_cli(capsys, "check", str(statement), *inputs, "--out", str(target), "--force")
        assert run.rc == EXIT_OUTPUT, target
        assert says in _one_error(run.err) and display_name(str(target)) in run.err
    assert Path(os.devnull).is_char_device()
    assert sorted(p.name for p in evidence.iterdir()) == ["E1_notes.txt"]


def test_stdout_on_a_full_disk_is_an_output_error() -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "pksb_reflect.cli", "schema"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
    assert done.returncode == EXIT_OUTPUT, done.stderr
    assert done.stderr.splitlines() == [
        "pksb-reflect: error: standard output: cannot be written (No space left on device)"
    ]


# --- 5. bounds in units of work ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (h.one_word_paragraphs, "has more than 5,000 paragraphs"),
        (h.one_word_lines, "has more than 30,000 sentences or lines"),
        (h.docx_many_paragraphs, "has more than 5,000 paragraphs"),
    ],
)
def test_many_small_units_are_refused_before_analysis(
    make: object, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    with untouched(path):
        run = run_cli(capsys, "check", str(path))
    assert run.rc == EXIT_INPUT
    assert says in _one_error(run.err) and display_name(str(path)) in run.err


def test_refused_inputs_stay_small_in_memory(tmp_path: Path) -> None:
    """The largest refused inputs, in one fresh process: the peak stays under 500 MB."""
    if not Path("/proc/self/status").exists():
        pytest.skip("reads the peak from /proc")
    statement = h.write(tmp_path, "statement.txt", h.STATEMENT)
    cases = [
        ["check", str(h.one_word_paragraphs(tmp_path))],
        ["check", str(h.one_word_lines(tmp_path))],
        ["check", str(h.docx_many_paragraphs(tmp_path))],
        ["check", str(statement), "--pksb-audit", str(h.yaml_deep(tmp_path))],
        ["check", str(statement), "--pksb-audit", str(h.yaml_alias_bomb(tmp_path))],
        ["check", str(statement), "--cpd-log", str(h.cpd_many_rows(tmp_path))],
    ]
    script = textwrap.dedent(
        f"""
        import re, time
        from pathlib import Path
        from pksb_reflect.cli import main
        started = time.monotonic()
        codes = [main(args) for args in {cases!r}]
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent (pytest).
        status = Path("/proc/self/status").read_text()
        peak = re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)
        print(*codes, peak, round(time.monotonic() - started, 2))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert "Traceback" not in done.stderr
    *codes, peak_kb, _seconds = done.stdout.split()
    assert codes == [str(EXIT_INPUT)] * len(cases), done.stderr
    assert int(peak_kb) < 500 * 1024


# --- 6. malformed values in the audit and the CPD log -----------------------------------------


@pytest.mark.parametrize(
    ("make", "says"),
    [(h.yaml_alias_bomb, "uses YAML aliases"), (h.yaml_deep, "nests YAML more than 20 levels")],
)
def test_yaml_bombs_are_refused_in_one_short_line(
    make: object, says: str, tmp_path: Path, statement: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = make(tmp_path)  # type: ignore[operator]
    assert bomb.stat().st_size < 11_000
    run = run_cli(capsys, "check", str(statement), "--pksb-audit", str(bomb))
    assert run.rc == EXIT_INPUT
    assert says in _one_error(run.err)
    assert len(run.err) < 400


@pytest.mark.parametrize("rating", ["inf", "nan", "-inf", "1e309", "2.5"])
def test_audit_ratings_that_are_not_0_to_4(
    rating: str, tmp_path: Path, statement: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audit = h.audit_rating(tmp_path, rating)
    run = run_cli(capsys, "check", str(statement), "--pksb-audit", str(audit))
    assert run.rc == EXIT_INPUT
    line = _one_error(run.err)
    assert display_name(str(audit)) in line and "row 2" in line and repr(rating) in line


@pytest.mark.parametrize("which", ["audit", "cpd"])
def test_csv_field_over_the_csv_limit(
    which: str, tmp_path: Path, statement: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = "skill,comment,current" if which == "audit" else "date,activity,hours"
    path = h.csv_huge_field(tmp_path, f"{which}.csv", header)
    flag = "--pksb-audit" if which == "audit" else "--cpd-log"
    run = run_cli(capsys, "check", str(statement), flag, str(path))
    assert run.rc == EXIT_INPUT
    line = _one_error(run.err)
    assert display_name(str(path)) in line and "line 2" in line


@pytest.mark.parametrize(
    ("row", "says"),
    [
        ("01/01/0001,Induction,2", "is before 1898"),
        ("2099-03-01,Induction,2", "more than a year in the future"),
        ("31/02/2025,Induction,2", "is not a real date"),
        ("2025-03-01,Induction,-3", "is not a number of hours"),
        ("2025-03-01,Induction,900", "is over 200 for one activity"),
    ],
)
def test_cpd_values_that_cannot_be_right(
    row: str, says: str, tmp_path: Path, statement: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = h.cpd_rows(tmp_path, ["2025-01-10,Copyright webinar,2", row])
    run = run_cli(capsys, "check", str(statement), "--route", "revalidation", "--cpd-log", str(log))
    assert run.rc == EXIT_INPUT
    line = _one_error(run.err)
    assert display_name(str(log)) in line and "row 3" in line and says in line


def test_cpd_log_with_too_many_rows_says_so(
    tmp_path: Path, statement: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = h.cpd_many_rows(tmp_path)
    run = run_cli(capsys, "check", str(statement), "--cpd-log", str(log))
    assert run.rc == EXIT_INPUT
    assert "has more than 2,000 rows" in _one_error(run.err)


def test_future_entry_never_moves_the_year_silently_and_escapes_are_neutralised(
    tmp_path: Path, statement: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    soon = (date.today() + timedelta(days=40)).isoformat()
    recent = (date.today() - timedelta(days=30)).isoformat()
    log = h.cpd_rows(
        tmp_path,
        [
            f"{recent},{h.ESCAPE_ACTIVITY},12",
            f"{recent},Cataloguing course,10",
            f"{soon},Away day,5",
            *[f"{recent},Reading group on metadata standards,0.1"] * 20,
        ],
    )
    args = ["check", str(statement), "--route", "revalidation", "--cpd-log", str(log)]
    run = run_cli(capsys, *args, "--format", "json")
    assert run.rc == EXIT_OK
    cpd = json.loads(run.out)["cpd"]
    assert cpd["year_end"] == recent and cpd["current"]["hours"] == 24
    assert any("dated after today (row 4), not counted" in w for w in cpd["warnings"])
    for fmt in ("text", "markdown"):
        run = run_cli(capsys, *args, "--format", fmt)
        assert run.rc == EXIT_OK
        assert "\x1b" not in run.out and "\x07" not in run.out
        words = " ".join(run.out.split())
        assert "Copyright webinar" in words and "dated after today" in words


# --- 7. reading ----------------------------------------------------------------------------------


def test_cr_only_line_endings_give_paragraphs(tmp_path: Path) -> None:
    source = read_source(h.cr_only(tmp_path))
    paragraphs = [source.text[b.start : b.end] for b in source.blocks]
    assert paragraphs == list(h.CR_PARAGRAPHS)


def test_text_box_is_read_once(tmp_path: Path) -> None:
    source = read_source(h.docx_text_box(tmp_path))
    assert source.text.count(h.TEXT_BOX) == 1
    assert h.STATEMENT in source.text


def test_mac_roman_is_detected_and_said_to_be_a_guess(tmp_path: Path) -> None:
    path = h.mac_roman(tmp_path)
    source = read_source(path)
    assert source.encoding == "mac_roman"
    assert source.text == h.MAC_ROMAN_TEXT
    assert any("read as Mac Roman, a guess" in w for w in source.warnings)
    cp1252 = parse_bytes(h.MAC_ROMAN_TEXT.encode("cp1252"), name="w.txt", fmt="txt")
    assert cp1252.encoding == "cp1252" and cp1252.text == h.MAC_ROMAN_TEXT


def test_aes256_pdf_is_called_encrypted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = h.pdf_aes256(tmp_path)
    run = run_cli(capsys, "check", str(path))
    assert run.rc == EXIT_INPUT
    assert "is an encrypted PDF" in _one_error(run.err)
