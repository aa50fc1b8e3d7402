"""Negation, once for the whole project: which words are negated, and which claims are denied.

Two readings, both from one lexicon (pksb_data/negation.yaml, validated on load):

* `negation_cue(token)` / `is_negated(token)`: a word carries a negating word ("did *not*
  realise", "was *not* nervous"). The reflective markers read this for each marker they find.
* `claim_status(sentence)`: the writer denies having the experience ("I have not yet catalogued",
  "I had no opportunity to") or only intends it ("I hope to run sessions"). The PKSB mapper reads
  this to down-weight such sentences as evidence. A negated present or past ("we do not withdraw
  titles") usually states a principle, which is evidence, so it is only listed in the cues.

"Intended" is not the reflective marker "hedge" (epistemic tentativeness: "perhaps", "it seems"),
which the markers lexicon defines; the mapper's JSON field for it keeps its old name, `hedged`.
Embeddings do not see negation, so these are rules over the spaCy parse.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from pksb_reflect.paths import bundled
from pksb_reflect.patterns import check_patterns

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token


def _compile(patterns: list[str]) -> re.Pattern[str]:
    """One case-insensitive alternation; a bad pattern is rejected when the lexicon loads."""
    for pattern in patterns:
        re.compile(pattern)
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


class NegationLexicon(BaseModel):
    """pksb_data/negation.yaml: every pattern must compile, every word list must be non-empty."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    note: str
    negation_words: list[str] = Field(min_length=1)
    negating_heads: list[str] = Field(min_length=1)
    focus_words: list[str] = Field(min_length=1)
    parse_triggers: list[str] = Field(min_length=1)
    cheap_triggers: list[str] = Field(min_length=1)
    no_opportunity: list[str] = Field(min_length=1)
    not_a_lack: list[str] = Field(min_length=1)
    intention: list[str] = Field(min_length=1)

    @field_validator(
        "parse_triggers", "cheap_triggers", "no_opportunity", "not_a_lack", "intention"
    )
    @classmethod
    def _patterns_compile(cls, value: list[str]) -> list[str]:
        check_patterns(value)
        return value


@dataclass(frozen=True)
class _Rules:
    """The lexicon compiled once."""

    negation_words: frozenset[str]
    negating_heads: frozenset[str]
    focus_words: frozenset[str]
    parse: re.Pattern[str]
    cheap: re.Pattern[str]
    no_opportunity: re.Pattern[str]
    not_a_lack: re.Pattern[str]
    intention: re.Pattern[str]
    focus_after_not: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        words = "|".join(re.escape(w) for w in sorted(self.focus_words))
        object.__setattr__(
            self, "focus_after_not", re.compile(rf"\bnot\s+(?:{words})\b", re.IGNORECASE)
        )


_LOCK = threading.Lock()
_RULES: list[_Rules] = []


def load_lexicon(path: str | None = None) -> NegationLexicon:
    """Read and validate a negation lexicon (the bundled one by default)."""
    source = bundled("pksb_data") / "negation.yaml" if path is None else path
    with open(source, encoding="utf-8") as handle:
        return NegationLexicon.model_validate(yaml.safe_load(handle))


def _rules() -> _Rules:
    if not _RULES:
        with _LOCK:
            if not _RULES:
                lex = load_lexicon()
                _RULES.append(
                    _Rules(
                        negation_words=frozenset(lex.negation_words),
                        negating_heads=frozenset(lex.negating_heads),
                        focus_words=frozenset(lex.focus_words),
                        parse=_compile(lex.parse_triggers),
                        cheap=_compile(lex.cheap_triggers),
                        no_opportunity=_compile(lex.no_opportunity),
                        not_a_lack=_compile(lex.not_a_lack),
                        intention=_compile(lex.intention),
                    )
                )
    return _RULES[0]


# --- words ---------------------------------------------------------------------------------


def negation_cue(token: Token) -> str | None:
    """The negating word attached to this token ('not' in 'did not realise'), if any."""
    words = _rules().negation_words
    for child in token.children:
        if child.dep_ == "neg" or (child.lower_ in words and child.dep_ in {"advmod", "det"}):
            return child.text
    return None


def is_negated(token: Token) -> bool:
    """Negated by a 'not/never' on itself or on the verb it complements ('was not nervous')."""
    if negation_cue(token) is not None:
        return True
    head = token.head
    if token.dep_ in {"acomp", "attr", "oprd", "xcomp", "dobj", "conj"} and head is not token:
        if negation_cue(head) is not None:
            return True
        if token.dep_ == "xcomp" and head.lemma_ in _rules().negating_heads:
            return True
    return False


# --- claims --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimStatus:
    """Whether a sentence denies or only intends its claim, and the words that say so."""

    negated: bool = False
    intended: bool = False
    cues: tuple[str, ...] = ()


_PLAIN = ClaimStatus()


def _denial_cue(verb: Token) -> str | None:
    """A negating word on a main verb, except focus ('not only', 'not just')."""
    cue = negation_cue(verb)
    if cue is None:
        return None
    for child in verb.children:
        after = child.nbor(1) if child.i + 1 < len(child.doc) else None
        if child.text == cue and after is not None and after.lower_ in _rules().focus_words:
            return None
    return cue


def _is_perfect(verb: Token) -> bool:
    """'have not catalogued', 'had never used': the writer reports (lack of) experience."""
    return any(child.dep_ == "aux" and child.lemma_ == "have" for child in verb.children)


def claim_status(sentence: Doc | Span | str) -> ClaimStatus:
    """Read one sentence, parsed or as plain text (plain text has no verbs to find).

    Negated: every main verb (the root and verbs joined to it) is negated in the perfect or with
    'yet', or the writer says they had no opportunity or are yet to. Intended: an intention
    pattern matches and the claim is not negated.
    """
    rules = _rules()
    text = sentence if isinstance(sentence, str) else sentence.text
    cues = [m.group(0) for m in rules.intention.finditer(text)]
    intended = bool(cues)
    negated = False
    chance = rules.no_opportunity.search(text)
    if chance and not rules.focus_after_not.search(text):
        cues.append(chance.group(0))
        negated = True
    if not isinstance(sentence, str):
        has_yet = bool(re.search(r"\byet\b", text, re.IGNORECASE))
        for sent in sentence.sents:  # type: ignore[union-attr]  # Span.sents exists
            root = sent.root
            mains = [root] + [
                t for t in root.children if t.dep_ == "conj" and t.pos_ in {"VERB", "AUX"}
            ]
            denials = [_denial_cue(t) for t in mains]
            if all(denials):
                cues.extend(c for c in denials if c)
                perfect = all(_is_perfect(t) for t in mains) and not rules.not_a_lack.search(text)
                if has_yet or perfect:
                    negated = True
    return ClaimStatus(negated, intended and not negated, tuple(dict.fromkeys(cues)))


def claim_statuses(
    texts: Sequence[str],
    spans: Sequence[Doc | Span | None] | None = None,
    nlp: Language | None = None,
) -> list[ClaimStatus]:
    """`claim_status` for each sentence, parsing only those with a negating word and no span.

    `spans` are the sentences' parsed spans where the caller has them; `nlp` parses the rest
    (the shared pipeline when omitted).
    """
    rules = _rules()
    out = [_PLAIN] * len(texts)
    need_parse: list[int] = []
    for i, text in enumerate(texts):
        if not (rules.cheap.search(text) or rules.parse.search(text)):
            continue
        span = spans[i] if spans is not None else None
        if span is not None:
            out[i] = claim_status(span)
        elif rules.parse.search(text):
            need_parse.append(i)
        else:
            out[i] = claim_status(text)
    if need_parse:
        if nlp is None:
            from pksb_reflect.nlp.pipeline import load_pipeline

            nlp = load_pipeline()
        # The parse and lemmas are enough: skip any other component this package added.
        skip = [name for name in nlp.pipe_names if name.startswith(("pksb_reflect", "reflective"))]
        docs = nlp.pipe([texts[i] for i in need_parse], batch_size=64, disable=skip)
        for i, doc in zip(need_parse, docs, strict=True):
            out[i] = claim_status(doc)
    return out
