"""Where the writer names the PKSB: numbers ("PKSB 8.6", "section 11") and area or skill names.

A number is read in both numberings. The project's 2021 numbers continue the 2014 areas (see
pksb_data/pksb_2021.yaml), so area numbers agree, but skill numbers often name different skills
("8.6" is Teaching and training skills in 2014 and Reading development and literacy in our 2021
list). When the two readings differ, the sentence's own words decide: the reading whose skill
texts the sentence is closer to is taken, and a `NumberingNote` says which, why, and asks the
candidate which version they use.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from pksb_reflect.analysis.mapping.models import (
    ExplicitReference,
    MappingParams,
    NumberingNote,
    NumberReading,
)
from pksb_reflect.analysis.mapping.prototypes import OTHER_VERSION, Prototypes
from pksb_reflect.framework import load_framework, translate_id

if TYPE_CHECKING:
    from pksb_reflect.analysis.resources import Resources

_ID = r"\d{1,2}(?:\.\d{1,2})?"
_ID_LIST = rf"{_ID}(?:\s*(?:,|&|and|/)\s*{_ID})*"
_NUMBER_REF = re.compile(
    rf"\bPKSB(?:\s+(?:areas?|sections?|skills?))?\s*(?:no\.?\s*)?({_ID_LIST})\b"
    rf"|\b(?:areas?|sections?)\s+({_ID_LIST})\b",
    re.IGNORECASE,
)


def aliases(name: str) -> list[str]:
    """A name and its multi-word parts: 'Records Management and Archiving' -> 'records management'.

    Single generic words ('research', 'learning') are left out: they are topics, not references.
    """
    lowered = " ".join(name.lower().replace("&", " and ").split())
    out = [lowered]
    for part in re.split(r",| and |/|;", lowered):
        part = part.strip()
        if len(part.split()) >= 2:
            out.append(part)
    return list(dict.fromkeys(out))


def resolve_number(item_id: str, version: str) -> list[str]:
    """Ids a cited number means in `version`, reading it as either framework's number."""
    found = translate_id(item_id, version, version)
    if found:
        if "." in item_id:
            found = [item_id.split(".", 1)[0], item_id]
        return found
    return translate_id(item_id, OTHER_VERSION[version], version)


_NAME_LOCK = threading.Lock()
_NAMES: dict[str, tuple[re.Pattern[str] | None, dict[str, list[str]]]] = {}


def _name_index(version: str) -> tuple[re.Pattern[str] | None, dict[str, list[str]]]:
    """One regex over every area and skill name (and their multi-word parts) of a version."""
    with _NAME_LOCK:
        if version in _NAMES:
            return _NAMES[version]
        name_ids: dict[str, list[str]] = {}
        for area in load_framework(version).areas:
            for alias in aliases(area.name):
                name_ids.setdefault(alias, []).append(area.id)
            for skill in area.skills:
                for alias in aliases(skill.name):
                    name_ids.setdefault(alias, []).append(skill.id)
        # Longest names first, so 'records management and archiving' beats 'records management'.
        names = sorted(name_ids, key=len, reverse=True)
        pattern = (
            re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE)
            if names
            else None
        )
        _NAMES[version] = (pattern, name_ids)
        return _NAMES[version]


def find_references(text: str, version: str = "2021") -> list[ExplicitReference]:
    """Numbers ('PKSB 8.6', 'section 11') and names ('information literacy') of the PKSB."""
    name_pattern, name_ids = _name_index(version)
    refs: list[ExplicitReference] = []
    for match in _NUMBER_REF.finditer(text):
        listed = match.group(1) or match.group(2)
        ids: list[str] = []
        for item in re.findall(_ID, listed):
            ids.extend(resolve_number(item, version))
        if ids:
            refs.append(
                ExplicitReference(
                    text=match.group(0),
                    start=match.start(),
                    end=match.end(),
                    kind="number",
                    ids=list(dict.fromkeys(ids)),
                )
            )
    if name_pattern is not None:
        for match in name_pattern.finditer(text):
            ids = name_ids[" ".join(match.group(1).lower().split())]
            refs.append(
                ExplicitReference(
                    text=match.group(0),
                    start=match.start(),
                    end=match.end(),
                    kind="name",
                    ids=list(ids),
                )
            )
    return refs


# --- reading a number in both numberings ---------------------------------------------------


def _skill_similarity(vector: np.ndarray, protos: Prototypes, skill: int, k: int) -> float:
    """Mean of the k best cosines between a sentence and one skill's texts."""
    texts = protos.skill_gather[skill]
    texts = texts[texts < protos.matrix.shape[0]]
    sims = np.sort(protos.matrix[texts] @ vector)[::-1]
    return float(sims[: max(1, k)].mean())


def _equivalent_skill(protos: Prototypes, other: Prototypes, other_skill: int) -> list[str]:
    """The report version's skill closest to another version's skill, within the linked areas."""
    other_id = other.skill_ids[other_skill]
    areas = translate_id(other_id, other.version, protos.version)
    if not areas:
        return []
    candidates = [
        s for s, a in enumerate(protos.skill_area) if protos.area_ids[int(a)] in set(areas)
    ]
    sims = protos.skill_centroids[candidates] @ other.skill_centroids[other_skill]
    best = candidates[int(np.argmax(sims))]
    return [protos.area_ids[int(protos.skill_area[best])], protos.skill_ids[best]]


@dataclass(frozen=True)
class _Reading:
    version: str
    skill: int
    name: str
    similarity: float


def _note(
    row: int, number: str, own: _Reading, alt: _Reading, chosen: _Reading, ids: list[str]
) -> NumberingNote:
    other = alt if chosen is own else own
    names = (
        f"PKSB {number} is '{own.name}' in the {own.version} numbering and '{alt.name}' in the "
        f"{alt.version} numbering; "
    )
    if chosen.similarity > other.similarity:
        reason = (
            f"{names}the sentence's own words are closer to '{chosen.name}' (similarity "
            f"{chosen.similarity:.2f} against {other.similarity:.2f}), so it was read as the "
            f"{chosen.version} number."
        )
    else:
        reason = (
            f"{names}the sentence's words do not clearly favour either (similarity "
            f"{own.similarity:.2f} and {alt.similarity:.2f}), so it was read in this report's "
            f"{own.version} numbering."
        )
    question = (
        f"Which version of the PKSB are your numbers from? Say so once (for example 'PKSB "
        f"{chosen.version}, {number} {chosen.name}'), so that an assessor reads {number} as you "
        "mean it; the 2021 numbering used here is this tool's own, as CILIP's public material "
        "does not confirm it."
    )
    return NumberingNote(
        sentence=row,
        number=number,
        readings=[
            NumberReading(version=r.version, id=number, name=r.name, similarity=r.similarity)
            for r in (own, alt)
        ],
        chosen=chosen.version,
        ids=ids,
        reason=reason,
        question=question,
    )


def _read_number(
    row: int,
    number: str,
    vector: np.ndarray,
    protos: Prototypes,
    other: Prototypes,
    params: MappingParams,
) -> tuple[list[str], NumberingNote | None]:
    """The ids a skill number is credited to, and a note when the numberings disagree."""
    if number not in protos.skill_ids or number not in other.skill_ids:
        return resolve_number(number, protos.version), None
    s_own = protos.skill_ids.index(number)
    s_alt = other.skill_ids.index(number)
    own_name = protos.texts.skill_names[s_own]
    alt_name = other.texts.skill_names[s_alt]
    if own_name.lower() == alt_name.lower():
        return resolve_number(number, protos.version), None
    own = _Reading(
        protos.version, s_own, own_name, _skill_similarity(vector, protos, s_own, params.top_k)
    )
    alt = _Reading(
        other.version, s_alt, alt_name, _skill_similarity(vector, other, s_alt, params.top_k)
    )
    if alt.similarity > own.similarity + params.number_margin:
        ids = _equivalent_skill(protos, other, s_alt) or resolve_number(number, protos.version)
        return ids, _note(row, number, own, alt, alt, ids)
    ids = resolve_number(number, protos.version)
    return ids, _note(row, number, own, alt, own, ids)


def _without_numbers(text: str, refs: Sequence[ExplicitReference]) -> str:
    """The sentence with its cited numbers taken out, so only its own words are compared."""
    for ref in sorted((r for r in refs if r.kind == "number"), key=lambda r: -r.start):
        text = text[: ref.start] + text[ref.end :]
    return " ".join(re.sub(r"\(\s*\)|\[\s*\]", " ", text).split())


def _needs_reading(refs: Sequence[ExplicitReference], version: str) -> bool:
    """Whether a sentence cites a skill number that the two numberings name differently."""
    other = OTHER_VERSION[version]
    for ref in refs:
        for item in re.findall(_ID, ref.text) if ref.kind == "number" else []:
            if "." in item and _names_differ(item, version, other):
                return True
    return False


def _names_differ(item: str, version: str, other: str) -> bool:
    mine, theirs = load_framework(version), load_framework(other)
    if not (mine.has(item) and theirs.has(item)):
        return False
    return mine.skill(item).name.lower() != theirs.skill(item).name.lower()


def read_references(
    texts: Sequence[str],
    resources: Resources,
    protos: Prototypes,
    params: MappingParams,
) -> tuple[np.ndarray, np.ndarray, list[list[ExplicitReference]], list[NumberingNote]]:
    """Logit bonuses for explicit references, the references, and the numbering notes.

    The encoder embeds the few sentences whose cited skill number the numberings disagree on
    (with the number taken out), so that their own words decide the reading.
    """
    n = len(texts)
    found_refs = [find_references(text, protos.version) for text in texts]
    ambiguous = [i for i, refs in enumerate(found_refs) if _needs_reading(refs, protos.version)]
    vectors = {}
    if ambiguous:
        own_words = resources.encoder.encode(
            [_without_numbers(texts[i], found_refs[i]) for i in ambiguous]
        )
        vectors = dict(zip(ambiguous, own_words, strict=True))
        other = resources.prototypes(OTHER_VERSION[protos.version])
    area_bonus = np.zeros((n, len(protos.area_ids)), dtype=np.float32)
    skill_bonus = np.zeros((n, len(protos.skill_ids)), dtype=np.float32)
    area_index = {a: i for i, a in enumerate(protos.area_ids)}
    skill_index = {s: i for i, s in enumerate(protos.skill_ids)}
    refs_all: list[list[ExplicitReference]] = []
    notes: list[NumberingNote] = []
    for row, refs in enumerate(found_refs):
        for ref in refs:
            if ref.kind == "number" and row in vectors:
                ids: list[str] = []
                for item in re.findall(_ID, ref.text):  # 'PKSB', 'section' hold no digits
                    if "." in item:
                        found, note = _read_number(row, item, vectors[row], protos, other, params)
                        if note is not None:
                            notes.append(note)
                    else:
                        found = resolve_number(item, protos.version)
                    ids.extend(found)
                if ids:
                    ref.ids = list(dict.fromkeys(ids))
            weight = params.w_ref_number if ref.kind == "number" else params.w_ref_name
            for item in ref.ids:
                if item in skill_index:
                    s = skill_index[item]
                    skill_bonus[row, s] = max(skill_bonus[row, s], weight)
                    a = int(protos.skill_area[s])
                    area_bonus[row, a] = max(area_bonus[row, a], weight)
                elif item in area_index:
                    a = area_index[item]
                    area_bonus[row, a] = max(area_bonus[row, a], weight)
        refs_all.append(refs)
    return area_bonus, skill_bonus, refs_all, notes
