"""The data feedback judges by, from pksb_data/feedback.yaml, validated when it is read.

Demands per route and criterion (each with the phrases that show it and the advice when it is
missing), sentence roles for cut advice, thresholds and priority weights. A pattern that does
not compile, or an unknown route, criterion or demand id, is refused with the id named.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pksb_reflect.framework import ROUTE_IDS, data_dir
from pksb_reflect.patterns import check_patterns

CRITERION_IDS = ("personal", "organisational", "wider")
KEEP_ROLES = (
    "evidence_reference",
    "figure",
    "organisation_aim",
    "action_taken",
    "change_in_practice",
    "gap_identified",
    "outcome",
)
CUT_ROLES = ("generic", "signposting", "scene_setting")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Demand(_Strict):
    """One thing a criterion asks for, in the candidate's terms."""

    text: str = Field(min_length=3)
    advice: str = Field(min_length=3)
    patterns: list[str] = Field(min_length=1)

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, value: list[str]) -> list[str]:
        check_patterns(value)
        return value

    def compiled(self) -> list[re.Pattern[str]]:
        return [re.compile(p, re.IGNORECASE) for p in self.patterns]


class Thresholds(_Strict):
    reflective_share: float = Field(gt=0, lt=1)
    cycle_share: float = Field(gt=0, lt=1)
    revalidation_share: float = Field(gt=0, lt=1)
    met_missing_demands: int = Field(ge=0)
    max_cut_suggestions: int = Field(gt=0)
    min_points: int = Field(ge=0)
    max_points: int = Field(gt=0)


class Weights(_Strict):
    over_limit: float
    criterion_absent: float
    criterion_not_evident: float
    criterion_partly: float
    evidence_missing_file: float
    reflect_more: float
    paragraph_descriptive: float
    no_now_what: float
    paragraph_no_now_what: float
    evidence_uncited: float
    missing_areas: float
    no_headings: float
    no_margin: float
    polish: float
    near_limit: float


class Roles(_Strict):
    keep: dict[str, list[str]]
    cut: dict[str, list[str]]

    @model_validator(mode="after")
    def _known(self) -> Roles:
        for kind, known, table in (("keep", KEEP_ROLES, self.keep), ("cut", CUT_ROLES, self.cut)):
            unknown = set(table) - set(known)
            if unknown:
                raise ValueError(f"unknown {kind} role(s): {', '.join(sorted(unknown))}")
            for patterns in table.values():
                check_patterns(patterns)
        return self


class FeedbackRules(_Strict):
    thresholds: Thresholds
    weights: Weights
    demands: dict[str, Demand]
    routes: dict[str, dict[str, list[str]]]
    essential: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    roles: Roles

    @model_validator(mode="after")
    def _ids_known(self) -> FeedbackRules:
        if set(self.routes) != set(ROUTE_IDS):
            raise ValueError(f"routes must be exactly {', '.join(ROUTE_IDS)}")
        for table in (self.routes, self.essential):
            for route_id, criteria in table.items():
                if route_id not in ROUTE_IDS:
                    raise ValueError(f"unknown route {route_id!r}")
                for criterion_id, demand_ids in criteria.items():
                    if criterion_id not in CRITERION_IDS:
                        raise ValueError(f"{route_id}: unknown criterion {criterion_id!r}")
                    for demand_id in demand_ids:
                        if demand_id not in self.demands:
                            raise ValueError(
                                f"{route_id}.{criterion_id}: unknown demand {demand_id!r}"
                            )
        for route_id, criteria in self.routes.items():
            if set(criteria) != set(CRITERION_IDS):
                raise ValueError(f"{route_id}: give the demands of all three criteria")
        return self

    def demands_for(self, route_id: str, criterion_id: str) -> list[tuple[str, Demand]]:
        return [(d, self.demands[d]) for d in self.routes[route_id][criterion_id]]

    def essential_for(self, route_id: str, criterion_id: str) -> list[str]:
        return self.essential.get(route_id, {}).get(criterion_id, [])


@lru_cache(maxsize=1)
def load_rules() -> FeedbackRules:
    import yaml  # type: ignore[import-untyped]  # (no stubs installed, as in framework.py)

    with (data_dir() / "feedback.yaml").open(encoding="utf-8") as handle:
        return FeedbackRules.model_validate(yaml.safe_load(handle))


@lru_cache(maxsize=1)
def role_patterns() -> tuple[dict[str, list[re.Pattern[str]]], dict[str, list[re.Pattern[str]]]]:
    """(keep roles, cut roles), each role's patterns compiled, cut roles in their order."""
    roles = load_rules().roles
    keep = {k: [re.compile(p, re.IGNORECASE) for p in v] for k, v in roles.keep.items()}
    cut = {
        k: [re.compile(p, re.IGNORECASE) for p in roles.cut[k]] for k in CUT_ROLES if k in roles.cut
    }
    return keep, cut
