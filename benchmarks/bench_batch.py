"""Batch review speed against the encoder floor, beside the naive script, in one run.

    python benchmarks/bench_batch.py [--quick] [--drafts N] [--words N] [--jobs 1 2]

Generates N drafts of about 1000 words from our own templates (benchmarks/drafts.py) whose
sentences are all distinct (no sentence is cheaper for having been seen in another draft), then:

* the naive script on all the drafts, in its own process (benchmarks/naive.py: spaCy and
  sentence-transformers, parse, embed, no report; needs the `train` extra, skipped otherwise);
* the floor, in this process with the models loaded: `Encoder.encode` alone on exactly the
  sentences of those drafts, fresh cache;
* `review` of the folder with a fresh on-disk cache (what `pksb-reflect review` runs), for each
  --jobs value; jobs > 1 starts worker processes that load the models themselves, and that
  cost is inside their wall time.

Goal: the whole review <= 1.3x the floor. Peak memory is ru_maxrss after each phase (this
process; worker processes separately). Prints a Markdown table ready for the README.
Not run by the test suite.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_check import machine, mb, run_child
from drafts import write_drafts


def rss_self() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def rss_children() -> int:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run (8 drafts)")
    parser.add_argument("--drafts", type=int, default=None, help="number of drafts (100)")
    parser.add_argument("--words", type=int, default=1000, help="words per draft (1000)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="review --jobs values")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive script's run")
    args = parser.parse_args()
    count = args.drafts or (8 if args.quick else 100)

    with tempfile.TemporaryDirectory(prefix="pksb-batch-") as tmp:
        root = Path(tmp)
        os.environ["PKSB_REFLECT_CACHE_DIR"] = str(root / "cache-warmup")
        paths = write_drafts(root / "drafts", count, args.words, distinct=True)
        words = sum(len(p.read_text(encoding="utf-8").split()) for p in paths)

        from pksb_reflect.analysis.segment import segment_many
        from pksb_reflect.apps.review import review
        from pksb_reflect.io.ingest import read_source
        from pksb_reflect.nlp import encoder as embeddings
        from pksb_reflect.nlp.pipeline import load_pipeline
        from pksb_reflect.render import REGISTRY
        from pksb_reflect.runtime import Runtime

        start = time.perf_counter()
        nlp = load_pipeline()
        model = Runtime().encoder.model
        model.embed(["A warm-up sentence of our own."])  # first-call set-up out of the way
        load_s = time.perf_counter() - start

        start = time.perf_counter()
        documents = segment_many([read_source(p) for p in paths], nlp)
        spacy_s = time.perf_counter() - start
        sentences = [text for doc in documents for text in doc.sentence_texts]
        for path, doc in zip(paths, documents, strict=True):
            path.with_suffix(".sentences.json").write_text(json.dumps(list(doc.sentence_texts)))
        del documents

        naive = None
        if importlib.util.find_spec("sentence_transformers") is not None and not args.no_naive:
            env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
            script = [sys.executable, str(Path(__file__).resolve().parent / "naive.py")]
            naive = run_child([*script, "script", *map(str, paths)], env)

        # The floor: encode alone, same sentences, same process, fresh (empty) cache.
        floor_encoder = embeddings.Encoder(embeddings.MemoryCache())
        floor_encoder._model = model
        start = time.perf_counter()
        floor_encoder.encode(sentences)
        floor_s = time.perf_counter() - start
        floor_rss = rss_self()

        fmt = next(f for f in ("html", "markdown", "text") if f in REGISTRY)
        results = []
        for jobs in args.jobs:
            os.environ["PKSB_REFLECT_CACHE_DIR"] = str(root / f"cache-jobs{jobs}")
            runtime = Runtime()  # a fresh disk cache, with the models already loaded
            runtime.encoder._model = model
            start = time.perf_counter()
            result = review(
                root / "drafts", root / f"out-jobs{jobs}", fmt=fmt, jobs=jobs, runtime=runtime
            )
            elapsed = time.perf_counter() - start
            if result.failed:
                raise SystemExit(f"{len(result.failed)} drafts failed: {result.failed[0].error}")
            results.append((jobs, elapsed, rss_self(), rss_children()))

    unique = len(set(sentences))
    print(
        f"{count} drafts, {words} words, {len(sentences)} sentences ({unique} distinct). "
        f"Machine: {machine()}."
    )
    print(
        f"Model load {load_s:.1f} s (not in the rows below); spaCy alone on these drafts "
        f"{spacy_s:.1f} s. Report format: {fmt}.\n"
    )
    print("| Run | Wall time | x floor | Drafts/s | Peak memory (RSS) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    if naive is not None:
        wall, cpu, peak_kb = naive
        print(
            f"| naive script (own process: load, parse, embed; CPU {cpu:.1f} s) | {wall:.1f} s | "
            f"{wall / floor_s:.2f} | {count / wall:.1f} | {mb(peak_kb)} |"
        )
    print(
        f"| floor: encode alone, fresh cache | {floor_s:.1f} s | 1.00 | "
        f"{count / floor_s:.1f} | {mb(floor_rss)} |"
    )
    for jobs, elapsed, own, children in results:
        peak = mb(own) + (f" + largest worker {mb(children)}" if jobs > 1 else "")
        print(
            f"| review --jobs {jobs}, fresh cache | {elapsed:.1f} s | {elapsed / floor_s:.2f} | "
            f"{count / elapsed:.1f} | {peak} |"
        )
    print("\nGoal: review <= 1.3x the floor.")


if __name__ == "__main__":
    main()
