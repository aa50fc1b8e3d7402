"""The public library API: what `import pksb_reflect` promises a researcher or panel member."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from pksb_reflect.runtime import Runtime

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PUBLIC = (
    "assess",
    "assess_many",
    "AssessOptions",
    "Assessment",
    "classify_sentences",
    "map_sentences",
    "Runtime",
    "PksbError",
    "InputError",
    "UsageError",
    "ModelError",
    "OutputError",
)

# Each probe runs in a fresh interpreter: import order is what the README example depends on.
PROBE = """
import json, sys
{prelude}
import pksb_reflect
from pksb_reflect import assess, classify_sentences, map_sentences
text = "I ran a session for new staff. It showed me that I talk too much. I now ask first."
first = pksb_reflect.assess(text)
second = pksb_reflect.assess(text)
third = assess(text)
print(json.dumps({{
    "same": first.model_dump_json() == second.model_dump_json() == third.model_dump_json(),
    "category": classify_sentences(["I felt anxious before the meeting."])[0].category,
    "area": map_sentences(["I recatalogued the maps collection."])[0].areas[0].id,
    "again": pksb_reflect.map_sentences(["I recatalogued the maps collection."])[0].areas[0].id,
    "dir": sorted(n for n in {public!r} if n in dir(pksb_reflect)),
}}))
"""


@pytest.mark.parametrize("prelude", ["", "import pksb_reflect.cli", "from pksb_reflect import cli"])
def test_api_works_twice_in_any_order(prelude: str) -> None:
    code = PROBE.format(prelude=prelude, public=PUBLIC)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["same"]
    assert result["category"] == "Feeling"
    assert result["area"] == result["again"]
    assert result["dir"] == sorted(PUBLIC)


def test_typed_marker_ships() -> None:
    import pksb_reflect

    assert (Path(pksb_reflect.__file__).parent / "py.typed").is_file()


def test_bad_arguments_are_usage_errors() -> None:
    from pksb_reflect import UsageError, assess_many, classify_sentences, map_sentences

    with pytest.raises(UsageError, match="framework"):
        map_sentences(["A sentence about cataloguing."], "2030")
    with pytest.raises(UsageError, match="list of strings"):
        map_sentences("A sentence passed where a list belongs.")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="list of strings"):
        classify_sentences("I felt anxious.")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="list"):
        assess_many(str(EXAMPLES / "chartership_weak.md"))  # type: ignore[arg-type]


def test_four_threads_get_the_serial_results_and_load_each_model_once() -> None:
    from pksb_reflect import assess

    drafts = [EXAMPLES / name for name in ("chartership_strong.md", "chartership_weak.md")] * 2
    serial = [assess(d, runtime=Runtime()).model_dump_json() for d in drafts]
    shared = Runtime()  # counts how often each part is built in `loads`
    results: list[str | None] = [None] * len(drafts)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            results[i] = assess(drafts[i], runtime=shared).model_dump_json()
        except BaseException as exc:  # reported below, not swallowed
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(drafts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert results == serial
    assert set(shared.loads.values()) == {1}
    assert {"nlp", "encoder", "classifier", "prototypes:2021"} <= set(shared.loads)
