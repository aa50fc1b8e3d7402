"""Judging one criterion: its demands (from pksb_data/feedback.yaml), its reflection, and the
evidence behind it.

* demands: each is found when a sentence given to the criterion matches one of its phrases;
  that sentence is quoted.
* reflection: enough So what?/Now what? sentences (a reflective share of at least
  `reflective_share`, or `cycle_share` with both stages present; for revalidation, where every
  sentence should reflect, `revalidation_share`), and depth level 2 or more where graded.
* evidence (portfolio routes): whether its paragraphs cite evidence, and whether a cited label
  has no file. As mentors judge, missing evidence is a priority to fix, not a criterion unmet:
  it is reported in the reasons and the priorities, not in the verdict, unless the statement
  cites no evidence at all.

Met: every demand (one may be missing when there are four or more), reflective, and (for
portfolio routes) some evidence cited in the statement.
Not yet evident: nothing speaks to it, an essential demand is missing (Fellowship's
contribution beyond the organisation), or fewer than half the demands and no reflection.
Partly: anything between.
"""

from __future__ import annotations

from collections.abc import Sequence

from pksb_reflect.analysis.evidence import EvidenceReport
from pksb_reflect.judgement.models import CriterionFeedback, DemandCheck, Judgement, Quote, short
from pksb_reflect.judgement.reading import Crit, Doc, Sent, quote
from pksb_reflect.judgement.rules import load_rules

PORTFOLIO_ROUTES = frozenset({"certification", "chartership", "fellowship"})
MANY_DEMANDS = 4  # from this many demands, one may be missing in a met criterion


def demand_checks(route_id: str, crit: Crit) -> list[DemandCheck]:
    checks: list[DemandCheck] = []
    for demand_id, demand in load_rules().demands_for(route_id, crit.id):
        patterns = demand.compiled()
        hit = next((s for s in crit.sentences if any(p.search(s.s.text) for p in patterns)), None)
        checks.append(
            DemandCheck(
                id=demand_id,
                demand=demand.text,
                found=hit is not None,
                quote=quote(hit) if hit else None,
            )
        )
    return checks


def cited_labels(doc: Doc, paragraphs: Sequence[int]) -> list[str]:
    seen: dict[str, None] = {}
    for p in doc.body:
        if p.index in paragraphs:
            for label in p.evidence_labels:
                seen.setdefault(label, None)
    return list(seen)


def evidence_backed(
    evidence: EvidenceReport | None, paragraphs: Sequence[int], labels: Sequence[str]
) -> bool | None:
    """False when a label these paragraphs cite has no file; True when every cited label has
    one; None when no evidence folder was checked or nothing is cited."""
    if evidence is None or not labels:
        return None
    inside = set(paragraphs)
    if any(m.paragraph in inside for m in evidence.missing_references):
        return False
    linked = {link.paragraph for link in evidence.links if link.kind == "explicit"}
    return True if linked & inside else None


def where(numbers: Sequence[int]) -> str:
    if not numbers:
        return "No paragraph"
    if len(numbers) == 1:
        return f"Paragraph {numbers[0]}"
    return "Paragraphs " + ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"


def _reflects(doc: Doc, crit: Crit, so: Sequence[Sent], now: Sequence[Sent]) -> bool:
    t = load_rules().thresholds
    n = len(crit.sentences)
    if n == 0 or not (so or now):
        return False
    share = (len(so) + len(now)) / n
    levels = [doc.levels[p] for p in crit.paragraphs if p in doc.levels]
    if levels and max(levels) < 2:
        return False
    if doc.route.id == "revalidation":
        return share >= t.revalidation_share
    return share >= t.reflective_share or (bool(so) and bool(now) and share >= t.cycle_share)


def judge(doc: Doc, crit: Crit) -> CriterionFeedback:
    route = doc.route
    rules = load_rules()
    n = len(crit.sentences)
    so = [s for s in crit.sentences if s.stage == "so_what"]
    now = [s for s in crit.sentences if s.stage == "now_what"]
    share = (len(so) + len(now)) / n if n else 0.0
    level = max((doc.levels[p] for p in crit.paragraphs if p in doc.levels), default=None)
    checks = demand_checks(route.id, crit)
    advice = {d_id: d.advice for d_id, d in rules.demands_for(route.id, crit.id)}
    missing = [c for c in checks if not c.found]
    essential = [c for c in missing if c.id in rules.essential_for(route.id, crit.id)]
    labels = cited_labels(doc, crit.paragraphs)
    backed = evidence_backed(doc.evidence, crit.paragraphs, labels)
    needs_evidence = route.id in PORTFOLIO_ROUTES
    evidence_ok = not needs_evidence or (bool(labels) and backed is not False)
    reflects = _reflects(doc, crit, so, now)
    numbers = [doc.numbers[p] for p in crit.paragraphs]
    reasons: list[str] = []
    allowed = 1 if len(checks) >= MANY_DEMANDS else 0
    if n == 0:
        judgement: Judgement = "not yet evident"
        reasons.append(
            f"No paragraph speaks to criterion {crit.number} ({crit.name.lower()}); "
            "give it a heading and at least one paragraph of its own."
        )
    else:
        reasons.append(
            f"{where(numbers)} address{'es' if len(numbers) == 1 else ''} it "
            f"({n} sentence{'s' if n != 1 else ''})."
            if numbers
            else f"No paragraph is given to it, but {n} sentence(s) elsewhere speak to it."
        )
        for check in checks:
            if check.found and check.quote is not None:
                reasons.append(
                    f'Shows {check.demand}: "{short(check.quote.text, 14)}" '
                    f"(paragraph {check.quote.paragraph_number})."
                )
            else:
                reasons.append(f"Does not yet show {check.demand}: {advice[check.id]}.")
        depth = f", depth level {level}" if level is not None else ""
        reasons.append(
            f"{share:.0%} of its sentences reflect (So what? {len(so)}, Now what? {len(now)}"
            f"{depth}); {'that is reflective writing' if reflects else 'mostly description'}."
        )
        if needs_evidence:
            if not labels:
                reasons.append("No evidence is cited in its paragraphs.")
            elif backed is False:
                reasons.append(
                    f"Cites {', '.join(labels)}, but at least one cited item has no file."
                )
            else:
                reasons.append(f"Cites evidence: {', '.join(labels)}.")
        uncited = needs_evidence and not any(p.evidence_labels for p in doc.body)
        if essential:
            judgement = "not yet evident"
        elif len(missing) <= allowed and reflects and not uncited:
            judgement = "met"
        elif (len(checks) - len(missing)) * 2 >= len(checks) or reflects:
            judgement = "partly"
        else:
            judgement = "not yet evident"
    summary = _summary(judgement, missing, advice, reflects, evidence_ok, backed, n)
    return CriterionFeedback(
        id=crit.id,
        number=crit.number,
        name=crit.name,
        judgement=judgement,
        summary=summary,
        reasons=reasons,
        paragraph_numbers=numbers,
        assigned_by=list(crit.assigned_by),
        sentences=n,
        reflective_share=round(share, 4),
        depth_level=level,
        so_what=bool(so),
        now_what=bool(now),
        demands=checks,
        evidence_labels=labels,
        evidence_backed=backed,
        quotes=_quotes(checks, so, now),
    )


def _summary(
    judgement: Judgement,
    missing: Sequence[DemandCheck],
    advice: dict[str, str],
    reflects: bool,
    evidence_ok: bool,
    backed: bool | None,
    n: int,
) -> str:
    if n == 0:
        return "Not yet addressed: nothing in the statement speaks to this criterion."
    if judgement == "met":
        shown = "Met: its demands are shown and the writing reflects on them"
        if backed is False:
            return shown + "; one cited item has no file yet (see the priorities)."
        return shown + ("." if evidence_ok else "; cite the evidence behind its claims.")
    gaps = []
    if missing:
        gaps.append(f"it does not yet show {missing[0].demand} ({advice[missing[0].id]})")
        if len(missing) > 1:
            gaps.append("nor " + "; ".join(m.demand for m in missing[1:]))
    if not reflects:
        gaps.append(
            "it mostly tells what happened: after each event say what it meant and what you "
            "now do differently"
        )
    if not evidence_ok:
        gaps.append(
            "a cited item has no file: add it to the evidence or remove the label"
            if backed is False
            else "no evidence is cited: add a label such as (E4) after the claim it supports"
        )
    lead = "Partly there" if judgement == "partly" else "Not yet evident"
    return f"{lead}: " + "; ".join(gaps) + "."


def _quotes(checks: Sequence[DemandCheck], so: Sequence[Sent], now: Sequence[Sent]) -> list[Quote]:
    chosen: dict[int, Quote] = {}
    for check in checks:
        if check.quote is not None:
            chosen.setdefault(check.quote.sentence, check.quote)
    for sent in list(so[:1]) + list(now[:1]):
        chosen.setdefault(sent.s.index, quote(sent))
    return [chosen[k] for k in sorted(chosen)][:5]
