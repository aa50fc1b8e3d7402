"""Word counts follow Word's rule, leave headings and references out, and judge limits."""

from __future__ import annotations

import pytest
from conftest import sentences

from pksb_reflect.analysis.segment import count_words
from pksb_reflect.api import assess
from pksb_reflect.framework import load_route


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I catalogued the new stock.", 5),
        ("Twelve e-books, three well-known journals and one CD-ROM.", 8),
        ("It wasn't easy — but it worked.", 7),  # a spaced dash is a word to Word
        ("word—word", 1),  # an unspaced em dash joins
        ("  spaces\tand\nnew lines  count once  ", 6),
        ("(E4) (Smith, 2019) https://example.org/a?b=c", 4),
        ("", 0),
    ],
)
def test_count_words_matches_hand_counts(text: str, expected: int) -> None:
    assert count_words(text) == expected


STATEMENT = """# Criterion 1: Personal performance

I ran six induction sessions for new staff (E1). Next time I will ask them what they know first.

Criterion 2: Organisational context

The service plan asks us to reach more adult learners, see appendix 2.

## References

Jones, K. (2021) Teaching in libraries. London: Example Press.
"""


def test_parts_are_counted_separately_and_rule_is_stated() -> None:
    wc = assess(STATEMENT + "\n", "chartership").word_count
    assert wc.headings == 4 + 4 + 1
    assert wc.references == 9
    assert wc.evidence_labels == 1 + 3
    assert wc.body == 19 + 13
    assert wc.counted == wc.body - wc.evidence_labels
    assert wc.total == wc.body + wc.headings + wc.references
    assert "not counted: headings" in wc.rule


def test_flags_add_headings_and_references() -> None:
    both = assess(STATEMENT, "chartership", count_headings=True, count_references=True)
    wc = both.word_count
    assert wc.counted == wc.total
    assert wc.counted_headings and wc.counted_references


@pytest.mark.parametrize("route", ["certification", "chartership", "fellowship", "revalidation"])
def test_limit_status_for_every_route(route: str) -> None:
    limit = load_route(route).word_limit
    near_floor = int(limit * 0.95)
    cases = {limit // 2: "under", near_floor + 1: "near", limit: "near", limit + 7: "over"}
    for words, status in cases.items():
        wc = assess(sentences(words), route).word_count
        assert wc.counted == words
        assert wc.limit == limit
        assert wc.status == status, (route, words)
        assert wc.words_to_cut == max(0, words - limit)


def test_revalidation_limit_is_250_and_others_1000() -> None:
    assert load_route("revalidation").word_limit == 250
    assert load_route("revalidation").cpd_hours == 20
    for route in ("certification", "chartership", "fellowship"):
        assert load_route(route).word_limit == 1000
