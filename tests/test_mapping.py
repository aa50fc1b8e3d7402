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

from pksb_reflect.analysis import mapping
from pksb_reflect.analysis.mapping import fit, lexical, prototypes
from pksb_reflect.analysis.segment import SegmentedDocument
from pksb_reflect.api import map_sentences, read_statement
from pksb_reflect.errors import ModelError, UsageError
from pksb_reflect.framework import FRAMEWORK_VERSIONS, load_framework
from pksb_reflect.runtime import default_runtime

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
    with pytest.raises(UsageError):
        map_sentences("one sentence, not a list")  # type: ignore[arg-type]


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
    assert len(ids) == len(set(ids)) == len(load_framework("2021").areas)
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
        "import sys, pksb_reflect.analysis.mapping; "
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
    arrays = fit.fit_lexical(train, labels, 3, 16.0)
    model_ = lexical.LexicalModel.from_arrays(*(arrays[k] for k in lexical.LEX_KEYS))
    queries = ["Retention schedules for RDA records.", "A cafe survey", "zzz", ""]
    vectorizers = [
        text.TfidfVectorizer(
            analyzer=analyzer,
            sublinear_tf=True,
            min_df=lexical.LEX_CHAR_MIN_DF if analyzer is lexical.char_terms else 1,
        )
        for analyzer in lexical.ANALYZERS
    ]
    x_train = sparse.hstack([v.fit_transform(train) for v in vectorizers]).tocsr()
    x_query = sparse.hstack([v.transform(queries) for v in vectorizers]).tocsr()
    model = linear.LogisticRegression(C=16.0, max_iter=3000).fit(x_train, labels)
    assert np.allclose(model_.log_probs(queries), model.predict_log_proba(x_query), atol=1e-4)


@pytest.mark.parametrize("version", VERSIONS)
def test_other_versions_examples_train_areas_not_skills(version: str) -> None:
    protos = RUNTIME.prototypes(version)
    ft = protos.texts
    fw = load_framework(version)
    own = {e for a in fw.areas for e in [*a.examples, *(x for s in a.skills for x in s.examples)]}
    extra = [i for i, t in enumerate(ft.texts) if ft.kinds[i] == "example" and t not in own]
    assert extra, "the crosswalk adds the other version's examples"
    assert all(ft.labels[i] in {a.id for a in fw.areas} for i in extra)
    assert not np.isin(extra, protos.skill_gather).any()


@pytest.mark.parametrize("version", VERSIONS)
def test_shipped_models_are_current_and_checked(version: str, tmp_path: Path) -> None:
    """The shipped file matches its sha256 and pksb_data; an altered or missing one is refused
    with a message that says how to rebuild (nothing is fitted at run time)."""
    shipped = prototypes.models_folder()
    assert prototypes.verified_file(version) == shipped / prototypes.file_name(version)
    copy = tmp_path / "mapping"
    copy.mkdir()
    manifest = json.loads((shipped / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps(manifest))
    data = bytearray((shipped / prototypes.file_name(version)).read_bytes())
    data[-1] ^= 1
    (copy / prototypes.file_name(version)).write_bytes(bytes(data))
    with pytest.raises(ModelError, match=r"build\.py"):
        prototypes.verified_file(version, copy)
    (copy / prototypes.file_name(version)).unlink()
    with pytest.raises(ModelError, match="missing"):
        prototypes.verified_file(version, copy)


def test_mapping_never_fits_or_imports_scikit_learn_at_run_time() -> None:
    code = (
        "import sys; from pksb_reflect.runtime import Runtime; r = Runtime(); "
        "r.prototypes('2021'); r.prototypes('2014'); "
        "print('sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- numbering: a cited number read in both versions -----------------------------------------


def test_skill_number_read_by_its_surrounding_words() -> None:
    teaching = (
        "I planned and delivered training sessions for new staff, with lesson plans (PKSB 8.6)."
    )
    reading = "Our reading groups and storytimes helped children's reading for pleasure (PKSB 8.6)."
    coverage = mapping.map_document(_segmented(f"{teaching}\n\n{reading}"), RUNTIME)
    notes = {n.sentence: n for n in coverage.numbering}
    assert set(notes) == {0, 1}
    # 8.6 is Teaching and training skills in 2014 and Reading development in our 2021 list.
    assert notes[0].chosen == "2014" and "8.4" in notes[0].ids
    assert notes[1].chosen == "2021" and "8.6" in notes[1].ids
    assert {r.version for r in notes[0].readings} == {"2014", "2021"}
    assert "2014" in notes[0].reason and "Teaching and training skills" in notes[0].reason
    assert "which version" in notes[0].question.lower()
    assert coverage.sentences[0].skills[0].id == "8.4"
    assert coverage.sentences[1].skills[0].id == "8.6"
    assert [i for r in coverage.sentences[0].references for i in r.ids] == notes[0].ids


def test_number_naming_the_same_skill_in_both_versions_needs_no_note() -> None:
    # ethics.5 and 6.2 have the same name in both lists; an area number is the same area.
    text = "I wrote our retention and disposal schedule (PKSB 6.2) and covered section 11 too."
    coverage = mapping.map_document(_segmented(text), RUNTIME)
    assert coverage.numbering == []
    assert coverage.sentences[0].areas[0].id == "6"


def test_numbering_note_is_in_every_report_format() -> None:
    from pksb_reflect.api import assess

    text = (
        "As a library assistant I planned and delivered training sessions for new staff on the "
        "enquiry desk, with lesson plans and short practice tasks (PKSB 8.6). "
        "I learned that people remember what they practise, so I now give every session a task."
    )
    assessment = assess(text)
    [note] = assessment.pksb.numbering
    assert note.chosen == "2014"
    from pksb_reflect.render import REGISTRY, render

    for fmt, renderer in REGISTRY.items():
        if renderer.binary:  # Word: the note is a comment on the citing sentence
            from io import BytesIO

            import docx

            document = docx.Document(BytesIO(renderer.load_bytes()(assessment)))
            comments = " ".join(c.text for c in document.comments)
            assert "Teaching and training skills" in comments, fmt
            continue
        out = render(assessment, fmt)
        assert "Teaching and training skills" in " ".join(out.split()), fmt
    data = json.loads(assessment.model_dump_json())
    assert data["pksb"]["numbering"][0]["chosen"] == "2014"


# --- wider contexts and ethics ---------------------------------------------------------------


WIDER = [
    (
        "The prison's governor set new priorities for education and rehabilitation this year, and "
        "the library's plan had to show how it served them.",
        "wider_org",
    ),
    (
        "When the charity's trustees cut our funding by a fifth, I rewrote the service plan "
        "around the organisation's three strategic aims.",
        "wider_org",
    ),
    (
        "I followed CILIP's consultation on the new national strategy for public libraries and "
        "compared it with what neighbouring authorities were doing.",
        "wider_sector",
    ),
    (
        "A visitor asked us to remove a pamphlet he found offensive; I explained that we resist "
        "censorship and keep opposing views available to everyone.",
        "ethics",
    ),
]


@pytest.mark.parametrize(("text", "area"), WIDER)
def test_wider_contexts_and_ethics_found(text: str, area: str) -> None:
    [result] = map_sentences([text])
    assert area in [a.id for a in result.areas[:2]]


def test_organisational_aims_paragraph_counts_as_wider_org() -> None:
    text = (
        "The museum's new five-year strategy puts schools and families first, and the board of "
        "trustees expects every team to show how it contributes. "
        "Visitor income fell after the pandemic, so the plan also asks us to save money. "
        "I mapped our archive enquiry service against those aims.\n\n"
        "I catalogued the donated photographs and wrote descriptions for each folder."
    )
    coverage = mapping.map_document(_segmented(text), RUNTIME)
    assert "wider_org" not in coverage.missing_expected
    first = next(p for p in coverage.paragraphs if p.sentence_indexes[0] == 0)
    assert "wider_org" in first.dominant
