"""`pksb-reflect review`: a folder of drafts in, a report each and a summary out.

These run the shipped path: the real spaCy pipeline and the real encoder, over an on-disk cache
in a temporary folder.
"""

from __future__ import annotations

import csv
import io
import json
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
from pksb_reflect.errors import EXIT_INPUT, EXIT_OUTPUT, OutputError
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
        ReviewRow(draft="<script>alert(1)</script>.md", report='x".html', words=10,
                  word_limit=1000, limit_status="under", top_priority="<img src=x onerror=1>"),
        ReviewRow(draft="b&d.md", status="failed", error='b&d.md: "<b>bad</b>"'),
    ]  # fmt: skip
    page = summary_to_html(rows, route="auto", fmt="html")
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "<img" not in page and "<b>bad</b>" not in page and "b&amp;d.md" in page
    assert 'href="./x%22.html"' in page  # our report name, percent-encoded, relative
    assert "http" not in page.replace("http-equiv", "")  # self-contained: nothing fetched


def test_every_summary_csv_cell_is_neutralised() -> None:
    from pksb_reflect.apps.review_summary import SUMMARY_COLUMNS, summary_to_csv

    hostile = ["=HYPERLINK(1)", "+1+1", "-2-2", "@SUM(A1)", "\tx", "\rx"]
    rows = [
        ReviewRow(draft=f"{start}.md", report=f"{start}.json", route=start, words=1,
                  word_limit=250, limit_status=start, depth_level=start, top_priority=start,
                  pksb_areas_covered=[start], problems=[start])
        for start in hostile
    ]  # fmt: skip
    rows += [ReviewRow(draft=f"{start}.md", status="failed", error=start) for start in hostile]
    reader = csv.DictReader(io.StringIO(summary_to_csv(rows)))
    assert tuple(reader.fieldnames or ()) == SUMMARY_COLUMNS
    cells = [cell for row in reader for cell in row.values()]
    assert cells and not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_problems_are_capped_and_cells_cut() -> None:
    row = ReviewRow(draft="a.md", problems=[f"problem {n} " + "word " * 60 for n in range(12)])
    cell = row.cells()["problems found"]
    assert cell.count("problem ") == 5 and cell.endswith("and 7 more in the report")
    assert len(cell) < 5 * 170


def test_empty_or_missing_folder_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    (pictures / "photo.png").write_bytes(b"\x89PNG")
    for folder, says in (
        (tmp_path / "missing", "no such folder"),
        (empty, "holds no drafts to review"),
        (pictures, "holds no drafts to review (.docx, .markdown, .md, .pdf, .text, .txt); 1 files"),
    ):
        assert cli.main(["review", str(folder), "--out", str(tmp_path / "out")]) == EXIT_INPUT
        (line,) = capsys.readouterr().err.splitlines()
        assert says in line and str(folder) in line


def test_a_second_review_into_the_same_folder_is_refused(tmp_path: Path) -> None:
    from pksb_reflect.apps.review_run import LOCK_NAME, review_lock

    folder = _drafts(tmp_path / "drafts", failing=False)
    out = tmp_path / "out"
    out.mkdir()
    refused = pytest.raises(OutputError, match=r"another review \(process \d+\) is writing")
    with review_lock(out), refused:
        review(folder, out, fmt="text")
    assert not (out / LOCK_NAME).exists()
    assert not (out / SUMMARY_CSV).exists()


def test_an_interrupted_review_leaves_a_summary_of_what_exists(tmp_path: Path) -> None:
    from pksb_reflect.apps.review import ReviewStopped

    folder = _drafts(tmp_path / "drafts", failing=False)
    out = tmp_path / "out"

    def stop_after_first(row: ReviewRow, done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(ReviewStopped) as stopped:
        review(folder, out, fmt="text", chunk_size=1, progress=stop_after_first)
    result = stopped.value.result
    assert result.exit_code == 130
    rows = {row["draft"]: row for row in _summary(out)}
    assert list(rows) == ["one.md", "unit 2/two.txt"]
    assert rows["one.md"]["words"].endswith("of 1000") and rows["one.md"]["report"]
    assert (out / rows["one.md"]["report"]).is_file()
    assert rows["unit 2/two.txt"]["problems found"].startswith("not reviewed")
    assert "Stopped by SIGINT" in (out / INDEX_HTML).read_text(encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == [INDEX_HTML, "one.md.txt", SUMMARY_CSV]


def test_max_seconds_bounds_each_draft(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _drafts(tmp_path / "drafts", failing=False)
    out = tmp_path / "reports"
    args = ["review", str(folder), "--out", str(out), "--format", "json", "--max-seconds", "1e-6"]
    assert cli.main(args) == 1
    rows = _summary(out)
    assert [row["draft"] for row in rows] == ["one.md", "unit 2/two.txt"]
    assert all("--max-seconds" in row["problems found"] for row in rows)
    assert "--max-seconds" in capsys.readouterr().err


REVALIDATION = """# Revalidation statement

This year I moved from the enquiry desk to leading our copyright service. I realised that
staff asked me the same questions each week, which showed me that our guidance was too long.
I rewrote it as a one-page checklist with two colleagues, and I will review it with them in
the spring so that it stays useful.
"""
OBSERVATION = """Peer observation form

Observer: a colleague from the teaching team. Session: database induction for new students.
Strengths: clear structure and good use of a real assignment question. To work on: leave more
time for students to search by themselves.
"""


def _mentees(root: Path, outside: Path) -> Path:
    alice = root / "mentees" / "alice"
    (alice / "evidence").mkdir(parents=True)
    (alice / "statement.md").write_text(REVALIDATION, encoding="utf-8")
    (alice / "evidence" / "E1 peer observation.md").write_text(OBSERVATION, encoding="utf-8")
    (alice / "cpd-log.csv").write_text(
        "date,activity,hours\n2026-03-02,Copyright webinar,12\n2026-05-11,Checklist workshop,9\n",
        encoding="utf-8",
    )
    bob = root / "mentees" / "bob"
    bob.mkdir()
    (bob / "draft.markdown").write_text(GOOD_ONE, encoding="utf-8")
    (bob / "E2 survey results.txt").write_text(OBSERVATION, encoding="utf-8")
    (bob / "photo.png").write_bytes(b"\x89PNG\r\n")
    (bob / "pksb-audit.csv").write_text("skill,current,desired,comment\n11,1,3,plan\n")
    carol = root / "mentees" / "carol"
    carol.mkdir()
    (carol / "notes.text").write_text("Fellowship statement\n\n" + GOOD_TWO, encoding="utf-8")
    os.symlink(outside, carol / "borrowed.md")  # a link out of the review folder
    os.symlink(root.parent, carol / "up")
    (root / "=HYPERLINK(1).md").write_text(GOOD_TWO, encoding="utf-8")
    os.mkfifo(root / "pipe.md")
    (root / os.fsdecode(b"bad-\xff-name.txt")).write_text(GOOD_TWO, encoding="utf-8")
    (root / "line\nbreak\x1b[31m.md").write_text(GOOD_TWO, encoding="utf-8")
    return root


def test_mentee_folders_routes_evidence_and_skips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text("The vault phrase is zebra-quartz-lantern. " + GOOD_ONE, encoding="utf-8")
    folder = _mentees(tmp_path / "mentor", outside)
    out = tmp_path / "reports"
    code = cli.main(["review", str(folder), "--out", str(out), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "\x1b" not in captured.err and all(
        line.startswith("pksb-reflect: ") for line in captured.err.splitlines()
    )
    rows = {row["draft"]: row for row in _summary(out)}
    assert list(rows) == [
        "'=HYPERLINK(1).md",
        "bad-\\xff-name.txt",
        "line\\nbreak\\x1b[31m.md",
        "mentees/alice/statement.md",
        "mentees/bob/draft.markdown",
        "mentees/carol/notes.text",
    ]  # evidence files, tables, the picture, the pipe and the links are not drafts
    assert rows["mentees/alice/statement.md"]["route"] == "revalidation"
    assert rows["mentees/alice/statement.md"]["words"].endswith("of 250")
    assert rows["mentees/bob/draft.markdown"]["route"] == "chartership"  # the fallback
    assert rows["mentees/carol/notes.text"]["route"] == "fellowship"
    for row in rows.values():
        assert row["top priority"] and not row["PKSB areas covered"][3:4].isdigit()
    assert any(c.isalpha() for c in rows["mentees/bob/draft.markdown"]["PKSB areas covered"][3:])
    alice = json.loads((out / rows["mentees/alice/statement.md"]["report"]).read_text())
    assert [item["id"] for item in alice["evidence"]["items"]] == ["E1"]
    assert alice["cpd"]["current"]["hours"] == 21
    bob = json.loads((out / rows["mentees/bob/draft.markdown"]["report"]).read_text())
    assert [item["id"] for item in bob["evidence"]["items"]] == ["E2"]
    assert bob["audit"]["gaps"][0]["id"] == "11"
    reports = " ".join(p.read_text(encoding="utf-8") for p in out.iterdir())
    assert "zebra-quartz" not in reports
    page = (out / INDEX_HTML).read_text(encoding="utf-8")
    for skipped in ("photo.png", "pipe.md", "borrowed.md", "mentees/carol/up"):
        assert skipped in page
    assert "is a link to a place outside the folder; not followed" in page
    assert "\x1b" not in page and "\x1b" not in (out / SUMMARY_CSV).read_text()
    assert "skipped 4 files" in captured.err
