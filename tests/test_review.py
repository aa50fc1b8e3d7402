"""`pksb-reflect review`: a folder of drafts in, a report each and a summary out.

These run the shipped path: the real spaCy pipeline and the real encoder, over an on-disk cache
in a temporary folder.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pksb_reflect import cli
from pksb_reflect.apps.review import (
    INDEX_HTML,
    SUMMARY_CSV,
    ReviewRow,
    find_drafts,
    report_names,
    review,
    summary_to_html,
)
from pksb_reflect.errors import EXIT_OUTPUT
from pksb_reflect.nlp.cache import CACHE_DIR_ENV

GOOD_ONE = """# Criterion 1: Personal performance

I had never taught a group before I ran induction sessions for new nursing students. The first
session went badly: I spoke for most of the hour and few students tried a search themselves.
Their exit tickets showed me that they could not narrow a search, so I rebuilt the session
around a real assignment question.

I learned that I teach better when I start from what students already know. Next term I will
ask a colleague to observe me and give feedback on how I pace the practical part.
"""

GOOD_TWO = """Our public library runs digital help sessions for older residents on Tuesday mornings.
I noticed that many people came back with the same questions about online banking, which made
me wonder whether we were solving their problems or only our own.

I asked three regular visitors what they wanted, and their answers changed my plan. We now run
shorter sessions with one topic each, and I keep a short log after every session.
"""


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    yield


def _drafts(folder: Path, *, failing: bool) -> Path:
    (folder / "unit 2").mkdir(parents=True)
    (folder / "one.md").write_text(GOOD_ONE, encoding="utf-8")
    (folder / "unit 2" / "two.txt").write_text(GOOD_TWO, encoding="utf-8")
    (folder / ".notes.md").write_text(GOOD_ONE, encoding="utf-8")  # hidden: skipped
    (folder / "todo.csv").write_text("not,a,draft\n", encoding="utf-8")  # not a draft type
    if failing:
        (folder / "broken.docx").write_bytes(b"this is not a zip archive")
    return folder


def _summary(out: Path) -> list[dict[str, str]]:
    with (out / SUMMARY_CSV).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_failing_draft_is_listed_and_the_rest_reviewed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _drafts(tmp_path / "drafts", failing=True)
    out = tmp_path / "reports"
    code = cli.main(["review", str(folder), "--out", str(out), "--format", "text"])
    assert code == 1
    rows = {row["draft"]: row for row in _summary(out)}
    assert list(rows) == ["broken.docx", "one.md", "unit 2/two.txt"]
    assert "not a valid .docx" in rows["broken.docx"]["problems found"]
    assert rows["broken.docx"]["words"] == "—"
    assert rows["one.md"]["limit status"] == "under"
    assert rows["one.md"]["words"].endswith("of 1000")
    assert (out / rows["one.md"]["report"]).read_text(encoding="utf-8").strip()
    assert (out / "unit_2__two.txt.txt").is_file()
    assert (out / INDEX_HTML).is_file()
    captured = capsys.readouterr()
    assert captured.out == ""
    errors = [line for line in captured.err.splitlines() if "error:" in line]
    assert errors == [errors[0]] and "broken.docx" in errors[0]


def test_all_good_exits_zero_and_force_is_needed_to_rerun(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _drafts(tmp_path / "drafts", failing=False)
    out = folder / "reports"  # inside the drafts folder: must not be reviewed itself
    args = ["review", str(folder), "--out", str(out), "--format", "json"]
    assert cli.main(args) == 0
    assert [row["draft"] for row in _summary(out)] == ["one.md", "unit 2/two.txt"]
    assert cli.main(args) == EXIT_OUTPUT  # would overwrite: refused before any work
    assert "--force" in capsys.readouterr().err
    assert cli.main([*args, "--force"]) == 0
    assert [row["draft"] for row in _summary(out)] == ["one.md", "unit 2/two.txt"]


def test_library_returns_rows_and_never_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _drafts(tmp_path / "drafts", failing=True)
    seen: list[tuple[str, int, int]] = []
    result = review(
        folder,
        tmp_path / "out",
        fmt="text",
        chunk_size=2,
        progress=lambda row, done, total: seen.append((row.draft, done, total)),
    )
    assert capsys.readouterr() == ("", "")
    assert result.exit_code == 1
    assert [row.draft for row in result.failed] == ["broken.docx"]
    assert [done for _, done, _ in seen] == [1, 2, 3]
    assert all(total == 3 for _, _, total in seen)


def test_parallel_jobs_give_the_same_rows(tmp_path: Path) -> None:
    folder = _drafts(tmp_path / "drafts", failing=True)
    one = review(folder, tmp_path / "serial", fmt="text")
    two = review(folder, tmp_path / "parallel", fmt="text", jobs=2)
    assert two.jobs == 2
    assert [r.model_dump() for r in one.rows] == [r.model_dump() for r in two.rows]


def test_find_drafts_skips_hidden_output_and_link_loops(tmp_path: Path) -> None:
    folder = _drafts(tmp_path / "drafts", failing=False)
    (folder / ".git").mkdir()
    (folder / ".git" / "x.md").write_text(GOOD_ONE, encoding="utf-8")
    (folder / "~$one.docx").write_bytes(b"lock file")
    (folder / "reports").mkdir()
    (folder / "reports" / "one.md.md").write_text(GOOD_ONE, encoding="utf-8")
    os.symlink("..", folder / "unit 2" / "loop")
    found = find_drafts(folder, exclude=[folder / "reports"])
    assert [p.relative_to(folder).as_posix() for p in found] == ["one.md", "unit 2/two.txt"]


def test_report_names_are_safe_and_distinct() -> None:
    names = report_names(["a b.md", "a_b.md", "A_B.md", "x/../y.txt", "index.html.md"], "html")
    assert names[:3] == ["a_b.md.html", "a_b.md-2.html", "A_B.md-3.html"]
    assert all("/" not in n and not n.startswith(".") for n in names)
    assert len({n.lower() for n in names}) == len(names)
    assert INDEX_HTML not in names and SUMMARY_CSV not in names


def test_index_page_escapes_user_text() -> None:
    rows = [
        ReviewRow(draft="<script>alert(1)</script>.md", report="x.html", words=10, word_limit=1000,
                  limit_status="under"),
        ReviewRow(draft="b&d.md", ok=False, error='b&d.md: "<b>bad</b>"'),
    ]  # fmt: skip
    page = summary_to_html(rows, route="chartership", fmt="html")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<b>bad</b>" not in page and "b&amp;d.md" in page
    assert "http" not in page.replace("http-equiv", "")  # self-contained: nothing fetched


def test_summary_csv_defuses_formulas(tmp_path: Path) -> None:
    from pksb_reflect.apps.review import summary_to_csv

    text = summary_to_csv([ReviewRow(draft="=HYPERLINK(1).md", ok=False, error="x")])
    assert "'=HYPERLINK" in text


def test_max_seconds_bounds_each_draft(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _drafts(tmp_path / "drafts", failing=False)
    out = tmp_path / "reports"
    args = ["review", str(folder), "--out", str(out), "--format", "json", "--max-seconds", "1e-6"]
    assert cli.main(args) == 1
    rows = _summary(out)
    assert [row["draft"] for row in rows] == ["one.md", "unit 2/two.txt"]
    assert all("--max-seconds" in row["problems found"] for row in rows)
    assert "--max-seconds" in capsys.readouterr().err
