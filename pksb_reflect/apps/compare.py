"""What changed between two drafts of a statement: figures, coverage and paragraphs.

Both drafts are assessed in one `assess_many` batch. Body paragraphs are aligned with difflib on
normalised text (case, spacing and curly quotes ignored): a paragraph is unchanged, added,
removed, moved, or rewritten (similar enough to be the same paragraph, but changed). The
figures compared are each Assessment's own `figures`, the ones its reports show.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from pksb_reflect.analysis.segment import Paragraph
from pksb_reflect.results import Assessment, Figures

if TYPE_CHECKING:
    from pksb_reflect.runtime import Runtime

# Word-level similarity at which a changed paragraph still counts as the same one, rewritten.
REWRITE_THRESHOLD = 0.5
EXCERPT = 90
CompareFormat = Literal["text", "json", "markdown"]
COMPARE_FORMATS: tuple[CompareFormat, ...] = ("text", "json", "markdown")

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


class Change(BaseModel):
    """A figure in the old and the new draft (None where it is not available)."""

    old: Any = None
    new: Any = None

    @property
    def changed(self) -> bool:
        return self.old != self.new


class ParagraphChange(BaseModel):
    """One body paragraph that differs: where it was, where it is, and how alike they are."""

    kind: Literal["added", "removed", "rewritten", "moved"]
    old_index: int | None = Field(default=None, description="Paragraph index in the old draft.")
    new_index: int | None = Field(default=None, description="Paragraph index in the new draft.")
    similarity: float | None = Field(default=None, description="Word-level, 0-1 (rewritten).")
    old_words: int = 0
    new_words: int = 0
    old_excerpt: str = ""
    new_excerpt: str = ""


class DraftComparison(BaseModel):
    """Two drafts side by side."""

    old: str
    new: str
    route: str
    words: Change
    limit_status: Change
    word_limit: int
    depth_level: Change
    reflective_share: Change
    pksb_areas: Change
    pksb_gained: list[str] | None = None
    pksb_lost: list[str] | None = None
    criteria_met: Change
    criteria_total: Change
    criteria_changes: list[tuple[str, str, str]] = Field(
        default_factory=list, description="(criterion, old status, new status) where it moved."
    )
    paragraphs: list[ParagraphChange]
    unchanged_paragraphs: int

    def count(self, kind: str) -> int:
        return sum(1 for p in self.paragraphs if p.kind == kind)


def _normalise(text: str) -> str:
    return " ".join(text.translate(_QUOTES).lower().split())


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def _similarity(a: str, b: str) -> float:
    matcher = difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False)
    if matcher.real_quick_ratio() < REWRITE_THRESHOLD or matcher.quick_ratio() < REWRITE_THRESHOLD:
        return matcher.quick_ratio()
    return matcher.ratio()


def align_paragraphs(
    old: Sequence[str], new: Sequence[str], threshold: float = REWRITE_THRESHOLD
) -> tuple[list[tuple[str, int | None, int | None, float | None]], int]:
    """Align two lists of paragraph texts.

    Returns (changes, unchanged): each change is (kind, old index, new index, similarity) with
    kind one of added, removed, rewritten, moved; indexes are positions in the given lists.
    """
    old_norm = [_normalise(t) for t in old]
    new_norm = [_normalise(t) for t in new]
    matcher = difflib.SequenceMatcher(None, old_norm, new_norm, autojunk=False)
    changes: list[tuple[str, int | None, int | None, float | None]] = []
    unchanged = 0
    removed: list[int] = []
    added: list[int] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            unchanged += i2 - i1
            continue
        olds = list(range(i1, i2))
        news = list(range(j1, j2))
        # Pair old and new paragraphs of the block in order, best similarity first.
        pairs = sorted(
            ((_similarity(old_norm[i], new_norm[j]), i, j) for i in olds for j in news),
            key=lambda item: (-item[0], item[1], item[2]),
        )
        used_old: set[int] = set()
        used_new: set[int] = set()
        chosen: list[tuple[float, int, int]] = []
        for score, i, j in pairs:
            if score < threshold or i in used_old or j in used_new:
                continue
            # Keep pairs in order: no crossing another chosen pair.
            if any((i - a) * (j - b) < 0 for _, a, b in chosen):
                continue
            chosen.append((score, i, j))
            used_old.add(i)
            used_new.add(j)
        for score, i, j in sorted(chosen, key=lambda item: item[1]):
            changes.append(("rewritten", i, j, round(score, 3)))
        removed.extend(i for i in olds if i not in used_old)
        added.extend(j for j in news if j not in used_new)
    # A paragraph removed in one place and added unchanged in another has moved.
    by_text: dict[str, list[int]] = {}
    for j in added:
        by_text.setdefault(new_norm[j], []).append(j)
    moved_new: set[int] = set()
    for i in removed:
        candidates = by_text.get(old_norm[i])
        if candidates:
            j = candidates.pop(0)
            moved_new.add(j)
            changes.append(("moved", i, j, 1.0))
        else:
            changes.append(("removed", i, None, None))
    changes.extend(("added", None, j, None) for j in added if j not in moved_new)

    def order(change: tuple[str, int | None, int | None, float | None]) -> tuple[int, int]:
        _, i, j = change[:3]
        return (j if j is not None else -1, i if i is not None else -1)

    changes.sort(key=order)
    return changes, unchanged


def _body(assessment: Assessment) -> list[Paragraph]:
    return [p for p in assessment.outline.paragraphs if p.kind == "body"]


def _headline(assessment: Assessment) -> Figures:
    if assessment.figures is None:
        raise ValueError("an Assessment without figures cannot be compared")
    return assessment.figures


def _depth(figures: Figures) -> str | None:
    if figures.depth_level is None:
        return None
    return f"{figures.depth_level} {figures.depth_name}"


def compare_assessments(old: Assessment, new: Assessment) -> DraftComparison:
    """Compare two Assessments of drafts of one statement, from their headline figures."""
    before, after = _headline(old), _headline(new)
    old_areas = [a.name for a in before.areas_covered]
    new_areas = [a.name for a in after.areas_covered]
    criteria_changes = [
        (name, before.criteria.get(name, "—"), after.criteria.get(name, "—"))
        for name in dict.fromkeys([*before.criteria, *after.criteria])
        if before.criteria.get(name) != after.criteria.get(name)
    ]
    old_body = _body(old)
    new_body = _body(new)
    aligned, unchanged = align_paragraphs([p.text for p in old_body], [p.text for p in new_body])
    paragraphs = []
    for kind, i, j, score in aligned:
        was = old_body[i] if i is not None else None
        now = new_body[j] if j is not None else None
        paragraphs.append(
            ParagraphChange(
                kind=kind,  # type: ignore[arg-type]
                old_index=was.index if was is not None else None,
                new_index=now.index if now is not None else None,
                similarity=score if kind == "rewritten" else None,
                old_words=was.words if was is not None else 0,
                new_words=now.words if now is not None else 0,
                old_excerpt=_excerpt(was.text) if was is not None else "",
                new_excerpt=_excerpt(now.text) if now is not None else "",
            )
        )
    return DraftComparison(
        old=old.source.name,
        new=new.source.name,
        route=new.route,
        words=Change(old=before.words, new=after.words),
        limit_status=Change(old=before.word_status, new=after.word_status),
        word_limit=after.word_limit,
        depth_level=Change(old=_depth(before), new=_depth(after)),
        reflective_share=Change(old=before.reflective_share, new=after.reflective_share),
        pksb_areas=Change(old=old_areas, new=new_areas),
        pksb_gained=[a for a in new_areas if a not in old_areas],
        pksb_lost=[a for a in old_areas if a not in new_areas],
        criteria_met=Change(old=before.criteria_met, new=after.criteria_met),
        criteria_total=Change(old=before.criteria_total, new=after.criteria_total),
        criteria_changes=criteria_changes,
        paragraphs=paragraphs,
        unchanged_paragraphs=unchanged,
    )


def compare(
    old: str | Path,
    new: str | Path,
    route: str = "chartership",
    *,
    framework: str = "2021",
    count_headings: bool = False,
    count_references: bool = False,
    max_bytes: int | None = None,
    runtime: Runtime | None = None,
) -> DraftComparison:
    """Assess two drafts in one batch and say what changed between them."""
    from pksb_reflect.api import assess_many, make_options
    from pksb_reflect.errors import PksbError

    options = make_options(
        route,
        framework,
        count_headings=count_headings,
        count_references=count_references,
        **({"max_bytes": max_bytes} if max_bytes else {}),
    )
    sources = [item if item == "-" else Path(item) for item in (old, new)]
    before, after = assess_many(sources, options, runtime=runtime)
    if isinstance(before, PksbError):
        raise before
    if isinstance(after, PksbError):
        raise after
    return compare_assessments(before, after)


# --- rendering --------------------------------------------------------------------------------


def _show(value: Any, *, share: bool = False) -> str:
    if value is None:
        return "—"
    if share and isinstance(value, float):
        return f"{value:.0%}"
    if isinstance(value, list):
        return ", ".join(map(str, value)) if value else "none"
    return str(value)


def _figures(cmp: DraftComparison) -> list[tuple[str, str, str, str]]:
    """(figure, old, new, change) rows shared by the text and Markdown renderers."""
    rows = []
    words_delta = (
        f"{cmp.words.new - cmp.words.old:+d}"
        if cmp.words.old is not None and cmp.words.new is not None
        else "—"
    )
    rows.append(
        (f"Words (limit {cmp.word_limit})", _show(cmp.words.old), _show(cmp.words.new), words_delta)
    )
    rows.append(("Limit status", _show(cmp.limit_status.old), _show(cmp.limit_status.new), ""))
    rows.append(("Depth", _show(cmp.depth_level.old), _show(cmp.depth_level.new), ""))
    share = cmp.reflective_share
    share_delta = (
        f"{(share.new - share.old) * 100:+.0f} points"
        if share.old is not None and share.new is not None
        else "—"
    )
    rows.append(
        (
            "Reflective share",
            _show(share.old, share=True),
            _show(share.new, share=True),
            share_delta,
        )
    )
    areas = cmp.pksb_areas
    area_delta = "—"
    if cmp.pksb_gained is not None and cmp.pksb_lost is not None:
        parts = []
        if cmp.pksb_gained:
            parts.append("gained " + ", ".join(cmp.pksb_gained))
        if cmp.pksb_lost:
            parts.append("lost " + ", ".join(cmp.pksb_lost))
        area_delta = "; ".join(parts) or "no change"
    rows.append(
        (
            "PKSB areas covered",
            _show(len(areas.old)) if areas.old is not None else "—",
            _show(len(areas.new)) if areas.new is not None else "—",
            area_delta,
        )
    )

    def met(change_met: Any, total: Any) -> str:
        return f"{change_met} of {total}" if change_met is not None and total is not None else "—"

    rows.append(
        (
            "Criteria met",
            met(cmp.criteria_met.old, cmp.criteria_total.old),
            met(cmp.criteria_met.new, cmp.criteria_total.new),
            "; ".join(f"{n}: {a} → {b}" for n, a, b in cmp.criteria_changes),
        )
    )
    return rows


def _paragraph_line(change: ParagraphChange) -> str:
    if change.kind == "added":
        return f"added ¶{change.new_index} ({change.new_words} words): {change.new_excerpt}"
    if change.kind == "removed":
        return f"removed ¶{change.old_index} ({change.old_words} words): {change.old_excerpt}"
    if change.kind == "moved":
        return f"moved ¶{change.old_index} → ¶{change.new_index}: {change.new_excerpt}"
    return (
        f"rewritten ¶{change.old_index} → ¶{change.new_index} "
        f"({change.old_words} → {change.new_words} words, {change.similarity:.0%} alike): "
        f"{change.new_excerpt}"
    )


def render_comparison(cmp: DraftComparison, fmt: CompareFormat = "text") -> str:
    """The comparison as text, JSON or Markdown."""
    if fmt == "json":
        return json.dumps(cmp.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    counts = (
        f"{cmp.count('added')} added, {cmp.count('removed')} removed, "
        f"{cmp.count('rewritten')} rewritten, {cmp.count('moved')} moved, "
        f"{cmp.unchanged_paragraphs} unchanged"
    )
    figures = _figures(cmp)
    if fmt == "markdown":
        lines = [
            f"# What changed: {_md(cmp.old)} → {_md(cmp.new)}",
            "",
            "| Figure | Old | New | Change |",
            "| --- | --- | --- | --- |",
            *(f"| {' | '.join(_md(c) for c in row)} |" for row in figures),
            "",
            f"## Paragraphs: {counts}",
            "",
            *(f"- {_md(_paragraph_line(p))}" for p in cmp.paragraphs),
        ]
        return "\n".join(lines).rstrip() + "\n"
    width = max(len(row[0]) for row in figures)
    lines = [f"What changed: {cmp.old} → {cmp.new}", ""]
    for name, before, after, delta in figures:
        tail = f"  ({delta})" if delta else ""
        lines.append(f"{name.ljust(width)}  {before} → {after}{tail}")
    lines += ["", f"Paragraphs: {counts}"]
    lines += [f"  {_paragraph_line(p)}" for p in cmp.paragraphs]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Escape what Markdown or a table would read as markup (and HTML, which Markdown allows)."""
    out = text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    for mark in ("*", "_", "`", "[", "]", "#"):
        out = out.replace(mark, "\\" + mark)
    return out
