"""Evidence: which items the statement cites, which it never uses, and which claims stand alone.

Assessors read the statement as the key to the portfolio: every item should earn its place
against a point in the text, and every claim of achievement should point to something behind it.
Links are found two ways:

* explicitly, from the labels candidates write ("(E4)", "[E4]", "(Evidence 4, 5)", "see appendix
  2"), matched to the label in an item's file name ("E4_survey.pdf", "appendix-2.md", "04
  survey.txt") or to an evidence-list table in the statement ("| E4 | Survey | survey.pdf |");
* by meaning: a paragraph and an item are linked when their similarity reaches
  `SEMANTIC_THRESHOLD` (see `link_score` for how it was chosen).

An evidence file that cannot be read is listed with its one-line error; the rest still counts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, Field

from pksb_reflect.analysis.mapping import LabelScore
from pksb_reflect.errors import PksbError, display_name
from pksb_reflect.io.files import walk_folder
from pksb_reflect.io.ingest import DEFAULT_MAX_BYTES, SUFFIX_FORMATS, SourceText, read_source

if TYPE_CHECKING:
    from pksb_reflect.analysis.mapping import PksbCoverage, TextMapping
    from pksb_reflect.analysis.resources import Resources
    from pksb_reflect.analysis.segment import SegmentedDocument
    from pksb_reflect.nlp.encoder import Encoder

# Similarity at which a paragraph and an evidence item count as linked by meaning. The score is
# half the cosine of their centroids plus half the mean of the paragraph's two best sentence
# matches (see `link_score`). Chosen with benchmarks/eval_evidence_links.py on
# benchmarks/data/evidence_links (our own 16 paragraphs x 8 items, labelled by hand): every
# threshold from 0.48 to 0.56 finds 9 of the 10 true links with no false one (true links score
# 0.56 and above, apart from a one-sentence aside at 0.46; unrelated pairs 0.48 at most). 0.52 is
# the middle of that plateau; it favours precision because a false link hides an unsupported claim.
SEMANTIC_THRESHOLD = 0.52
# An evidence item counts as showing an area when its aggregated area score reaches this, or the
# area is one of its main areas; the same for a skill (skill scores are shares of area scores).
ITEM_AREA_MIN = 0.3
ITEM_SKILL_MIN = 0.2
# Bounds that keep hostile or careless input cheap: files read per run, sentences per item.
MAX_EVIDENCE_FILES = 200
MAX_ITEM_SENTENCES = 300

# A label at the start of a file name: "E4_survey", "Evidence 4 - list", "appendix-2", "04 x".
_FILE_LABEL = re.compile(
    r"^\s*(?:(evidence|appendix|app|ev|e|item|doc)[\s_\-.]*)?0*(\d{1,3})([a-z]?)(?=$|[\s_\-.(),])",
    re.IGNORECASE,
)
# A label at the start of an evidence-list line or table row: "| E4 |", "E4:", "Evidence 4 -".
_LIST_LABEL = re.compile(
    r"^\s*[|*\-]?\s*(?:evidence|appendix|ev|e)\.?\s*0*(\d{1,3})([a-z]?)\b\W*(.*)$",
    re.IGNORECASE,
)
# The numbers inside one written reference: "(Evidence 4, 5)", "(E4-6)", "see appendix 2".
_REF_NUMBER = re.compile(
    r"(\d{1,3})([a-z]?)(?:\s*(?:-|\u2013)\s*(?:e|ev|evidence)?\.?\s*(\d{1,3}))?"
)
_REF_KIND = re.compile(r"appendi", re.IGNORECASE)

# Claims of achievement or impact: an action verb and a quantity in the same sentence.
_CLAIM_VERB = re.compile(
    r"\b(improv\w*|increas\w*|reduc\w*|rais(?:e|ed|ing)|doubl\w*|halv\w*|grew|grow\w*|"
    r"rose|fell|cut|sav(?:e|ed|ing)|led|lead|introduc\w*|deliver\w*|evaluat\w*|launch\w*|"
    r"establish\w*|implement\w*|achiev\w*|secur\w*|won|trained|train\w*|ran|organis\w*|"
    r"set up|created?|design\w*|develop\w*)\b",
    re.IGNORECASE,
)
_QUANTITY = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|dozen|half|third|"
    r"quarter|fifths?|doubled|halved|tripled|per ?cent)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_PKSB_NUMBER = re.compile(r"\b(?:PKSB|areas?|sections?)\s*\d{1,2}(?:\.\d{1,2})?", re.IGNORECASE)


class EvidenceItem(BaseModel):
    """One evidence file: its label, what it covers on the PKSB, and where the statement uses it."""

    id: str = Field(description="'E4' when the item has a label, else its file name.")
    label: str | None = Field(default=None, description="Normalised label: '4', '12b'.")
    label_source: Literal["file name", "evidence list"] | None = None
    name: str
    path: str
    readable: bool = True
    error: str | None = Field(default=None, description="One-line reason it could not be read.")
    title: str = ""
    words: int = 0
    areas: list[LabelScore] = Field(default_factory=list)
    skills: list[LabelScore] = Field(default_factory=list)
    dominant: list[str] = Field(default_factory=list)
    shows_areas: list[str] = Field(
        default_factory=list, description="Areas this item counts as evidence for."
    )
    referenced_by: list[int] = Field(
        default_factory=list, description="Paragraphs that cite it by label."
    )
    related_paragraphs: list[int] = Field(
        default_factory=list, description="Paragraphs close to it in meaning."
    )


class EvidenceLink(BaseModel):
    """A body paragraph tied to an evidence item, explicitly or by meaning."""

    paragraph: int
    evidence: str
    kind: Literal["explicit", "semantic"]
    reference: str | None = Field(default=None, description="The label as written.")
    similarity: float | None = None


class MissingReference(BaseModel):
    """A label in the statement that no evidence file carries."""

    paragraph: int
    reference: str
    label: str


class UnsupportedClaim(BaseModel):
    """A paragraph claiming achievement or impact with no evidence item behind it."""

    paragraph: int
    sentence_indexes: list[int]
    quotes: list[str]
    cues: list[str] = Field(description="The verbs and quantities that made each a claim.")


class UnsupportedArea(BaseModel):
    """A PKSB area the statement shows that no evidence item covers."""

    id: str
    name: str
    strength: float
    quotes: list[str] = Field(default_factory=list)


class EvidenceReport(BaseModel):
    """The statement read against its evidence, in both directions."""

    framework: str
    items: list[EvidenceItem]
    links: list[EvidenceLink]
    unused: list[str] = Field(
        description="Items neither cited nor close in meaning to any paragraph."
    )
    uncited: list[str] = Field(
        default_factory=list,
        description="Items a paragraph discusses without citing: add the label there.",
    )
    missing_references: list[MissingReference] = Field(default_factory=list)
    unsupported_claims: list[UnsupportedClaim] = Field(default_factory=list)
    unsupported_areas: list[UnsupportedArea] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list, description="One line per unreadable file.")
    warnings: list[str] = Field(default_factory=list)
    evidence_list: bool = Field(
        default=False, description="True when the statement carries its own evidence list."
    )
    semantic_threshold: float = SEMANTIC_THRESHOLD


# --- finding and reading files ----------------------------------------------------------------


def find_evidence_files(paths: Sequence[str | Path]) -> tuple[list[Path], list[str]]:
    """Files named directly, and regular files inside folders (recursive, sorted), with problems.

    Inside a folder nothing outside it is read: a link leading out of it, a device, a FIFO or a
    link loop is a problem line naming it. Hidden files, Word lock files and files of other
    types (a portfolio folder often holds images) are passed over quietly. A named path that
    does not exist is a problem line.
    """
    files: list[Path] = []
    problems: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            walk = walk_folder(path, suffixes=SUFFIX_FORMATS)
            files.extend(walk.files)
            problems.extend(
                f"{display_name(str(path))}/{s.path}: {s.reason}"
                for s in walk.skipped
                if not s.reason.startswith("is not a supported type")
            )
        elif path.exists() or path.is_symlink():
            files.append(path)
        else:
            problems.append(f"{display_name(str(given))}: no such file or folder")
    unique = list(dict.fromkeys(files))
    if len(unique) > MAX_EVIDENCE_FILES:
        problems.append(
            f"{len(unique)} evidence files found; only the first {MAX_EVIDENCE_FILES} were read"
        )
        unique = unique[:MAX_EVIDENCE_FILES]
    return unique, problems


def file_label(name: str) -> tuple[str, str] | None:
    """The label in a file name and its kind: 'E4_survey.pdf' -> ('4', 'evidence')."""
    match = _FILE_LABEL.match(Path(name).stem)
    if not match:
        return None
    prefix = (match.group(1) or "").lower()
    kind = "appendix" if prefix.startswith("app") else "evidence"
    return f"{int(match.group(2))}{match.group(3).lower()}", kind


def reference_labels(reference: str) -> list[str]:
    """Normalised labels inside one written reference: '(Evidence 4-6, 8)' -> 4, 5, 6, 8;
    the words after a label are not labels: '(E5, 23 responses)' -> 5."""
    from pksb_reflect.analysis.segment import EVIDENCE_TAIL

    reference = EVIDENCE_TAIL.split(reference, maxsplit=1)[0]
    out: list[str] = []
    for match in _REF_NUMBER.finditer(reference):
        first, suffix, last = int(match.group(1)), match.group(2).lower(), match.group(3)
        if last and not suffix and first < int(last) <= first + 20:
            out.extend(str(n) for n in range(first, int(last) + 1))
        else:
            out.append(f"{first}{suffix}")
    return list(dict.fromkeys(out))


def _title(source: SourceText) -> str:
    for block in source.blocks:
        text = " ".join(source.text[block.start : block.end].split())
        if text:
            return text if len(text) <= 100 else text[:99].rstrip() + "…"
    return ""


# --- the report --------------------------------------------------------------------------------


def check_evidence(
    document: SegmentedDocument,
    paths: Sequence[str | Path],
    *,
    framework: str = "2021",
    coverage: PksbCoverage,
    resources: Resources,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> EvidenceReport:
    """Read the evidence and report links, unused items, missing labels and unsupported claims.

    `coverage` is the statement's PKSB mapping; the statement's sentence vectors are the ones
    its Statement already holds, so only the evidence texts are encoded here.
    """
    files, errors = find_evidence_files(paths)
    items: list[EvidenceItem] = []
    texts: list[str] = []
    warnings: list[str] = []
    for path in files:
        name = display_name(path.name)
        labelled = file_label(path.name)
        item = EvidenceItem(
            id=f"E{labelled[0]}" if labelled else name,
            label=labelled[0] if labelled else None,
            label_source="file name" if labelled else None,
            name=name,
            path=display_name(str(path)),
        )
        try:
            source = read_source(path, max_bytes=max_bytes)
        except PksbError as exc:
            item.readable = False
            item.error = exc.one_line()
            errors.append(exc.one_line())
            items.append(item)
            continue
        item.title = _title(source)
        item.words = len(source.text.split())
        items.append(item)
        texts.append(source.analysis_text)
    evidence_list = _apply_evidence_list(document, items)
    _dedupe_ids(items, warnings)
    _map_items([i for i in items if i.readable], texts, framework, warnings, resources)

    links = _explicit_links(document, items)
    missing = _missing_references(document, items)
    vectors = _item_vectors([i for i in items if i.readable], texts, resources.encoder)
    cited = {(link.paragraph, link.evidence) for link in links}
    links += [
        link
        for link in _semantic_links(document, [i for i in items if i.readable], vectors)
        if (link.paragraph, link.evidence) not in cited  # a citation already says it
    ]
    for link in links:
        item = next(i for i in items if i.id == link.evidence)
        target = item.referenced_by if link.kind == "explicit" else item.related_paragraphs
        if link.paragraph not in target:
            target.append(link.paragraph)
    return EvidenceReport(
        framework=framework,
        items=items,
        links=sorted(links, key=lambda k: (k.paragraph, k.kind, k.evidence)),
        unused=[i.id for i in items if not i.referenced_by and not i.related_paragraphs],
        uncited=[i.id for i in items if not i.referenced_by and i.related_paragraphs],
        missing_references=missing,
        unsupported_claims=_unsupported_claims(document, coverage, links),
        unsupported_areas=_unsupported_areas(coverage, items),
        errors=errors,
        warnings=warnings,
        evidence_list=evidence_list,
    )


def _apply_evidence_list(document: SegmentedDocument, items: list[EvidenceItem]) -> bool:
    """Labels from the statement's own evidence list, for files whose names carry none.

    A list line such as "E4 | Survey of evening users | survey.pdf" gives label 4 to the file
    whose name appears in it, or failing that whose name words mostly appear in it.
    """
    found = False
    for paragraph in document.outline.paragraphs:
        if paragraph.kind == "heading":
            continue
        for line in paragraph.text.splitlines():
            match = _LIST_LABEL.match(line)
            if not match or (paragraph.kind == "body" and "|" not in line):
                continue
            found = True
            label = f"{int(match.group(1))}{match.group(2).lower()}"
            rest = match.group(3).lower()
            best = _best_list_match(rest, [i for i in items if i.label is None])
            if best is not None:
                best.label = label
                best.id = f"E{label}"
                best.label_source = "evidence list"
    return found


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


def _best_list_match(line: str, candidates: list[EvidenceItem]) -> EvidenceItem | None:
    best: EvidenceItem | None = None
    best_score = 0.0
    for item in candidates:
        if item.name.lower() in line:
            return item
        stem_words = _words(Path(item.name).stem) | _words(item.title)
        if not stem_words:
            continue
        score = len(stem_words & _words(line)) / len(_words(Path(item.name).stem) or stem_words)
        if score > best_score:
            best, best_score = item, score
    return best if best_score >= 0.6 else None


def _dedupe_ids(items: list[EvidenceItem], warnings: list[str]) -> None:
    seen: dict[str, EvidenceItem] = {}
    for item in items:
        if item.id in seen:
            warnings.append(
                f"{seen[item.id].name} and {item.name} both carry label {item.id}; "
                "references to it are matched to the first"
            )
            item.id = f"{item.id} ({item.name})"
        else:
            seen[item.id] = item


def _map_items(
    items: list[EvidenceItem],
    texts: list[str],
    framework: str,
    warnings: list[str],
    resources: Resources,
) -> None:
    """Place each readable item on the PKSB, from at most MAX_ITEM_SENTENCES of its sentences."""
    from pksb_reflect.analysis.mapping import map_texts
    from pksb_reflect.analysis.reflection.classifier import split_sentences

    clipped: list[str] = []
    for item, text in zip(items, texts, strict=True):
        sentences = split_sentences(text)
        if len(sentences) > MAX_ITEM_SENTENCES:
            warnings.append(
                f"{item.name}: only its first {MAX_ITEM_SENTENCES} sentences were mapped"
            )
            text = " ".join(sentences[:MAX_ITEM_SENTENCES])
        clipped.append(text)
    mappings: list[TextMapping] = map_texts(clipped, framework, resources) if clipped else []
    for item, mapping in zip(items, mappings, strict=True):
        item.areas = [a for a in mapping.areas if a.score >= 0.05][:6]
        item.skills = [s for s in mapping.skills if s.score >= 0.05][:8]
        item.dominant = list(mapping.dominant)
        shows = [a.id for a in mapping.areas if a.score >= ITEM_AREA_MIN]
        item.shows_areas = list(dict.fromkeys(list(mapping.dominant) + shows))


def _explicit_links(document: SegmentedDocument, items: list[EvidenceItem]) -> list[EvidenceLink]:
    by_label = _label_index(items)
    links: list[EvidenceLink] = []
    for paragraph in document.outline.paragraphs:
        for reference in paragraph.evidence_labels:
            for label in reference_labels(reference):
                item = by_label.get(label)
                if item is not None:
                    links.append(
                        EvidenceLink(
                            paragraph=paragraph.index,
                            evidence=item.id,
                            kind="explicit",
                            reference=reference,
                        )
                    )
    return _unique_links(links)


def _label_index(items: list[EvidenceItem]) -> dict[str, EvidenceItem]:
    index: dict[str, EvidenceItem] = {}
    for item in items:
        if item.label is not None and item.label not in index:
            index[item.label] = item
    return index


def _unique_links(links: list[EvidenceLink]) -> list[EvidenceLink]:
    seen: set[tuple[int, str, str]] = set()
    out: list[EvidenceLink] = []
    for link in links:
        key = (link.paragraph, link.evidence, link.kind)
        if key not in seen:
            seen.add(key)
            out.append(link)
    return out


def _missing_references(
    document: SegmentedDocument, items: list[EvidenceItem]
) -> list[MissingReference]:
    by_label = _label_index(items)
    out: list[MissingReference] = []
    for paragraph in document.outline.paragraphs:
        for reference in paragraph.evidence_labels:
            for label in reference_labels(reference):
                if label not in by_label:
                    kind = "Appendix " if _REF_KIND.search(reference) else "E"
                    out.append(
                        MissingReference(
                            paragraph=paragraph.index, reference=reference, label=f"{kind}{label}"
                        )
                    )
    return out


def _item_vectors(
    items: list[EvidenceItem], texts: list[str], encoder: Encoder
) -> list[np.ndarray]:
    """Each item's sentence vectors (at most MAX_ITEM_SENTENCES), encoded in one batch."""
    from pksb_reflect.analysis.reflection.classifier import split_sentences

    pieces = [(split_sentences(t) or [t])[:MAX_ITEM_SENTENCES] for t in texts]
    flat = [s for p in pieces for s in p]
    if not flat:
        return []
    matrix = encoder.encode(flat)
    out: list[np.ndarray] = []
    start = 0
    for piece in pieces:
        out.append(matrix[start : start + len(piece)])
        start += len(piece)
    return out


def link_score(paragraph: np.ndarray, item: np.ndarray) -> float:
    """How close a paragraph (its sentence vectors) is to an evidence item (its sentence vectors).

    Half the cosine of the two centroids (the topics agree overall) and half the mean of the
    paragraph's two best sentence-to-item matches (one or two sentences describe the item).
    On our labelled set this mix separated linked from unlinked pairs better than either part,
    or than encoding whole texts, which all-MiniLM-L6-v2 truncates at 256 word pieces.
    """
    if paragraph.size == 0 or item.size == 0:
        return 0.0
    centroid = _unit(paragraph.mean(axis=0)) @ _unit(item.mean(axis=0))
    best = np.sort((paragraph @ item.T).max(axis=1))[::-1][:2].mean()
    return float(0.5 * centroid + 0.5 * best)


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def _semantic_links(
    document: SegmentedDocument, items: list[EvidenceItem], vectors: list[np.ndarray]
) -> list[EvidenceLink]:
    if not items:
        return []
    matrix = document.embeddings if document.outline.sentences else None
    links: list[EvidenceLink] = []
    for paragraph in document.outline.paragraphs:
        if paragraph.kind != "body" or not paragraph.sentence_indexes or matrix is None:
            continue
        rows = matrix[paragraph.sentence_indexes]
        for item, item_vectors in zip(items, vectors, strict=True):
            score = link_score(rows, item_vectors)
            if score >= SEMANTIC_THRESHOLD:
                links.append(
                    EvidenceLink(
                        paragraph=paragraph.index,
                        evidence=item.id,
                        kind="semantic",
                        similarity=round(score, 3),
                    )
                )
    return links


def claim_cues(sentence: str) -> list[str]:
    """The verb and quantity that make a sentence a claim of achievement, or [] if it is not.

    Years, evidence labels and PKSB numbers are not quantities; "I hope to increase" is a plan,
    which the mapper's hedging flag removes before this is asked.
    """
    from pksb_reflect.analysis.segment import EVIDENCE_LABEL

    cleaned = EVIDENCE_LABEL.sub(" ", sentence)
    cleaned = _PKSB_NUMBER.sub(" ", _YEAR.sub(" ", cleaned))
    verb = _CLAIM_VERB.search(cleaned)
    quantity = _QUANTITY.search(cleaned)
    if not verb or not quantity:
        return []
    return [verb.group().lower(), quantity.group().lower()]


def _unsupported_claims(
    document: SegmentedDocument, coverage: PksbCoverage, links: list[EvidenceLink]
) -> list[UnsupportedClaim]:
    linked = {link.paragraph for link in links}
    out: list[UnsupportedClaim] = []
    for paragraph in document.outline.paragraphs:
        if paragraph.kind != "body" or paragraph.index in linked:
            continue
        indexes: list[int] = []
        quotes: list[str] = []
        cues: list[str] = []
        for index in paragraph.sentence_indexes:
            mapping = coverage.sentences[index] if index < len(coverage.sentences) else None
            if mapping is not None and (mapping.negated or mapping.hedged):
                continue
            found = claim_cues(document.outline.sentences[index].text)
            if found:
                indexes.append(index)
                quotes.append(_quote(document.outline.sentences[index].text))
                cues.extend(c for c in found if c not in cues)
        if indexes:
            out.append(
                UnsupportedClaim(
                    paragraph=paragraph.index, sentence_indexes=indexes, quotes=quotes, cues=cues
                )
            )
    return out


def _unsupported_areas(coverage: PksbCoverage, items: list[EvidenceItem]) -> list[UnsupportedArea]:
    from pksb_reflect.analysis.mapping import DEFAULT_PARAMS

    shown = {area for item in items for area in item.shows_areas}
    return [
        UnsupportedArea(id=a.id, name=a.name, strength=round(a.strength, 3), quotes=a.quotes[:2])
        for a in coverage.areas
        if a.strength >= DEFAULT_PARAMS.touch_strength and a.id not in shown
    ]


def _quote(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
