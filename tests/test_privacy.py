"""Before-submission checks: what to anonymise is found, with its sentence, in every report."""

from __future__ import annotations

import json

import pytest
from support import EXAMPLES

from pksb_reflect.analysis.privacy import PrivacyFinding, nhs_check_digit_ok
from pksb_reflect.api import assess
from pksb_reflect.render import render
from pksb_reflect.results import Assessment

# Our own writing. 943 476 5919 is the NHS's published example of a valid number.
DRAFT = (
    "# Chartership statement\n\n"
    "# Name: Priya Raman\n\n"
    "# Criterion 1: Personal performance\n\n"
    "I planned the induction with Sarah Jones, our head of service, and Dr Amir Khan. "
    "Priya Raman is my own name, so it is not flagged. "
    "Kolb's cycle and Schön (1983) helped me to think about what went wrong.\n\n"
    "# Criterion 2: Organisational context\n\n"
    "A patient whose NHS number was 943 476 5919 asked for help with a leaflet. "
    "A second form gave 943 476 5918, which fails the check digit. "
    "Staff could reach me on 020 7946 0018, on +44 7700 900123 or at p.raman@example.ac.uk. "
    "Her record was filed under patient ID 40213X. We issued 1,250 loans in the year.\n"
)


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> Assessment:
    path = tmp_path_factory.mktemp("privacy") / "draft.md"
    path.write_text(DRAFT, encoding="utf-8")
    return assess(path, "chartership")


def _found(assessment: Assessment) -> list[PrivacyFinding]:
    assert assessment.privacy is not None
    return assessment.privacy.findings


def test_each_kind_is_found_with_its_sentence(checked: Assessment) -> None:
    by_text = {f.text: f for f in _found(checked)}
    assert by_text["Sarah Jones"].kind == "person"
    assert by_text["Amir Khan"].kind == "person"
    assert by_text["943 476 5919"].kind == "nhs_number"
    assert by_text["020 7946 0018"].kind == "phone"
    assert by_text["+44 7700 900123"].kind == "phone"
    assert by_text["p.raman@example.ac.uk"].kind == "email"
    assert by_text["patient ID 40213X"].kind == "identifier"
    sentences = checked.outline.sentences
    for finding in by_text.values():
        assert finding.sentence is not None
        sentence = sentences[finding.sentence]
        assert sentence.start <= finding.start < finding.end <= sentence.end
        offset = finding.start - sentence.start
        assert sentence.text[offset : offset + len(finding.text)] == finding.text


def test_author_cited_theorists_and_bad_numbers_are_not_flagged(checked: Assessment) -> None:
    texts = {f.text for f in _found(checked)}
    assert checked.privacy is not None and checked.privacy.author == ["Priya Raman"]
    people = {f.text for f in _found(checked) if f.kind == "person"}
    assert not any("Priya" in t or "Raman" in t for t in people)
    assert not any("Kolb" in t or "Sch" in t for t in texts)
    assert "943 476 5918" not in texts
    assert not any("1,250" in t for t in texts)


def test_nhs_check_digit() -> None:
    assert nhs_check_digit_ok("9434765919")
    assert not nhs_check_digit_ok("9434765918")
    assert not nhs_check_digit_ok("943476591")


def test_clean_example_has_no_findings_but_the_declaration() -> None:
    assessment = assess(EXAMPLES / "chartership_strong.md", "chartership")
    assert assessment.privacy is not None
    assert assessment.privacy.findings == []
    assert "wrote none" in assessment.privacy.declaration


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json"])
def test_every_format_shows_the_checks_and_the_declaration(checked: Assessment, fmt: str) -> None:
    report = render(checked, fmt)  # type: ignore[arg-type]
    if fmt == "json":
        privacy = json.loads(report)["privacy"]
        assert {f["kind"] for f in privacy["findings"]} >= {"person", "email", "phone"}
        assert "wrote none" in privacy["declaration"]
        return
    flat = " ".join(report.split())
    assert "Before you submit" in flat
    assert "Sarah Jones" in flat and "020 7946 0018" in flat
    assert "pksb-reflect wrote none of this statement" in flat
