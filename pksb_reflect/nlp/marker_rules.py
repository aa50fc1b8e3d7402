"""The parse rules behind the reflective-language markers (used by nlp.markers).

Each helper decides, from a token's syntax, whether a candidate cue word is a marker: see the
module docstring of pksb_reflect.nlp.markers for the false positives they avoid. The candidate
words come from pksb_data/markers.yaml (nlp.marker_lexicon).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pksb_reflect.nlp.marker_lexicon import load_marker_lexicon

if TYPE_CHECKING:  # annotations only: spaCy is imported by nlp.markers, after import_spacy()
    from spacy.tokens import Span, Token

# --- lexicons: pksb_data/markers.yaml (validated by nlp.marker_lexicon) ----------------

_LEXICON = load_marker_lexicon()
FIRST_PERSON = _LEXICON.first_person
FIRST_SINGULAR = _LEXICON.first_singular
MENTAL_VERBS = _LEXICON.mental_verbs
AMBIGUOUS_MENTAL = _LEXICON.ambiguous_mental
MENTAL_FORMS = _LEXICON.mental_forms
TASK_MENTAL = _LEXICON.task_mental
FEELING_WORDS = _LEXICON.feeling_words
PEOPLE = _LEXICON.people
THIRD_PERSON = _LEXICON.third_person
VIEW_VERBS = _LEXICON.view_verbs
THEORY_NOUNS = _LEXICON.theory_nouns
GROWTH_VERBS = _LEXICON.growth_verbs
INTRANSITIVE_GROWTH = _LEXICON.intransitive_growth
SELF_NOUNS = _LEXICON.self_nouns
WIDER_CONTEXT = _LEXICON.wider_context
WIDER_POLICY_MODIFIERS = _LEXICON.wider_policy_modifiers
HABITUAL_CUES = _LEXICON.habitual_cues
COUNTERFACTUAL_CUES = _LEXICON.counterfactual_cues
INTENTION_VERBS = _LEXICON.intention_verbs
# Multi-word cues matched on lower-cased text (PhraseMatcher): kind, phrase list.
PHRASES: dict[str, tuple[str, ...]] = _LEXICON.phrases

_EXCEPT_BEFORE_BUT = {"all", "nothing", "anything", "everyone", "everybody", "nobody", "anyone",
                      "none", "everything", "no-one"}  # fmt: skip
_PLAIN_SOCIAL = {"science", "media", "event", "network", "networking", "worker", "work", "life"}
_TIME_NOUNS = {"year", "month", "week", "day", "hour", "minute", "time", "term", "decade"}
_YEAR = re.compile(r"^(1[89]|20)\d\d[a-z]?$")
_MAX_CITATION_GAP = 8


# --- syntactic helpers ---------------------------------------------------------------------


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
    return prev is None or prev.is_punct or prev.lower_ in {"and", "but"} or bool(t.is_sent_start)


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
