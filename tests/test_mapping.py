"""The PKSB mapper: explicit references, negation, result shape, robust on-topic cases, documents.

All sentences here are our own. The real encoder is used (it loads offline from an installed
package); the framework vectors are cached on disk after the first run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pksb_reflect.analysis.mapping import core as mapping
from pksb_reflect.analysis.segment import SegmentedDocument
from pksb_reflect.api import map_sentences, read_statement
from pksb_reflect.errors import UsageError
from pksb_reflect.framework import FRAMEWORK_VERSIONS
from pksb_reflect.runtime import Runtime, default_runtime

RUNTIME = default_runtime()

VERSIONS = list(FRAMEWORK_VERSIONS)


@pytest.mark.parametrize("version", VERSIONS)
def test_pksb_number_points_to_area_and_skill(version: str) -> None:
    refs = mapping.find_references("This is covered by PKSB 8.6 in my plan.", version)
    assert refs and refs[0].kind == "number"
    assert "8" in refs[0].ids and "8.6" in refs[0].ids
    [result] = map_sentences(["This is covered by PKSB 8.6 in my plan."], version)
    assert result.explicit
    assert result.areas[0].id == "8"
    assert result.skills[0].id == "8.6"


@pytest.mark.parametrize("version", VERSIONS)
def test_section_number_and_bracketed_reference(version: str) -> None:
    [section, bracket] = map_sentences(
        ["I return to this in section 11 below.", "I wrote a short note on it (PKSB 6)."], version
    )
    assert section.areas[0].id == "11"
    assert bracket.areas[0].id == "6"
    assert section.references[0].ids == ["11"]


def test_number_lists_and_names_are_found() -> None:
    refs = mapping.find_references("PKSB 8.6 and 11.4 mattered, as did records management.")
    ids = {i for r in refs for i in r.ids}
    assert {"8", "8.6", "11", "11.4"} <= ids
    assert any(r.kind == "name" for r in refs)
    assert mapping.find_references("We saw an 8.6% rise in loans.") == []


def test_number_from_the_other_version_is_understood() -> None:
    # 13 (Data Management) exists only in 2021: a 2014 report reads it through the crosswalk.
    refs = mapping.find_references("See PKSB 13 for the data work.", "2014")
    assert refs and refs[0].ids


@pytest.mark.parametrize("version", VERSIONS)
def test_negated_claim_is_flagged_and_not_counted(version: str) -> None:
    negated, plain = map_sentences(
        [
            "I have not yet had the chance to catalogue any new books.",
            "I catalogued the new books using RDA and added subject headings.",
        ],
        version,
    )
    assert negated.negated and not plain.negated
    assert negated.cues
    assert negated.evidence_weight < 0.5 <= plain.evidence_weight
    # Placement is the same topic, but the evidence it carries is down-weighted.
    top = negated.areas[0]
    assert top.score * negated.evidence_weight < mapping.DEFAULT_PARAMS.evidence_floor


def test_hedged_and_principled_negation() -> None:
    hedged, principle = map_sentences(
        [
            "I hope to run information literacy sessions next year.",
            "We do not withdraw titles just because some readers object to them.",
        ]
    )
    assert hedged.hedged and not hedged.negated
    assert not principle.negated  # a stated principle is evidence, not a lack of it


@pytest.mark.parametrize("version", VERSIONS)
def test_results_sorted_and_scores_in_range(version: str) -> None:
    results = map_sentences(
        ["I ran a survey of users and redesigned the enquiry service.", "Short one."], version
    )
    for result in results:
        for items in (result.areas, result.skills):
            scores = [i.score for i in items]
            assert scores == sorted(scores, reverse=True)
            assert all(0.0 <= s <= 1.0 for s in scores)
        assert abs(sum(a.score for a in result.areas) - 1.0) < 1e-4
        assert result.best_area_match is not None
        assert result.areas[0].name


ON_TOPIC = [
    ("I drafted a retention and disposal schedule for the council's paper records.", "6"),
    ("I taught first-year students how to search databases and judge sources.", "8"),
    ("I weeded the stock and bought new titles to fill gaps in the collection.", "7"),
]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("text", "area"), ON_TOPIC)
def test_clear_sentences_land_in_their_area(version: str, text: str, area: str) -> None:
    [result] = map_sentences([text], version)
    assert area in [a.id for a in result.areas[:3]]


def test_empty_input_and_unknown_version() -> None:
    assert map_sentences([]) == []
    with pytest.raises(UsageError):
        map_sentences(["x"], "2030")


def _segmented(text: str) -> SegmentedDocument:
    from pksb_reflect.io.ingest import parse_bytes

    return read_statement(parse_bytes(text.encode("utf-8"), name="t.txt", fmt="txt"))


def test_document_coverage() -> None:
    text = (
        "I designed a course for adult beginners on staying safe online and judging sources. "
        "I taught it weekly and changed my teaching after observing an experienced tutor.\n\n"
        "I have not yet had the chance to catalogue rare books. "
        "I drafted a retention schedule for the team's shared drive with the records manager."
    )
    coverage = mapping.map_document(_segmented(text), RUNTIME)
    assert len(coverage.sentences) == 4
    assert len(coverage.paragraphs) == 2
    assert coverage.negated_sentences == [2]
    assert coverage.sentences[2].negated
    ids = [a.id for a in coverage.areas]
    assert len(ids) == len(set(ids)) == len(mapping.load_framework("2021").areas)
    assert "8" in coverage.dominant
    eight = next(a for a in coverage.areas if a.id == "8")
    assert 0.0 < eight.strength <= 1.0 and eight.sentence_indexes and eight.quotes
    assert 2 not in {i for a in coverage.areas for i in a.sentence_indexes}
    assert coverage.expected == ["ethics", "wider_sector", "wider_org"]
    assert "wider_org" in coverage.missing_expected
    routed = mapping.map_document(_segmented(text), RUNTIME, "2014", route_expects=["ethics", "13"])
    assert routed.expected[0] == "ethics" and len(routed.expected) > 1


def test_map_texts_aggregates() -> None:
    items = mapping.map_texts(
        [
            "I taught a session on evaluating sources. Students then practised searching.",
            "I rewrote the retention schedule. I also set disposal dates for old files.",
        ],
        "2021",
        RUNTIME,
    )
    assert [i.sentences for i in items] == [2, 2]
    assert "8" in [a.id for a in items[0].areas[:3]]
    assert "6" in [a.id for a in items[1].areas[:3]]


def test_import_is_cheap() -> None:
    code = (
        "import sys, pksb_reflect.analysis.mapping.core; "
        "print(any(m in sys.modules for m in ('torch', 'sentence_transformers', 'sklearn')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_lexical_inference_matches_scikit_learn() -> None:
    """The numpy lexical model scores exactly as the fitted scikit-learn pipeline would."""
    sparse = pytest.importorskip("scipy.sparse")
    text = pytest.importorskip("sklearn.feature_extraction.text")
    linear = pytest.importorskip("sklearn.linear_model")
    train = [
        "I catalogued the pamphlets in RDA and added subject headings.",
        "We wrote a retention schedule and disposal dates for the shared drive.",
        "I taught students to evaluate sources and search Westlaw.",
        "Café culture: a naïve survey of library users.",
    ]
    labels = np.array([0, 1, 2, 2])
    from pksb_reflect.analysis.mapping.fit import fit_lexical

    arrays = fit_lexical(train, labels, 3, 16.0)
    lexical = mapping._Lexical.from_arrays(*(arrays[k] for k in mapping._LEX_KEYS))
    queries = ["Retention schedules for RDA records.", "A cafe survey", "zzz", ""]
    vectorizers = [
        text.TfidfVectorizer(
            analyzer=analyzer,
            sublinear_tf=True,
            min_df=mapping.LEX_CHAR_MIN_DF if analyzer is mapping._char_terms else 1,
        )
        for analyzer in mapping._ANALYZERS
    ]
    x_train = sparse.hstack([v.fit_transform(train) for v in vectorizers]).tocsr()
    x_query = sparse.hstack([v.transform(queries) for v in vectorizers]).tocsr()
    model = linear.LogisticRegression(C=16.0, max_iter=3000).fit(x_train, labels)
    assert np.allclose(lexical.log_probs(queries), model.predict_log_proba(x_query), atol=1e-4)


@pytest.mark.parametrize("version", VERSIONS)
def test_other_versions_examples_train_areas_not_skills(version: str) -> None:
    protos = RUNTIME.prototypes(version)
    fw = mapping.load_framework(version)
    own = {e for a in fw.areas for e in [*a.examples, *(x for s in a.skills for x in s.examples)]}
    extra = [i for i, t in enumerate(protos.texts) if protos.text_kind[i] == "example"]
    extra = [i for i in extra if protos.texts[i] not in own]
    assert extra, "the crosswalk adds the other version's examples"
    assert all(protos.text_label[i] in {a.id for a in fw.areas} for i in extra)
    assert not np.isin(extra, protos.skill_gather).any()


def test_shipped_framework_vectors_are_used_only_when_their_hash_matches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first run loads the shipped vectors instead of encoding the framework; an altered
    shipped file is refused with a ModelError that says how to rebuild (nothing is fitted at
    run time)."""
    from pksb_reflect.paths import bundled

    shipped = bundled("models") / "mapping"
    manifest = json.loads((shipped / "manifest.json").read_text())
    names = sorted(manifest["files"])
    assert len(names) == 2
    for name in names:
        assert mapping._bundled_file(name) == shipped / name

    monkeypatch.setenv("PKSB_REFLECT_CACHE_DIR", str(tmp_path / "cache"))
    fresh = Runtime()
    fresh.prototypes("2021")
    fresh.prototypes("2014")
    assert not (tmp_path / "cache" / "mapping").exists(), (
        "the shipped framework vectors are stale: run python models/mapping/build.py"
    )

    copy = tmp_path / "models" / "mapping"
    copy.mkdir(parents=True)
    for name in names:
        data = bytearray((shipped / name).read_bytes())
        data[-1] ^= 1
        (copy / name).write_bytes(bytes(data))
    (copy / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setattr(mapping, "bundled", lambda folder: tmp_path / folder)
    assert all(mapping._bundled_file(name) is None for name in names)
    with pytest.raises(mapping.ModelError, match=r"models/mapping/build\.py"):
        Runtime().prototypes("2021")
    assert not (tmp_path / "cache" / "mapping").exists()
