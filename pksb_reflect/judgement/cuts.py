"""Where to cut: sentences whose role lets them go, in a mentor's order, until the limit is met.

Every sentence gets its roles from pksb_data/feedback.yaml. A sentence that carries the action
taken, a result or figure, the organisation's aim, a change in practice, an identified gap, an
outcome or an evidence reference is never suggested. The rest go in this order: generic
praise and thanks, signposting, scene-setting, then plain description (What? sentences with no
keep role), longest first within each; reflective sentences, and sentences quoted as showing a
criterion's demand, are never cut. Suggestions stop
when the words saved meet the target.
"""

from __future__ import annotations

from pksb_reflect.analysis.segment import LIST_MARKER
from pksb_reflect.judgement.models import CutSuggestion, WordLimitAdvice
from pksb_reflect.judgement.reading import Doc, Sent, quote
from pksb_reflect.judgement.rules import CUT_ROLES, load_rules, role_patterns

LIST_ITEM_WORDS = 25  # a paragraph this short after a lead-in is a list item
NEAR_CUT_SHARE = 0.05  # near the limit: suggest room for this share of the limit

_REASONS = {
    "generic": "generic: it could be said of any statement, and the assessor learns nothing",
    "signposting": "signposting: the sentences around it already make the point",
    "scene_setting": "scene-setting your CV and job description already give",
    "description": "describes events without saying what they meant; the log or CV holds them",
}


def keep_roles(text: str) -> list[str]:
    keep, _ = role_patterns()
    return [role for role, patterns in keep.items() if any(p.search(text) for p in patterns)]


def cut_role(sent: Sent) -> str | None:
    """The reason a sentence may go first, or None when it must stay or only be tightened."""
    _, cut = role_patterns()
    text = sent.s.text
    for role in CUT_ROLES:
        hit = any(p.search(text) for p in cut.get(role, []))
        if hit and (role == "generic" or not keep_roles(text)):
            return role
    if sent.stage == "what" and not keep_roles(text):
        return "description"
    return None


def _items_of_kept_lead_ins(doc: Doc) -> set[int]:
    """Sentences of list items whose lead-in ("I redesigned the offer in three ways:") has a
    keep role: the items are that action's substance, not a list of events."""
    out: set[int] = set()
    lead_in_kept = False
    for p in doc.body:
        sents = doc.in_paragraph(p.index)
        if not sents:
            continue
        if lead_in_kept and (p.words <= LIST_ITEM_WORDS or LIST_MARKER.match(p.text)):
            out.update(s.s.index for s in sents)
            continue
        last = sents[-1].s.text.rstrip()
        lead_in_kept = last.endswith(":") and bool(keep_roles(last))
    return out


def cut_advice(doc: Doc, shows_demand: set[int]) -> WordLimitAdvice | None:
    """Cuts until the limit is met; `shows_demand`: sentences quoted as showing a criterion's
    demand, which are never suggested."""
    wc = doc.word_count
    if wc.status == "under":
        return None
    target = wc.words_to_cut if wc.status == "over" else max(1, round(wc.limit * NEAR_CUT_SHARE))
    order = [*CUT_ROLES, "description"]
    kept_items = _items_of_kept_lead_ins(doc)
    candidates = []
    for s in doc.sents:
        role = cut_role(s)
        protected = s.s.index in shows_demand or s.s.index in kept_items
        if role is not None and s.words > 0 and not protected:
            candidates.append((order.index(role), -s.words, s.s.index, s, role))
    candidates.sort(key=lambda c: c[:3])
    cuts: list[CutSuggestion] = []
    saved = 0
    limit = load_rules().thresholds.max_cut_suggestions
    for *_, s, role in candidates:
        if saved >= target or len(cuts) >= limit:
            break
        cuts.append(
            CutSuggestion(
                quote=quote(s),
                words=s.words,
                reason=_REASONS[role],
                role=None if role == "description" else role,
            )
        )
        saved += s.words
    cuts.sort(key=lambda c: c.quote.sentence)
    short_by = max(0, target - saved)
    if wc.status == "over":
        summary = (
            f"{wc.counted} words against a limit of {wc.limit}: cut at least {wc.words_to_cut}. "
            f"The {len(cuts)} sentence(s) below save {saved} words"
            + (
                f"; the other {short_by} must come from tightening sentences, not from the "
                "actions, results and changes the assessor needs."
                if short_by
                else ", without touching the actions, results and changes the assessor needs."
            )
        )
    else:
        summary = (
            f"{wc.counted} words, close to the limit of {wc.limit}. If you add anything, make "
            f"room first: the {len(cuts)} sentence(s) below could go ({saved} words)."
        )
    return WordLimitAdvice(
        status=wc.status,
        counted=wc.counted,
        limit=wc.limit,
        words_to_cut=wc.words_to_cut,
        summary=summary,
        cuts=cuts,
        words_saved=saved,
    )
