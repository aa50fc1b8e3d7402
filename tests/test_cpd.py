"""Revalidation CPD logs: hours per registration year against 20, ISO and UK dates, bad rows refused
with file and row, and the activities a statement never reflects on."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pksb_reflect.analysis.cpd import check_cpd, parse_date, parse_hours, read_cpd_log
from pksb_reflect.api import read_statement
from pksb_reflect.errors import InputError
from pksb_reflect.runtime import default_runtime

RUNTIME = default_runtime()


def _log(tmp_path: Path, rows: str, header: str = "Date,Activity,Hours,PKSB") -> Path:
    path = tmp_path / "cpd.csv"
    path.write_text(f"{header}\n{rows}", encoding="utf-8")
    return path


def test_dates_iso_and_uk() -> None:
    assert parse_date("2025-03-14") == date(2025, 3, 14)
    assert parse_date("14/03/2025") == date(2025, 3, 14)
    assert parse_date("4/3/2025") == date(2025, 3, 4)  # day first, as UK logs write it
    assert parse_date("14.03.2025") == date(2025, 3, 14)
    assert parse_date("14 March 2025") == date(2025, 3, 14)
    for bad in ("31/02/2025", "14/03/25", "March 14th", ""):
        with pytest.raises(ValueError):
            parse_date(bad)


def test_hours() -> None:
    assert parse_hours("1.5") == 1.5
    assert parse_hours("2 h") == 2.0
    assert parse_hours("1,5") == 1.5
    assert parse_hours("90 min") == 1.5
    for bad in ("0", "-1", "lots", "nan", "500"):
        with pytest.raises(ValueError):
            parse_hours(bad)


def test_hours_per_year_met(tmp_path: Path) -> None:
    path = _log(
        tmp_path,
        "2025-01-10,Webinar on copyright,12,\n"
        "15/06/2025,Cataloguing course,9.5,\n"
        "2024-03-01,Older course,30,\n",
    )
    report = check_cpd(read_cpd_log(path, "2014"), None, encoder=RUNTIME.encoder)
    assert report.year_end == date(2025, 6, 15)
    assert report.current.start == date(2024, 6, 16)
    assert report.current.hours == 21.5 and report.status == "met"
    assert len(report.years) == 2 and report.years[1].hours == 30
    assert "meets the 20-hour" in report.message


def test_hours_short_with_year_end(tmp_path: Path) -> None:
    path = _log(tmp_path, "2025-01-10,Webinar,12,\n2025-06-15,Course,9.5,\n")
    report = check_cpd(
        read_cpd_log(path, "2014"), None, year_end=date(2025, 3, 31), encoder=RUNTIME.encoder
    )
    assert report.current.hours == 12 and report.status == "short"
    assert report.current.short_by == 8
    assert "8 hours short" in report.message
    assert any("after the year end" in w for w in report.warnings)


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ("2025-02-30,Webinar,1,", "not a real date"),
        ("03/14/2025,Webinar,1,", "not a real date"),  # US month-first is not accepted
        ("2025-02-03,Webinar,lots,", "not a number of hours"),
        ("2025-02-03,,1,", "activity is blank"),
        ("2025-02-03,Webinar,1,99.9", "unknown PKSB skill"),
    ],
)
def test_bad_rows_refused(tmp_path: Path, row: str, words: str) -> None:
    path = _log(tmp_path, f"2025-01-10,Good row,1,\n{row}\n")
    with pytest.raises(InputError) as caught:
        read_cpd_log(path, "2014")
    message = caught.value.one_line()
    assert "cpd.csv" in message and "row 3" in message and words in message


def test_missing_columns(tmp_path: Path) -> None:
    path = _log(tmp_path, "2025-01-10,Webinar\n", header="when,what")
    with pytest.raises(InputError, match="missing hours"):
        read_cpd_log(path, "2014")


STATEMENT = """The copyright webinar gave me the confidence to answer lecturers' questions about \
scanning chapters without referring every one to the copyright officer.

At the regional network meeting I heard how a county service measures the impact of its reading \
groups, and I borrowed its short feedback form for our own groups.
"""


def test_activities_not_reflected(tmp_path: Path) -> None:
    from pksb_reflect.io.ingest import parse_bytes

    path = _log(
        tmp_path,
        "2025-01-10,Webinar: copyright for teaching materials,1.5,\n"
        "2025-02-11,Regional CILIP member network meeting,3,wider_sector\n"
        "2025-03-12,First aid at work course,6,\n"
        "2025-04-13,Shadowed the archive searchroom supervisor,4,6\n",
    )
    document = read_statement(parse_bytes(STATEMENT.encode(), name="r.md", fmt="md"))
    report = check_cpd(read_cpd_log(path, "2014"), document, encoder=RUNTIME.encoder)
    assert report.not_reflected == [4, 5]
    reflected = {a.row: a for a in report.activities if a.reflected}
    assert set(reflected) == {2, 3}
    assert "copyright" in (reflected[2].quote or "")
    assert report.areas_logged == ["wider_sector", "6"]
