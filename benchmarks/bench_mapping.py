"""Throughput of the PKSB mapper beside the raw encoding of the same sentences.

1,000 varied sentences are made from templates of our own. The model and the framework
prototypes are warmed first (they load once per process). Each timed run starts from a fresh
encoder cache, so both figures include encoding. Medians of 3 runs.

* encode: runtime.encoder.encode(sentences), with runtime = Runtime(disk_cache=False)
* map: map_sentences(sentences, runtime=runtime) (encoding + scoring + references + negation +
  result objects)
* scoring only: map_sentences again with the sentences already in the cache
* overhead = (map - encode) / encode, and scoring only / encode

Usage: python benchmarks/bench_mapping.py [--n 1000] [--runs 3] [--framework 2021]
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pksb_reflect.api import map_sentences  # noqa: E402
from pksb_reflect.nlp.encoder import MemoryCache  # noqa: E402
from pksb_reflect.runtime import Runtime  # noqa: E402

OPENERS = [
    "Last spring",
    "During my first year in post",
    "After a difficult budget round",
    "With support from my mentor",
    "Working with two colleagues",
    "Over six months",
    "Because attendance had fallen",
    "When our service moved online",
]
ACTIONS = [
    "I catalogued a donated collection of local history pamphlets",
    "I ran drop-in sessions on evaluating sources for sixth-form students",
    "I rewrote the retention schedule for the team's shared drive",
    "I negotiated a new licence for an engineering e-journal package",
    "I built a small database to record enquiries at the help desk",
    "I mapped who in the firm knew most about each client sector",
    "I weeded the reference stock against usage figures",
    "I presented the library's value to the senior leadership team",
    "I designed a feedback survey for users of the outreach van",
    "I carried out literature searches for a nursing research project",
    "I advised staff on copyright when they copied material for slides",
    "I have not yet had the chance to manage a budget",
    "I hope to learn more about research data management",
    "I wrote a plan for the next three years of the service",
    "I trained volunteers to help older people use tablets",
    "I kept up with sector news through a regional network",
]
ENDINGS = [
    "and reflected on what I would change next time.",
    "which taught me to plan further ahead.",
    "and shared the results with my manager.",
    "so that users could find what they needed faster.",
    "although it took longer than I expected.",
    "and the feedback was encouraging.",
    ".",
    "and I now do this routinely.",
]


def make_sentences(n: int, seed: int = 7) -> list[str]:
    """n distinct sentences from our templates (a seeded shuffle of the combinations)."""
    combos = list(itertools.product(OPENERS, ACTIONS, ENDINGS))
    random.Random(seed).shuffle(combos)
    out = []
    for opener, action, ending in combos[:n]:
        sep = "" if ending == "." else " "
        out.append(f"{opener}, {action}{sep}{ending}")
    return out


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--framework", default="2021", choices=["2021", "2014"])
    args = parser.parse_args(argv)

    sentences = make_sentences(args.n)
    runtime = Runtime(disk_cache=False)
    encoder = runtime.encoder
    start = time.perf_counter()
    encoder.encode(["warm the model"])
    map_sentences(["I catalogued the collection."], args.framework, runtime=runtime)
    runtime.prototypes("2014" if args.framework == "2021" else "2021")  # PKSB numbers read both
    print(f"warm-up (model, spaCy, framework prototypes): {time.perf_counter() - start:.1f} s")

    encode_times, map_times, score_times = [], [], []
    for _ in range(args.runs):
        encoder.cache = MemoryCache()
        encode_times.append(timed(lambda: encoder.encode(sentences)))
        encoder.cache = MemoryCache()
        map_times.append(timed(lambda: map_sentences(sentences, args.framework, runtime=runtime)))
        score_times.append(timed(lambda: map_sentences(sentences, args.framework, runtime=runtime)))
    enc = statistics.median(encode_times)
    mapped = statistics.median(map_times)
    score = statistics.median(score_times)
    n = len(sentences)
    print(f"{n} sentences, framework {args.framework}, medians of {args.runs} runs")
    print(f"  encode only        {enc:7.2f} s  {n / enc:8.1f} sentences/s")
    print(f"  map (fresh cache)  {mapped:7.2f} s  {n / mapped:8.1f} sentences/s")
    print(f"  scoring only       {score:7.2f} s  {n / score:8.1f} sentences/s (cached vectors)")
    print(f"  overhead of mapping over encoding: {100 * (mapped - enc) / enc:+.1f}% (map - encode)")
    print(f"                                     {100 * score / enc:+.1f}% (scoring only / encode)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
