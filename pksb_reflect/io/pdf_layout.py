"""A PDF's page texts as the candidate laid them out (used by ingest's PDF reader).

pypdf gives one line per printed line, no paragraph spacing, and the running header, footer and
page number of every page among the text. This rebuilds paragraphs from line lengths (a line
much shorter than the page's full width ends a paragraph, as on the printed page), drops lines
repeated at the top or bottom of most pages and page numbers, and joins a paragraph that
crosses a page break.
"""

from __future__ import annotations

import re

_PAGE_NUMBER = re.compile(r"^\W*(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\W*$", re.I)
_PDF_EDGE_LINES = 4  # lines at the top and bottom of a page where running heads are looked for


def pdf_layout(pages: list[str]) -> tuple[str, int]:
    """A PDF's page texts as paragraphs: running headers, footers and page numbers dropped,
    wrapped lines joined, a paragraph that crosses a page break joined, short lines (headings,
    a paragraph's last line) ending a block. Returns the text and how many lines were dropped.

    pypdf gives one line per printed line and no paragraph spacing, so a line much shorter
    than the page's full width ends a paragraph, as it does on the printed page.
    """
    lines_of = [[ln.strip() for ln in page.splitlines() if ln.strip()] for page in pages]
    lines_of = [lines for lines in lines_of if lines]

    def key(line: str) -> str:
        return re.sub(r"\d+", "#", line.lower())

    seen: dict[str, int] = {}
    for lines in lines_of:
        edges = {key(ln) for ln in lines[:_PDF_EDGE_LINES] + lines[-_PDF_EDGE_LINES:]}
        for k in edges:
            seen[k] = seen.get(k, 0) + 1
    running = {k for k, n in seen.items() if len(lines_of) >= 2 and n >= max(2, len(lines_of) // 2)}
    kept: list[str] = []
    dropped = 0
    for lines in lines_of:
        edge = set(range(min(_PDF_EDGE_LINES, len(lines)))) | set(
            range(max(0, len(lines) - _PDF_EDGE_LINES), len(lines))
        )
        heads = {i for i in edge if key(lines[i]) in running or _PAGE_NUMBER.match(lines[i])}
        if len(heads) == len(lines):  # pages that repeat whole: their text is the content
            heads = {i for i in heads if _PAGE_NUMBER.match(lines[i])}
        dropped += len(heads)
        kept.extend(line for i, line in enumerate(lines) if i not in heads)
    if not kept:
        return "", dropped
    widths = sorted(len(line) for line in kept)
    full = widths[int(0.9 * (len(widths) - 1))]
    paragraphs: list[str] = []
    current = ""
    for line in kept:
        short = len(line) < 0.8 * full
        heading_like = len(line) < 0.6 * full and not re.search(r"[.!?;:,]['\")\]]*$", line)
        if current and heading_like and re.search(r"[.!?:]['\")\]]*$", current):
            paragraphs.append(current)
            current = ""
        if current:
            joined_hyphen = current.endswith("-") and current[-2:-1].isalpha()
            current += line if joined_hyphen else " " + line
        else:
            current = line
        if short:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs), dropped
