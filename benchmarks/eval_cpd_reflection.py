"""Check the CPD reflection rule (lexical or semantic) on benchmarks/data/cpd_reflection.

The data are our own: 14 CPD activities and 10 revalidation-statement sentences, each activity
labelled with the sentences that reflect on it (or none). Prints every activity's best semantic
score and lexical hits, then activity-level precision and recall of `cpd.reflect`'s rule across
semantic thresholds; SEMANTIC_THRESHOLD in pksb_reflect/cpd.py was set from this output.

Usage: python benchmarks/eval_cpd_reflection.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pksb_reflect import cpd  # noqa: E402
from pksb_reflect.embeddings import get_encoder  # noqa: E402


def main() -> None:
    data = json.loads((ROOT / "benchmarks/data/cpd_reflection/pairs.json").read_text())
    sentences = data["sentences"]
    activities = data["activities"]
    encoder = get_encoder()
    queries = [" ".join(cpd.distinctive_words(a["text"])) or a["text"] for a in activities]
    sims = encoder.encode(queries) @ encoder.encode(sentences).T
    lexical = []
    for i, activity in enumerate(activities):
        distinct = {w[: cpd.STEM_CHARS] for w in cpd.distinctive_words(activity["text"])}
        need = min(cpd.LEXICAL_MIN_HITS, max(len(distinct), 1))
        hits = max(cpd.lexical_hits(activity["text"], s) for s in sentences)
        lexical.append(bool(distinct) and hits >= need)
        print(
            f"{i:2d} gold={bool(activity['sentences'])!s:5} sem={sims[i].max():.3f} "
            f"lexical={lexical[-1]!s:5} {queries[i]!r}"
        )
    gold = np.array([bool(a["sentences"]) for a in activities])
    for threshold in np.arange(0.36, 0.56, 0.02):
        pred = (sims.max(axis=1) >= threshold) | np.array(lexical)
        tp = int((pred & gold).sum())
        fp = int((pred & ~gold).sum())
        fn = int((~pred & gold).sum())
        print(f"threshold {threshold:.2f}: tp {tp} fp {fp} fn {fn}")
    print(f"in use: {cpd.SEMANTIC_THRESHOLD}")


if __name__ == "__main__":
    main()
