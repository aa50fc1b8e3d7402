"""Property tests: ingestion never fails with anything but our errors, word counts add up, and
no report carries live markup that came from the candidate's text.

Renderers are taken from `pksb_reflect.render.TEXT_FORMATS` at run time, so a new format is covered
as soon as it is registered.
"""

from __future__ import annotations

import json
import re

import hostile as h
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pksb_reflect.analysis.segment import PARAGRAPH_MAX_CHARS, _plan_paragraphs, count_words
from pksb_reflect.errors import PksbError
from pksb_reflect.io.ingest import SourceText, parse_bytes

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
FORMATS_IN = ("txt", "md", "docx", "pdf", None)
VALID_DOCX = h.docx_bytes([h.STATEMENT])
VALID_PDF = h.pdf_bytes([h.STATEMENT])


def _parse(data: bytes, fmt: str | None) -> None:
    try:
        result = parse_bytes(data, name="fuzz", fmt=fmt)  # type: ignore[arg-type]
    except PksbError:
        return
    assert isinstance(result, SourceText)
    assert result.text.strip()
    for block in result.blocks:
        assert 0 <= block.start <= block.end <= len(result.text)


@SETTINGS
@given(data=st.binary(max_size=4096), fmt=st.sampled_from(FORMATS_IN))
def test_parse_bytes_raises_only_our_errors(data: bytes, fmt: str | None) -> None:
    _parse(data, fmt)


@SETTINGS
@given(
    base=st.sampled_from([VALID_DOCX, VALID_PDF]),
    edits=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.binary(min_size=1, max_size=8)), max_size=6
    ),
    cut=st.floats(0.05, 1),
)
def test_damaged_documents_raise_only_our_errors(
    base: bytes, edits: list[tuple[float, bytes]], cut: float
) -> None:
    """Real .docx and PDF bytes, overwritten in places and truncated."""
    data = bytearray(base)
    for where, patch in edits:
        at = int(where * len(data))
        data[at : at + len(patch)] = patch
    data = data[: max(1, int(len(data) * cut))]
    _parse(bytes(data), "docx" if base is VALID_DOCX else "pdf")


@SETTINGS
@given(data=st.binary(max_size=2048), prefix=st.sampled_from([b"PK\x03\x04", b"%PDF-1.7\n"]))
def test_sniffed_stdin_raises_only_our_errors(data: bytes, prefix: bytes) -> None:
    _parse(prefix + data, None)


# No '#' (a Markdown heading's marks are not words), no control characters (they become
# U+FFFD), no BOM (dropped when it starts a file).
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="#\ufeff"),
    min_size=1,
    max_size=200,
)
PARAGRAPH = TEXT.map(lambda t: re.sub(r"\n\s*\n", "\n", t)).filter(lambda t: t.strip() != "")


@SETTINGS
@given(paragraphs=st.lists(PARAGRAPH, min_size=1, max_size=8))
def test_word_counts_add_up_over_paragraphs(paragraphs: list[str]) -> None:
    joined = "\n\n".join(paragraphs)
    assert count_words(joined) == sum(count_words(p) for p in paragraphs)
    source = parse_bytes(joined.encode(), name="fuzz.txt", fmt="txt")
    planned = _plan_paragraphs(source)
    assert sum(p.words for p in planned) == count_words(joined)


@settings(max_examples=20, deadline=None)
@given(paragraphs=st.lists(PARAGRAPH, min_size=1, max_size=3), repeat=st.integers(1, 400))
def test_word_counts_add_up_when_long_paragraphs_are_split(
    paragraphs: list[str], repeat: int
) -> None:
    long = " ".join([h.STATEMENT] * repeat)  # up to about 28,000 words in one paragraph
    joined = "\n\n".join([*paragraphs, long])
    planned = _plan_paragraphs(parse_bytes(joined.encode(), name="fuzz.txt", fmt="txt"))
    assert sum(p.words for p in planned) == count_words(joined)
    assert all(len(p.text) <= PARAGRAPH_MAX_CHARS for p in planned if p.kind == "body")


# --- renderers ------------------------------------------------------------------------------

MARK = "ZQXJ-user-text-goes-here-ZQXJ"  # replaced, length for length, by generated text
USER = st.text(
    alphabet=st.sampled_from(list("<>&\"'{}[]()*_`#|!/=\\ ab1é日😀")), min_size=len(MARK) - 6
).map(lambda t: ("<zq" + t + "zq>")[: len(MARK)].ljust(len(MARK), "x"))


@pytest.fixture(scope="module")
def base_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A real assessment whose every piece of user text holds MARK, as a dict."""
    from pksb_reflect.api import assess

    folder = tmp_path_factory.mktemp("render")
    text = (
        f"# Criterion 1: {MARK}\n\n{h.STATEMENT} I learned {MARK} from it (E1).\n\n"
        f"{MARK} {h.STATEMENT}\n\n## References\n\n{MARK} (2020).\n"
    )
    path = h.write(folder, f"{MARK}.md", text)
    return assess(path).model_dump(mode="json")


def _replace(value: object, user: str) -> object:
    if isinstance(value, str):
        return value.replace(MARK, user)
    if isinstance(value, list):
        return [_replace(v, user) for v in value]
    if isinstance(value, dict):
        return {k: _replace(v, user) for k, v in value.items()}
    return value


@SETTINGS
@given(user=USER)
def test_no_report_carries_live_markup_from_user_text(base_report: dict, user: str) -> None:
    from pksb_reflect.render import TEXT_FORMATS, render
    from pksb_reflect.results import Assessment

    assessment = Assessment.model_validate(_replace(base_report, user))
    assert "<zq" in user
    for fmt in TEXT_FORMATS:
        report = render(assessment, fmt)
        if fmt == "json":
            assert "<" not in report  # every '<', ours or theirs, is \u003c
            assert json.loads(report)["source"]["name"] == assessment.source.name
        elif fmt == "text":
            # Plain text has no markup to escape: the words appear as written, never read as
            # rich markup, and carry no terminal escape codes.
            assert "\x1b" not in report
        else:  # Markdown and HTML: user text only escaped
            assert "<zq" not in report, fmt
