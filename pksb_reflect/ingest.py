"""Reading statements and evidence: .txt, .md, .docx, .pdf and stdin, into text plus blocks.

The text we keep is the candidate's own, character for character, so that reports quote their
exact words. Analysis reads a normalised copy (`analysis_text`) made by one-for-one character
substitutions, so every offset is valid in both.
"""

from __future__ import annotations

import hashlib
import io
import re
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from .errors import InputError

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
PDF_MAX_PAGES = 500

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


def read_source(source: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceText:
    """Read a file path, or '-' for standard input, into a SourceText."""
    name = str(source)
    if name == "-":
        data = sys.stdin.buffer.read(max_bytes + 1)
        return parse_bytes(data, name="<stdin>", fmt=None, max_bytes=max_bytes)
    path = Path(source)
    if not path.exists():
        raise InputError("no such file", name)
    if path.is_dir():
        raise InputError("is a folder, not a file", name)
    fmt = SUFFIX_FORMATS.get(path.suffix.lower())
    if fmt is None:
        supported = ", ".join(sorted(SUFFIX_FORMATS))
        raise InputError(f"unsupported file type {path.suffix or '(none)'!r}; use {supported}", name)
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
    return parse_bytes(data, name=name, fmt=fmt, max_bytes=max_bytes)


def parse_bytes(
    data: bytes, *, name: str, fmt: SourceFormat | None, max_bytes: int = DEFAULT_MAX_BYTES
) -> SourceText:
    """Decode bytes of a known (or, for stdin, sniffed) format."""
    if len(data) > max_bytes:
        raise InputError(f"is over the {max_bytes / 1048576:.0f} MB limit", name)
    if fmt is None:
        fmt = _sniff_format(data)
    digest = hashlib.sha256(data).hexdigest()
    warnings: list[str] = []
    encoding: str | None = None
    if fmt == "docx":
        text, blocks = _read_docx(data, name, warnings)
    elif fmt == "pdf":
        text, blocks = _read_pdf(data, name, warnings)
    else:
        text, encoding = decode_text(data, name)
        blocks = sorted(_text_blocks(text, markdown=fmt == "md"), key=lambda b: b.start)
    if not any(text[b.start : b.end].strip() for b in blocks):
        raise InputError("is empty: there is no text to assess", name)
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


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode text bytes: BOMs first, then UTF-8, BOM-less UTF-16, and cp1252 as a fallback."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _checked(data[3:].decode("utf-8", errors="strict"), name), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _checked(data.decode("utf-16"), name), "utf-16"
        except UnicodeDecodeError:
            raise InputError("is not valid UTF-16 text despite its byte-order mark", name) from None
    guess = _utf16_without_bom(data)
    if guess:
        try:
            return _checked(data.decode(guess), name), guess
        except UnicodeDecodeError:
            pass
    try:
        return _checked(data.decode("utf-8"), name), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return _checked(data.decode("cp1252"), name), "cp1252"
    except UnicodeDecodeError:
        raise InputError(
            "is not text in a supported encoding (UTF-8, UTF-16 or Windows-1252)", name
        ) from None


def _utf16_without_bom(data: bytes) -> str | None:
    """Mostly-ASCII UTF-16 has a zero byte in every other position."""
    sample = data[:4000]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_zeros = sample[0::2].count(0) / (len(sample) / 2)
    odd_zeros = sample[1::2].count(0) / (len(sample) / 2)
    if odd_zeros > 0.4 and even_zeros < 0.05:
        return "utf-16-le"
    if even_zeros > 0.4 and odd_zeros < 0.05:
        return "utf-16-be"
    return None


def _checked(text: str, name: str) -> str:
    """Refuse binary data that happened to decode: text has almost no control characters."""
    if "\x00" in text:
        raise InputError("looks like binary data, not text", name)
    sample = text[:20000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f\v")
    if sample and controls / len(sample) > 0.01:
        raise InputError("looks like binary data, not text", name)
    return text


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


def _guard_zip(data: bytes, name: str) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputError("is not a valid .docx file (it is not a zip archive)", name) from None
    total = sum(info.file_size for info in archive.infolist())
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


def _paragraph_text(element: object) -> str:
    """A paragraph's accepted text: inserted runs kept, deleted runs and comments left out."""
    parts: list[str] = []
    for node in element.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}delText"):  # type: ignore[attr-defined]
        if node.tag == f"{_W}delText":
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
    body = document.element.body
    if body.find(f".//{_W}ins") is not None or body.find(f".//{_W}del") is not None:
        warnings.append(
            f"{name}: has tracked changes; the text is read as if all changes were accepted"
        )
    if document.part.package is not None and any(
        "comments" in rel.reltype for rel in document.part.rels.values()
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

    styles = {p._p: p.style.name if p.style is not None else "" for p in document.paragraphs}
    for child in body.iterchildren():
        if child.tag == f"{_W}p":
            style = styles.get(child, "") or ""
            level = _heading_level(style)
            add("heading" if level else "paragraph", _paragraph_text(child), level)
        elif child.tag == f"{_W}tbl":
            for row in child.iter(f"{_W}tr"):
                cells = [
                    " ".join(_paragraph_text(p).strip() for p in cell.iter(f"{_W}p")).strip()
                    for cell in row.iter(f"{_W}tc")
                ]
                add("table", " | ".join(c for c in cells if c))
    return "".join(pieces), blocks


def _heading_level(style: str) -> int | None:
    if style == "Title":
        return 1
    match = re.match(r"Heading (\d)", style)
    return int(match.group(1)) if match else None


def _read_pdf(data: bytes, name: str, warnings: list[str]) -> tuple[str, list[Block]]:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                unlocked = reader.decrypt("")
            except Exception:
                unlocked = 0
            if not unlocked:
                raise InputError("is an encrypted PDF; save an unprotected copy and try again", name)
        pages = reader.pages
        count = len(pages)
        if count > PDF_MAX_PAGES:
            raise InputError(f"has {count} pages, over the {PDF_MAX_PAGES}-page limit", name)
        texts = [page.extract_text() or "" for page in pages]
    except InputError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise InputError(f"is not a readable PDF ({type(exc).__name__})", name) from None
    except Exception as exc:  # pypdf raises a wide range on damaged files
        raise InputError(f"is not a readable PDF ({type(exc).__name__})", name) from None
    if not any(t.strip() for t in texts):
        raise InputError(
            "is a PDF with no text layer (a scan?); export the statement as text or .docx", name
        )
    text = "\n\n".join(t.strip() for t in texts if t.strip())
    # PDF text breaks lines inside paragraphs; blank lines are the best paragraph signal we have.
    blocks = list(_text_blocks(text, markdown=False))
    warnings.append(
        f"{name}: read from a PDF's text layer; paragraph breaks and headings are approximate"
    )
    return text, blocks
