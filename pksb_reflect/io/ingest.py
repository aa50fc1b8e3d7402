"""Reading statements and evidence: .txt, .md, .docx, .pdf and stdin, into text plus blocks.

The text we keep is the candidate's own, character for character, so that reports quote their
exact words. Analysis reads a normalised copy (`analysis_text`) made by one-for-one character
substitutions, so every offset is valid in both.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import re
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from pksb_reflect.errors import InputError, display_name
from pksb_reflect.io.encoding import decode_text
from pksb_reflect.io.pdf_layout import pdf_layout
from pksb_reflect.limits import MAX_PARAGRAPHS, MAX_SENTENCES, TimeBudget

SourceFormat = Literal["txt", "md", "docx", "pdf"]
BlockKind = Literal["heading", "paragraph", "table"]
SUFFIX_FORMATS: dict[str, SourceFormat] = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".docx": "docx",
    ".pdf": "pdf",
}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DOCX_MAX_UNPACKED = 200 * 1024 * 1024
# One XML part (document.xml, say) is parsed whole into memory: bound it more tightly.
DOCX_MAX_XML_PART = 64 * 1024 * 1024
DOCX_MAX_ENTRIES = 5000
PDF_MAX_PAGES = 500
# Far beyond any statement or evidence file; past it analysis would take minutes and gigabytes.
MAX_WORDS = 200_000
# Control characters (not tabs or line breaks) are not words anyone wrote; they could drive a
# terminal, so they become U+FFFD, one for one, which keeps every offset. Those Python counts as
# whitespace (file and record separators, NEL) become spaces, so word counts do not change.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
_CONTROL_SPACES = re.compile(r"[\x1c-\x1f\x85]")

# One-for-one substitutions: curly quotes, dashes used as hyphens, odd spaces, carriage returns.
_NORMALISE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u200a": " ",
        "\u3000": " ",
        "\t": " ",
        "\r": "\n",
        "\u2028": "\n",
        "\u2029": "\n",
        "\u000b": "\n",
        "\u000c": "\n",
        "\ufeff": " ",
        "\u200b": " ",
        "\u2010": "-",
        "\u2011": "-",
    }
)


class Block(BaseModel):
    """A stretch of the text with a known role: offsets are into SourceText.text."""

    kind: BlockKind
    start: int
    end: int
    level: int | None = Field(default=None, description="Heading level, where the source says.")


class SourceText(BaseModel):
    """A decoded document: its exact text, where that text came from, and its blocks."""

    name: str
    format: SourceFormat
    encoding: str | None = None
    sha256: str
    text: str
    blocks: list[Block]
    warnings: list[str] = Field(default_factory=list)

    @property
    def analysis_text(self) -> str:
        """The text with quotes, dashes and spaces normalised; same length, same offsets."""
        return self.text.translate(_NORMALISE)


def read_source(
    source: str | Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    budget: TimeBudget | None = None,
) -> SourceText:
    """Read a file path, or '-' for standard input, into a SourceText.

    The file is opened read-only and never written; its name is made safe to display.
    """
    name = display_name(str(source))
    if str(source) == "-":
        data = sys.stdin.buffer.read(max_bytes + 1)
        return parse_bytes(data, name="<stdin>", fmt=None, max_bytes=max_bytes, budget=budget)
    path = Path(source)
    if not path.exists():
        if path.is_symlink():
            try:
                path.stat()
            except OSError as exc:
                reason = exc.strerror or "cannot be followed"
                raise InputError(f"is a broken or looping link ({reason})", name) from None
            raise InputError("is a broken link", name)
        raise InputError("no such file", name)
    if path.is_dir():
        raise InputError("is a folder, not a file", name)
    if not path.is_file():  # a FIFO or device would block or never end
        raise InputError("is not a regular file", name)
    fmt = SUFFIX_FORMATS.get(path.suffix.lower())
    if fmt is None:
        supported = ", ".join(sorted(SUFFIX_FORMATS))
        raise InputError(
            f"unsupported file type {path.suffix or '(none)'!r}; use {supported}", name
        )
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"is {size / 1048576:.1f} MB, over the {max_bytes / 1048576:.0f} MB limit "
                "(raise it with --max-size)",
                name,
            )
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except PermissionError:
        raise InputError("permission denied", name) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", name) from None
    return parse_bytes(data, name=name, fmt=fmt, max_bytes=max_bytes, budget=budget)


def parse_bytes(
    data: bytes,
    *,
    name: str,
    fmt: SourceFormat | None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    budget: TimeBudget | None = None,
) -> SourceText:
    """Decode bytes of a known (or, for stdin, sniffed) format.

    Raises only InputError (or its TimeLimitError) whatever the bytes hold.
    """
    name = display_name(name)
    if len(data) > max_bytes:
        raise InputError(
            f"is over the {max_bytes / 1048576:.0f} MB limit (raise it with --max-size)", name
        )
    if fmt is None:
        fmt = _sniff_format(data)
    digest = hashlib.sha256(data).hexdigest()
    warnings: list[str] = []
    encoding: str | None = None
    if fmt == "docx":
        text, blocks = _read_docx(data, name, warnings)
    elif fmt == "pdf":
        text, blocks = _read_pdf(data, name, warnings, budget)
    else:
        text, encoding = decode_text(data, name, warnings)
        _check_words(text, name)
        # Classic Mac files end lines with a lone CR; blocks are found in a same-length copy
        # where it is a line feed, so offsets stay valid in the text as written.
        lines = _LONE_CR.sub("\n", text)
        # Markdown '#' headings are recognised in plain text too: candidates paste them there.
        found = itertools.islice(_text_blocks(lines, markdown=True), 2 * MAX_PARAGRAPHS + 2)
        blocks = sorted(found, key=lambda b: b.start)
    if not any(text[b.start : b.end].strip() for b in blocks):
        raise InputError("is empty: there is no text to assess", name)
    if fmt != "txt" and fmt != "md":
        _check_words(text, name)
    _check_units(text, blocks, name)
    text = _replace_controls(text, name, warnings)
    return SourceText(
        name=name,
        format=fmt,
        encoding=encoding,
        sha256=digest,
        text=text,
        blocks=blocks,
        warnings=warnings,
    )


def _sniff_format(data: bytes) -> SourceFormat:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    return "txt"


def _check_words(text: str, name: str) -> None:
    """Refuse text over MAX_WORDS, counting no further than the bound."""
    for count, _ in enumerate(re.finditer(r"\S+", text), start=1):
        if count > MAX_WORDS:
            raise InputError(
                f"has more than {MAX_WORDS:,} words; pksb-reflect reads statements and evidence "
                "up to that length",
                name,
            )


_LONE_CR = re.compile(r"\r(?!\n)")
_SENTENCE_UNITS = re.compile(r"[.!?\u2026;:]+(?=\s|$)|[\r\n\u2028\u2029]+")


def _check_units(text: str, blocks: list[Block], name: str) -> None:
    """Refuse more paragraphs or (estimated) sentences than analysis is bounded for.

    Counted before spaCy runs, and no further than the bound, so refusing costs little.
    """
    if len(blocks) > MAX_PARAGRAPHS:
        raise InputError(
            f"has more than {MAX_PARAGRAPHS:,} paragraphs; pksb-reflect reads statements and "
            "evidence up to that many",
            name,
        )
    for units, _ in enumerate(_SENTENCE_UNITS.finditer(text), start=len(blocks) + 1):
        if units > MAX_SENTENCES:
            raise InputError(
                f"has more than {MAX_SENTENCES:,} sentences or lines; pksb-reflect reads "
                "statements and evidence up to that many",
                name,
            )


def _replace_controls(text: str, name: str, warnings: list[str]) -> str:
    text = _CONTROL_SPACES.sub(" ", text)
    found = len(_CONTROLS.findall(text))
    if not found:
        return text
    warnings.append(
        f"{name}: holds {found} control character{'s' if found != 1 else ''}; "
        "each is shown as \ufffd"
    )
    return _CONTROLS.sub("\ufffd", text)


_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+\S")


def _text_blocks(text: str, *, markdown: bool) -> Iterator[Block]:
    """Blocks of plain text: runs of non-blank lines; Markdown '#' lines are headings."""
    for match in re.finditer(r"[^\n]*\S[^\n]*(?:\n[^\n]*\S[^\n]*)*", text):
        start, end = match.span()
        chunk = match.group()
        if markdown:
            line_start = start
            for line in chunk.split("\n"):
                line_end = line_start + len(line)
                heading = _MD_HEADING.match(line)
                if heading:
                    # The heading's words start after the '#' marks, which are not words.
                    yield Block(
                        kind="heading",
                        start=line_start + heading.end() - 1,
                        end=line_start + len(line.rstrip()),
                        level=len(heading.group(1)),
                    )
                line_start = line_end + 1
            # The non-heading lines of the chunk form paragraphs between the headings.
            yield from _markdown_paragraphs(text, start, end)
        else:
            yield Block(kind="paragraph", start=start, end=end)


def _markdown_paragraphs(text: str, start: int, end: int) -> Iterator[Block]:
    para_start: int | None = None
    para_end = start
    pos = start
    for line in text[start:end].split("\n"):
        line_end = pos + len(line)
        if _MD_HEADING.match(line):
            if para_start is not None:
                yield Block(kind="paragraph", start=para_start, end=para_end)
                para_start = None
        else:
            if para_start is None:
                para_start = pos
            para_end = line_end
        pos = line_end + 1
    if para_start is not None:
        yield Block(kind="paragraph", start=para_start, end=para_end)


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _guard_zip(data: bytes, name: str) -> zipfile.ZipFile:
    """Open a .docx's zip, refusing a zip bomb by its declared sizes before unpacking.

    Python's zipfile never inflates a member past its declared size (and checks its CRC), so
    bounding the declared sizes bounds what python-docx can unpack.
    """
    if data.startswith(_OLE_MAGIC):
        raise InputError(
            "is a password-protected or old-format (.doc) Word file; "
            "save an unprotected .docx copy and try again",
            name,
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except zipfile.BadZipFile:
        raise InputError("is not a valid .docx file (it is not a zip archive)", name) from None
    except Exception as exc:  # zipfile raises several types on damaged archives
        raise InputError(f"is not a valid .docx file ({type(exc).__name__})", name) from None
    if len(infos) > DOCX_MAX_ENTRIES:
        raise InputError(
            f"holds {len(infos)} files, over the {DOCX_MAX_ENTRIES} safety limit for .docx files",
            name,
        )
    biggest_xml = max(
        (i.file_size for i in infos if i.filename.lower().endswith((".xml", ".rels"))), default=0
    )
    if biggest_xml > DOCX_MAX_XML_PART:
        raise InputError(
            f"has an XML part that unpacks to {biggest_xml / 1048576:.0f} MB, over the "
            f"{DOCX_MAX_XML_PART / 1048576:.0f} MB safety limit for .docx files",
            name,
        )
    total = sum(info.file_size for info in infos)
    if total > DOCX_MAX_UNPACKED:
        raise InputError(
            f"unpacks to {total / 1048576:.0f} MB, over the "
            f"{DOCX_MAX_UNPACKED / 1048576:.0f} MB safety limit for .docx files",
            name,
        )
    if "word/document.xml" not in archive.namelist():
        raise InputError("is not a valid .docx file (no word/document.xml inside)", name)
    return archive


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _paragraph_text(element: object) -> str:
    """A paragraph's accepted text: inserted runs kept, deleted runs and comments left out."""
    parts: list[str] = []
    for node in element.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}delText"):  # type: ignore[attr-defined]
        if node.tag == f"{_W}delText":
            continue
        # Text moved away (w:moveFrom) is gone once changes are accepted; w:moveTo keeps it.
        # A text box is stored twice, for new Word (mc:Choice) and old (mc:Fallback): read once.
        if next(node.iterancestors(f"{_W}moveFrom", f"{_W}del", _MC_FALLBACK), None) is not None:
            continue
        if node.tag == f"{_W}t":
            parts.append(node.text or "")
        elif node.tag == f"{_W}tab":
            parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)


def _read_docx(data: bytes, name: str, warnings: list[str]) -> tuple[str, list[Block]]:
    archive = _guard_zip(data, name)
    archive.close()
    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError:  # pragma: no cover - python-docx is a dependency
        raise InputError("reading .docx needs python-docx; reinstall pksb-reflect", name) from None
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise InputError(f"is not a readable .docx file ({exc})", name) from None
    except Exception as exc:  # lxml and python-docx raise many types on malformed XML
        raise InputError(f"is not a readable .docx file ({type(exc).__name__})", name) from None
    try:
        return _docx_text(document, name, warnings)
    except InputError:
        raise
    except Exception as exc:  # a well-formed zip whose XML python-docx cannot make sense of
        raise InputError(f"is not a readable .docx file ({type(exc).__name__})", name) from None


def _docx_text(document: object, name: str, warnings: list[str]) -> tuple[str, list[Block]]:
    """The accepted text of a loaded python-docx Document, as blocks."""
    body = document.element.body  # type: ignore[attr-defined]
    if body.find(f".//{_W}ins") is not None or body.find(f".//{_W}del") is not None:
        warnings.append(
            f"{name}: has tracked changes; the text is read as if all changes were accepted"
        )
    if document.part.package is not None and any(  # type: ignore[attr-defined]
        "comments" in rel.reltype
        for rel in document.part.rels.values()  # type: ignore[attr-defined]
    ):
        warnings.append(f"{name}: has comments; they are not counted or assessed")
    pieces: list[str] = []
    blocks: list[Block] = []
    pos = 0

    def add(kind: BlockKind, text: str, level: int | None = None) -> None:
        nonlocal pos
        text = text.strip()
        if not text:
            return
        if pieces:
            pieces.append("\n\n")
            pos += 2
        blocks.append(Block(kind=kind, start=pos, end=pos + len(text), level=level))
        pieces.append(text)
        pos += len(text)

    # Style names by id, looked up once: asking python-docx for each paragraph's style
    # searches the styles part every time, which 100,000 paragraphs make minutes of work.
    names = {
        style.style_id: style.name or ""
        for style in document.styles  # type: ignore[attr-defined]
    }
    for child in body.iterchildren():
        if len(blocks) > MAX_PARAGRAPHS:  # enough to refuse it: read no further
            break
        if child.tag == f"{_W}p":
            style_id = child.find(f"{_W}pPr/{_W}pStyle")
            style = names.get(style_id.get(f"{_W}val"), "") if style_id is not None else ""
            level = _heading_level(style)
            add("heading" if level else "paragraph", _paragraph_text(child), level)
        elif child.tag == f"{_W}tbl":
            for row in child.iter(f"{_W}tr"):
                if len(blocks) > MAX_PARAGRAPHS:
                    break
                cells = [
                    " ".join(_paragraph_text(p).strip() for p in cell.iter(f"{_W}p")).strip()
                    for cell in row.iter(f"{_W}tc")
                ]
                add("table", " | ".join(c for c in cells if c))
    if blocks and all(b.kind == "table" for b in blocks):
        warnings.append(f"{name}: holds only tables; each table row was read as a paragraph")
    return "".join(pieces), blocks


def _heading_level(style: str) -> int | None:
    if style == "Title":
        return 1
    match = re.match(r"Heading (\d)", style)
    return int(match.group(1)) if match else None


_PDF_ENCRYPT = re.compile(rb"/Encrypt\s+(?:\d+\s+\d+\s+R|<<)")


def _read_pdf(
    data: bytes, name: str, warnings: list[str], budget: TimeBudget | None = None
) -> tuple[str, list[Block]]:
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                unlocked = bool(reader.decrypt(""))
            except Exception:
                unlocked = False
            if not unlocked:
                raise InputError(
                    "is an encrypted PDF; save an unprotected copy and try again", name
                )
        pages = reader.pages
        count = len(pages)
        if count > PDF_MAX_PAGES:
            raise InputError(f"has {count} pages, over the {PDF_MAX_PAGES}-page limit", name)
        texts: list[str] = []
        for page in pages:
            if budget is not None:
                budget.check("read its pages", name)
            texts.append(page.extract_text() or "")
    except InputError:
        raise
    except Exception as exc:  # pypdf raises a wide range on damaged files
        if _PDF_ENCRYPT.search(data[-65536:]) or _PDF_ENCRYPT.search(data[:65536]):
            # AES-256 needs a crypto library we do not ship; pypdf fails while opening it.
            raise InputError(
                "is an encrypted PDF; save an unprotected copy and try again", name
            ) from None
        raise InputError(f"is not a readable PDF ({type(exc).__name__})", name) from None
    if not any(t.strip() for t in texts):
        raise InputError(
            "is a PDF with no text layer (a scan?); export the statement as text or .docx", name
        )
    text, dropped = pdf_layout(texts)
    blocks = list(_text_blocks(text, markdown=False))
    warnings.append(
        f"{name}: read from a PDF's text layer, so its layout was inferred: "
        + (f"{dropped} running header, footer and page-number lines left out, " if dropped else "")
        + "paragraphs rebuilt from line lengths and joined across page breaks"
    )
    return text, blocks
