"""Feedback: criteria judged with reasons, strengths and priorities, cuts, determinism."""

from __future__ import annotations

import pytest

from pksb_reflect.api import AssessOptions, assess_many
from pksb_reflect.judgement.feedback import Feedback, build_feedback, cue_stage, feedback_for
from pksb_reflect.results import Assessment
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def drafts() -> dict[str, Assessment]:
    """The weak and strong chartership examples, assessed once for the module."""
    names = ["chartership_weak.md", "chartership_strong.md"]
    results = assess_many([EXAMPLES / n for n in names], AssessOptions(route="chartership"))
    out = {}
    for name, result in zip(names, results, strict=True):
        assert isinstance(result, Assessment), result
        out[name.split("_")[1].split(".")[0]] = result
    return out


def _quotes_are_exact(assessment: Assessment, fb: Feedback) -> None:
    sentences = assessment.outline.sentences
    quotes = [q for c in fb.criteria for q in c.quotes]
    quotes += [p.quote for p in fb.strengths + fb.priorities if p.quote is not None]
    assert quotes
    for quote in quotes:
        assert sentences[quote.sentence].text == quote.text
        assert (sentences[quote.sentence].start, sentences[quote.sentence].end) == (
            quote.start,
            quote.end,
        )


def test_assessment_carries_feedback(drafts: dict[str, Assessment]) -> None:
    for assessment in drafts.values():
        assert assessment.feedback is not None
        assert [c.number for c in assessment.feedback.criteria] == [1, 2, 3]


def test_weak_draft_gets_priorities_and_not_all_criteria_met(
    drafts: dict[str, Assessment],
) -> None:
    fb = drafts["weak"].feedback
    assert fb is not None
    assert fb.met < 3
    assert 3 <= len(fb.priorities) <= 5
    assert 3 <= len(fb.strengths) <= 5
    wider = fb.criterion("wider")
    assert wider.judgement != "met"
    assert any(not d.found for d in wider.demands)
    # Priorities name a paragraph or a criterion, so the candidate knows where to act.
    assert all(p.paragraph_number or p.criterion for p in fb.priorities[:3])
    assert any("So what?" in p.title or "reflect" in p.title.lower() for p in fb.priorities)
    for c in fb.criteria:
        assert c.reasons and c.summary
    _quotes_are_exact(drafts["weak"], fb)


def test_strong_draft_gets_strengths_and_more_criteria_met(
    drafts: dict[str, Assessment],
) -> None:
    weak, strong = drafts["weak"].feedback, drafts["strong"].feedback
    assert weak is not None and strong is not None
    assert strong.met > weak.met
    assert 3 <= len(strong.strengths) <= 5
    assert any(p.paragraph_number for p in strong.strengths)
    organisational = strong.criterion("organisational")
    assert all(d.found for d in organisational.demands)
    _quotes_are_exact(drafts["strong"], strong)


def test_feedback_is_deterministic(drafts: dict[str, Assessment]) -> None:
    for assessment in drafts.values():
        first = feedback_for(assessment).model_dump_json()
        second = feedback_for(assessment).model_dump_json()
        assert first == second
        assert first == assessment.feedback.model_dump_json()  # type: ignore[union-attr]


def test_feedback_without_optional_analyses(drafts: dict[str, Assessment]) -> None:
    """Reflection, PKSB coverage and evidence may all be missing; feedback still works."""
    assessment = drafts["weak"]
    fb = build_feedback("chartership", assessment.outline, assessment.word_count)
    assert len(fb.criteria) == 3
    assert len(fb.sentence_stages) == len(assessment.outline.sentences)
    assert any("cue phrases" in b or "reflection report" in b for b in fb.basis)


def test_word_limit_advice_names_sentences_to_cut(drafts: dict[str, Assessment]) -> None:
    assessment = drafts["weak"]
    wc = assessment.word_count.model_copy(
        update={"limit": 600, "status": "over", "words_to_cut": assessment.word_count.counted - 600}
    )
    fb = build_feedback("chartership", assessment.outline, wc)
    advice = fb.word_limit
    assert advice is not None and advice.status == "over"
    assert advice.cuts
    assert advice.words_saved >= wc.words_to_cut
    assert advice.words_saved == sum(c.words for c in advice.cuts)
    sentences = assessment.outline.sentences
    for cut in advice.cuts:
        assert sentences[cut.quote.sentence].text == cut.quote.text
        assert cut.quote.paragraph_number >= 1
    # Descriptive sentences go first.
    stages = fb.sentence_stages
    assert stages[advice.cuts[0].quote.sentence] == "what"
    assert fb.priorities[0].title.startswith("Cut ")


def test_under_the_limit_has_no_cut_advice(drafts: dict[str, Assessment]) -> None:
    assert drafts["strong"].feedback.word_limit is None  # type: ignore[union-attr]


def test_cue_stage() -> None:
    assert cue_stage("I ran the session every week.") == "what"
    assert cue_stage("This taught me that preparation matters.") == "so_what"
    assert cue_stage("Next time I will ask the learners first.") == "now_what"
