"""The PKSB data loads, validates strictly, and both versions correspond through the crosswalk."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from pksb_reflect.framework import (
    MIN_EXAMPLES,
    Framework,
    data_dir,
    load_crosswalk,
    load_framework,
    load_routes,
    translate_id,
)


def _raw(version: str) -> dict[str, Any]:
    return yaml.safe_load((data_dir() / f"pksb_{version}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("version", ["2021", "2014"])
def test_framework_has_centre_expertise_generic_and_context(version: str) -> None:
    framework = load_framework(version)
    groups = {area.group for area in framework.areas}
    assert groups == {"centre", "professional_expertise", "generic_skills", "wider_context"}
    ids = [area.id for area in framework.areas]
    assert {"ethics", "wider_sector", "wider_org"} <= set(ids)
    for area in framework.areas:
        assert len(area.examples) >= MIN_EXAMPLES
        for skill in area.skills:
            assert len(skill.examples) >= MIN_EXAMPLES


def test_2014_has_twelve_numbered_areas_and_known_skills() -> None:
    framework = load_framework("2014")
    assert sorted(a.number for a in framework.areas if a.number is not None) == list(range(1, 13))
    assert "teaching" in framework.skill("8.6").name.lower()
    assert framework.area("8").name == "Literacies and Learning"


def test_2021_adds_data_management_and_knowledge_management() -> None:
    names = {area.name for area in load_framework("2021").areas}
    assert "Data Management" in names
    assert "Knowledge Management" in names


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["areas"].append(copy.deepcopy(d["areas"][1])), "duplicate id"),
        (
            lambda d: d["areas"][1]["skills"].append(copy.deepcopy(d["areas"][1]["skills"][0])),
            "duplicate id",
        ),
        (lambda d: d["areas"][1].update(descriptor="   "), "must not be empty"),
        (
            lambda d: d["areas"][1]["skills"][0].update(
                examples=d["areas"][1]["skills"][0]["examples"][:3]
            ),
            "at least 8",
        ),
        (lambda d: d["areas"][1].pop("id"), "Field required"),
        (lambda d: d["areas"][1]["skills"][0].update(id="99.1"), "must start with its area id"),
    ],
)
def test_validation_rejects_broken_data(mutate: Any, message: str) -> None:
    data = _raw("2021")
    mutate(data)
    with pytest.raises(ValidationError, match=message):
        Framework.model_validate(data)


def test_crosswalk_covers_every_2014_area_with_real_2021_targets() -> None:
    old, new = load_framework("2014"), load_framework("2021")
    crosswalk = load_crosswalk()
    for area in old.areas:
        targets = crosswalk.to_2021(area.id)
        assert targets, area.id
        assert all(new.has(t) for t in targets)


def test_old_citation_is_understood_in_the_new_version() -> None:
    assert translate_id("8.6", "2014", "2021")[0] == "8"
    assert translate_id("8.6", "2014", "2014") == ["8.6"]
    assert "8" in translate_id("8", "2021", "2014")


def test_routes_have_three_criteria_each() -> None:
    for route in load_routes().routes:
        assert [c.id for c in route.criteria] == ["personal", "organisational", "wider"]
