"""The one negation module (pksb_reflect.nlp.negation) and the lexicons it and the mapper read.

All sentences are our own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from pksb_reflect.analysis.mapping.lexical import load_cues
from pksb_reflect.nlp.negation import claim_status, claim_statuses, is_negated, load_lexicon
from pksb_reflect.paths import bundled
from pksb_reflect.runtime import default_runtime

NLP = default_runtime().nlp


def test_denied_experience_intention_and_principle() -> None:
    denied, intended, principle, focus = claim_statuses(
        [
            "I have never had the opportunity to manage a budget.",
            "I hope to shadow the records manager next spring.",
            "We do not lend reference books overnight.",
            "I not only catalogued the maps but also digitised them.",
        ],
        nlp=NLP,
    )
    assert denied.negated and not denied.intended and denied.cues
    assert intended.intended and not intended.negated
    assert not principle.negated  # a stated rule is evidence, not a lack of it
    assert not focus.negated  # "not only" is focus, not denial


def test_word_level_negation_is_what_the_markers_read() -> None:
    doc = NLP("I did not realise how much the visitors valued the quiet room.")
    realise = next(t for t in doc if t.lemma_ == "realise")
    assert is_negated(realise)
    markers = [m for m in doc._.reflective_markers if m.cue in {"realise", "realize"}]
    assert markers and all(m.negated for m in markers)


def test_plain_text_is_read_without_a_parse() -> None:
    assert claim_status("I had no real opportunity to teach this year.").negated
    assert not claim_status("I taught two classes this year.").negated


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "lexicon.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_negation_lexicon_rejects_a_bad_pattern(tmp_path: Path) -> None:
    base = (bundled("pksb_data") / "negation.yaml").read_text(encoding="utf-8")
    assert "'\\bwithout\\b'" in base
    broken = base.replace("'\\bwithout\\b'", "'(unclosed'")
    with pytest.raises(ValidationError, match="bad pattern"):
        load_lexicon(_write(tmp_path, broken))


def test_cue_lexicon_rejects_unknown_area_and_bad_pattern(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="unknown area"):
        load_cues(_write(tmp_path, "note: x\ncues:\n  nowhere: ['budget']\n"))
    with pytest.raises(ValidationError, match="bad pattern"):
        load_cues(_write(tmp_path, "note: x\ncues:\n  wider_org: ['(budget']\n"))
    assert load_cues().cues["wider_org"]
