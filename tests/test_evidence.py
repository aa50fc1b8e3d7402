"""Evidence: explicit labels both ways, missing items, links by meaning, claims with nothing behind
them, and unreadable files reported in one line while the rest is still read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pksb_reflect.analysis import evidence
from pksb_reflect.analysis.evidence import check_evidence, claim_cues, file_label, reference_labels
from pksb_reflect.analysis.mapping import map_document
from pksb_reflect.api import read_statement
from pksb_reflect.runtime import default_runtime

RUNTIME = default_runtime()

FRAMEWORK = "2014"

STATEMENT = """# Criterion 1: Personal performance

I completed an online course in cataloguing with RDA and MARC, and then catalogued our new \
nursing stock under supervision (E1). Recording relationships between works was the hardest \
part, and checking my records against the systems librarian's corrections showed me a pattern \
in my errors.

To find out who used the library after six o'clock, I surveyed our evening users. Most were \
part-time students who worked during the day, and what they wanted most was help with referencing \
after six. Their comments about an empty building and broken self-service kiosks gave me a case \
for change.

# Criterion 2: Organisational context

I presented the retention schedule for the trust's personnel records to the governance committee, \
which approved it at the second attempt (Evidence 2). I also wrote the referral guide for \
volunteers (E9).

I launched a weekly code club at the branch, and within three months attendance rose from 6 \
children to 14. Parents told us it was the first time their children had asked to visit the library.
"""

EVIDENCE_FILES = {
    "E1_rda_course.md": (
        "# Certificate: cataloguing with RDA and MARC 21\n\nSix-week online course. Modules: "
        "describing manifestations, recording relationships, authority control and subject "
        "access. Final assessment passed. My catalogue records were checked by the systems "
        "librarian.\n"
    ),
    "Evidence 2 - retention schedule.txt": (
        "Retention schedule for personnel records, version 2, approved by the information "
        "governance committee. Personnel files are kept for six years after an employee leaves. "
        "Destruction is authorised by the records manager and logged.\n"
    ),
    "evening_survey.md": (
        "# Survey of evening users\n\n64 responses. Most respondents study part-time and work "
        "during the day. The most requested change was help with referencing after 6pm. "
        "Comments say the building feels unstaffed in the evenings and that the self-service "
        "kiosks often fail.\n"
    ),
    "E3_fire_safety.txt": (
        "Fire safety induction checklist for new staff: locate the assembly point, the fire "
        "extinguishers and the refuge area on each floor. Signed by the duty manager.\n"
    ),
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> evidence.EvidenceReport:
    from pksb_reflect.io.ingest import parse_bytes

    folder = tmp_path_factory.mktemp("evidence")
    for name, text in EVIDENCE_FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "E4_broken.docx").write_bytes(b"this is not a zip archive at all")
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n")  # skipped quietly: not a text format
    document = read_statement(parse_bytes(STATEMENT.encode(), name="statement.md", fmt="md"))
    return check_evidence(
        document,
        [folder],
        framework=FRAMEWORK,
        coverage=map_document(document, RUNTIME, FRAMEWORK),
        resources=RUNTIME,
    )


def _paragraph_with(report_doc: str, words: str) -> int:
    from pksb_reflect.io.ingest import parse_bytes

    document = read_statement(parse_bytes(report_doc.encode(), name="s.md", fmt="md"))
    return next(p.index for p in document.outline.paragraphs if words in p.text)


def test_file_labels() -> None:
    assert file_label("E4_survey.pdf") == ("4", "evidence")
    assert file_label("Evidence 4 - reading list.docx") == ("4", "evidence")
    assert file_label("appendix-2.md") == ("2", "appendix")
    assert file_label("04 survey.txt") == ("4", "evidence")
    assert file_label("E12b notes.md") == ("12b", "evidence")
    assert file_label("2023 annual report.txt") is None
    assert file_label("ethics notes.md") is None


def test_reference_labels() -> None:
    assert reference_labels("(E4)") == ["4"]
    assert reference_labels("[E4]") == ["4"]
    assert reference_labels("(Evidence 4, 5)") == ["4", "5"]
    assert reference_labels("(E4-6)") == ["4", "5", "6"]
    assert reference_labels("see appendix 2") == ["2"]


def test_claim_cues() -> None:
    assert claim_cues("I introduced a code club and attendance rose from 6 to 14.")
    assert claim_cues("Loans increased by 40% after the rearrangement.")
    assert not claim_cues("I found the course difficult but rewarding.")
    assert not claim_cues("In 2023 I led the team meeting (E4).")  # a year and a label only


def test_explicit_links_both_ways(report: evidence.EvidenceReport) -> None:
    items = {item.id: item for item in report.items}
    assert items["E1"].referenced_by and items["E2"].referenced_by
    explicit = {(k.evidence, k.reference) for k in report.links if k.kind == "explicit"}
    assert ("E1", "(E1)") in explicit
    assert ("E2", "(Evidence 2)") in explicit
    assert "E3" in report.unused  # fire safety: never cited, about nothing in the statement
    assert "E1" not in report.unused and "E2" not in report.unused


def test_missing_reference(report: evidence.EvidenceReport) -> None:
    missing = [m.label for m in report.missing_references]
    assert missing == ["E9"]


def test_semantic_link_without_label(report: evidence.EvidenceReport) -> None:
    survey = _paragraph_with(STATEMENT, "surveyed our evening users")
    item = next(i for i in report.items if i.name == "evening_survey.md")
    assert survey in item.related_paragraphs
    assert item.id in report.uncited  # discussed, never cited: the report says to add a label
    fire = next(i for i in report.items if i.id == "E3")
    assert not fire.related_paragraphs


def test_unsupported_claim(report: evidence.EvidenceReport) -> None:
    code_club = _paragraph_with(STATEMENT, "code club")
    claims = {c.paragraph: c for c in report.unsupported_claims}
    assert code_club in claims
    assert "code club" in claims[code_club].quotes[0]
    cited = _paragraph_with(STATEMENT, "RDA and MARC")
    assert cited not in claims


def test_unreadable_file_listed_and_rest_read(report: evidence.EvidenceReport) -> None:
    assert len(report.errors) == 1
    line = report.errors[0]
    assert "E4_broken.docx" in line and "\n" not in line and "Traceback" not in line
    broken = next(i for i in report.items if i.name == "E4_broken.docx")
    assert not broken.readable and broken.error == line
    assert all(i.areas for i in report.items if i.readable)
    assert not any(i.name == "photo.png" for i in report.items)


def test_missing_evidence_path_is_one_line(tmp_path: Path) -> None:
    files, problems = evidence.find_evidence_files([tmp_path / "nothing-here"])
    assert files == [] and len(problems) == 1 and "no such file" in problems[0]


def test_evidence_list_gives_labels(tmp_path: Path) -> None:
    from pksb_reflect.io.ingest import parse_bytes

    text = (
        "# Criterion 1\n\nI catalogued the new stock after the course (E7).\n\n"
        "# List of evidence\n\n| Label | Evidence |\n|---|---|\n| E7 | rda_certificate.md |\n"
    )
    (tmp_path / "rda_certificate.md").write_text(EVIDENCE_FILES["E1_rda_course.md"])
    document = read_statement(parse_bytes(text.encode(), name="s.md", fmt="md"))
    result = check_evidence(
        document,
        [tmp_path],
        framework=FRAMEWORK,
        coverage=map_document(document, RUNTIME, FRAMEWORK),
        resources=RUNTIME,
    )
    assert result.evidence_list
    item = result.items[0]
    assert item.id == "E7" and item.label_source == "evidence list"
    assert item.referenced_by and not result.missing_references


def test_cli_check_with_evidence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pksb_reflect.cli import main

    statement = tmp_path / "statement.md"
    statement.write_text(STATEMENT, encoding="utf-8")
    folder = tmp_path / "evidence"
    folder.mkdir()
    for name, text in EVIDENCE_FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    code = main(
        [
            "check",
            str(statement),
            "--route",
            "certification",
            "--framework",
            FRAMEWORK,
            "--format",
            "json",
            "--evidence",
            str(folder),
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert {i["id"] for i in data["evidence"]["items"]} >= {"E1", "E2", "E3"}
    assert data["evidence"]["missing_references"][0]["label"] == "E9"
