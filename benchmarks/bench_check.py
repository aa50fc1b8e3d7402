"""How fast one statement is checked, beside the naive script and the raw encoder, in one run.

    python benchmarks/bench_check.py [--quick] [--runs N]

For ~1000-word statements generated from our own templates (benchmarks/drafts.py), each row in
its own fresh processes (median of N runs, a new statement each run, rows interleaved so that a
change in the machine's load hits every row alike):

* the naive script a user would write (benchmarks/naive.py script: load spaCy and
  sentence-transformers, parse, embed; no report). Needs the `train` extra; skipped otherwise;
* the raw encoder (benchmarks/naive.py encoder): import and load the ONNX encoder, embed the
  statement's sentences, nothing else;
* `pksb-reflect check` of a statement it has never seen (its sentences are not in the cache);
* `pksb-reflect check` of a statement already checked (every sentence cached).

Then in one process with the models loaded: warm `assess()` of a new statement, re-check after
a one-paragraph edit, and `assess()` of the same statement again.

Times are wall-clock and CPU (user + system, of the child for process rows). Peak memory is
ru_maxrss: of the child for process rows, of this process otherwise. Ratios are to the naive
script's median in the same run. Prints a Markdown table ready for the README.
Not run by the test suite.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from drafts import edit_one_paragraph, make_draft  # noqa: E402


def machine() -> str:
    """Cores and CPU model, and the load average so a contended run is visible."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{cores} cores, {model}, Python {sys.version.split()[0]}, load average {load}"


def mb(kilobytes: int) -> str:
    return f"{kilobytes / 1024:.0f} MB"


def run_child(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall time, CPU time (user + system) and peak RSS in KB of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit code {code}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


class Row:
    """One measurement: its runs' wall and CPU times and the largest peak memory."""

    def __init__(self, name: str, goal: str = "") -> None:
        self.name, self.goal = name, goal
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.peak = 0

    def add(self, wall: float, cpu: float, peak_kb: int) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)
        self.peak = max(self.peak, peak_kb)

    def median(self) -> tuple[float, float]:
        return statistics.median(self.wall), statistics.median(self.cpu)


def sentences_of(path: Path) -> list[str]:
    """The statement's sentences as pksb-reflect splits them (what the check encodes)."""
    from pksb_reflect.analysis.segment import segment_many
    from pksb_reflect.io.ingest import read_source
    from pksb_reflect.nlp.pipeline import load_pipeline

    (document,) = segment_many([read_source(path)], load_pipeline())
    return list(document.sentence_texts)


def timed(assess: Callable[[Path], object], paths: list[Path], row: Row) -> None:
    for path in paths:
        wall, cpu = time.perf_counter(), time.process_time()
        assess(path)
        row.add(
            time.perf_counter() - wall,
            time.process_time() - cpu,
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--runs", type=int, default=None, help="process runs per row (5)")
    args = parser.parse_args()
    runs = args.runs or (2 if args.quick else 5)
    repeats = 3 if args.quick else 15
    has_naive = importlib.util.find_spec("sentence_transformers") is not None

    with tempfile.TemporaryDirectory(prefix="pksb-bench-") as tmp:
        folder = Path(tmp)
        env = {**os.environ, "PKSB_REFLECT_CACHE_DIR": str(folder / "cache")}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent), env.get("PYTHONPATH")]))
        os.environ["PKSB_REFLECT_CACHE_DIR"] = env["PKSB_REFLECT_CACHE_DIR"]
        naive = Row("naive script: spaCy + sentence-transformers, parse, embed (no report)")
        raw = Row("raw ONNX encoder alone: load, embed the same sentences")
        new = Row("`pksb-reflect check` of a new statement (nothing of it cached)", "<= 0.35x")
        cached = Row("`pksb-reflect check` of a statement already checked")
        check = [sys.executable, "-m", "pksb_reflect.cli", "check"]
        # Once, unmeasured: the install's one-off work (model files' sha256 remembered).
        warmup = folder / "warmup.md"
        warmup.write_text(make_draft(1, 1000), encoding="utf-8")
        run_child([*check, str(warmup)], env)
        words = []
        for run in range(runs):
            draft = folder / f"new-{run}.md"
            text = make_draft(7 + run, 1000)
            words.append(len(text.split()))
            draft.write_text(text, encoding="utf-8")
            draft.with_suffix(".sentences.json").write_text(json.dumps(sentences_of(draft)))
            if has_naive:
                naive.add(
                    *run_child([sys.executable, str(HERE / "naive.py"), "script", str(draft)], env)
                )
            raw.add(
                *run_child([sys.executable, str(HERE / "naive.py"), "encoder", str(draft)], env)
            )
            new.add(*run_child([*check, str(draft)], env))
            cached.add(*run_child([*check, str(draft)], env))

        # In-process: models loaded once, then a new statement, an edit, the same again.
        from pksb_reflect.api import assess

        text = make_draft(7, 1000)
        draft = folder / "statement.md"
        draft.write_text(text, encoding="utf-8")
        assess(draft)  # loads spaCy and the encoder, fills the cache
        others, edited = [], []
        for run in range(repeats):
            others.append(folder / f"other-{run}.md")
            others[-1].write_text(make_draft(100 + run, 1000), encoding="utf-8")
            edited.append(folder / f"edited-{run}.md")
            edited[-1].write_text(edit_one_paragraph(text, seed=run), encoding="utf-8")
        warm_new = Row("warm `assess()` of a new statement (models loaded, nothing cached)",
                       "<= 0.2 s")  # fmt: skip
        warm_edit = Row("re-check after a one-paragraph edit (in process)", "<= 0.05 s")
        warm_same = Row("warm `assess()` of the same statement again (all caches warm)")
        timed(assess, others, warm_new)
        timed(assess, edited, warm_edit)
        timed(assess, [draft] * repeats, warm_same)

    base_wall, base_cpu = naive.median() if has_naive else (float("nan"), float("nan"))
    print(f"Statements: {min(words)}-{max(words)} words. Machine: {machine()}.")
    print(f"Medians of {runs} process runs / {repeats} in-process runs.")
    if not has_naive:
        print("The naive script needs sentence-transformers (pip install '.[train]'): skipped.")
    print("\n| Measurement | Wall | x naive | CPU | x naive | Goal | Peak memory (RSS) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in (naive, raw, new, cached, warm_new, warm_edit, warm_same):
        if not row.wall:
            continue
        wall, cpu = row.median()
        digits = 2 if wall >= 1 else 3
        in_process = row in (warm_new, warm_edit, warm_same)
        x_wall = "—" if in_process else f"{wall / base_wall:.2f}"
        x_cpu = "—" if in_process else f"{cpu / base_cpu:.2f}"
        print(
            f"| {row.name} | {wall:.{digits}f} s | {x_wall} | {cpu:.{digits}f} s | {x_cpu} | "
            f"{row.goal} | {mb(row.peak)} |"
        )


if __name__ == "__main__":
    main()
