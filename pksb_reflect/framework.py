"""The PKSB frameworks and the registration routes, loaded from pksb_data/ and validated.

The data files are ours: area names and numbers are facts about CILIP's framework, while every
descriptor, keyword list and example sentence is written by the pksb-reflect team.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pksb_reflect.paths import bundled

FrameworkVersion = Literal["2021", "2014"]
FRAMEWORK_VERSIONS: tuple[FrameworkVersion, ...] = ("2021", "2014")
RouteId = Literal["certification", "chartership", "fellowship", "revalidation"]
ROUTE_IDS: tuple[RouteId, ...] = ("certification", "chartership", "fellowship", "revalidation")
AreaGroup = Literal["centre", "professional_expertise", "generic_skills", "wider_context"]

MIN_EXAMPLES = 8


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


class Skill(_Strict):
    """One skill inside an area, with the text the mapper compares sentences against."""

    id: str
    name: str
    descriptor: str
    keywords: list[str] = Field(min_length=2)
    examples: list[str] = Field(min_length=MIN_EXAMPLES)
    ours: bool = Field(
        default=False,
        description="True where the public record does not give this skill and we defined it.",
    )

    _check_text = field_validator("name", "descriptor")(_non_empty)


class Area(_Strict):
    """A top-level element of the PKSB wheel: an area, the centre or a wider-context element."""

    id: str
    number: int | None = None
    name: str
    group: AreaGroup
    descriptor: str
    keywords: list[str] = Field(min_length=2)
    examples: list[str] = Field(min_length=MIN_EXAMPLES)
    skills: list[Skill] = Field(min_length=1)
    number_is_ours: bool = Field(
        default=False, description="True where the public record does not confirm the number."
    )

    _check_text = field_validator("name", "descriptor")(_non_empty)

    @model_validator(mode="after")
    def _skill_ids_belong(self) -> Area:
        for skill in self.skills:
            if not skill.id.startswith(f"{self.id}."):
                raise ValueError(f"skill {skill.id!r} must start with its area id {self.id!r}.")
        return self


class Framework(_Strict):
    """One version of the PKSB: its areas in wheel order."""

    version: FrameworkVersion
    title: str
    note: str
    areas: list[Area] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_unique(self) -> Framework:
        seen: set[str] = set()
        for item_id in [a.id for a in self.areas] + [s.id for a in self.areas for s in a.skills]:
            if item_id in seen:
                raise ValueError(f"duplicate id {item_id!r} in framework {self.version}")
            seen.add(item_id)
        return self

    def area(self, area_id: str) -> Area:
        for area in self.areas:
            if area.id == area_id:
                return area
        raise KeyError(area_id)

    def skill(self, skill_id: str) -> Skill:
        for area in self.areas:
            for skill in area.skills:
                if skill.id == skill_id:
                    return skill
        raise KeyError(skill_id)

    def area_of(self, item_id: str) -> Area:
        """The area holding an area or skill id ("8.6" -> area "8")."""
        return self.area(item_id.split(".", 1)[0])

    def has(self, item_id: str) -> bool:
        return any(item_id == a.id or any(item_id == s.id for s in a.skills) for a in self.areas)

    def id_named(self, name: str) -> str | None:
        """The area or skill with this name, compared without case or punctuation and with
        '&' read as 'and' ("Literacies & Learning"); None when none has it."""
        wanted = _name_key(name)
        for area in self.areas:
            if _name_key(area.name) == wanted:
                return area.id
            for skill in area.skills:
                if _name_key(skill.name) == wanted:
                    return skill.id
        return None


def _name_key(name: str) -> str:
    return " ".join(re.sub(r"[^\w&]+", " ", name.lower()).replace("&", " and ").split())


class Crosswalk(_Strict):
    """How the areas of the 2014 framework correspond to the areas of the 2021 revision."""

    note: str
    links: dict[str, list[str]] = Field(description="2014 area id -> 2021 area ids, best first.")

    def to_2021(self, area_id_2014: str) -> list[str]:
        return self.links.get(area_id_2014, [])

    def to_2014(self, area_id_2021: str) -> list[str]:
        return [old for old, new in self.links.items() if area_id_2021 in new]


class Criterion(_Strict):
    """One assessment criterion as a route's assessors apply it, described in our words."""

    id: Literal["personal", "organisational", "wider"]
    number: int
    name: str
    demands: str
    cues: list[str] = Field(
        min_length=3, description="Words and phrases that signal writing aimed at this criterion."
    )


class Route(_Strict):
    """A registration route: its statement limit, its criteria and, for revalidation, CPD hours."""

    id: RouteId
    name: str
    post_nominals: str | None
    level: str
    word_limit: int = Field(gt=0)
    cpd_hours: int | None = None
    cpd_period_months: int | None = None
    criteria: list[Criterion] = Field(min_length=3, max_length=3)
    expects_areas: list[str] = Field(
        description="Framework elements the criteria expect a statement to touch (2021 ids)."
    )
    expects_every_kind: bool = Field(
        default=True,
        description=(
            "Whether a statement is expected to show every kind of reflection (feeling, "
            "perspective...); a 250-word revalidation statement is not."
        ),
    )


class Routes(_Strict):
    near_fraction: float = Field(gt=0, lt=1)
    routes: list[Route]

    def get(self, route_id: str) -> Route:
        for route in self.routes:
            if route.id == route_id:
                return route
        raise KeyError(route_id)


def data_dir() -> Path:
    """The pksb_data/ folder, installed or in a checkout."""
    return bundled("pksb_data")


# libyaml's safe loader parses the framework ~10x faster than the pure-Python one (about 1 s of
# a first check); same safe subset. The pure-Python one is the fallback where libyaml is absent.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(name: str) -> dict:
    with (data_dir() / name).open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_SAFE_LOADER)  # a safe loader


@cache
def load_framework(version: str = "2021") -> Framework:
    if version not in FRAMEWORK_VERSIONS:
        raise KeyError(version)
    return Framework.model_validate(_load_yaml(f"pksb_{version}.yaml"))


@lru_cache(maxsize=1)
def load_crosswalk() -> Crosswalk:
    return Crosswalk.model_validate(_load_yaml("crosswalk_2014_2021.yaml"))


@lru_cache(maxsize=1)
def load_routes() -> Routes:
    return Routes.model_validate(_load_yaml("routes.yaml"))


def load_route(route_id: str) -> Route:
    return load_routes().get(route_id)


_ID_PATTERN = re.compile(r"^(\d+)(?:\.(\d+))?$")


def translate_id(item_id: str, source: str, target: str) -> list[str]:
    """Ids in `target` that correspond to a numbered area or skill id cited from `source`.

    A skill cited from another version is understood at area level, since the skill lists of
    the two versions do not line up one to one.
    """
    if source == target:
        return [item_id] if load_framework(target).has(item_id) else []
    match = _ID_PATTERN.match(item_id)
    area_id = match.group(1) if match else item_id
    crosswalk = load_crosswalk()
    if source == "2014":
        return crosswalk.to_2021(area_id)
    return crosswalk.to_2014(area_id)
