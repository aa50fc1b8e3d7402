"""Feedback: criteria judged with reasons, strengths and priorities, cuts, determinism."""

from __future__ import annotations

import pytest
from support import EXAMPLES

from pksb_reflect.api import AssessOptions, assess_many
from pksb_reflect.judgement.feedback import build_feedback, feedback_for
from pksb_reflect.judgement.models import Feedback
from pksb_reflect.results import Assessment


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
    assert any("no reflection report" in b for b in fb.basis)


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
    # Reflective sentences are never suggested.
    stages = fb.sentence_stages
    assert all(stages[c.quote.sentence] == "what" or c.role for c in advice.cuts)
    assert fb.priorities[0].title.startswith("Cut ")


def test_under_the_limit_has_no_cut_advice(drafts: dict[str, Assessment]) -> None:
    assert drafts["strong"].feedback.word_limit is None  # type: ignore[union-attr]


def test_cited_label_with_no_file_gives_evidence_backed_false(tmp_path) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "E1 - session plan.txt").write_text("Plan for the induction sessions.\n")
    text = (
        "Criterion 1: Personal performance\n\n"
        "I planned the induction sessions with a new template (E1). I learned to ask first.\n\n"
        "Criterion 2: Organisational context\n\n"
        "The survey of new staff showed the sessions helped (E2). I now run them monthly.\n\n"
        "Criterion 3: Wider professional context\n\n"
        "At the regional network I learned how other services plan induction.\n"
    )
    a = assess_many([text], AssessOptions(route="chartership", evidence=[folder]))[0]
    assert isinstance(a, Assessment) and a.feedback is not None
    assert a.feedback.criterion("organisational").evidence_backed is False
    assert a.feedback.criterion("personal").evidence_backed is True
    assert a.feedback.criterion("wider").evidence_backed is None  # nothing cited
    # Without an evidence folder nothing was checked.
    plain = assess_many([text], AssessOptions(route="chartership"))[0]
    assert isinstance(plain, Assessment) and plain.feedback is not None
    assert plain.feedback.criterion("organisational").evidence_backed is None


def test_cuts_keep_actions_figures_and_changes_and_take_boilerplate_first() -> None:
    keep = [
        "Loans from the new collection rose from 120 to 310 in a term (E3).",
        "I now ask every reader what they want before I search.",
        "I rewrote the induction checklist, and it is now part of trainee induction.",
    ]
    generic = "Overall I have really enjoyed the process and I look forward to the future."
    body = " ".join(keep) + " " + generic + " " + " ".join(["We met in the hall on Monday."] * 40)
    a = assess_many([body], AssessOptions(route="revalidation"))[0]
    assert isinstance(a, Assessment) and a.feedback is not None
    advice = a.feedback.word_limit
    assert advice is not None and advice.status == "over"
    cut = {c.quote.text for c in advice.cuts}
    assert generic in cut
    assert not cut & set(keep)
    assert advice.cuts[0].words > 0
    assert any(c.role == "generic" for c in advice.cuts)


def test_fellowship_without_contribution_beyond_the_organisation_is_not_yet_evident() -> None:
    text = (
        "Criterion 3: Wider professional context\n\n"
        "I read widely about the sector and realised that funding pressures shape every "
        "library. I learned that other colleges face the same questions as mine.\n"
    )
    a = assess_many([text], AssessOptions(route="fellowship"))[0]
    assert isinstance(a, Assessment) and a.feedback is not None
    wider = a.feedback.criterion("wider")
    assert wider.judgement == "not yet evident"
    assert "contribution" in wider.summary


def test_rules_refuse_a_bad_pattern_and_an_unknown_demand() -> None:
    import pydantic

    from pksb_reflect.judgement.rules import FeedbackRules, load_rules

    data = load_rules().model_dump()
    bad = dict(data, demands={**data["demands"], "need": {**data["demands"]["need"]}})
    bad["demands"]["need"]["patterns"] = ["(unclosed"]
    with pytest.raises(pydantic.ValidationError, match="does not compile"):
        FeedbackRules.model_validate(bad)
    unknown = dict(data, routes={**data["routes"]})
    unknown["routes"]["chartership"] = {**data["routes"]["chartership"], "wider": ["nope"]}
    with pytest.raises(pydantic.ValidationError, match="unknown demand"):
        FeedbackRules.model_validate(unknown)


def test_points_are_distinct_and_agree_with_the_rest_of_the_report(
    drafts: dict[str, Assessment],
) -> None:
    for assessment in drafts.values():
        fb = assessment.feedback
        assert fb is not None
        titles = [p.title for p in fb.priorities] + [p.title for p in fb.strengths]
        assert len(titles) == len(set(titles))
        levels = {n.paragraph_number: n.level for n in fb.paragraphs}
        for point in fb.priorities:
            if "add the So what?" in point.title:  # never said of a reflective paragraph
                assert point.paragraph_number is not None
                assert (levels[point.paragraph_number] or 1) < 2
        for point in fb.strengths:
            assert "enjoyed" not in (point.quote.text if point.quote else "")
            if point.title == "A clear PKSB focus":
                named = point.detail.replace(";", ",").rstrip(".").split(", ")
                assert len(named) == len(set(named))
