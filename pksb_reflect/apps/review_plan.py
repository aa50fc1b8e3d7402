"""What a mentor's folder holds: the drafts to review and, for each, its portfolio's other parts.

Two layouts are read alike. Flat drafts: statements side by side. Mentee folders: one folder per
candidate (`mentees/<name>/`) holding the statement and optionally an `evidence/` folder,
evidence files labelled by name ('E4 survey.pdf', 'Appendix 2.docx'), the PKSB self-assessment
and the CPD log. Evidence is never reviewed as a statement; a draft gets the evidence, audit and
CPD log of its own folder or, failing that, of the nearest folder above it inside the review
folder. Every file passed over is listed with the reason.

Each draft's route comes from its own title or heading lines, then from its path (file and
folder names), and falls back to the caller's route with a note (`--route auto`).
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, Field

from pksb_reflect.analysis.evidence import file_label
from pksb_reflect.errors import display_name
from pksb_reflect.framework import ROUTE_IDS, load_route
from pksb_reflect.io.files import Skipped, walk_folder
from pksb_reflect.io.ingest import SUFFIX_FORMATS, SourceText

# Folders of evidence, by lower-cased name: attached to the drafts beside them, never reviewed.
EVIDENCE_DIRS = frozenset(
    {"evidence", "appendices", "appendix", "supporting evidence", "supporting-evidence"}
)
TABLE_SUFFIXES = (".csv", ".tsv", ".yaml", ".yml")
_CPD_NAME = re.compile(r"cpd", re.IGNORECASE)
_AUDIT_NAME = re.compile(r"pksb|audit|self[\s_-]*assess|gap[\s_-]*analysis", re.IGNORECASE)
# Title and heading lines longer than this are prose, not a title naming the route.
TITLE_MAX_WORDS = 15
TITLE_BLOCKS = 3


class DraftPlan(BaseModel):
    """One draft to review and the portfolio parts that go with it."""

    path: str
    draft: str = Field(description="Its path relative to the review folder, safe to show.")
    evidence: list[str] = Field(default_factory=list)
    pksb_audit: str | None = None
    cpd_log: str | None = None


class FolderPlan(BaseModel):
    drafts: list[DraftPlan]
    skipped: list[Skipped]


class _Parts(BaseModel):
    """The portfolio parts found in one folder."""

    evidence: list[str] = Field(default_factory=list)
    pksb_audit: str | None = None
    cpd_log: str | None = None


def plan_folder(root: Path, exclude: list[Path]) -> FolderPlan:
    """The drafts under `root` (sorted by relative path) with their parts, and what was skipped."""
    walk = walk_folder(
        root,
        suffixes=(*SUFFIX_FORMATS, *TABLE_SUFFIXES),
        exclude=exclude,
        skip_dirs=EVIDENCE_DIRS,
    )
    skipped = list(walk.skipped)
    parts: dict[Path, _Parts] = {}
    for folder in walk.set_aside:
        parts.setdefault(folder.parent, _Parts()).evidence.append(str(folder))
    candidates: list[Path] = []
    for path in walk.files:
        here = parts.setdefault(path.parent, _Parts())
        rel = display_name(path.relative_to(root).as_posix())
        if path.suffix.lower() in TABLE_SUFFIXES:
            reason = _attach_table(path, here)
            if reason:
                skipped.append(Skipped(path=rel, reason=reason))
        elif file_label(path.name) is not None:
            here.evidence.append(str(path))
        else:
            candidates.append(path)
    drafts = []
    for path in candidates:
        found = _nearest(path.parent, root, parts)
        drafts.append(
            DraftPlan(
                path=str(path),
                draft=display_name(path.relative_to(root).as_posix()),
                evidence=found.evidence,
                pksb_audit=found.pksb_audit,
                cpd_log=found.cpd_log,
            )
        )
    skipped.sort(key=lambda s: s.path.lower())
    return FolderPlan(drafts=drafts, skipped=skipped)


def _attach_table(path: Path, parts: _Parts) -> str | None:
    """Keep a CSV or YAML file as the folder's CPD log or self-assessment; else the reason."""
    if _CPD_NAME.search(path.name):
        if parts.cpd_log is None:
            parts.cpd_log = str(path)
            return None
        return f"is a second CPD log in its folder; {Path(parts.cpd_log).name} is used"
    if _AUDIT_NAME.search(path.name):
        if parts.pksb_audit is None:
            parts.pksb_audit = str(path)
            return None
        return (
            f"is a second PKSB self-assessment in its folder; {Path(parts.pksb_audit).name} is used"
        )
    return (
        "is a table, not a draft (a CPD log or PKSB self-assessment is recognised by 'cpd' "
        "or 'pksb' in its name)"
    )


def _nearest(folder: Path, root: Path, parts: dict[Path, _Parts]) -> _Parts:
    """Each part from the draft's folder or the nearest folder above it, up to `root`."""
    found = _Parts()
    current = folder
    while True:
        here = parts.get(current)
        if here is not None:
            if not found.evidence and here.evidence:
                found.evidence = list(here.evidence)
            found.pksb_audit = found.pksb_audit or here.pksb_audit
            found.cpd_log = found.cpd_log or here.cpd_log
        if current == root or current == current.parent:
            return found
        current = current.parent


# --- the route of each draft ------------------------------------------------------------------


def _route_patterns() -> list[tuple[str, re.Pattern[str]]]:
    patterns: list[tuple[str, re.Pattern[str]]] = []
    for route_id in ROUTE_IDS:
        route = load_route(route_id)
        words = [route.name, *([route.post_nominals] if route.post_nominals else [])]
        alternatives = "|".join(re.escape(word) for word in words)
        patterns.append((route_id, re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)))
    return patterns


def route_in(text: str) -> str | None:
    """The route a line names ('Chartership statement', 'MCLIP'), the earliest named first."""
    hits = [
        (match.start(), route_id)
        for route_id, pattern in _route_patterns()
        if (match := pattern.search(text))
    ]
    return min(hits)[1] if hits else None


def detect_route(source: SourceText, draft: str) -> tuple[str | None, str]:
    """The route a draft names for itself, and where: its title or headings, or its path."""
    titles = [
        source.text[block.start : block.end]
        for number, block in enumerate(source.blocks)
        if block.kind == "heading" or number < TITLE_BLOCKS
    ]
    for line in titles:
        if len(line.split()) <= TITLE_MAX_WORDS:
            found = route_in(line)
            if found:
                return found, "its title or headings"
    found = route_in(re.sub(r"[_\-.]+", " ", draft))
    if found:
        return found, "its file or folder name"
    return None, ""
