"""The marker lexicons (pksb_data/markers.yaml), validated by a pydantic model on load."""

from __future__ import annotations

from functools import cache

import yaml
from pydantic import BaseModel, ConfigDict, field_validator

from pksb_reflect.paths import bundled

PHRASE_KINDS = ("causal", "contrast", "hedge", "future_intention", "perspective", "change_growth")


class MarkerLexicon(BaseModel):
    """Candidate cue words of each kind; markers.py's parse rules decide which ones count."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first_person: frozenset[str]
    first_singular: frozenset[str]
    mental_verbs: frozenset[str]
    ambiguous_mental: frozenset[str]
    mental_forms: frozenset[str]
    task_mental: frozenset[str]
    feeling_words: frozenset[str]
    people: frozenset[str]
    third_person: frozenset[str]
    view_verbs: frozenset[str]
    theory_nouns: frozenset[str]
    growth_verbs: frozenset[str]
    intransitive_growth: frozenset[str]
    self_nouns: frozenset[str]
    wider_context: frozenset[str]
    wider_policy_modifiers: frozenset[str]
    habitual_cues: frozenset[str]
    counterfactual_cues: frozenset[str]
    intention_verbs: frozenset[str]
    phrases: dict[str, tuple[str, ...]]

    @field_validator("*", mode="before")
    @classmethod
    def _lower_case_words(cls, value: object) -> object:
        items = value.values() if isinstance(value, dict) else [value]
        for group in items:
            if not isinstance(group, list | tuple | set | frozenset) or not group:
                raise ValueError("each lexicon must be a non-empty list of words")
            for word in group:
                if not isinstance(word, str) or not word.strip() or word != word.lower():
                    raise ValueError(f"{word!r} is not a lower-case word or phrase")
        return value

    @field_validator("phrases")
    @classmethod
    def _known_kinds(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        unknown = set(value) - set(PHRASE_KINDS)
        if unknown:
            raise ValueError(f"phrases of unknown marker kinds: {sorted(unknown)}")
        return value


@cache
def load_marker_lexicon() -> MarkerLexicon:
    """The bundled lexicons, read and validated once per process."""
    with (bundled("pksb_data") / "markers.yaml").open(encoding="utf-8") as handle:
        return MarkerLexicon.model_validate(yaml.safe_load(handle))
