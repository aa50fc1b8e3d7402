"""How fast one statement is checked: cold CLI, warm in-process, and re-check after an edit.

    python benchmarks/bench_check.py [--quick] [--runs N]

Measures, for a ~1000-word statement generated from our own templates (benchmarks/drafts.py):

* cold CLI `pksb-reflect check`: a new process each run (median wall time), once with an empty
  embedding cache (first check ever) and once with a warm on-disk cache (goal <= 3 s);
* warm `assess()` in one process, models loaded: of a statement never seen (goal <= 0.3 s),
  and of the same statement again (every cache warm);
* re-check after a one-paragraph edit with a warm cache (goal <= 0.1 s).

Peak memory is ru_maxrss: of the child processes for the CLI rows, of this process otherwise.
Prints a Markdown table ready for the README. Not run by the test suite.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from drafts import edit_one_paragraph, make_draft


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


def run_child(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time of one child process and its own peak RSS in KB (from wait4)."""
    start = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit code {child.returncode}")
    return elapsed, usage.ru_maxrss


def cold_cli(draft: Path, cache_dir: Path, runs: int, *, clear: bool) -> tuple[list[float], int]:
    """Wall times of `pksb-reflect check` in fresh processes, and their peak RSS (KB)."""
    env = {**os.environ}
    env.pop("PKSB_REFLECT_NO_CACHE", None)
    command = [sys.executable, "-m", "pksb_reflect.cli", "check", str(draft)]
    times = []
    peak = 0
    for run in range(runs):
        env["PKSB_REFLECT_CACHE_DIR"] = str(cache_dir / f"run{run}" if clear else cache_dir)
        elapsed, rss = run_child(command, env)
        times.append(elapsed)
        peak = max(peak, rss)
    return times, peak


def median_seconds(assess: Callable[[Path], object], paths: list[Path]) -> float:
    """Median wall time of assessing each path in turn, in this process."""
    times = []
    for path in paths:
        start = time.perf_counter()
        assess(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--runs", type=int, default=None, help="runs per measurement")
    args = parser.parse_args()
    runs = args.runs or (2 if args.quick else 5)
    repeats = 3 if args.quick else 15

    with tempfile.TemporaryDirectory(prefix="pksb-bench-") as tmp:
        folder = Path(tmp)
        text = make_draft(7, 1000)
        draft = folder / "statement.md"
        draft.write_text(text, encoding="utf-8")
        words = len(text.split())
        rows: list[tuple[str, str, str, str]] = []

        # Cold CLI, empty cache: the first check a user ever runs (model load, everything encoded).
        first, first_peak = cold_cli(draft, folder / "cold-cache", runs, clear=True)
        rows.append(
            ("cold CLI check, empty cache", f"{statistics.median(first):.2f} s", "—",
             mb(first_peak))
        )  # fmt: skip
        # Cold CLI, warm disk cache: a new process re-checking a statement it has seen.
        warm_dir = folder / "warm-cache"
        cold_cli(draft, warm_dir, 1, clear=False)
        again, again_peak = cold_cli(draft, warm_dir, runs, clear=False)
        rows.append(
            ("cold CLI check, warm cache", f"{statistics.median(again):.2f} s", "<= 3 s",
             mb(again_peak))
        )  # fmt: skip

        # In-process: a warm assess() and a re-check after editing one paragraph.
        os.environ["PKSB_REFLECT_CACHE_DIR"] = str(folder / "inproc-cache")
        from pksb_reflect.api import assess

        assess(draft)  # loads spaCy and the encoder, fills the cache
        others, edited = [], []
        for run in range(repeats):
            others.append(folder / f"other-{run}.md")
            others[-1].write_text(make_draft(100 + run, 1000), encoding="utf-8")
            edited.append(folder / f"edited-{run}.md")
            edited[-1].write_text(edit_one_paragraph(text, seed=run), encoding="utf-8")
        measured = [
            # The same statement again: every cache is warm.
            ("warm assess() of the same statement again (all caches warm)", [draft] * repeats,
             "—"),
            # Models loaded, but these sentences were never seen, so all are encoded.
            ("warm assess() of a new statement (models loaded, nothing cached)", others,
             "<= 0.3 s"),
            ("re-check after a one-paragraph edit", edited, "<= 0.1 s"),
        ]  # fmt: skip
        for name, paths, goal in measured:
            median = median_seconds(assess, paths)
            peak = mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
            rows.append((name, f"{median:.3f} s", goal, peak))

    print(f"Statement: {words} words. Machine: {machine()}.")
    print(f"Medians of {runs} process runs / {repeats} in-process runs.\n")
    print("| Measurement | Median | Goal | Peak memory (RSS) |")
    print("| --- | ---: | ---: | ---: |")
    for name, value, goal, peak in rows:
        print(f"| {name} | {value} | {goal} | {peak} |")


if __name__ == "__main__":
    main()
