"""Priorities and strengths: each tied to a paragraph or sentence whose content supports it,
ranked by what most affects the outcome (weights in pksb_data/feedback.yaml), no two alike,
none praising boilerplate, none contradicting the criteria or the paragraph levels.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pksb_reflect.judgement.criteria import PORTFOLIO_ROUTES, where
from pksb_reflect.judgement.cuts import cut_role, keep_roles
from pksb_reflect.judgement.models import CriterionFeedback, Point, short
from pksb_reflect.judgement.reading import Doc, heading_criterion, quote
from pksb_reflect.judgement.rules import load_rules

NO_MARGIN_SHARE = 0.02  # within 2% of the limit, any addition must replace something


@dataclass(order=True)
class _Ranked:
    """A point with its sort key: higher weight first, then document order."""

    key: tuple[float, int, str]
    point: Point = field(compare=False)
    tag: str = field(compare=False, default="")


def _rank(weight: float, order: int, point: Point, tag: str = "") -> _Ranked:
    return _Ranked((-weight, order, point.title), point, tag)


def _choose(ranked: list[_Ranked]) -> list[Point]:
    """The best-ranked points (sorts `ranked`): at most max_points, two paragraph points, and
    no two with the same title or the same quoted sentence."""
    ranked.sort()
    chosen: list[Point] = []
    paragraph_items = 0
    titles: set[str] = set()
    quoted: set[int] = set()
    for item in ranked:
        if item.point.title in titles or (
            item.point.quote is not None and item.point.quote.sentence in quoted
        ):
            continue
        titles.add(item.point.title)
        if item.point.quote is not None:
            quoted.add(item.point.quote.sentence)
        if item.tag == "paragraph":
            if paragraph_items >= 2:
                continue
            paragraph_items += 1
        chosen.append(item.point)
        if len(chosen) == load_rules().thresholds.max_points:
            break
    return chosen


def priorities(doc: Doc, criteria: Sequence[CriterionFeedback]) -> list[Point]:
    wc = doc.word_count
    route = doc.route
    w = load_rules().weights
    ranked: list[_Ranked] = []
    _evidence_points(doc, ranked)
    if wc.status == "over":
        ranked.append(_rank(w.over_limit, 0, Point(
            title=f"Cut {wc.words_to_cut} words to meet the {wc.limit}-word limit",
            detail=(
                f"The statement counts {wc.counted} words against a limit of {wc.limit}. "
                "Cut scene-setting, generic sentences and lists of events first (see 'Where to "
                "cut'), never the actions, results and changes the assessor needs."
            ),
        )))  # fmt: skip
    for c in criteria:
        missing = [d for d in c.demands if not d.found]
        advice = {d_id: d.advice for d_id, d in load_rules().demands_for(route.id, c.id)}
        if c.judgement == "not yet evident" and c.sentences == 0:
            ranked.append(_rank(w.criterion_absent, c.number, Point(
                title=f"Write criterion {c.number}: {c.name.lower()}",
                detail=(
                    f"Nothing in the statement speaks to criterion {c.number} yet. It asks you "
                    f"to do this: {route.criteria[c.number - 1].demands}"
                ),
                criterion=c.number,
            )))  # fmt: skip
            continue
        if c.judgement == "met":
            continue
        weight = w.criterion_not_evident if c.judgement == "not yet evident" else w.criterion_partly
        first = c.paragraph_numbers[0] if c.paragraph_numbers else None
        if missing:
            what = missing[0]
            detail = (
                f"Criterion {c.number} ({where(c.paragraph_numbers).lower()}) does not yet show "
                f"{what.demand}: {advice[what.id]}."
            )
            if len(missing) > 1:
                detail += " Also missing: " + "; ".join(d.demand for d in missing[1:]) + "."
            ranked.append(_rank(weight, c.number, Point(
                title=f"Criterion {c.number}: show {what.demand}",
                detail=detail, criterion=c.number, paragraph_number=first,
            ), tag="criterion"))  # fmt: skip
        elif c.reflective_share < load_rules().thresholds.reflective_share:
            ranked.append(_rank(weight - 5, c.number, Point(
                title=f"Criterion {c.number}: reflect, don't only report",
                detail=(
                    f"Criterion {c.number} covers the right ground but {c.reflective_share:.0%} "
                    "of its sentences reflect. After each event, say what it meant to you and "
                    "what you now do differently."
                ),
                criterion=c.number, paragraph_number=first,
            ), tag="criterion"))  # fmt: skip
        elif route.id in PORTFOLIO_ROUTES and not c.evidence_labels:
            ranked.append(_rank(weight - 10, c.number, Point(
                title=f"Criterion {c.number}: link your evidence",
                detail=(
                    f"{where(c.paragraph_numbers)} make claims without citing evidence. Add a "
                    "label such as (E4) after each claim so the assessor can check it."
                ),
                criterion=c.number, paragraph_number=first,
            ), tag="criterion"))  # fmt: skip
    met_paragraphs = {n for c in criteria if c.judgement == "met" for n in c.paragraph_numbers}
    for p in doc.body:
        sents = doc.in_paragraph(p.index)
        if len(sents) < 2:
            continue
        # A paragraph of a met criterion can improve, but that does not change the outcome.
        minor = doc.numbers[p.index] in met_paragraphs
        own = next(
            (c.number for c in criteria if doc.numbers[p.index] in c.paragraph_numbers), None
        )
        stages = {s.stage for s in sents}
        number = doc.numbers[p.index]
        opening = quote(sents[0])
        topic = short(opening.text, 12)
        level = doc.levels.get(p.index)
        if stages == {"what"} and (level is None or level < 2):
            point = Point(
                title=f"Paragraph {number}: add the So what? and the Now what?",
                detail=(
                    f'Paragraph {number} tells what happened ("{topic}") but not what you '
                    "learned from it or what you would change. Add a sentence on why it "
                    "mattered and one on what you now do, or will do, differently."
                ),
                criterion=own,
                paragraph_number=number,
                quote=opening,
            )
            weight = w.polish if minor else w.paragraph_descriptive + min(p.words, 200) / 100
            ranked.append(_rank(weight, number, point, tag="paragraph"))
        elif "so_what" in stages and "now_what" not in stages and len(sents) >= 4:
            what_share = sum(s.stage == "what" for s in sents) / len(sents)
            if what_share >= 0.6:
                point = Point(
                    title=f"Paragraph {number}: say what you will do with it",
                    detail=(
                        f"Paragraph {number} is mostly account ({what_share:.0%} of its "
                        f"sentences) with a little learning but no Now what?. End it with "
                        "what you now do differently, or plan to."
                    ),
                    criterion=own,
                    paragraph_number=number,
                    quote=opening,
                )
                weight = w.polish if minor else w.paragraph_no_now_what
                ranked.append(_rank(weight, number, point, tag="paragraph"))
    # "No sentence looks forward" would contradict a change already made ("I now ask...").
    if not any(
        s.stage == "now_what" or "change_in_practice" in keep_roles(s.s.text) for s in doc.sents
    ):
        ranked.append(_rank(w.no_now_what, 0, Point(
            title="Say what comes next",
            detail=(
                "No sentence looks forward. Assessors want the Now what?: close each criterion "
                "with what you will do differently, try next, or keep developing."
            ),
        )))  # fmt: skip
    if doc.pksb is not None:
        unseen = list(doc.pksb.missing_expected)
        names = _area_names(doc)
        if unseen:
            listed = ", ".join(names.get(a, a) for a in unseen)
            ranked.append(_rank(w.missing_areas, 0, Point(
                title="Touch the PKSB areas the criteria expect",
                detail=(
                    f"Nothing in the statement clearly shows {listed}. A sentence on how "
                    "your work connects to them (for example an ethical question you weighed) "
                    "would widen the picture."
                ),
            )))  # fmt: skip
    if not doc.headed and route.id in PORTFOLIO_ROUTES:
        ranked.append(_rank(w.no_headings, 0, Point(
            title="Use the criteria as headings",
            detail=(
                "The statement has no criterion headings. Headings such as 'Criterion 2: "
                "Organisational context' help the assessor and are not counted in the limit."
            ),
        )))  # fmt: skip
    elif not doc.headed and len(doc.body) == 1:
        ranked.append(_rank(w.no_headings, 0, Point(
            title="Signpost each criterion",
            detail=(
                "The statement is one paragraph: split it into three short ones, or open each "
                "part with a few words naming its criterion, so the assessor sees all three."
            ),
        )))  # fmt: skip
    if wc.status == "near":
        no_margin = wc.counted >= wc.limit * (1 - NO_MARGIN_SHARE)
        ranked.append(_rank(w.no_margin if no_margin else w.near_limit, 0, Point(
            title="Leave yourself room under the limit",
            detail=(
                f"At {wc.counted} of {wc.limit} words you are close to the limit; trim the "
                "descriptive sentences listed under 'Where to cut' before adding anything."
            ),
        )))  # fmt: skip
    chosen = _choose(ranked)
    least = load_rules().thresholds.min_points
    if len(chosen) < least:
        chosen.extend(_polish(doc, criteria, chosen)[: least - len(chosen)])
    return chosen


def _evidence_points(doc: Doc, ranked: list[_Ranked]) -> None:
    """A cited label with no file, and a file never cited: the assessor will notice both; a
    revalidation statement that refers to no CPD log entry."""
    w = load_rules().weights
    if doc.route.id == "revalidation" and not any(p.evidence_labels for p in doc.body):
        ranked.append(_rank(w.evidence_uncited, 0, Point(
            title="Point to your CPD log entries",
            detail=(
                "Nothing in the statement refers to an entry of your CPD log. Name each activity "
                "as the log does, or cite it as (CPD log 3), so the assessor can match the two."
            ),
        )))  # fmt: skip
    evidence = doc.evidence
    if evidence is None:
        return
    missing = sorted(
        {"E" + m.label.lstrip("Ee") for m in evidence.missing_references}, key=_label_key
    )
    explicit = {link.evidence for link in evidence.links if link.kind == "explicit"}
    never = sorted(
        {"E" + i.label.lstrip("Ee") for i in evidence.items if i.label and i.id not in explicit},
        key=_label_key,
    )
    if missing:
        first = next(m for m in evidence.missing_references)
        number = doc.numbers.get(first.paragraph)
        detail = (
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} cited but not in your "
            "evidence folder: add the file, or remove the label and the claim it supports."
        )
        if never:
            detail += (
                f" {', '.join(never)} {'is' if len(never) == 1 else 'are'} in the folder but "
                "never cited: cite it where it supports a claim, or leave it out."
            )
        ranked.append(_rank(w.evidence_missing_file, 0, Point(
            title=f"Add the missing evidence ({', '.join(missing)})",
            detail=detail,
            paragraph_number=number,
        )))  # fmt: skip
    elif never:
        ranked.append(_rank(w.evidence_uncited, 0, Point(
            title=f"Cite or remove {', '.join(never)}",
            detail=(
                f"{', '.join(never)} {'is' if len(never) == 1 else 'are'} in your evidence "
                "folder but never cited: every item should support a point in the statement."
            ),
        )))  # fmt: skip


def _area_names(doc: Doc) -> dict[str, str]:
    return {a.id: a.name for a in doc.pksb.areas} if doc.pksb is not None else {}


def _polish(doc: Doc, criteria: Sequence[CriterionFeedback], taken: Sequence[Point]) -> list[Point]:
    """Next steps for a strong draft: still concrete, still tied to a paragraph."""
    titles = {p.title for p in taken}
    named = {p.paragraph_number for p in taken if p.paragraph_number is not None}
    out: list[Point] = []
    # The least reflective paragraph of some length is where the next gain is.
    candidates = []
    for p in doc.body:
        sents = doc.in_paragraph(p.index)
        if len(sents) >= 2:
            share = sum(s.stage != "what" for s in sents) / len(sents)
            if doc.numbers[p.index] not in named:
                candidates.append((share, doc.numbers[p.index], sents))
    candidates.sort(key=lambda x: (x[0], x[1]))
    for share, number, sents in candidates[:2]:
        what = next((s for s in sents if s.stage == "what"), sents[0])
        out.append(Point(
            title=f"Paragraph {number}: turn more of the account into reflection",
            detail=(
                f"Paragraph {number} is your least reflective ({share:.0%} of sentences). "
                f"Could \"{short(what.s.text, 12)}\" be shortened to make room for why it "
                "mattered?"
            ),
            paragraph_number=number,
            quote=quote(what),
        ))  # fmt: skip
    weakest = min(criteria, key=lambda c: (c.reflective_share, c.number))
    out.append(Point(
        title=f"Criterion {weakest.number}: bring in another viewpoint",
        detail=(
            f"Criterion {weakest.number} would be stronger with someone else's view -- a "
            "colleague's feedback, a user's words or something you read -- set against your own."
        ),
        criterion=weakest.number,
        paragraph_number=weakest.paragraph_numbers[0] if weakest.paragraph_numbers else None,
    ))  # fmt: skip
    out.append(Point(
        title="Read it aloud as the assessor",
        detail=(
            "For each paragraph ask 'so what?' once more: if the answer is not on the page, "
            "add it in a sentence."
        ),
    ))  # fmt: skip
    return [p for p in out if p.title not in titles]


def strengths(doc: Doc, criteria: Sequence[CriterionFeedback]) -> list[Point]:
    wc = doc.word_count
    ranked: list[_Ranked] = []
    # Boilerplate ("I have really enjoyed the process") is never praised or quoted.
    plain = [s for s in doc.sents if cut_role(s) not in ("generic", "signposting")]
    for c in criteria:
        if c.judgement != "met":
            continue
        shown = [d for d in c.demands if d.quote is not None]
        example = shown[-1] if shown else None
        detail = f"Criterion {c.number} is met: " + "; ".join(d.demand for d in c.demands) + "."
        if example is not None and example.quote is not None:
            detail += f' For example: "{short(example.quote.text, 16)}"'
        ranked.append(_rank(90, c.number, Point(
            title=f"Criterion {c.number} is well made",
            detail=detail,
            criterion=c.number,
            paragraph_number=example.quote.paragraph_number if example and example.quote else None,
            quote=example.quote if example else None,
        ), tag="criterion"))  # fmt: skip
    full = []
    for p in doc.body:
        sents = [s for s in plain if s.s.paragraph == p.index]
        if not sents:
            continue
        so = [s for s in sents if s.stage == "so_what"]
        now = [s for s in sents if s.stage == "now_what"]
        level = doc.levels.get(p.index, 0)
        if so and now and (not doc.levels or level >= 2):
            share = (len(so) + len(now)) / len(sents)
            full.append((level, share, doc.numbers[p.index], so[0], now[0]))
    full.sort(key=lambda x: (-x[0], -x[1], x[2]))
    for level, _share, number, so_sent, now_sent in full[:2]:
        depth = f" (depth level {level})" if level else ""
        ranked.append(_rank(80 + level, number, Point(
            title=f"Paragraph {number} reflects all the way through",
            detail=(
                f"Paragraph {number}{depth} goes beyond the event: you say what it meant "
                f"(\"{short(so_sent.s.text, 12)}\") and what you now do "
                f"(\"{short(now_sent.s.text, 12)}\")."
            ),
            paragraph_number=number,
            quote=quote(so_sent),
        ), tag="paragraph"))  # fmt: skip
    weighing = next(
        (
            s
            for s in plain
            if s.category not in (None, "Experience", "Other")
            and {"hedge", "contrast"} & set(s.markers)
        ),
        None,
    ) or next(
        (s for s in plain if re.search(r"\b(on reflection|in hindsight|I suspect|"
                                           r"I cannot show|the limits of)\b", s.s.text, re.I)),
        None,
    )  # fmt: skip
    if weighing is not None:
        ranked.append(_rank(70, weighing.number, Point(
            title="You question your own account",
            detail=(
                f"In paragraph {weighing.number} you weigh what happened rather than only "
                f"reporting it: \"{short(weighing.s.text, 16)}\". That honesty is what "
                "assessors look for."
            ),
            paragraph_number=weighing.number,
            quote=quote(weighing),
        )))  # fmt: skip
    cited = [c for c in criteria if c.evidence_labels]
    if doc.route.id in PORTFOLIO_ROUTES and len(cited) >= 2:
        labels = sorted({lab for c in cited for lab in c.evidence_labels}, key=_label_key)
        ranked.append(_rank(60, 0, Point(
            title="Evidence is signposted",
            detail=(
                f"You cite evidence under {len(cited)} of the 3 criteria ({', '.join(labels[:8])}"
                f"{'…' if len(labels) > 8 else ''}), so the assessor can check your claims."
            ),
        )))  # fmt: skip
    viewpoint = next((s for s in plain if "perspective" in s.markers), None) or next(
        (s for s in plain if re.search(r"\b(reading|read about|according to|"
                                           r"\(\w+,? \d{4}\)|feedback)\b", s.s.text, re.I)
         and s.stage != "what"),
        None,
    )  # fmt: skip
    if viewpoint is not None:
        ranked.append(_rank(55, viewpoint.number, Point(
            title="You draw on other voices",
            detail=(
                f"Paragraph {viewpoint.number} lets another view shape yours: "
                f"\"{short(viewpoint.s.text, 16)}\"."
            ),
            paragraph_number=viewpoint.number,
            quote=quote(viewpoint),
        )))  # fmt: skip
    if doc.pksb is not None:
        names = _area_names(doc)
        dominant = list(doc.pksb.dominant)
        missing = set(doc.pksb.missing_expected)
        touched = [e for e in doc.pksb.expected if e not in missing and e not in dominant]
        if dominant:
            detail = "Your statement centres on " + ", ".join(names.get(a, a) for a in dominant)
            if touched:
                detail += "; it also touches " + ", ".join(names.get(a, a) for a in touched)
            ranked.append(_rank(45, 0, Point(
                title="A clear PKSB focus", detail=detail + "."
            )))  # fmt: skip
    if any(p.kind == "heading" and heading_criterion(p.text) for p in doc.outline.paragraphs):
        ranked.append(_rank(40, 0, Point(
            title="Easy to follow",
            detail=(
                "Criterion headings split the statement the way assessors read it, and they do "
                "not count towards the limit."
            ),
        )))  # fmt: skip
    if wc.status == "under":
        ranked.append(_rank(35, 0, Point(
            title="Within the word limit",
            detail=f"{wc.counted} of {wc.limit} words: room to add reflection where it helps.",
        )))  # fmt: skip
    specific = next((s for s in plain if s.stage == "what" and re.search(r"\d", s.s.text)), None)
    if specific is not None:
        ranked.append(_rank(30, specific.number, Point(
            title="Concrete detail",
            detail=(
                f"You give specifics an assessor can picture (paragraph {specific.number}: "
                f"\"{short(specific.s.text, 14)}\"); keep them, but make each one earn its place."
            ),
            paragraph_number=specific.number,
            quote=quote(specific),
        )))  # fmt: skip
    return _choose(ranked)


def _label_key(label: str) -> tuple[int, str]:
    digits = re.findall(r"\d+", label)
    return (int(digits[0]) if digits else 0, label)
