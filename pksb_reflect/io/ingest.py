"""Reading statements and evidence: .txt, .md, .docx, .pdf and stdin, into text plus blocks.

The text we keep is the candidate's own, character for character, so that reports quote their
exact words. Analysis reads a normalised copy (`analysis_text`) made by one-for-one character
substitutions, so every offset is valid in both.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import sys
import zipfile
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from pksb_reflect.errors import InputError, display_name
from pksb_reflect.io.pdf_layout import pdf_layout
from pksb_reflect.limits import TimeBudget

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
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)

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


def find_documents(
    root: str | Path,
    *,
    suffixes: Collection[str] = tuple(SUFFIX_FORMATS),
    exclude: Collection[str | Path] = (),
) -> list[Path]:
    """Files under `root` with one of `suffixes`, recursively, sorted by relative path.

    Hidden files and folders and Word's '~$' lock files are skipped, and so are the `exclude`
    folders (compared by real path); symlinked folders are followed once each, by (st_dev,
    st_ino), so a link loop ends. Names are matched by suffix alone: a caller that needs
    regular files checks them itself.
    """
    root = Path(root)
    excluded = {real_path(Path(p)) for p in exclude}
    seen: set[tuple[int, int]] = set()
    found: list[Path] = []
    for current, dirs, names in os.walk(root, followlinks=True):
        here = Path(current)
        try:
            info = here.stat()
        except OSError:
            dirs[:] = []
            continue
        identity = (info.st_dev, info.st_ino)
        if identity in seen or (excluded and real_path(here) in excluded):  # a link loop ends
            dirs[:] = []
            continue
        seen.add(identity)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            if name.startswith((".", "~$")) or Path(name).suffix.lower() not in suffixes:
                continue
            found.append(here / name)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix().lower())


def real_path(path: Path) -> str:
    """`path` with links resolved, or its absolute form where that cannot be done."""
    try:
        return os.path.realpath(path)
    except OSError:
        return str(path.absolute())


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
        # Markdown '#' headings are recognised in plain text too: candidates paste them there.
        blocks = sorted(_text_blocks(text, markdown=True), key=lambda b: b.start)
    if not any(text[b.start : b.end].strip() for b in blocks):
        raise InputError("is empty: there is no text to assess", name)
    if fmt != "txt" and fmt != "md":
        _check_words(text, name)
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


def decode_text(data: bytes, name: str, warnings: list[str] | None = None) -> tuple[str, str]:
    """Decode text bytes: BOMs first, then UTF-8, BOM-less UTF-16, and cp1252 as a fallback.

    Text that is UTF-8 but for a few bad bytes is read as UTF-8 with those bytes replaced, and
    `warnings` (when given) says so; Windows-1252 is tried only for text that is not UTF-8.
    """
    notes: list[str] = warnings if warnings is not None else []
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
    if b"\x00" in data[:65536]:
        raise InputError("looks like binary data, not text", name)
    try:
        return _checked(data.decode("utf-8"), name), "utf-8"
    except UnicodeDecodeError:
        pass
    replaced = data.decode("utf-8", errors="replace")
    bad = replaced.count("\ufffd") - data.count("\ufffd".encode())
    multibyte = len(_UTF8_MULTIBYTE.findall(data[:1_000_000]))
    if multibyte and bad <= multibyte:
        notes.append(
            f"{name}: is UTF-8 but for {bad} invalid byte{'s' if bad != 1 else ''}, "
            "each shown as \ufffd"
        )
        return _checked(replaced, name), "utf-8"
    try:
        return _checked(data.decode("cp1252"), name), "cp1252"
    except UnicodeDecodeError:
        pass
    if bad <= max(1, len(data) // 1000):
        notes.append(
            f"{name}: has {bad} byte{'s' if bad != 1 else ''} that are not valid UTF-8, "
            "each shown as \ufffd"
        )
        return _checked(replaced, name), "utf-8"
    raise InputError("is not text in a supported encoding (UTF-8, UTF-16 or Windows-1252)", name)


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


def _paragraph_text(element: object) -> str:
    """A paragraph's accepted text: inserted runs kept, deleted runs and comments left out."""
    parts: list[str] = []
    for node in element.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}delText"):  # type: ignore[attr-defined]
        if node.tag == f"{_W}delText":
            continue
        # Text moved away (w:moveFrom) is gone once changes are accepted; w:moveTo keeps it.
        if next(node.iterancestors(f"{_W}moveFrom", f"{_W}del"), None) is not None:
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

    styles = {
        p._p: p.style.name if p.style is not None else ""
        for p in document.paragraphs  # type: ignore[attr-defined]
    }
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
    if blocks and all(b.kind == "table" for b in blocks):
        warnings.append(f"{name}: holds only tables; each table row was read as a paragraph")
    return "".join(pieces), blocks


def _heading_level(style: str) -> int | None:
    if style == "Title":
        return 1
    match = re.match(r"Heading (\d)", style)
    return int(match.group(1)) if match else None


def _read_pdf(
    data: bytes, name: str, warnings: list[str], budget: TimeBudget | None = None
) -> tuple[str, list[Block]]:
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
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise InputError(f"is not a readable PDF ({type(exc).__name__})", name) from None
    except Exception as exc:  # pypdf raises a wide range on damaged files
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
