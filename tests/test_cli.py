"""The `check` command: the report a candidate sees, the JSON contract, and every error path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES

from pksb_reflect.cli import main
from pksb_reflect.results import Assessment

EXAMPLE = EXAMPLES / "chartership_strong.md"


def test_check_prints_word_count_and_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "Words:" in out
    assert "of 1000" in out
    assert "under the limit" in out


def test_json_is_exactly_the_assessment(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(EXAMPLE), "--format", "json", "--route", "revalidation"]) == 0
    out = capsys.readouterr().out
    assessment = Assessment.model_validate_json(out)
    assert out == assessment.model_dump_json() + "\n"
    assert assessment.route == "revalidation"
    assert assessment.word_count.limit == 250
    assert assessment.word_count.status == "over"
    assert json.loads(out)["word_count"]["words_to_cut"] == assessment.word_count.counted - 250


def test_out_file_is_written_and_not_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.json"
    assert main(["check", str(EXAMPLE), "--format", "json", "--out", str(out)]) == 0
    first = out.read_text()
    assert main(["check", str(EXAMPLE), "--format", "json", "--out", str(out)]) == 5
    assert "already exists" in capsys.readouterr().err
    assert out.read_text() == first
    assert main(["check", str(EXAMPLE), "--format", "json", "--out", str(out), "--force"]) == 0


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["check", "does-not-exist.md"], 3, "does-not-exist.md: no such file"),
        (["check", str(EXAMPLE), "--route", "knighthood"], 2, "'knighthood' is not one of"),
        (["check"], 2, "Missing argument 'FILE'"),
        (["frobnicate"], 2, "No such command 'frobnicate'"),
    ],
)
def test_errors_are_one_line_with_distinct_codes(
    args: list[str], code: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == code
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_usage_errors_exit_2_from_a_real_process(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    run = subprocess.run(
        [sys.executable, "-m", "pksb_reflect.cli", "check", str(empty)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 3
    expected = f"pksb-reflect: error: {empty}: is empty: there is no text to assess"
    assert run.stderr.strip() == expected
    bad = subprocess.run(
        [sys.executable, "-m", "pksb_reflect.cli", "check", str(empty), "--route", "x"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr


def test_schema_command_prints_the_assessment_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Assessment"
    assert "word_count" in schema["properties"]


def test_no_command_prints_usage_and_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Usage: pksb-reflect")
    assert "pksb-reflect --help" in err
