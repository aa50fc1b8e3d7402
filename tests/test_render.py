"""Renderers: every format from the one Assessment; user text never becomes markup."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support import EXAMPLES

from pksb_reflect.api import assess
from pksb_reflect.cli import main
from pksb_reflect.render import REGISTRY, render
from pksb_reflect.render.markdown import md_escape
from pksb_reflect.results import Assessment

HOSTILE = [
    "<script>alert(1)</script>",
    "{{7*7}}",
    "[x](javascript:alert(1))",
    "<img src=x onerror=alert(2)>",
]
HOSTILE_DRAFT = (
    "# Criterion 1: Personal performance\n\n"
    "I ran a session on <script>alert(1)</script> safety for staff. I learned that templates "
    "such as {{7*7}} confuse readers. Next time I will test them first.\n\n"
    "# Criterion 2: Organisational context\n\n"
    "Our service evaluated feedback from users [x](javascript:alert(1)) and introduced a new "
    "guide. Loans rose by a third (E1).\n\n"
    "# Criterion 3: Wider professional context\n\n"
    "At a CILIP network event I saw <img src=x onerror=alert(2)> in a slide. It made me think "
    "about sector issues such as misinformation.\n"
)


@pytest.fixture(scope="module")
def strong() -> Assessment:
    return assess(EXAMPLES / "chartership_strong.md", "chartership")


@pytest.fixture(scope="module")
def hostile() -> Assessment:
    return assess(HOSTILE_DRAFT, "chartership")


def test_formats_listed() -> None:
    assert {"text", "json", "markdown", "html"} <= set(REGISTRY)


def test_markdown_has_key_sections(strong: Assessment) -> None:
    out = render(strong, "markdown")
    for heading in ("## Criteria", "## Strengths", "## Priorities", "## Word count",
                    "## Your statement"):  # fmt: skip
        assert heading in out
    assert out.count("| **Met**") + out.count("**Partly met**") + out.count("**Not yet") >= 3


def test_html_has_key_sections(strong: Assessment) -> None:
    out = render(strong, "html")
    assert out.startswith("<!DOCTYPE html>")
    for section in ('id="criteria"', 'id="strengths"', 'id="priorities"', 'id="statement"',
                    'id="balance"', 'id="pksb"', 'id="evidence-links"'):  # fmt: skip
        assert section in out
    assert "<svg" in out and "</svg>" in out
    assert out.count('class="s"') == len(strong.outline.sentences)
    assert 'title="' in out  # the reasons for each sentence's shading, on hover
    assert "<script" not in out.lower()


def test_html_is_self_contained(strong: Assessment, hostile: Assessment) -> None:
    for assessment in (strong, hostile):
        out = render(assessment, "html")
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", out, re.IGNORECASE)
        assert "@import" not in out and "url(" not in out
        assert "http://" not in out and "https://" not in out


def test_text_report_has_feedback(strong: Assessment) -> None:
    out = render(strong, "text")
    assert "Criteria" in out and "Strengths" in out and "Priorities" in out
    assert "\x1b[" not in out  # no colour unless asked


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_user_text_is_escaped(hostile: Assessment, fmt: str) -> None:
    out = render(hostile, fmt)  # type: ignore[arg-type]
    for raw in HOSTILE:
        assert raw not in out
    assert "<script" not in out.lower()
    assert "<img" not in out.lower()
    assert "{{7*7}}" not in out
    assert "](javascript:" not in out
    if fmt == "html":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
        assert "&lt;img src=x onerror=alert(2)&gt;" in out
    else:
        assert "&lt;script&gt;" in out
        assert r"\{\{7\*7\}\}" in out
        assert r"\[x\]\(javascript:alert(1))" in out


def test_escaping_in_file_name(tmp_path: Path) -> None:
    path = tmp_path / "<img onerror=alert(3)>draft.md"
    path.write_text(HOSTILE_DRAFT, encoding="utf-8")
    assessment = assess(path, "chartership")
    for fmt in ("html", "markdown"):
        out = render(assessment, fmt)  # type: ignore[arg-type]
        assert "<img" not in out


def test_md_escape() -> None:
    assert md_escape("<a>") == "&lt;a&gt;"
    assert md_escape("[x](y)") == r"\[x\]\(y)"
    assert md_escape("1. item") == r"1\. item"
    assert md_escape("see https://example.org") == r"see https:\/\/example.org"


def test_json_is_parseable_and_has_feedback(strong: Assessment) -> None:
    data = json.loads(render(strong, "json"))
    assert data["feedback"]["criteria"][0]["number"] == 1


@pytest.mark.parametrize("fmt,suffix", [("html", ".html"), ("markdown", ".md")])
def test_cli_writes_report(tmp_path: Path, fmt: str, suffix: str) -> None:
    out = tmp_path / f"report{suffix}"
    args = ["check", str(EXAMPLES / "chartership_strong.md"), "--format", fmt, "--out", str(out)]
    assert main(args) == 0
    first = out.read_text(encoding="utf-8")
    assert "Strengths" in first
    assert main(args) != 0  # refuses to overwrite
    assert main([*args, "--force"]) == 0
    assert out.read_text(encoding="utf-8") == first


def test_portfolio_findings_are_written_as_sentences_in_every_format() -> None:
    folder = EXAMPLES / "certification"
    cert = assess(
        folder / "statement.md",
        "certification",
        evidence=[folder / "evidence"],
        pksb_audit=folder / "pksb_audit.csv",
    )
    reval = assess(
        EXAMPLES / "revalidation.md",
        "revalidation",
        cpd_log=EXAMPLES / "revalidation_cpd_log.csv",
    )
    for fmt in ("text", "markdown", "html"):
        cert_report = render(cert, fmt)
        assert "E5" in cert_report and "never used in the statement" in cert_report
        assert "no evidence file is labelled E6" in cert_report
        assert "aiming for 3 (gap 2)" in cert_report
        reval_report = render(reval, fmt)
        assert "meets the 20-hour need" in reval_report
        assert "First aid at work refresher" in reval_report
        # Findings are prose, not a dump of field names.
        assert "label_source" not in cert_report and "semantic_threshold" not in reval_report


def test_revalidation_is_not_asked_for_every_kind_of_reflection() -> None:
    from pksb_reflect import assess

    text = (
        "This year I moved our induction online. The first sessions felt flat, and the "
        "feedback showed students wanted examples from their own subjects. I now open each "
        "session with a search from the student's own reading list."
    )
    for route, shown in (("revalidation", False), ("chartership", True)):
        assessment = assess(text, route)
        assert (
            assessment.reflection is not None and assessment.reflection.document.missing_categories
        )
        for fmt in ("text", "markdown"):
            assert ("Not yet present" in render(assessment, fmt)) is shown, (route, fmt)
