"""The framework as the mapper sees it: every area's and skill's texts, embedded ahead of time.

Every area and skill is represented by several texts from pksb_data: its descriptor, its name in
a first-person template, its keywords and its example sentences; a skill's texts also count for
its area. The other framework version's example sentences, carried across the crosswalk, join the
area prototypes and train the area models (never the skills): see `cross_examples`.

models/mapping/build.py embeds these texts and fits the area models once; the files it writes
(one per version, sha256 in manifest.json, with a digest of every input) are all the run-time
needs. Nothing is fitted or encoded here: a missing, altered or stale file is a ModelError that
says to rebuild.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pksb_reflect.analysis.mapping.lexical import LEX_KEYS, LexicalModel
from pksb_reflect.analysis.mapping.models import BUILD_SETTINGS, BuildSettings, TextKind
from pksb_reflect.errors import ModelError
from pksb_reflect.framework import FRAMEWORK_VERSIONS, load_crosswalk, load_framework
from pksb_reflect.paths import bundled, file_sha256

FORMAT = 3
OTHER_VERSION = {"2021": "2014", "2014": "2021"}


def check_version(framework: str) -> None:
    from pksb_reflect.errors import UsageError

    if framework not in FRAMEWORK_VERSIONS:
        raise UsageError(
            f"unknown framework version {framework!r}; use one of {', '.join(FRAMEWORK_VERSIONS)}"
        )


@dataclass(frozen=True)
class FrameworkTexts:
    """The texts of one version, with the area and skill each belongs to."""

    version: str
    area_ids: list[str]
    area_names: list[str]
    skill_ids: list[str]
    skill_names: list[str]
    skill_area: np.ndarray  # (S,) area index of each skill
    texts: list[str]
    kinds: list[TextKind]
    labels: list[str]  # area or skill id of each text
    area_of_text: np.ndarray  # (T,)
    skill_of_text: np.ndarray  # (T,), -1 for area-level texts


def name_text(name: str) -> str:
    return f"My work involved {name.lower()}."


def cross_examples(version: str, area_ids: list[str]) -> list[tuple[str, int]]:
    """The other version's example sentences, labelled with this version's areas.

    2014 -> 2021 follows each 2014 area's first (best) crosswalk link; 2021 -> 2014 goes to the
    2014 area whose first link is that 2021 area, and skips areas with none (Data Management).
    """
    other = OTHER_VERSION[version]
    links = load_crosswalk().links
    if version == "2021":
        target = {old: new[0] for old, new in links.items() if new}
    else:
        target = {}
        for old, new in links.items():
            if new:
                target.setdefault(new[0], old)
    position = {a: i for i, a in enumerate(area_ids)}
    out: list[tuple[str, int]] = []
    for area in load_framework(other).areas:
        mapped = target.get(area.id)
        if mapped is None or mapped not in position:
            continue
        for text in [*area.examples, *(e for s in area.skills for e in s.examples)]:
            out.append((text, position[mapped]))
    return out


def framework_texts(version: str, settings: BuildSettings = BUILD_SETTINGS) -> FrameworkTexts:
    framework = load_framework(version)
    texts: list[str] = []
    kinds: list[TextKind] = []
    labels: list[str] = []
    area_of: list[int] = []
    skill_of: list[int] = []
    area_ids = [a.id for a in framework.areas]
    skill_ids: list[str] = []
    skill_names: list[str] = []
    skill_area: list[int] = []

    def add(text: str, kind: TextKind, label: str, area: int, skill: int) -> None:
        texts.append(text)
        kinds.append(kind)
        labels.append(label)
        area_of.append(area)
        skill_of.append(skill)

    for a_index, area in enumerate(framework.areas):
        add(area.descriptor, "descriptor", area.id, a_index, -1)
        add(name_text(area.name), "name", area.id, a_index, -1)
        add("; ".join(area.keywords), "keywords", area.id, a_index, -1)
        for example in area.examples:
            add(example, "example", area.id, a_index, -1)
        for skill in area.skills:
            s_index = len(skill_ids)
            skill_ids.append(skill.id)
            skill_names.append(skill.name)
            skill_area.append(a_index)
            add(skill.descriptor, "descriptor", skill.id, a_index, s_index)
            add(name_text(skill.name), "name", skill.id, a_index, s_index)
            add("; ".join(skill.keywords), "keywords", skill.id, a_index, s_index)
            for example in skill.examples:
                add(example, "example", skill.id, a_index, s_index)
    if settings.cross_examples:
        seen = set(texts)
        for text, a_index in cross_examples(version, area_ids):
            if text not in seen:
                seen.add(text)
                add(text, "example", area_ids[a_index], a_index, -1)
    return FrameworkTexts(
        version=version,
        area_ids=area_ids,
        area_names=[a.name for a in framework.areas],
        skill_ids=skill_ids,
        skill_names=skill_names,
        skill_area=np.asarray(skill_area, dtype=np.int64),
        texts=texts,
        kinds=kinds,
        labels=labels,
        area_of_text=np.asarray(area_of, dtype=np.int64),
        skill_of_text=np.asarray(skill_of, dtype=np.int64),
    )


def inputs_digest(ft: FrameworkTexts, settings: BuildSettings = BUILD_SETTINGS) -> str:
    """A digest of everything a shipped file was built from: texts, labels, settings, format."""
    digest = hashlib.sha256()
    for part in (str(FORMAT), repr(settings), *ft.texts, *ft.labels):
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()


def file_name(version: str) -> str:
    return f"mapping_{version}.npz"


@dataclass(frozen=True)
class Prototypes:
    """One version's framework texts, their vectors and the shipped area models."""

    texts: FrameworkTexts
    matrix: np.ndarray  # (T, D) unit rows
    area_gather: np.ndarray  # (A, m) text indexes, padded with T
    skill_gather: np.ndarray  # (S, m) text indexes, padded with T
    area_centroids: np.ndarray  # (A, D)
    skill_centroids: np.ndarray  # (S, D)
    lr_weight: np.ndarray  # (D, A)
    lr_bias: np.ndarray  # (A,)
    lexical: LexicalModel

    @property
    def version(self) -> str:
        return self.texts.version

    @property
    def area_ids(self) -> list[str]:
        return self.texts.area_ids

    @property
    def skill_ids(self) -> list[str]:
        return self.texts.skill_ids

    @property
    def skill_area(self) -> np.ndarray:
        return self.texts.skill_area


def _gather(groups: list[np.ndarray], pad: int) -> np.ndarray:
    width = max(len(g) for g in groups)
    out = np.full((len(groups), width), pad, dtype=np.int64)
    for row, group in enumerate(groups):
        out[row, : len(group)] = group
    return out


def unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return (rows / np.maximum(norms, 1e-12)).astype(np.float32)


def assemble(ft: FrameworkTexts, arrays: dict[str, np.ndarray]) -> Prototypes:
    """Prototypes from a version's texts and the arrays build.py saved for them."""
    matrix = arrays["matrix"]
    n_texts = len(ft.texts)
    area_groups = [np.flatnonzero(ft.area_of_text == a) for a in range(len(ft.area_ids))]
    skill_groups = [np.flatnonzero(ft.skill_of_text == s) for s in range(len(ft.skill_ids))]
    return Prototypes(
        texts=ft,
        matrix=matrix,
        area_gather=_gather(area_groups, n_texts),
        skill_gather=_gather(skill_groups, n_texts),
        area_centroids=unit(np.stack([matrix[g].mean(axis=0) for g in area_groups])),
        skill_centroids=unit(np.stack([matrix[g].mean(axis=0) for g in skill_groups])),
        lr_weight=arrays["weight"],
        lr_bias=arrays["bias"],
        lexical=LexicalModel.from_arrays(*(arrays[k] for k in LEX_KEYS)),
    )


def models_folder() -> Path:
    return bundled("models") / "mapping"


def verified_file(version: str, folder: Path | None = None) -> Path:
    """The shipped file for a version, after checking its sha256 and inputs against the manifest."""
    folder = models_folder() if folder is None else folder
    name = file_name(version)
    rebuild = "run `python models/mapping/build.py` (see models/mapping/MODEL_CARD.md)"
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        expected = manifest["files"][name]
        inputs = manifest["inputs"][name]
        actual = file_sha256(folder / name)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"the PKSB mapper's model {folder / name} is missing; {rebuild}") from exc
    if actual != expected:
        raise ModelError(f"{folder / name} does not match its sha256 in manifest.json; {rebuild}")
    if inputs != inputs_digest(framework_texts(version)):
        raise ModelError(
            f"{folder / name} was built from other framework data than pksb_data/ holds; {rebuild}"
        )
    return folder / name


def load_arrays(path: Path) -> dict[str, np.ndarray]:
    keys = ("matrix", "weight", "bias", *LEX_KEYS)
    try:
        with np.load(path, allow_pickle=False) as saved:
            return {k: saved[k] for k in keys}
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"cannot read {path}: {exc}") from exc


def load_prototypes(version: str) -> Prototypes:
    """The version's prototypes from models/mapping/ (sha256- and inputs-checked).

    The Runtime calls this once per version and keeps the result (pksb_reflect.runtime).
    """
    check_version(version)
    return assemble(framework_texts(version), load_arrays(verified_file(version)))
