"""A cheap check that a statement is in English: the share of English function words.

English prose is around 40-50% function words ("the", "and", "I", "was"); French or Welsh prose
shares only a few short ones ("a", "on", "i"). A statement whose English share is low is named
after whichever other language's function words it is full of, or called simply not English.
This is a warning for the user, not a judgement: a few foreign quotations do not trigger it.
"""

from __future__ import annotations

import re
from functools import lru_cache

MIN_WORDS = 30
SAMPLE_WORDS = 5000
ENGLISH_SHARE_MIN = 0.2
OTHER_SHARE_MIN = 0.15


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words of our own choosing, left out where they are also common English words.
OTHER_LANGUAGES: dict[str, frozenset[str]] = {
    "French": _words(
        "le la les de des du un une et est en que qui pour dans pas sur au aux avec ce cette "
        "ces je j mon ma mes nous vous il elle ils elles sont été par plus mais ou où ne se "
        "son sa ses leur leurs à d l qu c s n été était avons ai été être aussi comme très "
        "notre nos votre lors"
    ),
    "Welsh": _words(
        "yn y yr ac ar gyda ei eu fy ein mae roedd wedi bod ond hefyd gan fel pan dros oedd "
        "rwy rydw fod hyn sydd hynny â ag nad ddim iawn ni chi nhw ydw ydy yw dy er wrth "
        "drwy am o i'r o'r gennym gyda'r ym yng yn y"
    ),
    "Spanish": _words(
        "el la los las de del un una y es en que por para con no se su sus al lo como más "
        "pero fue muy también mi nosotros"
    ),
    "German": _words(
        "der die das den dem des ein eine einen und ist nicht zu mit auf für von sich auch "
        "ich wir sie es im bei wurde haben habe sind war"
    ),
}

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")
_LINKS = re.compile(r"\S*(?:://|www\.|@)\S*|\([^()]*\d{4}[^()]*\)")


@lru_cache(maxsize=1)
def english_function_words() -> frozenset[str]:
    """spaCy's English stop words (loaded without loading a pipeline)."""
    from pksb_reflect.nlp.pipeline import import_spacy

    import_spacy()  # spaCy without torch: see nlp.import_spacy
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def detect_non_english(text: str) -> str | None:
    """The language a text appears to be in, if it appears not to be English; else None.

    Returns a language name ("French", "Welsh", ...) or "not English" where the text is plainly
    not English but matches none of the languages we know. Short texts return None.
    """
    words = [w.lower() for w in _WORD.findall(_LINKS.sub(" ", text[:200_000]))][:SAMPLE_WORDS]
    if len(words) < MIN_WORDS:
        return None
    english = english_function_words()
    share = sum(1 for w in words if w in english) / len(words)
    if share >= ENGLISH_SHARE_MIN:
        return None
    best, best_share = "not English", 0.0
    for language, function_words in OTHER_LANGUAGES.items():
        other = sum(1 for w in words if w in function_words and w not in english) / len(words)
        if other > best_share:
            best, best_share = language, other
    return best if best_share >= OTHER_SHARE_MIN else "not English"


def language_warning(text: str, name: str) -> str | None:
    """The warning to add to an assessment of `text`, or None for English."""
    language = detect_non_english(text)
    if language is None:
        return None
    said = (
        "appears not to be in English"
        if language == "not English"
        else (f"appears to be in {language}, not English")
    )
    return f"{name}: {said}; pksb-reflect analyses English only"
