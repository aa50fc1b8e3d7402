"""Generators for the hostile-input corpus: every file is made here, none is committed.

Each generator writes one file (or link) into a folder and returns its path. The statements are
our own writing. Word documents are built with python-docx and, where python-docx cannot (tracked
changes, comments, zip bombs), with zipfile and hand-written WordprocessingML; PDFs with
reportlab, and encrypted with pypdf.
"""

from __future__ import annotations

import io
import os
import random
import re
import zipfile
from pathlib import Path

STATEMENT = (
    "During my second year at the county library I took charge of the local studies catalogue. "
    "I had never led a project of that size and the first months were hard. Looking back, I "
    "realise that I tried to control every decision myself because I was anxious about quality. "
    "As a result the team waited for me and the backlog grew. Next time I will agree shared "
    "standards early and trust colleagues to apply them."
)
FRENCH = (
    "Au cours de ma deuxième année à la bibliothèque, j'ai pris en charge le catalogue des "
    "collections locales. Je n'avais jamais dirigé une équipe et les premiers mois ont été "
    "difficiles pour moi. Avec le recul, je comprends que je voulais tout contrôler. La "
    "prochaine fois, je partagerai les tâches plus tôt avec mes collègues et nous fixerons "
    "ensemble des objectifs clairs pour le projet."
)
WELSH = (
    "Yn ystod fy ail flwyddyn yn y llyfrgell, roeddwn i'n gyfrifol am gatalog y casgliadau "
    "lleol. Doeddwn i erioed wedi arwain tîm ac roedd y misoedd cyntaf yn anodd iawn. Wrth "
    "edrych yn ôl, rwy'n deall fy mod i eisiau rheoli popeth fy hun. Y tro nesaf, byddaf yn "
    "rhannu'r gwaith gyda fy nghydweithwyr yn gynt a byddwn ni'n gosod nodau clir gyda'n "
    "gilydd ar gyfer y prosiect."
)
# Markup and template syntax in every shape a renderer might act on.
INJECTION = (
    "<script>alert(\"pwned\")</script> <img src=x onerror=alert(1)> {{ 7*'7' }} {% raw %} "
    "[click](javascript:alert(1)) **bold** `code` <!-- hidden --> [red]styled[/red] &amp; "
    "| a | b |"
)
RUN_ON_WORDS = 5000


def write(folder: Path, name: str, data: bytes | str) -> Path:
    """Write bytes (or UTF-8 text) to folder/name."""
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --- plain text -----------------------------------------------------------------------------


def empty(folder: Path) -> Path:
    return write(folder, "empty.txt", b"")


def whitespace_only(folder: Path) -> Path:
    return write(folder, "whitespace.txt", b" \n\t\n   \r\n\xc2\xa0\n")


def single_word(folder: Path) -> Path:
    return write(folder, "single-word.txt", "Reflection\n")


def binary_junk(folder: Path) -> Path:
    return write(folder, "junk.txt", random.Random(7).randbytes(8192))


def huge_text(folder: Path, megabytes: int = 50) -> Path:
    """A text file of `megabytes` MB of ordinary paragraphs, written in chunks."""
    paragraph = (STATEMENT + "\n\n").encode()
    path = folder / f"huge-{megabytes}mb.txt"
    block = paragraph * (1024 * 1024 // len(paragraph) + 1)
    with path.open("wb") as handle:
        written = 0
        while written < megabytes * 1024 * 1024:
            handle.write(block)
            written += len(block)
    return path


def invalid_utf8(folder: Path) -> Path:
    """UTF-8 (with accents) broken by two stray bytes."""
    text = STATEMENT.replace("county library", "café-library") + " Résumé of lessons. "
    data = text.encode("utf-8")
    return write(folder, "invalid-utf8.txt", data[:50] + b"\xff" + data[50:] + b"\xfe")


def utf16_without_bom(folder: Path) -> Path:
    return write(folder, "utf16-nobom.txt", STATEMENT.encode("utf-16-le"))


def cp1252_smart_quotes(folder: Path) -> Path:
    text = "\u201cI learned\u201d that the team\u2019s work \u2013 not mine \u2013 mattered. "
    return write(folder, "cp1252.txt", (text + STATEMENT).encode("cp1252"))


def french(folder: Path) -> Path:
    return write(folder, "francais.txt", FRENCH + "\n\n" + FRENCH)


def welsh(folder: Path) -> Path:
    return write(folder, "cymraeg.txt", WELSH + "\n\n" + WELSH)


def run_on_sentence(folder: Path) -> Path:
    """One sentence of RUN_ON_WORDS words and no punctuation at all."""
    words = re.sub(r"[^\w\s]", "", STATEMENT).lower().split()
    rng = random.Random(3)
    return write(
        folder, "run-on.txt", " ".join(rng.choice(words) for _ in range(RUN_ON_WORDS)) + "\n"
    )


def urls_and_citations(folder: Path) -> Path:
    lines = [
        f"See https://example.org/reflection/{i}?q=a&b=c and www.example{i}.org/path "
        f"(Schon, 19{80 + i % 20}; Kolb et al., 20{i % 24:02d}) [E{i}] doi:10.1000/{i}."
        for i in range(60)
    ]
    return write(folder, "urls.txt", STATEMENT + "\n\n" + " ".join(lines) + "\n\n" + STATEMENT)


def emoji_and_rtl(folder: Path) -> Path:
    text = (
        "I learned a lot 😀👍🏽 from the Arabic collection project: مرحبا بكم في المكتبة. "
        "The Hebrew labels read שלום עולם and I checked each one. \u202eThis is reversed\u202c. "
        "Family emoji 👨‍👩‍👧 and flags 🏴󠁧󠁢󠁷󠁬󠁳󠁿 appear in the catalogue too.\n\n" + STATEMENT
    )
    return write(folder, "emoji-rtl.txt", text)


def injection(folder: Path) -> Path:
    """Markup in the file name, a heading, the body and a reference list."""
    name = "<b onmouseover=alert(1)>{{7*7}}[red]x.md"
    text = (
        f"# {INJECTION}\n\n{STATEMENT} {INJECTION}.\n\n"
        f"I wrote <script>document.write('x')</script> in my notes (E1).\n\n"
        f"## References\n\n{INJECTION}\n"
    )
    return write(folder, name, text)


def awkward_name(folder: Path) -> Path:
    """A leading dash, spaces and non-ASCII letters in one name."""
    return write(folder, "-my statement é 日本 ✓.txt", STATEMENT)


def symlink_loop(folder: Path) -> Path:
    path = folder / "loop.txt"
    os.symlink(path.name, path)
    return path


# --- Word -----------------------------------------------------------------------------------


def docx_bytes(paragraphs: list[str], *, table_rows: list[list[str]] | None = None) -> bytes:
    """A .docx made by python-docx: a heading, paragraphs, and optionally a table."""
    import docx

    document = docx.Document()
    if paragraphs:
        document.add_heading("Criterion 1: Personal performance", level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    if table_rows:
        table = document.add_table(rows=0, cols=len(table_rows[0]))
        for row in table_rows:
            cells = table.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_not_zip(folder: Path) -> Path:
    return write(folder, "not-a-zip.docx", b"This is plain text wearing a .docx name.\n" * 20)


def docx_zip_bomb(folder: Path, megabytes: int = 100) -> Path:
    """A small .docx whose document.xml inflates to `megabytes` MB of zeros."""
    path = folder / "bomb.docx"
    chunk = b"\0" * (1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(megabytes):
                member.write(chunk)
    return path


def docx_many_parts_bomb(folder: Path) -> Path:
    """A .docx of many modest parts that together inflate past the total bound."""
    path = folder / "bomb-many.docx"
    part = b"\0" * (21 * 1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        for index in range(10):
            archive.writestr(f"word/media/image{index}.png", part)
    return path


def docx_tables_only(folder: Path) -> Path:
    rows = [
        ["Criterion", "Reflection"],
        ["Personal performance", "I learned to plan the catalogue project with the team."],
        ["Organisational context", "I realised that our budget cycle shaped every decision."],
    ]
    return write(folder, "tables-only.docx", docx_bytes([], table_rows=rows))


_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
COMMENT_TEXT = "Reviewer says this paragraph needs more evidence"
TRACKED_ACCEPTED = "I carefully reviewed the metadata standards with two colleagues."
TRACKED_DELETED_WORD = "hastily"


def docx_tracked_changes(folder: Path) -> Path:
    """Insertions, deletions, a move and a comment, written as raw WordprocessingML."""
    base = docx_bytes(["placeholder"])

    def run(text: str, tag: str = "w:t") -> str:
        return f'<w:r><{tag} xml:space="preserve">{text}</{tag}></w:r>'

    def change(kind: str, number: int, inner: str) -> str:
        stamp = 'w:author="A" w:date="2024-01-01T00:00:00Z"'
        return f'<w:{kind} w:id="{number}" {stamp}>{inner}</w:{kind}>'

    body = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{_W_NS}" xmlns:r="{_R_NS}"><w:body>'
        f"<w:p>{run('I ')}"
        + change("ins", 1, run("carefully "))
        + change("del", 2, run(f"{TRACKED_DELETED_WORD} ", "w:delText"))
        + '<w:commentRangeStart w:id="0"/>'
        + run("reviewed the metadata standards")
        + '<w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r>'
        + change("moveFrom", 3, run(" twice"))
        + run(" with two colleagues.")
        + f"</w:p><w:p>{run(STATEMENT)}</w:p><w:sectPr/></w:body></w:document>"
    )
    comments = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:comments xmlns:w="{_W_NS}"><w:comment w:id="0" w:author="B" w:date="2024-01-02T00:00:00Z">
<w:p><w:r><w:t>{COMMENT_TEXT}</w:t></w:r></w:p></w:comment></w:comments>"""
    rel = (
        '<Relationship Id="rIdComments9" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/comments" Target="comments.xml"/>'
    )
    override = (
        '<Override PartName="/word/comments.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                data = body.encode()
            elif info.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
            elif info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", override.encode() + b"</Types>")
            target.writestr(info, data)
        target.writestr("word/comments.xml", comments)
    return write(folder, "tracked.docx", out.getvalue())


# --- PDF ------------------------------------------------------------------------------------


def pdf_bytes(pages: list[str], *, text: bool = True) -> bytes:
    """A PDF from reportlab: one page per entry, its text wrapped; or shapes only."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    for page in pages:
        if text:
            lines = re.findall(r".{1,90}(?:\s|$)", page)
            y = 800
            for line in lines:
                pdf.drawString(50, y, line.strip())
                y -= 14
        else:
            pdf.rect(50, 500, 300, 200, fill=1)
            pdf.circle(200, 300, 60)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def pdf_encrypted(folder: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf_bytes([STATEMENT]))).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret-password", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return write(folder, "encrypted.pdf", buffer.getvalue())


def pdf_no_text(folder: Path) -> Path:
    return write(folder, "scan.pdf", pdf_bytes(["", ""], text=False))


def pdf_truncated(folder: Path) -> Path:
    data = pdf_bytes([STATEMENT, STATEMENT])
    return write(folder, "truncated.pdf", data[: len(data) // 3])


def pdf_many_pages(folder: Path, pages: int = 300) -> Path:
    texts = [f"Page {n} of my evidence. I learned something new on day {n}." for n in range(pages)]
    return write(folder, f"pages-{pages}.pdf", pdf_bytes(texts))


def fifo(folder: Path) -> Path:
    """A named pipe with a statement's name: reading it would block for ever."""
    path = folder / "pipe.txt"
    os.mkfifo(path)
    return path


# --- issue 11: reading ------------------------------------------------------------------------

CR_PARAGRAPHS = (
    "I took over the enquiry desk rota when a colleague left at short notice.",
    "Looking back, I realise that I planned the weeks alone instead of asking the team.",
    "Next time I will draft the rota with two colleagues and agree it with the whole team.",
)
TEXT_BOX = "The text box says that I ran the reading group for a whole year."
MAC_ROMAN_TEXT = (
    "My mentor said \u201cwrite what you learned\u201d, and the team\u2019s caf\u00e9 "
    "sessions \u2014 na\u00efve as they were \u2014 taught me to listen. " + STATEMENT
)


def cr_only(folder: Path) -> Path:
    """Classic Mac line endings: a lone carriage return ends each line."""
    return write(folder, "classic-mac.txt", "\r\r".join(CR_PARAGRAPHS).encode())


def mac_roman(folder: Path) -> Path:
    return write(folder, "mac-roman.txt", MAC_ROMAN_TEXT.encode("mac_roman"))


def docx_text_box(folder: Path) -> Path:
    """A text box as Word writes it: once in mc:Choice (wps) and again in mc:Fallback (VML)."""
    base = docx_bytes(["placeholder"])
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    wps = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
    box = f"<w:txbxContent><w:p><w:r><w:t>{TEXT_BOX}</w:t></w:r></w:p></w:txbxContent>"
    body = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{_W_NS}" xmlns:r="{_R_NS}" xmlns:mc="{mc}" xmlns:wps="{wps}" '
        'xmlns:v="urn:schemas-microsoft-com:vml" mc:Ignorable="wps"><w:body>'
        f"<w:p><w:r><w:t>{STATEMENT}</w:t></w:r></w:p>"
        "<w:p><w:r><mc:AlternateContent>"
        f'<mc:Choice Requires="wps"><w:drawing><wps:txbx>{box}</wps:txbx></w:drawing></mc:Choice>'
        f"<mc:Fallback><w:pict><v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict>"
        "</mc:Fallback></mc:AlternateContent></w:r></w:p><w:sectPr/></w:body></w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, body.encode() if info.filename == "word/document.xml" else data)
    return write(folder, "text-box.docx", out.getvalue())


def pdf_aes256(folder: Path) -> Path:
    """A PDF whose security handler is AES-256 (V 5, R 6), which needs a crypto library."""
    data = pdf_encrypted(folder).read_bytes()
    data = data.replace(b"/V 2\n/R 3\n/Length 128", b"/V 5\n/R 6\n/Length 256")
    return write(folder, "aes256.pdf", data)


def one_word_paragraphs(folder: Path, count: int = 100_000) -> Path:
    """About 1 MB: `count` paragraphs of one word each."""
    return write(folder, "one-word-paragraphs.txt", "\n\n".join(["Reflect."] * count))


def one_word_lines(folder: Path, count: int = 100_000) -> Path:
    """`count` one-word lines in a single paragraph."""
    return write(folder, "one-word-lines.txt", "\n".join(["reflect"] * count))


# --- issue 11: the self-assessment and the CPD log ---------------------------------------------

CPD_HEADER = "date,activity,hours\n"
ESCAPE_ACTIVITY = "Copyright webinar \x1b[2J\x1b]0;owned\x07 with \x1b[31mred\x1b[0m text"


def yaml_alias_bomb(folder: Path) -> Path:
    """About 500 bytes of YAML aliases that stand for millions of strings."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefgh":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [{', '.join([f'*{previous}'] * 9)}]")
    lines.append("skills: [{skill: '11', current: *h, desired: 3}]")
    return write(folder, "bomb.yaml", "\n".join(lines) + "\n")


def audit_rating(folder: Path, rating: str) -> Path:
    return write(folder, "audit.csv", f"skill,current,desired,comment\n11,{rating},3,plan\n")


def csv_huge_field(folder: Path, name: str, header: str, chars: int = 140_000) -> Path:
    """One quoted cell longer than the csv module's own field limit (131,072)."""
    return write(folder, name, f'{header}\n2025-01-10,"{"x" * chars}",2\n')


def cpd_rows(folder: Path, rows: list[str], name: str = "cpd.csv") -> Path:
    return write(folder, name, CPD_HEADER + "\n".join(rows) + "\n")


def cpd_many_rows(folder: Path, count: int = 50_000) -> Path:
    rows = [f"2025-0{1 + n % 9}-1{n % 9},Reading group session {n},1" for n in range(count)]
    return cpd_rows(folder, rows, "cpd-50000.csv")


def docx_many_paragraphs(folder: Path, count: int = 100_000) -> Path:
    """A small .docx (it compresses well) of `count` one-word paragraphs."""
    base = docx_bytes(["placeholder"])
    paragraph = "<w:p><w:r><w:t>Reflect.</w:t></w:r></w:p>"
    body = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{_W_NS}" xmlns:r="{_R_NS}"><w:body>'
        + paragraph * count
        + "<w:sectPr/></w:body></w:document>"
    )
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(
                info.filename, body.encode() if info.filename == "word/document.xml" else data
            )
    return write(folder, "many-paragraphs.docx", out.getvalue())


def yaml_deep(folder: Path, depth: int = 5000) -> Path:
    return write(folder, "deep.yaml", "skills: " + "[" * depth + "]" * depth + "\n")
