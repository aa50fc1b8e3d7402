"""`review --jobs 2` stopped by a signal: the workers go at once, nothing is left half-written.

A real review runs in a child process (its own session, as a terminal would give it); when
its first reports exist it gets SIGINT (to the whole group, as Ctrl-C sends it) or SIGTERM (to
the review alone, as `kill` or a service manager sends it). While it runs, a second review into
the same folder is refused. Workers are found by an environment marker they inherit.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from pksb_reflect import cli
from pksb_reflect.apps.review import INDEX_HTML, SUMMARY_CSV
from pksb_reflect.apps.review_run import LOCK_NAME
from pksb_reflect.errors import EXIT_OUTPUT
from pksb_reflect.nlp.cache import CACHE_DIR_ENV

DRAFT = """# Criterion 1: Personal performance

In week {n} I ran the induction session for new nursing students. The first attempt went badly:
I spoke for most of the hour and few students searched for themselves. Their exit tickets showed
me that they could not narrow a search, so I rebuilt the session around a real assignment.

I learned that I teach better when I start from what students already know. Next term I will
ask a colleague to observe me and give feedback on how I pace the practical part.
"""
DRAFTS = 60
MARK = "PKSB_REFLECT_TEST_MARK"


def _marked(marker: str) -> list[int]:
    """Live processes whose environment carries the marker."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().split(") ", 1)[1][:1]
        except OSError:
            continue
        if f"{MARK}={marker}".encode() in environ.split(b"\0") and state != "Z":
            found.append(int(entry.name))
    return found


def _reports(out: Path) -> set[str]:
    return {p.name for p in out.glob("*.json")}


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_stops_every_worker_and_leaves_a_summary(
    signum: int, code: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "drafts"
    folder.mkdir()
    for n in range(DRAFTS):
        (folder / f"draft-{n:02d}.md").write_text(DRAFT.format(n=n), encoding="utf-8")
    out = tmp_path / "out"
    marker = uuid.uuid4().hex
    env = {
        **os.environ,
        MARK: marker,
        CACHE_DIR_ENV: str(tmp_path / "cache"),
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    command = [sys.executable, "-m", "pksb_reflect.cli", "review", str(folder)]
    command += ["--out", str(out), "--jobs", "2", "--format", "json"]
    child = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 400
        while not _reports(out) and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert child.poll() is None, child.communicate()
        assert _reports(out), "no report within the deadline"
        assert len(_marked(marker)) >= 3  # the review and its two workers
        # While it runs, a second review into the same folder is refused with a clear line.
        assert cli.main(["review", str(folder), "--out", str(out), "--force"]) == EXIT_OUTPUT
        assert "another review (process" in capsys.readouterr().err
        started = time.monotonic()
        if signum == signal.SIGINT:
            os.killpg(child.pid, signum)
        else:
            child.send_signal(signum)
        stdout, stderr = child.communicate(timeout=60)  # no orphan holds the pipes open
        took = time.monotonic() - started
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    assert child.returncode == code, stderr
    assert took < 3.0, took  # about one second: STOP_GRACE plus writing the summary
    assert _marked(marker) == []
    assert stdout == "" and "Traceback" not in stderr
    assert all(line.startswith("pksb-reflect: ") for line in stderr.splitlines()), stderr
    assert f"stopped by {signal.Signals(signum).name}" in stderr
    at_exit = _reports(out)
    time.sleep(1.0)
    assert _reports(out) == at_exit  # nothing kept writing after the review ended
    assert not list(out.glob(".*.tmp")) and not (out / LOCK_NAME).exists()
    for name in at_exit:
        json.loads((out / name).read_text(encoding="utf-8"))  # every report is whole
    with (out / SUMMARY_CSV).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == DRAFTS
    listed = {row["report"] for row in rows if row["report"]}
    assert listed == at_exit  # every report that exists is in the summary, and only those
    assert any(row["problems found"].startswith("not reviewed") for row in rows)
    assert f"Stopped by {signal.Signals(signum).name}" in (out / INDEX_HTML).read_text()
