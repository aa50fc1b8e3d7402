"""Every figure a report shows is the Assessment's own: one truth per measure, in every format.

Each format is rendered from one Assessment and read back as a person would read it (tags and
Markdown escapes stripped); every percentage and level it states is checked against the model.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from pksb_reflect import Assessment, assess
from pksb_reflect.render import TEXT_FORMATS, render

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DRAFTS = ["chartership_strong.md", "chartership_weak.md", "revalidation.md"]


def _readable(report: str) -> str:
    """The report's words as a reader sees them: no tags, entities or Markdown escapes."""
    text = re.sub(r"<style.*?</style>|<script.*?</script>", " ", report, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return " ".join(re.sub(r"\\(.)", r"\1", text).split())


def _percent(share: float) -> str:
    return f"{share:.0%}"


@pytest.fixture(scope="module", params=DRAFTS)
def assessment(request: pytest.FixtureRequest) -> Assessment:
    route = "revalidation" if request.param.startswith("revalidation") else "chartership"
    return assess(EXAMPLES / request.param, route)


@pytest.mark.parametrize("fmt", sorted(set(TEXT_FORMATS) - {"json"}))
def test_every_figure_shown_is_the_assessments(assessment: Assessment, fmt: str) -> None:
    figures = assessment.figures
    assert figures is not None and assessment.reflection is not None
    shown = _readable(render(assessment, fmt))

    assert f"{figures.words} of {figures.word_limit}" in shown
    document_shares = re.findall(r"(\d+)% of sentences reflect", shown)
    assert document_shares, "the report states the reflective share"
    assert set(document_shares) == {_percent(figures.reflective_share or 0)[:-1]}
    for level in re.findall(r"(?:Depth: level|\(level) (\d)[;,]", shown):
        assert int(level) == figures.depth_level

    levels = {p.paragraph: p.level for p in assessment.reflection.paragraphs}
    numbers = [p.index for p in assessment.outline.paragraphs if p.kind == "body"]
    for number, level in re.findall(r"Paragraph (\d+) \(depth level (\d)\)", shown):
        assert levels[numbers[int(number) - 1]] == int(level)

    assert assessment.feedback is not None
    for criterion in assessment.feedback.criteria:
        if criterion.sentences:
            said = f"{_percent(criterion.reflective_share)} of its sentences reflect"
            assert said in shown or fmt == "text"

    assert assessment.pksb is not None
    for area in assessment.pksb.areas:
        allowed = {_percent(area.share), _percent(area.strength)}
        name = re.escape(area.name[:40])  # the terminal table shortens long names
        for number in re.findall(rf"{name}[\s|█…:]*(?:strength )?(\d+%)", shown):
            assert number in allowed, (area.name, number, allowed)


def test_json_is_the_assessment_and_its_figures(assessment: Assessment) -> None:
    report = render(assessment, "json")
    data = json.loads(report)
    assert json.loads(Assessment.model_validate(data).model_dump_json()) == data
    texts = [sentence.text for sentence in assessment.outline.sentences]
    stored = _exact_strings(data, set(texts))
    for sentence in assessment.outline.sentences:
        # Once in outline.sentences (and as its paragraph when it stands alone); elsewhere by
        # index, except the feedback's own quotes of the candidate.
        alone = sum(p.text == sentence.text for p in assessment.outline.paragraphs)
        assert stored.get(sentence.text, 0) == 1 + alone + _quotes_of(data, sentence.index)


def _exact_strings(data: object, wanted: set[str]) -> dict[str, int]:
    """How often each wanted string is the whole value of a field anywhere in the JSON."""
    counts: dict[str, int] = {}
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and item in wanted:
            counts[item] = counts.get(item, 0) + 1
    return counts


def _quotes_of(data: dict, index: int) -> int:
    """How many quotes (objects with a sentence index and text) quote sentence `index`."""
    found = 0
    stack: list[object] = [data["feedback"], data.get("privacy")]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("sentence") == index and "text" in item:
                found += 1
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found
