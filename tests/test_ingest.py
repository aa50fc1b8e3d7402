"""Every input format reads to the candidate's exact words, with headings and offsets kept."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from pksb_reflect.errors import InputError
from pksb_reflect.io.ingest import parse_bytes, read_source

TEXT = "I led the library\u2019s induction week. It changed how I plan sessions."


def test_utf8_with_and_without_bom_and_utf16() -> None:
    plain = parse_bytes(TEXT.encode("utf-8"), name="a.txt", fmt="txt")
    bom = parse_bytes(b"\xef\xbb\xbf" + TEXT.encode("utf-8"), name="b.txt", fmt="txt")
    utf16 = parse_bytes(TEXT.encode("utf-16"), name="c.txt", fmt="txt")
    utf16_no_bom = parse_bytes(TEXT.encode("utf-16-le"), name="d.txt", fmt="txt")
    assert plain.text == bom.text == utf16.text == utf16_no_bom.text == TEXT
    assert (plain.encoding, bom.encoding, utf16_no_bom.encoding) == (
        "utf-8",
        "utf-8-sig",
        "utf-16-le",
    )


def test_cp1252_fallback_keeps_smart_quotes() -> None:
    source = parse_bytes(TEXT.encode("cp1252"), name="w.txt", fmt="txt")
    assert source.encoding == "cp1252"
    assert source.text == TEXT


def test_analysis_text_normalises_quotes_but_keeps_offsets() -> None:
    source = parse_bytes(TEXT.encode(), name="a.txt", fmt="txt")
    assert len(source.analysis_text) == len(source.text)
    assert "library's" in source.analysis_text
    assert "library\u2019s" in source.text


def test_markdown_headings_become_heading_blocks() -> None:
    md = "# Criterion 1\n\nFirst paragraph here.\nStill the first.\n\n## Next\n\nSecond one."
    source = parse_bytes(md.encode(), name="s.md", fmt="md")
    kinds = [(b.kind, source.text[b.start : b.end]) for b in source.blocks]
    assert kinds == [
        ("heading", "Criterion 1"),
        ("paragraph", "First paragraph here.\nStill the first."),
        ("heading", "Next"),
        ("paragraph", "Second one."),
    ]


def _docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Criterion 2: Organisational context", level=1)
    document.add_paragraph("Our college serves adult learners who study in the evenings.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Evidence"
    table.cell(0, 1).text = "Survey of adult learners"
    table.cell(1, 0).text = "E4"
    table.cell(1, 1).text = "Enquiry statistics"
    document.add_paragraph("I recommended evening drop-in sessions.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_paragraphs_headings_and_tables_in_order() -> None:
    source = parse_bytes(_docx_bytes(), name="s.docx", fmt="docx")
    blocks = [(b.kind, source.text[b.start : b.end]) for b in source.blocks]
    assert blocks == [
        ("heading", "Criterion 2: Organisational context"),
        ("paragraph", "Our college serves adult learners who study in the evenings."),
        ("table", "Evidence | Survey of adult learners"),
        ("table", "E4 | Enquiry statistics"),
        ("paragraph", "I recommended evening drop-in sessions."),
    ]
    assert blocks[0][1] and source.blocks[0].level == 1


def _pdf_bytes(lines: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    y = 800
    for line in lines:
        if line:
            pdf.drawString(72, y, line)
        y -= 16
    pdf.save()
    return buffer.getvalue()


def test_pdf_text_layer_is_read() -> None:
    data = _pdf_bytes(["I catalogued the nursing stock using RDA.", "", "It took three months."])
    source = parse_bytes(data, name="s.pdf", fmt="pdf")
    assert "catalogued the nursing stock" in source.text
    assert any("text layer" in w for w in source.warnings)


def test_pdf_without_text_layer_is_refused_clearly() -> None:
    data = _pdf_bytes([])
    with pytest.raises(InputError, match="no text layer"):
        parse_bytes(data, name="scan.pdf", fmt="pdf")


def test_stdin_sniffs_the_format(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(_docx_bytes())))
    source = read_source("-")
    assert source.name == "<stdin>"
    assert source.format == "docx"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.txt", None, "no such file"),
        ("notes.odt", b"hello", "unsupported file type"),
        ("empty.txt", b"", "is empty"),
        ("blank.md", b"  \n\n \t\n", "is empty"),
        ("fake.docx", b"this is not a zip", "not a zip archive"),
        ("junk.txt", bytes(range(256)) * 40, "binary"),
    ],
)
def test_bad_inputs_raise_one_line_input_errors(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=message) as caught:
        read_source(path)
    assert str(path) in caught.value.one_line()
    assert "\n" not in caught.value.one_line()
