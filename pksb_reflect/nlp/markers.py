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

from collections.abc import Iterable, Iterator
from typing import Literal, get_args

from pydantic import BaseModel

from pksb_reflect.nlp.negation import is_negated as _is_negated
from pksb_reflect.nlp.pipeline import import_spacy

import_spacy()  # spaCy without thinc importing torch (see nlp.import_spacy); before the below

from spacy.language import Language  # noqa: E402
from spacy.matcher import Matcher, PhraseMatcher  # noqa: E402
from spacy.tokens import Doc, Span, Token  # noqa: E402
from spacy.util import registry  # noqa: E402

from pksb_reflect.nlp.marker_lexicon import MarkerLexicon, load_marker_lexicon  # noqa: E402
from pksb_reflect.nlp.marker_rules import (  # noqa: E402
    _MAX_CITATION_GAP,
    FEELING_WORDS,
    FIRST_PERSON,
    MENTAL_FORMS,
    MENTAL_VERBS,
    THEORY_NOUNS,
    WIDER_CONTEXT,
    _causal_cue,
    _contrast_cue,
    _feel_is_emotion,
    _feeling_ok,
    _growth_cue,
    _has_verb_after,
    _has_view_nearby,
    _hedge_cue,
    _intention_cue,
    _mental_ok,
    _perspective_cue,
    _verb_of,
    _wider_ok,
)

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
COMPONENT_NAME = "pksb_reflect_markers"  # spaCy forbids "." in factory names
LEXICON_NAME = "pksb_reflect.marker_lexicon.v1"


class Marker(BaseModel):
    """One reflective-language cue: what kind, where (char offsets in its Doc), and why."""

    kind: MarkerKind
    text: str
    start: int
    end: int
    negated: bool = False
    cue: str


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

    def __init__(self, nlp: Language, name: str, lexicon: MarkerLexicon) -> None:
        _ensure_extensions()
        self.name = name
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        for kind, phrases in lexicon.phrases.items():
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


@registry.misc(LEXICON_NAME)
def marker_lexicon() -> MarkerLexicon:
    """The validated cue lexicon of pksb_data/markers.yaml, for a component's config."""
    return load_marker_lexicon()


@Language.factory(
    COMPONENT_NAME,
    default_config={"lexicon": {"@misc": LEXICON_NAME}},
    requires=["token.lemma", "token.dep", "token.pos"],
    assigns=["doc._.marker_data"],
)
def make_reflective_markers(nlp: Language, name: str, lexicon: MarkerLexicon) -> ReflectiveMarkers:
    """spaCy factory: `nlp.add_pipe("pksb_reflect_markers")` (registered by an entry point)."""
    return ReflectiveMarkers(nlp, name, lexicon)


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
