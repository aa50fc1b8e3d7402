"""Explainable reflective-language markers as spaCy components.

Each marker is a short stretch of the candidate's own words (a cue) that signals a reflective
move: first person, mental verbs, feelings, causal and contrast links, hedges, future
intentions, other people's perspectives, change and growth, and links to the wider context
(ethics, values, policy). They feed the depth grader and the highlights a mentor would point at.

Why not bare word lists: the known false positives of earlier analysers (AcaWriter/TAP) come from
counting words without their syntax. Here the parse decides:

* habitual "would" ("Every Monday I would check the returns", "When readers asked, I would
  fetch it") is not a future intention; "I would do it differently" is;
* "so" modifying an adjective or adverb ("I was so tired", "so many") is an intensifier, not a
  causal link; "so I asked", "so that" are causal;
* a negated cue ("I did not realise") is still a marker, with `negated=True`, because noticing
  what one had not realised is itself reflective;
* "since" is causal only when it introduces a clause that is not a time point ("since then",
  "since 2019" are change/time, not reasons);
* growth verbs (develop, improve, change) count only when the writer or their practice is what
  changed ("We developed a new service" is description, "I developed my confidence" is growth).

Results: `Doc._.reflective_markers` (list of Marker) and `Span._.markers` (the markers inside a
span, e.g. a sentence). The raw tuples live in `Doc._.marker_data`, which msgpack can serialise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Literal, get_args

from pydantic import BaseModel

from pksb_reflect.nlp.pipeline import import_spacy

import_spacy()  # spaCy without thinc importing torch (see nlp.import_spacy); before the below

from spacy.language import Language  # noqa: E402
from spacy.matcher import Matcher, PhraseMatcher  # noqa: E402
from spacy.tokens import Doc, Span, Token  # noqa: E402

MarkerKind = Literal[
    "first_person",
    "mental_verb",
    "feeling",
    "causal",
    "contrast",
    "hedge",
    "future_intention",
    "perspective",
    "change_growth",
    "wider_context",
]
MARKER_KINDS: tuple[str, ...] = get_args(MarkerKind)
COMPONENT_NAME = "reflective_markers"


class Marker(BaseModel):
    """One reflective-language cue: what kind, where (char offsets in its Doc), and why."""

    kind: MarkerKind
    text: str
    start: int
    end: int
    negated: bool = False
    cue: str


# --- lexicons (lemmas or lower-cased forms; both British and American spellings) ----------

FIRST_PERSON = {"i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves"}
FIRST_SINGULAR = {"i", "me", "my", "mine", "myself"}

MENTAL_VERBS = {
    "realise", "realize", "learn", "understand", "wonder", "notice", "recognise", "recognize",
    "consider", "question", "reflect", "think", "believe", "discover", "reconsider", "rethink",
    "appreciate", "evaluate", "analyse", "analyze", "doubt", "assume", "suppose", "acknowledge",
    "conclude", "grasp", "perceive", "remember", "interrogate", "challenge", "know",
}  # fmt: skip
# Verbs that are often not mental when their subject is a thing ("the figures reflect demand").
AMBIGUOUS_MENTAL = {"reflect", "question", "consider", "appreciate", "challenge", "know"}
MENTAL_FORMS = {"learnt", "realised", "recognised", "understood", "analysed"}
# Verbs of a task as often as of thought: mental only about a question or one's own practice.
TASK_MENTAL = {"analyse", "analyze", "analysed", "evaluate"}

FEELING_WORDS = {
    "anxious", "anxiety", "frustrated", "frustrating", "frustration", "proud", "pride",
    "nervous", "nerves", "relieved", "relief", "worried", "worry", "confident", "confidence",
    "overwhelmed", "overwhelming", "excited", "excitement", "disappointed", "disappointment",
    "embarrassed", "embarrassment", "uncomfortable", "comfortable", "happy", "pleased",
    "surprised", "apprehensive", "apprehension", "stressed", "stressful", "stress", "upset",
    "angry", "guilty", "delighted", "daunted", "daunting", "satisfied", "satisfying", "uneasy",
    "afraid", "scared", "glad", "grateful", "annoyed", "isolated", "inadequate", "reassured",
    "motivated", "encouraged", "enjoyed", "enjoy", "enjoying", "fear", "hurt",
    "discouraged", "defensive", "exposed", "vulnerable", "awkward", "humbled", "thrilled",
    "uncertain", "insecure", "exhausted", "demoralised", "demoralized", "irritated", "valued",
    "unsettled", "panicked", "panic", "dread", "dreaded", "joy", "sad", "unhappy",
}  # fmt: skip

# Nouns for people whose views a writer may report.
PEOPLE = {
    "manager", "colleague", "student", "user", "reader", "patron", "customer", "member", "staff",
    "team", "supervisor", "mentor", "director", "librarian", "learner", "researcher",
    "academic", "visitor", "stakeholder", "volunteer", "pupil", "client", "people", "other",
    "everyone", "participant", "lecturer", "teacher", "trainee", "borrower", "parent",
    "clinician", "head", "chair", "peer", "author", "critic", "writer", "community", "survey",
    "respondent", "feedback", "friend", "partner", "archivist", "trustee", "councillor",
    # users and colleagues in library and information settings (prison, health, law, schools)
    "prisoner", "patient", "resident", "officer", "nurse", "doctor", "lawyer", "associate",
    "carer", "family", "relative", "governor", "engineer", "depositor", "donor",
}  # fmt: skip
THIRD_PERSON = {"he", "she", "they", "them", "him", "her"}
VIEW_VERBS = {
    "say", "feel", "think", "believe", "suggest", "argue", "tell", "explain", "comment",
    "mention", "complain", "report", "describe", "note", "observe", "worry", "find", "point",
    "see", "view", "prefer", "disagree", "agree", "challenge", "question", "warn", "admit",
    "claim", "propose", "recommend", "insist", "write", "want", "expect", "perceive",
}  # fmt: skip
THEORY_NOUNS = {
    "cycle", "model", "framework", "theory", "taxonomy", "ladder", "approach", "stages",
    "principles", "concept", "work", "study", "research", "argument", "critique", "report",
}  # fmt: skip

GROWTH_VERBS = {
    "change", "improve", "develop", "grow", "adapt", "evolve", "transform", "broaden", "deepen",
    "strengthen", "gain", "mature", "shift", "widen", "build", "become", "refine", "increase",
}  # fmt: skip
INTRANSITIVE_GROWTH = {"grow", "adapt", "evolve", "mature", "change", "improve", "develop"}
SELF_NOUNS = {
    "confidence", "skill", "understanding", "practice", "approach", "knowledge", "awareness",
    "perspective", "view", "thinking", "attitude", "style", "ability", "competence", "way",
    "habit", "assumption", "expectation", "judgement", "judgment", "resilience", "voice",
    "role", "identity", "mindset", "self", "myself", "outlook", "priority", "behaviour",
    "behavior", "manner", "method", "technique", "expertise", "capability", "network",
}  # fmt: skip

WIDER_CONTEXT = {
    "ethic", "ethics", "ethical", "equity", "equitable", "equality", "inclusion", "inclusive",
    "diversity", "diverse", "power", "value", "values", "social", "justice", "society",
    "societal", "policy", "political", "politics", "privacy", "censorship", "marginalised",
    "marginalized", "disadvantaged", "exclusion", "excluded", "accessibility", "barrier",
    "inequality", "inequalities", "freedom", "sustainability", "colonial", "decolonise",
    "decolonising", "decolonize", "profession", "professional", "austerity", "funding",
    "democracy", "democratic", "bias", "neutrality", "neutral", "rights", "citizenship",
    "poverty", "structural", "systemic", "institutional", "sector",
}  # fmt: skip

HABITUAL_CUES = {
    "every", "each", "usually", "often", "always", "sometimes", "regularly", "typically",
    "normally", "generally", "frequently", "whenever", "daily", "weekly", "routinely",
    "mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays",
}  # fmt: skip
COUNTERFACTUAL_CUES = {
    "if", "differently", "instead", "next", "future", "rather", "prefer", "again", "recommend",
    "advise", "suggest", "now", "like", "love", "hope",
}  # fmt: skip
INTENTION_VERBS = {"plan", "intend", "aim", "hope", "aspire", "resolve", "commit", "want", "need"}

# Multi-word cues matched on lower-cased text (PhraseMatcher): kind, phrase list.
PHRASES: dict[str, list[str]] = {
    "causal": [
        "so that", "as a result", "as a consequence", "due to", "owing to", "because of",
        "which meant", "this meant", "that meant", "led to", "resulted in", "in order to",
    ],
    "contrast": [
        "on the other hand", "in contrast", "by contrast", "on the contrary", "even so",
        "rather than", "in spite of", "at the same time",
    ],
    "hedge": [
        "to some extent", "not sure", "not certain", "it is possible", "it was possible",
        "in some ways", "to a degree", "i suspect", "i wonder", "i was wondering", "sort of",
    ],
    "future_intention": [
        "next time", "in future", "in the future", "going forward", "moving forward",
        "from now on", "my next step", "my next steps", "next steps", "the next step",
        "action plan", "in the coming year", "in the next year", "over the next",
        "in my next role", "i would like to", "i'd like to", "i look forward to",
    ],
    "perspective": [
        "according to", "from their perspective", "from their point of view", "in their view",
        "in her view", "in his view", "feedback from", "their perspective", "other perspectives",
        "another perspective", "different perspective", "their point of view",
        "from the perspective of",
        "from the point of view of", "in the eyes of", "their experience", "the literature",
    ],
    "change_growth": [
        "since then", "now i", "i now", "no longer", "these days i", "i have come to",
        "i've come to", "has changed", "have changed", "more confident", "more aware",
        "more willing", "better able", "turning point",
    ],
}  # fmt: skip

_EXCEPT_BEFORE_BUT = {"all", "nothing", "anything", "everyone", "everybody", "nobody", "anyone",
                      "none", "everything", "no-one"}  # fmt: skip
WIDER_POLICY_MODIFIERS = {
    "national", "government", "public", "social", "political", "international", "education",
    "educational", "health", "sector", "professional", "state", "european", "federal",
}  # fmt: skip
_PLAIN_SOCIAL = {"science", "media", "event", "network", "networking", "worker", "work", "life"}
_TIME_NOUNS = {"year", "month", "week", "day", "hour", "minute", "time", "term", "decade"}
_YEAR = re.compile(r"^(1[89]|20)\d\d[a-z]?$")
_MAX_CITATION_GAP = 8


# --- component -----------------------------------------------------------------------------


def _ensure_extensions() -> None:
    """Register the Doc and Span extensions once per process."""
    if not Doc.has_extension("marker_data"):
        Doc.set_extension("marker_data", default=None)
    if not Doc.has_extension("reflective_markers"):
        Doc.set_extension("reflective_markers", getter=_doc_markers)
    if not Span.has_extension("markers"):
        Span.set_extension("markers", getter=span_markers)


RawMarker = tuple[str, int, int, bool, str]


def _markers_between(doc: Doc, start: int, end: int) -> list[Marker]:
    """Markers starting in [start, end): raw tuples are filtered before models are built, so a
    long paragraph costs one pass per sentence, not one Marker per marker per sentence."""
    data: list[RawMarker] = [m for m in doc._.marker_data or [] if start <= m[1] < end]
    if not data:
        return []
    text = doc.text  # spaCy rebuilds Doc.text from its tokens on every access
    return [
        Marker(kind=k, text=text[s:e], start=s, end=e, negated=n, cue=c)  # type: ignore[arg-type]
        for k, s, e, n, c in data
    ]


def _doc_markers(doc: Doc) -> list[Marker]:
    return _markers_between(doc, 0, len(doc.text) + 1)


def span_markers(span: Span) -> list[Marker]:
    """The markers that start inside a span (a sentence, usually), in text order."""
    return _markers_between(span.doc, span.start_char, span.end_char)


def sentence_markers(doc: Doc, start: int, end: int) -> list[Marker]:
    """Markers of the sentence at char offsets [start, end) in `doc` (paragraph-relative)."""
    if doc._.marker_data is None:
        return []
    return _markers_between(doc, start, end)


class ReflectiveMarkers:
    """Finds reflective-language markers in a parsed Doc (needs tagger, parser, lemmatizer)."""

    def __init__(self, nlp: Language, name: str = COMPONENT_NAME) -> None:
        _ensure_extensions()
        self.name = name
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        for kind, phrases in PHRASES.items():
            self.phrases.add(kind, [nlp.make_doc(p) for p in phrases])
        self.matcher = Matcher(nlp.vocab)
        # Citations: "Smith (2019)", "Smith's (2019) study", "Smith et al. (2019)", "(Smith,
        # 2019)", "(Smith and Jones 2019)".
        year = {"TEXT": {"REGEX": r"^(1[89]|20)\d\d[a-z]?$"}}
        name_tok = {"IS_TITLE": True, "IS_ALPHA": True}
        self.matcher.add(
            "citation",
            [
                [name_tok, {"ORTH": "("}, year, {"ORTH": ")"}],
                [name_tok, {"TAG": "POS"}, {"ORTH": "("}, year, {"ORTH": ")"}],
                [name_tok, {"LOWER": "et"}, {"LOWER": {"IN": ["al", "al."]}},
                 {"ORTH": ".", "OP": "?"}, {"ORTH": "("}, year, {"ORTH": ")"}],
                [{"ORTH": "("}, name_tok, {"OP": "*", "IS_PUNCT": False, "LIKE_NUM": False},
                 {"ORTH": ",", "OP": "?"}, year, {"ORTH": ")", "OP": "?"}],
            ],
        )  # fmt: skip
        # "Kolb's cycle", "Gibbs' reflective cycle", "Schön's reflective practitioner".
        self.matcher.add(
            "named_theory",
            [
                [{"IS_TITLE": True, "POS": {"IN": ["PROPN", "NOUN"]}, "DEP": "poss"},
                 {"TAG": "POS"}, {"POS": "ADJ", "OP": "?"},
                 {"LEMMA": {"IN": sorted(THEORY_NOUNS)}}],
            ],
        )  # fmt: skip

    def __call__(self, doc: Doc) -> Doc:
        found: list[RawMarker] = []
        found.extend(self._phrase_markers(doc))
        found.extend(self._citation_markers(doc))
        for token in doc:
            found.extend(self._token_markers(token))
        doc._.marker_data = _dedupe(found)
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for doc in stream:
            yield self(doc)

    # -- multi-word cues ------------------------------------------------------------------

    def _phrase_markers(self, doc: Doc) -> Iterator[RawMarker]:
        for match_id, start, end in self.phrases(doc):
            kind = doc.vocab.strings[match_id]
            span = doc[start:end]
            cue = span.text.lower()
            if kind == "change_growth" and cue in {"now i", "i now"} and not _has_verb_after(span):
                continue
            if kind == "perspective" and cue == "their experience" and not _has_view_nearby(span):
                continue
            negated = any(_is_negated(t) for t in span) and kind != "hedge"
            yield (kind, span.start_char, span.end_char, negated, cue)

    def _citation_markers(self, doc: Doc) -> Iterator[RawMarker]:
        for match_id, start, end in self.matcher(doc):
            label = doc.vocab.strings[match_id]
            span = doc[start:end]
            if label == "citation" and end - start > _MAX_CITATION_GAP:
                continue
            yield ("perspective", span.start_char, span.end_char, False, label)

    # -- single-token cues, decided with the parse ---------------------------------------

    def _token_markers(self, t: Token) -> Iterator[RawMarker]:
        lower = t.lower_
        lemma = t.lemma_.lower()
        if lower in FIRST_PERSON and t.tag_ in {"PRP", "PRP$"}:
            yield _mk("first_person", t, lower)
        if t.pos_ in {"VERB", "AUX"} and (lemma in MENTAL_VERBS or lower in MENTAL_FORMS):
            cue = lemma if lemma in MENTAL_VERBS else lower
            if _mental_ok(t, cue):
                yield _mk("mental_verb", t, cue, _is_negated(t))
        if lower in FEELING_WORDS or (lemma in FEELING_WORDS and t.pos_ in {"ADJ", "VERB"}):
            if _feeling_ok(t):
                yield _mk("feeling", t, lower, _is_negated(t))
        elif lemma == "feel" and t.pos_ == "VERB" and _feel_is_emotion(t):
            yield _mk("feeling", t, "feel", _is_negated(t))
        causal = _causal_cue(t)
        if causal:
            yield _mk("causal", t, causal)
        contrast = _contrast_cue(t)
        if contrast:
            yield _mk("contrast", t, contrast)
        hedge = _hedge_cue(t)
        if hedge:
            yield _mk("hedge", t, hedge, _is_negated(t) if hedge in {"seem", "appear"} else False)
        intention = _intention_cue(t)
        if intention:
            yield _mk("future_intention", t, intention, _is_negated(_verb_of(t)))
        view = _perspective_cue(t)
        if view:
            yield _mk("perspective", t, view, _is_negated(t))
        growth = _growth_cue(t)
        if growth:
            yield _mk("change_growth", t, growth, _is_negated(t))
        wider = lower in WIDER_CONTEXT or (lemma in WIDER_CONTEXT and t.pos_ in {"NOUN", "ADJ"})
        if wider and _wider_ok(t):
            yield _mk("wider_context", t, lemma if lemma in WIDER_CONTEXT else lower)


def _mk(kind: str, t: Token, cue: str, negated: bool = False) -> RawMarker:
    return (kind, t.idx, t.idx + len(t.text), negated, cue)


def _dedupe(found: list[RawMarker]) -> list[RawMarker]:
    """Drop duplicates and single-token cues of a kind already covered by a phrase of that kind."""
    unique = sorted(set(found), key=lambda m: (m[1], -(m[2] - m[1]), m[0], m[4]))
    kept: list[RawMarker] = []
    for m in unique:
        if any(k[0] == m[0] and k[1] <= m[1] and m[2] <= k[2] and k != m for k in kept):
            continue
        kept.append(m)
    return kept


# --- syntactic helpers ---------------------------------------------------------------------

_NEG_WORDS = {"not", "n't", "never", "no", "nobody", "nothing", "hardly", "barely"}
_NEG_HEADS = {"fail", "forget", "neglect", "omit", "refuse"}


def _has_neg_child(t: Token) -> bool:
    return any(c.dep_ == "neg" or (c.lower_ in _NEG_WORDS and c.dep_ in {"advmod", "det"})
               for c in t.children)  # fmt: skip


def _is_negated(t: Token) -> bool:
    """Negated by a 'not/never' on itself or on the verb it complements ('was not nervous')."""
    if _has_neg_child(t):
        return True
    head = t.head
    if t.dep_ in {"acomp", "attr", "oprd", "xcomp", "dobj", "conj"} and head is not t:
        if _has_neg_child(head):
            return True
        if t.dep_ == "xcomp" and head.lemma_ in _NEG_HEADS:
            return True
    return False


def _verb_of(t: Token) -> Token:
    """The verb a modal or particle belongs to (its head), else the token itself."""
    return t.head if t.dep_ in {"aux", "auxpass", "advmod", "npadvmod"} else t


def _subject(verb: Token) -> Token | None:
    """The subject of a verb, following xcomp/conj chains up to the governing clause."""
    seen = 0
    while verb is not None and seen < 4:
        for child in verb.children:
            if child.dep_ in {"nsubj", "nsubjpass", "csubj"}:
                return child
        if verb.dep_ in {"xcomp", "conj", "advcl"} and verb.head is not verb:
            verb = verb.head
            seen += 1
            continue
        return None
    return None


def _is_first_person(t: Token | None) -> bool:
    return t is not None and t.lower_ in FIRST_PERSON


def _is_person(t: Token | None) -> bool:
    if t is None:
        return False
    return t.lower_ in FIRST_PERSON | THIRD_PERSON | {"you", "who"} or t.lemma_.lower() in PEOPLE


def _mental_ok(t: Token, cue: str) -> bool:
    if cue in TASK_MENTAL:
        # "I analysed the loan figures" is a task; "I analysed why it failed" or "I evaluated
        # my own approach" is thinking about one's practice.
        return any(c.dep_ in {"ccomp", "advcl"} for c in t.children) or any(
            _is_self_thing(c) for c in t.children if c.dep_ in {"dobj", "nsubjpass"}
        )
    if cue not in AMBIGUOUS_MENTAL:
        return True
    subj = _subject(t)
    if subj is None:
        # Gerunds and infinitives ("reflecting on", "to question") are mental by themselves.
        return t.tag_ in {"VBG", "VB"} and cue != "know"
    if cue == "know":
        return _is_first_person(subj) and any(c.dep_ in {"ccomp", "advcl"} for c in t.children)
    return _is_person(subj)


def _feeling_ok(t: Token) -> bool:
    # "confidence" in "confidence interval", "valued" as a plain verb with a non-self object.
    if t.pos_ == "VERB" and t.dep_ not in {"acomp", "oprd", "amod"}:
        # A feeling verb is the writer's feeling only with the writer as its subject ("I
        # enjoyed", "I was encouraged"): not "the strategy stressed speed", "my manager
        # encouraged me".
        subj = _subject(t)
        if subj is not None and not _is_first_person(subj):
            return False
    if t.lower_ == "valued":
        return t.dep_ in {"acomp", "oprd", "conj"} or _is_first_person(_subject(t))
    if t.lower_ in {"confident", "confidence", "comfortable"}:
        return True
    return t.pos_ in {"ADJ", "VERB", "NOUN", "ADV"}


def _feel_is_emotion(t: Token) -> bool:
    """'I felt anxious' (feeling) rather than 'I felt that the policy was wrong' (belief)."""
    return any(c.dep_ in {"acomp", "oprd"} for c in t.children) or any(
        c.dep_ == "prep" and c.lower_ in {"like"} for c in t.children
    )


def _causal_cue(t: Token) -> str | None:
    lower = t.lower_
    if lower in {"because", "therefore", "thus", "hence", "consequently", "accordingly"}:
        if lower == "because" and t.i + 1 < len(t.doc) and t.doc[t.i + 1].lower_ == "of":
            return None  # covered by the phrase "because of"
        return lower
    if lower == "since":
        return "since" if _since_is_causal(t) else None
    if lower == "so":
        return "so" if _so_is_causal(t) else None
    return None


def _so_is_causal(t: Token) -> bool:
    """'so I asked' is causal; 'so tired', 'so many', 'I think so', 'and so on' are not."""
    doc = t.doc
    nxt = doc[t.i + 1] if t.i + 1 < len(doc) else None
    if nxt is not None and nxt.lower_ in {"that", "on", "forth", "far", "much", "many", "-"}:
        return False  # "so that" is a phrase marker; the rest are not links
    head = t.head
    if head.pos_ in {"ADJ", "ADV", "DET", "NUM"} or (
        t.dep_ == "advmod" and head.i > t.i + 1 and (nxt is not None and nxt.pos_ in {"ADJ", "ADV"})
    ):
        return False  # intensifier
    if head.pos_ not in {"VERB", "AUX"} and t.dep_ not in {"cc", "mark"}:
        return False
    if head.i < t.i and t.dep_ == "advmod":
        return False  # "I think so", "to do so"
    prev = doc[t.i - 1] if t.i > 0 else None
    return prev is None or prev.is_punct or prev.lower_ in {"and", "but"} or t.is_sent_start


def _since_is_causal(t: Token) -> bool:
    """Causal 'since' introduces a clause; 'since then/2019/last year' is a time point."""
    if t.dep_ != "mark":
        return False
    prev = t.doc[t.i - 1] if t.i > 0 else None
    if prev is not None and prev.lemma_.lower() in _TIME_NOUNS | {"ago", "ever", "long"}:
        return False  # "two years since I enrolled", "ever since I joined"
    main = t.head.head if t.head.dep_ == "advcl" else None
    if main is None:
        return False
    # "Since I joined, I have worked ..." is temporal: the main clause is perfect.
    perfect = any(c.dep_ == "aux" and c.lemma_ == "have" for c in main.children)
    return not perfect


def _contrast_cue(t: Token) -> str | None:
    lower = t.lower_
    if lower in {"however", "although", "though", "whereas", "nevertheless", "nonetheless",
                 "conversely", "despite", "whilst", "instead"}:  # fmt: skip
        if lower == "whilst" and t.dep_ != "mark":
            return None
        return lower
    if lower == "but" and t.dep_ == "cc":
        prev = t.doc[t.i - 1] if t.i > 0 else None
        nxt = t.doc[t.i + 1] if t.i + 1 < len(t.doc) else None
        if prev is not None and prev.lower_ in _EXCEPT_BEFORE_BUT:
            return None  # "everyone but me", "nothing but praise": 'but' means 'except'
        if nxt is not None and nxt.lower_ in {"me", "him", "us", "them"}:
            return None
        return "but"
    if lower == "yet" and t.dep_ == "cc":
        return "yet"
    return None


_EPISTEMIC_ADVERBS = {"perhaps", "possibly", "maybe", "probably", "arguably", "presumably",
                      "apparently", "likely", "unlikely", "seemingly", "conceivably"}  # fmt: skip


def _hedge_cue(t: Token) -> str | None:
    lower = t.lower_
    if lower in _EPISTEMIC_ADVERBS and t.pos_ in {"ADV", "ADJ"}:
        return lower
    if t.tag_ == "MD" and lower in {"might", "may", "could"}:
        subj = _subject(t.head)
        if lower == "may" and subj is not None and subj.lower_ == "you":
            return None  # permission: "you may borrow ten books"
        if lower == "could":
            # Ability ("I could not find it") is not a hedge; "could have", "could be" are.
            nxt = t.doc[t.i + 1] if t.i + 1 < len(t.doc) else None
            if nxt is None or nxt.lower_ not in {"have", "be", "'ve"}:
                return None
            if _in_purpose_clause(t):
                return None  # "so they could be searched online" states a purpose
        return lower
    if (
        t.lemma_ in {"seem", "appear"}
        and t.pos_ in {"VERB", "AUX"}
        and any(c.dep_ in {"xcomp", "acomp", "ccomp", "attr", "oprd"} for c in t.children)
    ):
        return t.lemma_
    if t.lemma_ in {"think", "believe", "suppose", "guess", "suspect"} and t.tag_ == "VBP":
        subj = _subject(t)
        if subj is not None and subj.lower_ == "i":
            return f"i {t.lemma_}"
    if lower == "would" and t.tag_ == "MD":
        nxt = t.doc[t.i + 1] if t.i + 1 < len(t.doc) else None
        if nxt is not None and nxt.lower_ in {"have", "'ve"} and _is_first_person(_subject(t.head)):
            return "would have"  # counterfactual past: hypothesising another course
    return None


def _in_purpose_clause(t: Token) -> bool:
    """A modal inside 'so (that) ...' or 'in order that ...' expresses purpose, not doubt."""
    verb = t.head
    return any(c.lower_ in {"so", "that"} and c.i < t.i and c.dep_ in {"mark", "advmod"}
               for c in verb.children)  # fmt: skip


def _habitual(t: Token) -> bool:
    """A 'would' in a sentence about past routine (every Monday, whenever readers asked)."""
    sent = t.sent
    lowers = {w.lower_ for w in sent}
    if lowers & COUNTERFACTUAL_CUES:
        return False
    if lowers & HABITUAL_CUES or "used" in lowers:
        return True
    # "When readers asked, I would fetch it": a when-clause in the past tense.
    head = t.head
    for child in head.children:
        if (
            child.dep_ == "advcl"
            and child.tag_ == "VBD"
            and any(g.lower_ in {"when", "whenever", "once", "while"} for g in child.children)
        ):
            return True
    return False


def _intention_cue(t: Token) -> str | None:
    lower = t.lower_
    if t.tag_ == "MD" and lower in {"will", "'ll", "shall", "would", "'d"}:
        verb = t.head
        subj = _subject(verb)
        if not _is_first_person(subj):
            return None
        nxt = t.doc[t.i + 1] if t.i + 1 < len(t.doc) else None
        if lower in {"would", "'d"}:
            if nxt is not None and nxt.lower_ in {"have", "'ve"}:
                return None  # counterfactual past, a hedge
            if _habitual(t):
                return None
            return "i would"
        modal = "will" if lower == "'ll" else lower
        return f"{subj.lower_ if subj is not None else 'i'} {modal}"
    if (
        t.lemma_ in INTENTION_VERBS
        and t.tag_ in {"VBP", "VBZ"}
        and any(c.dep_ == "xcomp" for c in t.children)
        and _is_first_person(_subject(t))
    ):
        return f"i {t.lemma_} to"
    if lower == "going" and t.tag_ == "VBG" and any(c.dep_ == "xcomp" for c in t.children):
        aux = [c for c in t.children if c.dep_ == "aux" and c.tag_ in {"VBP", "VBZ"}]
        if aux and _is_first_person(_subject(t)):
            return "going to"
    return None


def _perspective_cue(t: Token) -> str | None:
    """Another person's view: 'my manager felt', 'students said', 'she suggested'."""
    if t.pos_ != "VERB" or t.lemma_ not in VIEW_VERBS:
        return None
    subj = _subject(t)
    if subj is None or subj.lower_ in FIRST_PERSON | {"it", "this", "that", "you"}:
        return None
    if subj.lower_ in THIRD_PERSON or subj.lemma_.lower() in PEOPLE:
        if t.lemma_ in {"find", "see", "want", "write"} and not any(
            c.dep_ in {"ccomp", "oprd", "xcomp", "acomp"} for c in t.children
        ):
            return None  # "readers found the book", "she asked for a renewal"
        return f"{subj.lemma_.lower()} {t.lemma_}"
    return None


def _growth_cue(t: Token) -> str | None:
    lemma = t.lemma_.lower()
    if lemma not in GROWTH_VERBS or t.pos_ not in {"VERB", "AUX"}:
        return None
    subj = _subject(t)
    objs = [c for c in t.children if c.dep_ in {"dobj", "attr", "acomp", "oprd"}]
    if any(_is_self_thing(o) for o in objs):
        return lemma
    if subj is not None and _is_self_thing(subj):
        return lemma  # "my confidence grew"
    if lemma in INTRANSITIVE_GROWTH and _is_first_person(subj) and not objs:
        return lemma  # "I have grown", "I adapted"
    # "I became more confident / aware", not "when I became a branch manager" (a role).
    if lemma == "become" and _is_first_person(subj) and any(c.dep_ == "acomp" for c in t.children):
        return lemma
    return None


def _is_self_thing(t: Token) -> bool:
    """'my confidence', 'our practice', 'myself': the writer or something of theirs."""
    if t.lower_ in {"myself", "ourselves"}:
        return True
    if t.lemma_.lower() in SELF_NOUNS:
        return any(c.dep_ == "poss" and c.lower_ in {"my", "our"} for c in t.children) or (
            t.dep_ in {"dobj", "nsubj"} and t.lemma_.lower() in {"confidence", "understanding",
                                                                  "awareness", "knowledge"}
        )  # fmt: skip
    if t.pos_ == "ADJ" and t.dep_ in {"acomp", "oprd"}:
        return any(c.lower_ in {"more", "less", "much"} for c in t.children) or t.tag_ == "JJR"
    return False


def _wider_ok(t: Token) -> bool:
    if t.lower_ in {"value", "values"}:
        # "the values of the profession" / "our values", not "a value of 3".
        return t.pos_ == "NOUN" and not any(c.dep_ == "prep" and c.lower_ == "of"
                                            and any(g.like_num for g in c.subtree)
                                            for c in t.children)  # fmt: skip
    if t.lower_ in {"power"}:
        return t.pos_ == "NOUN" and not any(
            n.lower_ in {"point", "supply", "cut", "socket"} for n in (t.head, *t.children)
        )
    if t.lower_ in {"policy", "policies"}:
        # "national policy", "government policy on ...", not "I followed the policy".
        return any(
            c.dep_ in {"amod", "compound"} and c.lemma_.lower() in WIDER_POLICY_MODIFIERS
            for c in t.children
        )
    if t.lower_ in {"professional", "sector", "funding"}:
        # Only when discussed as a wider context, e.g. "the profession's values", "sector-wide".
        head_is_wider = t.head.lemma_.lower() in WIDER_CONTEXT
        return head_is_wider or (t.lower_ == "sector" and t.dep_ != "compound")
    if t.lower_ in {"neutral", "social"}:
        # "social exclusion", not "social media" or "a social science team" (the lemma of
        # "media" is "medium", so the head's own form is checked too).
        head = t.head
        return t.pos_ == "ADJ" and not {head.lemma_.lower(), head.lower_} & _PLAIN_SOCIAL
    if t.lower_ == "society":
        # "a fairer society", not an organisation: "the local history society".
        return not any(c.dep_ == "compound" for c in t.children)
    return True


def _has_verb_after(span: Span) -> bool:
    nxt = span.doc[span.end] if span.end < len(span.doc) else None
    return nxt is not None and nxt.pos_ in {"VERB", "AUX", "ADV"}


def _has_view_nearby(span: Span) -> bool:
    return any(t.lemma_ in VIEW_VERBS or t.lemma_ in {"understand", "consider"} for t in span.sent)


@Language.factory(
    COMPONENT_NAME,
    requires=["token.lemma", "token.dep", "token.pos"],
    assigns=["doc._.marker_data"],
)
def make_reflective_markers(nlp: Language, name: str) -> ReflectiveMarkers:
    """spaCy factory: `nlp.add_pipe("reflective_markers")`."""
    return ReflectiveMarkers(nlp, name)


def add_to(nlp: Language) -> Language:
    """Add the markers component at the end of the pipeline (once; calling again is harmless)."""
    _ensure_extensions()
    if COMPONENT_NAME not in nlp.pipe_names:
        nlp.add_pipe(COMPONENT_NAME, last=True)
    return nlp


def markers_of(span: Span) -> list[Marker]:
    """The markers of a sentence span as pydantic objects (empty if the component did not run)."""
    if span.doc._.marker_data is None:
        return []
    return span_markers(span)


def counts(markers: Iterable[Marker]) -> dict[str, int]:
    """How many markers of each kind (every kind present, zero when absent).

    Negated markers count too: "I did not realise" and "I will not rush" are still reflective.
    """
    out = dict.fromkeys(MARKER_KINDS, 0)
    for m in markers:
        out[m.kind] += 1
    return out
