"""Feedback against a mentor's labels: ../shared/datasets/statements (dev to tune, test to report).

Every statement is assessed in every format it comes in (.md/.txt and its .docx/.pdf), with its
evidence folder, PKSB self-assessment and CPD log where it has them. Per file:

* verdicts: the three criterion verdicts agree with the labels (met / partly / not yet evident);
* level: the document's Hatton & Smith level equals the labelled one;
* word status right (under / near / over) and body-word error |counted - labelled| / labelled;
* evidence: the cited labels (E<n>, from the outline's citations), the folder items never cited,
  and the cited labels with no file, each compared as a set with the labels (exact = equal);
* main areas: R-precision of the tool's k largest area shares against the k labelled areas;
* cuts: suggested cuts that are must-keep / cut-first sentences (sentences matched by words);
* top priority: the first priority matches one of the three labelled priorities, by criterion
  number, paragraph, or topic (word limit, evidence); and overlap of the top three.

The table is printed for the current tree beside a baseline run in the same command: by default
the "layout" commit of main (the previous version), extracted with `git archive` into a temp
folder and run with PYTHONPATH; `--baseline none` skips it.

Usage: python benchmarks/eval_feedback.py [--split dev|test|all] [--baseline REV|none]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = (ROOT / "../shared/datasets/statements").resolve()
if not DATA.is_dir():
    DATA = Path("/work/shared/datasets/statements")
BASELINE_REV = "1e830f0"  # main's "layout" commit: the previous version
_LABEL_NUMBER = re.compile(r"(\d+)")


def _statements(split: str) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in (DATA / "labels.jsonl").read_text().splitlines() if line]
    return [r for r in rows if split == "all" or r["split"] == split]


def _side_inputs(row: dict[str, Any]) -> dict[str, Any]:
    path = DATA / row["file"]
    number = path.name.split("_")[0]
    out: dict[str, Any] = {}
    folder = path.parent / f"{number}_evidence"
    if folder.is_dir():
        out["evidence"] = [str(folder)]
    audit = path.parent / f"{number}_pksb_self_assessment.csv"
    if audit.is_file():
        out["pksb_audit"] = str(audit)
    cpd = path.parent / f"{number}_cpd_log.csv"
    if cpd.is_file():
        out["cpd_log"] = str(cpd)
    return out


def _norm_label(text: str) -> str | None:
    match = _LABEL_NUMBER.search(text)
    return f"E{match.group(1)}" if match else None


def _labels_in(text: str) -> list[str]:
    """E<n> for every number in a citation such as '(E3, E4)' or '[Evidence 4 and 5]'."""
    return [f"E{n}" for n in re.findall(r"(\d+)", re.sub(r"\d+\s*responses?", "", text))]


def collect(split: str) -> list[dict[str, Any]]:
    """Run the installed/importable pksb_reflect over every file; only long-standing fields."""
    from pksb_reflect.api import assess
    from pksb_reflect.errors import PksbError

    out = []
    for row in _statements(split):
        for rel in [row["file"], *row.get("also_as", [])]:
            try:
                a = assess(str(DATA / rel), row["route"], max_seconds=None, **_side_inputs(row))
            except PksbError as exc:
                out.append({"file": rel, "error": str(exc)})
                continue
            fb = a.feedback
            assert fb is not None
            sentences = a.outline.sentences
            body = [p for p in a.outline.paragraphs if p.kind == "body" and p.sentence_indexes]
            cited: set[str] = set()
            for p in body:
                for label in p.evidence_labels:
                    cited.update(_labels_in(label))
            missing: set[str] = set()
            never: set[str] = set()
            if a.evidence is not None:
                for m in a.evidence.missing_references:
                    norm = _norm_label(m.label)
                    if norm:
                        missing.add(norm)
                linked = {link.evidence for link in a.evidence.links if link.kind == "explicit"}
                for item in a.evidence.items:
                    if item.label and item.id not in linked:
                        never.add(f"E{item.label}")
            areas = []
            if a.pksb is not None:
                areas = [x.id for x in sorted(a.pksb.areas, key=lambda x: -x.share)]
            cuts = []
            if fb.word_limit is not None:
                cuts = [c.quote.text for c in fb.word_limit.cuts]
            out.append(
                {
                    "file": rel,
                    "statement": row["file"],
                    "verdicts": {c.id: c.judgement for c in fb.criteria},
                    "level": a.reflection.document.level if a.reflection else None,
                    "counted": a.word_count.counted,
                    "status": a.word_count.status,
                    "cited": sorted(cited),
                    "never_cited": sorted(never),
                    "missing_file": sorted(missing),
                    "has_evidence": a.evidence is not None,
                    "areas": areas,
                    "cuts": cuts,
                    "priorities": [
                        {
                            "title": p.title,
                            "detail": p.detail,
                            "criterion": p.criterion,
                            "paragraph": p.paragraph_number,
                        }
                        for p in fb.priorities
                    ],
                    "paragraphs": [p.text for p in body],
                    "sentences": len(sentences),
                }
            )
    return out


# --- scoring ---------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _match_sentence(text: str, labelled: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The labelled sentence sharing most words with `text` (Jaccard >= 0.5), else None."""
    words = _words(text)
    best, best_score = None, 0.0
    for s in labelled:
        other = _words(s["text"])
        score = len(words & other) / max(1, len(words | other))
        if score > best_score:
            best, best_score = s, score
    return best if best_score >= 0.5 else None


_CRITERION_WORDS = {
    1: re.compile(r"criterion 1|criterion one|personal", re.I),
    2: re.compile(r"criterion 2|criterion two|organisational", re.I),
    3: re.compile(r"criterion 3|criterion three|wider", re.I),
}
_LIMIT_TOPIC = re.compile(r"\bwords?\b|\blimit\b|\bover\b|\bcut\b|\btrim\b", re.I)
_EVIDENCE_TOPIC = re.compile(r"\bevidence\b|\bE\d+\b|\bcite\b|\bcited\b|\bCPD log\b", re.I)


def _label_keys(text: str, paragraphs: list[str]) -> set[str]:
    keys = {f"c{n}" for n, pattern in _CRITERION_WORDS.items() if pattern.search(text)}
    if _LIMIT_TOPIC.search(text):
        keys.add("limit")
    if _EVIDENCE_TOPIC.search(text):
        keys.add("evidence")
    for quoted in re.findall(r"['\u2018\"\u201c]([^'\u2019\"\u201d]{12,})['\u2019\"\u201d]", text):
        for number, paragraph in enumerate(paragraphs, start=1):
            if quoted.lower()[:40] in paragraph.lower():
                keys.add(f"p{number}")
    return keys


def _tool_keys(point: dict[str, Any]) -> set[str]:
    keys = set()
    if point["criterion"]:
        keys.add(f"c{point['criterion']}")
    if point["paragraph"]:
        keys.add(f"p{point['paragraph']}")
    title = point["title"]
    if re.search(r"\bcut\b|\blimit\b|\bwords\b|\broom\b", title, re.I):
        keys.add("limit")
    if re.search(r"\bevidence\b|\bcite\b|\bCPD log\b", title, re.I):
        keys.add("evidence")
    return keys


def _r_precision(tool: list[str], gold: list[str]) -> float:
    k = len(gold)
    return len(set(tool[:k]) & set(gold)) / k if k else 1.0


def score(results: list[dict[str, Any]], split: str) -> dict[str, Any]:
    labels = {r["file"]: r for r in _statements(split)}
    agree = total = level_ok = status_ok = evidence_ok = evidence_n = 0
    errors: list[float] = []
    rprec: list[float] = []
    must_keep = cut_first = cuts_n = 0
    top_hits: dict[str, bool] = {}
    overlap: list[float] = []
    failed = 0
    for r in results:
        if "error" in r:
            failed += 1
            continue
        gold = labels[r["statement"]]
        for cid, want in gold["criteria"].items():
            total += 1
            agree += r["verdicts"].get(cid) == want["verdict"]
        level_ok += r["level"] == gold["document_level"]
        status_ok += r["status"] == gold["word_status"]
        errors.append(abs(r["counted"] - gold["body_words"]) / gold["body_words"])
        evidence_n += 1
        ok = set(r["cited"]) == set(gold["evidence_cited"])
        if "evidence_never_cited" in gold:
            ok = ok and set(r["never_cited"]) == set(gold["evidence_never_cited"])
            ok = ok and set(r["missing_file"]) == set(gold["evidence_missing_file"])
        evidence_ok += ok
        rprec.append(_r_precision(r["areas"], gold["pksb_main_areas"]))
        for text in r["cuts"]:
            cuts_n += 1
            match = _match_sentence(text, gold["sentences"])
            if match is not None:
                must_keep += match["must_keep"]
                cut_first += match["cut_first"]
        wanted = [_label_keys(p, r["paragraphs"]) for p in gold["mentor_priorities"]]
        tool = [_tool_keys(p) for p in r["priorities"][:3]]
        hit = bool(tool) and any(tool[0] & w for w in wanted)
        top_hits[r["file"]] = hit
        overlap.append(sum(any(t & w for t in tool) for w in wanted) / len(wanted))
    statements = {r["statement"] for r in results if "error" not in r}
    top_by_statement = sum(
        any(top_hits[r["file"]] for r in results if r.get("statement") == s)
        and all(top_hits[r["file"]] for r in results if r.get("statement") == s)
        for s in statements
    )
    files = len(errors)
    return {
        "files": files,
        "failed": failed,
        "verdicts": agree / total if total else 0.0,
        "verdicts_n": f"{agree}/{total}",
        "level": f"{level_ok}/{files}",
        "status": f"{status_ok}/{files}",
        "body_err_max": max(errors) if errors else 0.0,
        "body_err_mean": sum(errors) / files if files else 0.0,
        "within_2pct": f"{sum(e <= 0.02 for e in errors)}/{files}",
        "evidence": f"{evidence_ok}/{evidence_n}",
        "rprec": sum(rprec) / len(rprec) if rprec else 0.0,
        "cuts": cuts_n,
        "must_keep": must_keep,
        "cut_first": cut_first,
        "top_priority": f"{top_by_statement}/{len(statements)}",
        "top3_overlap": sum(overlap) / len(overlap) if overlap else 0.0,
    }


ROWS = [
    ("Criterion verdicts agree", "verdicts", ">= 0.85", "{:.2f}"),
    ("  (agreements)", "verdicts_n", "", "{}"),
    ("Document level equal", "level", "", "{}"),
    ("Word status right (files)", "status", "all", "{}"),
    ("Body words within 2%", "within_2pct", "all", "{}"),
    ("Body-word error, max", "body_err_max", "<= 0.02", "{:.3f}"),
    ("Evidence findings exact (files)", "evidence", "all", "{}"),
    ("Main-area R-precision", "rprec", ">= 0.80", "{:.2f}"),
    ("Suggested cuts", "cuts", "", "{}"),
    ("  must-keep among them", "must_keep", "0", "{}"),
    ("  cut-first among them", "cut_first", "", "{}"),
    ("Top priority matches a label (statements)", "top_priority", ">= 6/8", "{}"),
    ("Top-3 overlap with labelled priorities", "top3_overlap", "", "{:.2f}"),
    ("Files that failed", "failed", "0", "{}"),
]


def _baseline(rev: str, split: str) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        out = Path(tmp) / "results.json"
        env = dict(os.environ, PYTHONPATH=tmp)
        subprocess.run(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--collect",
                str(out),
                "--split",
                split,
            ],
            check=True,
            env=env,
            cwd=tmp,
        )
        return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "test", "all"], default="test")
    parser.add_argument("--baseline", default=BASELINE_REV, help="git revision, or 'none'")
    parser.add_argument("--collect", help=argparse.SUPPRESS)
    parser.add_argument("--dump", help="write the current tree's per-file results here")
    args = parser.parse_args()
    if args.collect:  # run by _baseline with PYTHONPATH set to the baseline copy
        Path(args.collect).write_text(json.dumps(collect(args.split)))
        return
    sys.path.insert(0, str(ROOT))
    current = collect(args.split)
    if args.dump:
        Path(args.dump).write_text(json.dumps(current, indent=1))
    columns = [("this tree", score(current, args.split))]
    if args.baseline != "none":
        columns.append(
            (f"baseline {args.baseline}", score(_baseline(args.baseline, args.split), args.split))
        )
    print(f"split: {args.split}, {columns[0][1]['files']} files from {DATA}")
    header = "| Measure | Target | " + " | ".join(name for name, _ in columns) + " |"
    print(header)
    print("|" + "---|" * (2 + len(columns)))
    for label, key, target, fmt in ROWS:
        cells = " | ".join(fmt.format(col[key]) for _, col in columns)
        print(f"| {label} | {target} | {cells} |")


if __name__ == "__main__":
    main()
