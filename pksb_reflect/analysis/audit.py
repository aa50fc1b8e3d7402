"""The PKSB self-assessment: ratings read from CSV or YAML, gaps found, and where each is addressed.

Candidates rate each chosen skill 0-4 now and where they want to be; the gap between the two is
the development story the statement and evidence should tell. Assessors read the comments as
well as the numbers, so a rating without a comment is flagged. Ids cited from the other framework
version are translated (at area level, as `framework.translate_id` does) rather than refused.

CSV: a header row with columns named in any case and order: skill (or area, id), current,
desired (or target), and optionally comment and framework. YAML: a list of such mappings, or
a mapping with `framework:` and `skills:` (that list), or a mapping from id to its ratings.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, Field

from pksb_reflect.errors import InputError, display_name
from pksb_reflect.framework import FRAMEWORK_VERSIONS, load_framework, translate_id
from pksb_reflect.io.encoding import decode_text
from pksb_reflect.limits import quoted

if TYPE_CHECKING:
    from pksb_reflect.analysis.evidence import EvidenceReport
    from pksb_reflect.analysis.mapping import PksbCoverage
    from pksb_reflect.analysis.segment import SegmentedDocument

MAX_TABLE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
# No rating, id, date or comment needs more; a longer cell is a wrong file or an attack.
MAX_CELL_CHARS = 5000
# YAML nodes (mappings, lists, values) in a self-assessment: 2,000 rows of a few keys each.
MAX_YAML_NODES = 20_000
# A self-assessment is a list of mappings (three levels); nesting is refused long before it
# would exhaust Python's recursion limit.
MAX_YAML_DEPTH = 20
# Control characters other than tab and line breaks could drive a terminal; each becomes U+FFFD.
_TABLE_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A sentence counts as addressing a skill when the mapper gives that skill this score (an area
# probability times the skill's share within it); 0.3 is a clear majority share of a confident
# area, and lower scores are the runner-up skills of a sentence about something else.
SKILL_HIT = 0.3
# The 2014 gap-analysis spreadsheet labelled the levels in words; they are read as 0-4.
LEVEL_WORDS = {"none": 0, "basic": 1, "good": 2, "comprehensive": 3, "advanced": 4}

_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": (
        "skill",
        "area",
        "id",
        "pksb",
        "skill id",
        "area id",
        "pksb skill",
        "pksb area",
        "pksb id",
        "code",
        "element",
        "number",
    ),
    "current": (
        "current",
        "current rating",
        "current level",
        "current score",
        "rating",
        "now",
        "start",
        "start rating",
    ),
    "desired": (
        "desired",
        "desired rating",
        "desired level",
        "target",
        "target rating",
        "target level",
        "ideal",
        "ideal rating",
        "goal",
        "aim",
    ),
    "comment": ("comment", "comments", "note", "notes", "how i will show it"),
    "framework": ("framework", "version", "pksb version"),
}


class ResolvedId(BaseModel):
    """A cited id understood in the report's framework version."""

    cited: str
    id: str
    name: str
    area: str
    area_name: str
    level: Literal["skill", "area"]
    translated_from: str | None = Field(
        default=None, description="'2014 8.6' when the id was cited from the other version."
    )


class AuditEntry(ResolvedId):
    """One rated row of the self-assessment."""

    row: int = Field(description="Row in the file (CSV: line of the row; YAML: entry number).")
    current: int
    desired: int
    gap: int
    comment: str | None = None


class StatementHit(BaseModel):
    """A sentence of the statement that addresses a rated skill or its area."""

    sentence: int
    paragraph: int
    quote: str
    match: Literal["skill", "area"]
    score: float


class AuditGap(BaseModel):
    """A skill rated below where the candidate wants it, and where the portfolio addresses it."""

    id: str
    cited: str
    name: str
    current: int
    desired: int
    gap: int
    statement: list[StatementHit] = Field(default_factory=list)
    paragraphs: list[int] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list, description="Evidence item ids.")
    addressed: bool = Field(description="True when the statement or evidence touches it.")


class AuditReport(BaseModel):
    """The self-assessment read against the statement and its evidence."""

    source: str
    framework: str
    entries: list[AuditEntry]
    gaps: list[AuditGap] = Field(description="Largest gap first.")
    unaddressed: list[str] = Field(
        default_factory=list, description="Gaps nothing in the statement or evidence addresses."
    )
    no_comment: list[str] = Field(
        default_factory=list, description="Rated skills with no comment for the assessors."
    )
    blank_rows: int = Field(default=0, description="Rows left unrated (areas not worked in).")
    warnings: list[str] = Field(default_factory=list)


class AuditFile(BaseModel):
    """A parsed, validated self-assessment file, before it meets the statement."""

    source: str
    framework: str
    entries: list[AuditEntry]
    blank_rows: int = 0
    warnings: list[str] = Field(default_factory=list)


# --- reading ----------------------------------------------------------------------------------


def read_table_text(path: str | Path, what: str) -> tuple[str, str]:
    """A small text file (CSV or YAML), decoded, with its display name; InputError otherwise."""
    name = display_name(str(path))
    file = Path(path)
    if not file.is_file():
        raise InputError("no such file" if not file.exists() else "is not a file", name)
    try:
        size = file.stat().st_size
        if size > MAX_TABLE_BYTES:
            raise InputError(
                f"is {size / 1048576:.1f} MB; a {what} is expected to be under "
                f"{MAX_TABLE_BYTES // 1048576} MB",
                name,
            )
        data = file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", name) from None
    if not data.strip():
        raise InputError(f"is empty: no {what} rows", name)
    text, _ = decode_text(data, name)
    # Every string read from here reaches reports: no escape sequence survives.
    return _TABLE_CONTROLS.sub("\ufffd", text), name


def _key(header: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", header.lower()).split())


def column_map(headers: Iterable[str], columns: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Our field name -> the file's header, for headers in any case, order and punctuation."""
    found: dict[str, str] = {}
    for header in headers:
        if header is None:
            continue
        key = _key(str(header))
        for field, names in columns.items():
            if field not in found and key in names:
                found[field] = header
    return found


def read_csv_rows(text: str, name: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Headers and (line number, row) pairs; the delimiter (comma, semicolon, tab) is sniffed.

    InputError (naming the line) for more than MAX_ROWS rows, a cell over MAX_CELL_CHARS, or
    CSV the reader cannot parse.
    """
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), dialect=dialect)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for row in reader:
            cells = [v for v in row.values() if isinstance(v, str)]
            if not any(value.strip() for value in cells):
                continue
            if any(len(value) > MAX_CELL_CHARS for value in cells):
                raise InputError(
                    f"line {reader.line_num}: a cell is over {MAX_CELL_CHARS:,} characters; "
                    "is this the right file?",
                    name,
                )
            rows.append((reader.line_num, {k: v for k, v in row.items() if isinstance(k, str)}))
            if len(rows) > MAX_ROWS:
                raise InputError(f"has more than {MAX_ROWS:,} rows; is this the right file?", name)
    except csv.Error as exc:  # a cell over the csv module's own limit, a stray NUL...
        reason = str(exc)[:100]
        where = reader.line_num + 1  # the record being read when it failed
        raise InputError(f"line {where}: is not readable CSV ({reason})", name) from None
    return [str(h)[:MAX_CELL_CHARS] for h in reader.fieldnames or []], rows


def read_csv_table(
    text: str,
    name: str,
    columns: dict[str, tuple[str, ...]],
    required: Sequence[str],
    needs: str,
) -> list[tuple[int, dict[str, str | None]]]:
    """(line number, {our field: cell}) per CSV row; InputError when a `required` column is absent.

    `needs` names the required columns for the reader ('date, activity and hours').
    """
    headers, rows = read_csv_rows(text, name)
    found = column_map(headers, columns)
    missing = [f for f in required if f not in found]
    if missing:
        header = quoted(", ".join(h for h in headers if h))
        raise InputError(
            f"needs columns {needs} (any case or order); "
            f"missing {', '.join(missing)} in header {header}",
            name,
        )
    return [(line, {f: row.get(h) for f, h in found.items()}) for line, row in rows]


def resolve_id(cited: str, framework: str, source_version: str | None = None) -> ResolvedId:
    """An area or skill id (or name) as written, in `framework`; ValueError when unknown.

    A number is read in the report's version first; only when that version has no such id is
    it read as the other version's and translated, so "8.6" means 2021's 8.6 in a 2021 report.
    """
    text = re.sub(r"^\s*pksb\s*", "", str(cited).strip(), flags=re.IGNORECASE).strip()
    text = text.rstrip(".")
    if not text:
        raise ValueError("the skill is blank")
    target = load_framework(framework)
    versions = (
        [source_version]
        if source_version
        else [framework] + [v for v in FRAMEWORK_VERSIONS if v != framework]
    )
    for version in versions:
        try:
            fw = load_framework(version)
        except (KeyError, OSError):
            continue
        item_id = _find(fw, text)
        if item_id is None:
            continue
        if version == framework:
            return _resolved(cited, item_id, target)
        translated = translate_id(item_id, version, framework)
        if translated:
            out = _resolved(cited, translated[0], target)
            out.translated_from = f"{version} {item_id}"
            return out
    raise ValueError(f"unknown PKSB skill or area {quoted(text)} for the {framework} framework")


def _find(fw: Any, text: str) -> str | None:
    """An id, a name, or an id followed by its name as the report prints it ("8.4 Teaching
    and training delivery")."""
    if fw.has(text):
        return str(text)
    by_name: str | None = fw.id_named(text)
    if by_name is not None:
        return by_name
    number, _, rest = text.partition(" ")
    return str(number) if fw.has(number) and fw.id_named(rest) == number else None


def _resolved(cited: str, item_id: str, fw: Any) -> ResolvedId:
    area = fw.area_of(item_id)
    if item_id == area.id:
        return ResolvedId(
            cited=str(cited).strip(),
            id=item_id,
            name=area.name,
            area=area.id,
            area_name=area.name,
            level="area",
        )
    return ResolvedId(
        cited=str(cited).strip(),
        id=item_id,
        name=fw.skill(item_id).name,
        area=area.id,
        area_name=area.name,
        level="skill",
    )


def _rating(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{what} rating is {quoted(value)}, not a number from 0 to 4")
    text = str(value).strip()
    if not text:
        return None
    if text.lower() in LEVEL_WORDS:
        return LEVEL_WORDS[text.lower()]
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{what} rating {quoted(text)} is not a number from 0 to 4") from None
    if not math.isfinite(number) or number != int(number) or not 0 <= number <= 4:
        raise ValueError(f"{what} rating {quoted(text)} is outside 0-4 (whole numbers only)")
    return int(number)


def read_audit(path: str | Path, framework: str = "2021") -> AuditFile:
    """Parse and validate a self-assessment file; the first bad row raises a one-line error."""
    text, name = read_table_text(path, "PKSB self-assessment")
    suffix = Path(path).suffix.lower()
    if suffix in (".yaml", ".yml") or (suffix not in (".csv", ".tsv", ".txt") and _yamlish(text)):
        rows, default_version = _yaml_rows(text, name)
        where = "entry"
    else:
        rows = read_csv_table(
            text, name, _COLUMNS, ("id", "current", "desired"), "skill, current and desired"
        )
        default_version = None
        where = "row"
    if len(rows) > MAX_ROWS:
        raise InputError(f"has more than {MAX_ROWS} rows; is this the right file?", name)
    entries: list[AuditEntry] = []
    blank = 0
    warnings: list[str] = []
    seen: dict[str, int] = {}
    for number, row in rows:
        try:
            entry = _entry(number, row, framework, default_version)
        except ValueError as exc:
            raise InputError(f"{where} {number}: {exc}", name) from None
        if entry is None:
            blank += 1
            continue
        if entry.cited in seen:
            warnings.append(
                f"{name}: {where} {number} rates {entry.cited} again (first at {seen[entry.cited]})"
            )
        seen.setdefault(entry.cited, number)
        if entry.translated_from:
            warnings.append(
                f"{name}: {where} {number}: {entry.translated_from} read as "
                f"{framework} {entry.id} ({entry.name})"
            )
        entries.append(entry)
    if not entries:
        raise InputError("has no rated skills (every row is blank)", name)
    return AuditFile(
        source=name, framework=framework, entries=entries, blank_rows=blank, warnings=warnings
    )


class _YamlTooBig(yaml.YAMLError):
    """A self-assessment YAML with aliases, or more nodes than any real one has."""


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing aliases (an alias bomb stands for gigabytes in a few
    hundred bytes) and counting nodes, so a refused file is refused before it is built."""

    nodes = 0
    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise _YamlTooBig("uses YAML aliases (*name); write each skill's ratings out in full")
        self.nodes += 1
        if self.nodes > MAX_YAML_NODES:
            raise _YamlTooBig(
                f"has more than {MAX_YAML_NODES:,} YAML values; is this the right file?"
            )
        self.depth += 1
        if self.depth > MAX_YAML_DEPTH:  # before Python's recursion limit is reached
            raise _YamlTooBig(f"nests YAML more than {MAX_YAML_DEPTH} levels deep")
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _yamlish(text: str) -> bool:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return first.lstrip().startswith(("-", "framework:", "skills:", "---"))


def _yaml_rows(text: str, name: str) -> tuple[list[tuple[int, dict[str, Any]]], str | None]:
    try:
        data = yaml.load(text, Loader=_BoundedLoader)  # a SafeLoader, bounded
    except _YamlTooBig as exc:
        raise InputError(str(exc), name) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"is not valid YAML{where}", name) from None
    version: str | None = None
    if isinstance(data, dict) and "skills" in data:
        version = str(data.get("framework")) if data.get("framework") is not None else None
        if version is not None and version not in FRAMEWORK_VERSIONS:
            raise InputError(f"framework {quoted(version)} is not one of 2021, 2014", name)
        data = data["skills"]
    if isinstance(data, dict):  # id -> {current, desired, comment}
        data = [
            {"skill": key, **(value if isinstance(value, dict) else {"current": value})}
            for key, value in data.items()
        ]
    if not isinstance(data, list):
        raise InputError("should hold a list of skills with current and desired ratings", name)
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise InputError(f"entry {number}: expected skill, current and desired keys", name)
        found = column_map([str(k) for k in item], _COLUMNS)
        by_text = {str(k): v for k, v in item.items()}
        rows.append((number, {f: by_text.get(h) for f, h in found.items()}))
    return rows, version


def _text_value(value: Any, what: str) -> str:
    """A YAML or CSV value that must be text (or a number written as text)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"the {what} is {quoted(value)}, not text")
    text = str(value).strip()
    if len(text) > MAX_CELL_CHARS:
        raise ValueError(f"the {what} is over {MAX_CELL_CHARS:,} characters")
    return text


def _entry(
    number: int, row: dict[str, Any], framework: str, default_version: str | None
) -> AuditEntry | None:
    cited = _text_value(row.get("id"), "skill")
    current = _rating(row.get("current"), "current")
    desired = _rating(row.get("desired"), "desired")
    if current is None and desired is None:
        return None  # left blank on purpose: an area the candidate does not work in
    if current is None or desired is None:
        given, absent = ("desired", "current") if current is None else ("current", "desired")
        raise ValueError(f"{cited or 'the skill'} has a {given} rating but no {absent} rating")
    version = _text_value(row.get("framework"), "framework") or default_version
    if version is not None and version not in FRAMEWORK_VERSIONS:
        raise ValueError(f"framework {quoted(version)} is not one of 2021, 2014")
    resolved = resolve_id(cited, framework, version)
    comment = _text_value(row.get("comment"), "comment") or None
    return AuditEntry(
        **resolved.model_dump(),
        row=number,
        current=current,
        desired=desired,
        gap=desired - current,
        comment=comment,
    )


# --- meeting the statement --------------------------------------------------------------------


def audit_pksb(
    audit: AuditFile,
    document: SegmentedDocument,
    *,
    coverage: PksbCoverage,
    evidence: EvidenceReport | None = None,
) -> AuditReport:
    """The gaps, largest first, each with the sentences and evidence items that address it."""
    area_sentences = {a.id: a.sentence_indexes for a in coverage.areas}
    gaps: list[AuditGap] = []
    for entry in sorted(audit.entries, key=lambda e: (-e.gap, e.row)):
        if entry.gap <= 0:
            continue
        hits = _statement_hits(entry, document, coverage, area_sentences)
        items = _evidence_hits(entry, evidence)
        gaps.append(
            AuditGap(
                id=entry.id,
                cited=entry.cited,
                name=entry.name,
                current=entry.current,
                desired=entry.desired,
                gap=entry.gap,
                statement=hits[:5],
                paragraphs=sorted({h.paragraph for h in hits}),
                evidence=items,
                addressed=bool(hits or items),
            )
        )
    return AuditReport(
        source=audit.source,
        framework=audit.framework,
        entries=audit.entries,
        gaps=gaps,
        unaddressed=[g.cited for g in gaps if not g.addressed],
        no_comment=[e.cited for e in audit.entries if not e.comment],
        blank_rows=audit.blank_rows,
        warnings=list(audit.warnings),
    )


def _statement_hits(
    entry: AuditEntry,
    document: SegmentedDocument,
    coverage: PksbCoverage,
    area_sentences: dict[str, list[int]],
) -> list[StatementHit]:
    sentences = document.outline.sentences
    hits: dict[int, StatementHit] = {}
    if entry.level == "skill":
        for index, mapping in enumerate(coverage.sentences):
            named = any(entry.id in ref.ids for ref in mapping.references)
            score = next((s.score for s in mapping.skills if s.id == entry.id), 0.0)
            if (named or score * mapping.evidence_weight >= SKILL_HIT) and index < len(sentences):
                hits[index] = _hit(sentences[index], "skill", max(score, 1.0 if named else 0.0))
    for index in area_sentences.get(entry.area, []):
        if index not in hits and index < len(sentences):
            mapping = coverage.sentences[index]
            score = next((a.score for a in mapping.areas if a.id == entry.area), 0.0)
            hits[index] = _hit(sentences[index], "area", score)
    return sorted(hits.values(), key=lambda h: (h.match != "skill", -h.score, h.sentence))


def _hit(sentence: Any, match: Literal["skill", "area"], score: float) -> StatementHit:
    text = " ".join(sentence.text.split())
    return StatementHit(
        sentence=sentence.index,
        paragraph=sentence.paragraph,
        quote=text if len(text) <= 160 else text[:159].rstrip() + "…",
        match=match,
        score=round(float(score), 3),
    )


def _evidence_hits(entry: AuditEntry, evidence: EvidenceReport | None) -> list[str]:
    if evidence is None:
        return []
    from pksb_reflect.analysis.evidence import ITEM_SKILL_MIN

    out: list[str] = []
    for item in evidence.items:
        if (
            entry.level == "skill"
            and any(s.id == entry.id and s.score >= ITEM_SKILL_MIN for s in item.skills)
        ) or entry.area in item.shows_areas:
            out.append(item.id)
    return out
