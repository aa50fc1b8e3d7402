"""The PKSB self-assessment: CSV and YAML read in any header order, gaps sorted, bad rows refused
with the file and row named, other-version ids translated, and gaps traced to the statement."""

from __future__ import annotations

from pathlib import Path

import pytest

from pksb_reflect.analysis.audit import audit_pksb, read_audit
from pksb_reflect.analysis.mapping import map_document
from pksb_reflect.api import read_statement
from pksb_reflect.errors import InputError
from pksb_reflect.framework import data_dir, load_framework
from pksb_reflect.runtime import default_runtime

RUNTIME = default_runtime()

FRAMEWORK = "2014"
HAS_2021 = (data_dir() / "pksb_2021.yaml").is_file()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_any_case_and_order(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "audit.csv",
        "COMMENT,Desired,skill,Current\n"
        "Teaching sessions for nursing students,3,8.6,1\n"
        ",2,11,1\n"
        "Cataloguing course,4,1,1\n",
    )
    audit = read_audit(path, FRAMEWORK)
    assert [(e.cited, e.current, e.desired) for e in audit.entries] == [
        ("8.6", 1, 3),
        ("11", 1, 2),
        ("1", 1, 4),
    ]
    assert audit.entries[0].level == "skill" and audit.entries[1].level == "area"
    assert audit.entries[0].comment == "Teaching sessions for nursing students"


def test_semicolons_level_words_and_blank_rows(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "audit.csv",
        "Skill;Current rating;Target;Notes\n8.6;Basic;Comprehensive;x\n7;;;\n",
    )
    audit = read_audit(path, FRAMEWORK)
    assert [(e.current, e.desired) for e in audit.entries] == [(1, 3)]
    assert audit.blank_rows == 1


def test_yaml_list_and_mapping(tmp_path: Path) -> None:
    listed = _write(
        tmp_path,
        "audit.yaml",
        "- skill: '8.6'\n  current: 1\n  desired: 3\n  comment: teaching\n"
        "- Skill: '11'\n  Current: 2\n  Desired: 2\n",
    )
    audit = read_audit(listed, FRAMEWORK)
    assert [(e.id, e.gap) for e in audit.entries] == [("8.6", 2), ("11", 0)]
    mapped = _write(
        tmp_path,
        "audit2.yml",
        "framework: '2014'\nskills:\n  '8.6': {current: 0, desired: 2}\n",
    )
    assert read_audit(mapped, FRAMEWORK).entries[0].gap == 2


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ("8.6,5,3,x", "outside 0-4"),
        ("8.6,-1,3,x", "outside 0-4"),
        ("8.6,one,3,x", "not a number"),
        ("8.6,1,,x", "no desired rating"),
        ("99.9,1,3,x", "unknown PKSB skill"),
    ],
)
def test_bad_rows_refused_with_file_and_row(tmp_path: Path, row: str, words: str) -> None:
    path = _write(tmp_path, "audit.csv", f"skill,current,desired,comment\n11,1,2,ok\n{row}\n")
    with pytest.raises(InputError) as caught:
        read_audit(path, FRAMEWORK)
    message = caught.value.one_line()
    assert "audit.csv" in message and "row 3" in message and words in message
    assert "\n" not in message


def test_missing_columns_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "audit.csv", "skill,rating\n8.6,1\n")
    with pytest.raises(InputError, match="missing desired"):
        read_audit(path, FRAMEWORK)


def test_yaml_bad_entry_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "audit.yaml", "- {skill: '8.6', current: 1, desired: 9}\n")
    with pytest.raises(InputError, match=r"audit\.yaml: entry 1: desired rating '9'"):
        read_audit(path, FRAMEWORK)


@pytest.mark.skipif(not HAS_2021, reason="pksb_2021.yaml is not in this checkout yet")
def test_2014_ids_translated_to_2021(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "audit.csv",
        "skill,current,desired,comment,framework\n6.4,1,3,records,2014\n12,1,2,IT,2014\n",
    )
    audit = read_audit(path, "2021")
    first = audit.entries[0]
    assert first.translated_from == "2014 6.4"
    assert first.level == "area" and first.id == "6"
    assert audit.entries[1].id == "12"
    assert any("read as 2021" in w for w in audit.warnings)


def test_2021_only_area_translated_to_2014(tmp_path: Path) -> None:
    # Area 13 (Data Management) exists only in 2021; a 2014 report reads it through the crosswalk.
    if not HAS_2021:
        pytest.skip("pksb_2021.yaml is not in this checkout yet")
    path = _write(tmp_path, "audit.csv", "skill,current,desired,comment\n13,0,2,data\n")
    entry = read_audit(path, "2014").entries[0]
    assert entry.translated_from == "2021 13" and entry.id in {"2", "4", "5", "12"}


STATEMENT = """# Criterion 1: Personal performance

My self-assessment showed that teaching was my weakest area. I designed and delivered information \
skills sessions for first-year nursing students, and after a tutor observed me I rebuilt the \
session around a real assignment so that students searched in pairs.

I learned that my confidence as a teacher comes from preparation and from asking learners what \
they already know.
"""


def test_gaps_sorted_and_traced(tmp_path: Path) -> None:
    from pksb_reflect.io.ingest import parse_bytes

    path = _write(
        tmp_path,
        "audit.csv",
        "skill,current,desired,comment\n"
        "11,2,3,customers\n"
        "8.6,1,4,teaching sessions\n"
        "6,0,2,\n"
        "7,2,2,\n",
    )
    audit = read_audit(path, FRAMEWORK)
    document = read_statement(parse_bytes(STATEMENT.encode(), name="s.md", fmt="md"))
    report = audit_pksb(audit, document, coverage=map_document(document, RUNTIME, "2014"))
    assert [g.cited for g in report.gaps] == ["8.6", "6", "11"]  # 3, 2, 1; no gap for 7
    teaching = report.gaps[0]
    assert teaching.addressed and teaching.statement
    assert any("teach" in hit.quote or "session" in hit.quote for hit in teaching.statement)
    records = report.gaps[1]
    assert not records.addressed and "6" in report.unaddressed
    assert report.no_comment == ["6", "7"]


def test_audit_accepts_skills_as_the_report_prints_them() -> None:
    from pksb_reflect.analysis.audit import resolve_id

    skill = next(s for a in load_framework("2021").areas for s in a.skills if " and " in s.name)
    assert resolve_id(f"{skill.id} {skill.name}", "2021").id == skill.id
    assert resolve_id(skill.name.replace(" and ", " & ").upper(), "2021").id == skill.id
    with pytest.raises(ValueError, match="unknown PKSB skill"):
        resolve_id(f"{skill.id} a name that is not this skill's", "2021")
