"""Word counts follow Word's rule, leave headings and references out, and judge limits."""

from __future__ import annotations

import pytest
from conftest import sentences

from pksb_reflect.analysis.segment import count_words
from pksb_reflect.api import assess
from pksb_reflect.framework import load_route


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I catalogued the new stock.", 5),
        ("Twelve e-books, three well-known journals and one CD-ROM.", 8),
        ("It wasn't easy — but it worked.", 6),  # a free-standing dash is not a word
        ("word—word", 1),  # an unspaced em dash joins
        ("  spaces\tand\nnew lines  count once  ", 6),
        ("(E4) (Smith, 2019) https://example.org/a?b=c", 4),
        ("", 0),
    ],
)
def test_count_words_matches_hand_counts(text: str, expected: int) -> None:
    assert count_words(text) == expected


STATEMENT = """# Criterion 1: Personal performance

I ran six induction sessions for new staff (E1). Next time I will ask them what they know first.

Criterion 2: Organisational context

The service plan asks us to reach more adult learners, see appendix 2.

## References

Jones, K. (2021) Teaching in libraries. London: Example Press.
"""


def test_parts_are_counted_separately_and_rule_is_stated() -> None:
    wc = assess(STATEMENT + "\n", "chartership").word_count
    assert wc.headings == 4 + 4 + 1
    assert wc.references == 9
    assert wc.evidence_labels == 1 + 3
    assert wc.body == 19 + 13
    assert wc.counted == wc.body - wc.evidence_labels
    assert wc.total == wc.body + wc.headings + wc.references
    assert "not counted: headings" in wc.rule


def test_flags_add_headings_and_references() -> None:
    both = assess(STATEMENT, "chartership", count_headings=True, count_references=True)
    wc = both.word_count
    assert wc.counted == wc.total
    assert wc.counted_headings and wc.counted_references


@pytest.mark.parametrize("route", ["certification", "chartership", "fellowship", "revalidation"])
def test_limit_status_for_every_route(route: str) -> None:
    limit = load_route(route).word_limit
    near_floor = int(limit * 0.95)
    cases = {limit // 2: "under", near_floor + 1: "near", limit: "near", limit + 7: "over"}
    for words, status in cases.items():
        wc = assess(sentences(words), route).word_count
        assert wc.counted == words
        assert wc.limit == limit
        assert wc.status == status, (route, words)
        assert wc.words_to_cut == max(0, words - limit)


def test_revalidation_limit_is_250_and_others_1000() -> None:
    assert load_route("revalidation").word_limit == 250
    assert load_route("revalidation").cpd_hours == 20
    for route in ("certification", "chartership", "fellowship"):
        assert load_route(route).word_limit == 1000


# --- documents read as candidates write them ------------------------------------------------


def _outline(text: str, fmt: str = "md") -> list[tuple[str, str]]:
    from pksb_reflect.analysis.segment import _plan_paragraphs
    from pksb_reflect.io.ingest import parse_bytes

    source = parse_bytes(text.encode(), name=f"draft.{fmt}", fmt=fmt)
    return [(p.kind, p.text) for p in _plan_paragraphs(source)]


def test_bulleted_and_numbered_lists_are_body_and_markers_are_not_words() -> None:
    text = (
        "Criterion 1: Personal performance\n\n"
        "I tried three ways of reaching new readers:\n"
        "- a stall at the market\n"
        "- a reading group in the care home\n"
        "1. a poster in the surgery\n"
    )
    parts = _outline(text)
    body = [t for kind, t in parts if kind == "body"]
    assert len(body) == 2 and body[1].startswith("- a stall")
    wc = assess(text, "chartership").word_count
    assert wc.counted == 8 + 5 + 7 + 5  # no "-" or "1." among the words
    sentences = assess(text, "chartership").outline.sentences
    assert len(sentences) == 4  # the lead-in and each item


def test_docx_list_items_after_a_lead_in_are_body(tmp_path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Criterion 3: Wider professional context", style="Heading 2")
    document.add_paragraph("Beyond my own library I took part in the following:")
    document.add_paragraph("A visit to the county archive", style="List Bullet")
    document.add_paragraph("The regional network meeting in May", style="List Bullet")
    path = tmp_path / "lists.docx"
    document.save(path)
    wc = assess(path, "chartership").word_count
    assert wc.counted == 10 + 6 + 6
    assert wc.headings == 5


def test_title_name_role_and_detail_lines_are_not_body() -> None:
    text = (
        "Revalidation statement 2026\n"
        "Name: Sam Carter\n"
        "CILIP membership number: 1234567\n"
        "Route: Revalidation\n"
        "Job title: Outreach Librarian, Westford Libraries\n\n"
        "This year I learned to plan sessions around what residents asked for.\n"
    )
    parts = _outline(text, "txt")
    assert [k for k, _ in parts] == ["heading"] * 5 + ["body"]
    assert assess(text, "revalidation").word_count.counted == 12


def test_headings_typed_as_plain_bold_numbered_or_long_lines_are_headings() -> None:
    text = (
        "Personal performance\n"
        "I ran the induction sessions for new staff and changed them after feedback.\n"
        "**Criterion 2 - Organisational context**\n\n"
        "The council plan asks libraries to reach more adult learners than before.\n\n"
        "3. Wider professional context\n\n"
        "Criterion 1: Identified areas for improvement in personal performance, undertaken "
        "activities to develop skills and enhance knowledge, applied these in practice\n\n"
        "At the regional network I heard how other services count their reach.\n"
    )
    kinds = [k for k, _ in _outline(text)]
    assert kinds == ["heading", "body", "heading", "body", "heading", "heading", "body"]


def test_docx_bold_and_styled_headings(tmp_path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Criterion 1: Personal performance", style="Heading 1")
    document.add_paragraph("I completed the digital champion course and now help readers online.")
    bold = document.add_paragraph()
    bold.add_run("Criterion 2: Organisational context").bold = True
    document.add_paragraph("Our strategy puts digital inclusion first, and my role supports it.")
    path = tmp_path / "headings.docx"
    document.save(path)
    a = assess(path, "chartership")
    kinds = [p.kind for p in a.outline.paragraphs]
    assert kinds == ["heading", "body", "heading", "body"]
    assert a.feedback is not None
    assert a.feedback.paragraphs[1].assigned_by.startswith("heading")


def _pdf(path, pages: list[list[str]]) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for number, lines in enumerate(pages, start=1):
        c.drawString(72, 800, "Portfolio of J. Reader - evaluative statement")
        y = 770
        for line in lines:
            c.drawString(72, y, line)
            y -= 14
        c.drawString(280, 40, f"Page {number}")
        c.showPage()
    c.save()


def test_pdf_running_heads_and_page_numbers_dropped_and_page_break_joined(tmp_path) -> None:
    wide = "the reading group met every week in the small room beside the main counter and"
    pages = [
        [
            "Criterion 1: Personal performance",
            "I set up a reading group for adults who had not used the library before, and",
            wide,
            "we kept a simple log of who came and what they read over the whole year, and",
        ],
        [
            "in June the group chose its own books for the first time since it started.",
            "Criterion 2: Organisational context",
            "The council plan asks us to reach residents who do not use the library yet.",
        ],
    ]
    path = tmp_path / "statement.pdf"
    _pdf(path, pages)
    a = assess(path, "chartership")
    body = [p for p in a.outline.paragraphs if p.kind == "body"]
    headings = [p.text for p in a.outline.paragraphs if p.kind == "heading"]
    assert headings == ["Criterion 1: Personal performance", "Criterion 2: Organisational context"]
    assert len(body) == 2  # the paragraph across the page break is one paragraph
    assert "Page" not in a.source.name and not any("Page 1" in p.text for p in body)
    assert not any("Portfolio of J. Reader" in p.text for p in a.outline.paragraphs)
    assert any("layout was inferred" in w for w in a.warnings)


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("The survey (E5, 23 responses) showed it.", ["5"]),
        ("The survey (E5 \u2013 survey) showed it.", ["5"]),
        ("E5 shows that most readers agreed.", ["5"]),
        ("The log is attached [Evidence 4].", ["4"]),
        ("The plan is in Appendix 2.", ["2"]),
        ("I reflected on the course (CPD log 3).", ["3"]),
        ("Both sessions (CPD log 1, 3) helped.", ["1", "3"]),
    ],
)
def test_citations_in_every_common_form(text: str, labels: list[str]) -> None:
    from pksb_reflect.analysis.evidence import reference_labels
    from pksb_reflect.analysis.segment import EVIDENCE_LABEL

    found = [n for m in EVIDENCE_LABEL.finditer(text) for n in reference_labels(m.group())]
    assert found == labels
