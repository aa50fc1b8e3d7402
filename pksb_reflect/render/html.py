"""The HTML report: one self-contained file, readable offline and without JavaScript.

Inline CSS and inline SVG only: no scripts, no fonts, no links to anything outside the file.
Every piece of user text (statement, file name, quotes, evidence details) passes through
`esc`, including inside attributes and SVG, so a draft can never inject markup.
"""

from __future__ import annotations

from html import escape
from typing import Any

from pksb_reflect.judgement.models import Feedback, Point
from pksb_reflect.render.common import (
    CATEGORY_GLOSS,
    JUDGEMENT_LABEL,
    STAGE_GLOSS,
    feedback_of,
    paragraph_numbers,
    part,
    portfolio_sections,
    stage_label,
)
from pksb_reflect.results import Assessment

CATEGORY_COLOURS = {
    "Experience": "#e9ecf1",
    "Feeling": "#fbdde3",
    "Reflection": "#d7e6fb",
    "Difficulty": "#fde3c8",
    "Belief": "#e8e1fb",
    "Perspective": "#d3f2e3",
    "Learning": "#fbeeb8",
    "Intention": "#c9efe9",
    "Other": "#f1f2f4",
}
STAGE_COLOURS = {"what": "#eceef2", "so_what": "#cddffa", "now_what": "#bfeae3"}
STAGE_BAR = {"what": "#9aa5b5", "so_what": "#4a7fd4", "now_what": "#1f9e8c"}
JUDGEMENT_CLASS = {"met": "met", "partly": "partly", "not yet evident": "notyet"}

CSS = """
:root{--ink:#1d2433;--muted:#5b6577;--line:#dfe3ea;--bg:#f6f7f9;--card:#fff;--accent:#2d4f8b}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header{background:linear-gradient(120deg,#233b66,#2d5a8f);color:#fff;padding:28px 0 22px}
.wrap{max-width:1080px;margin:0 auto;padding:0 24px}
header h1{margin:0 0 4px;font-size:26px;font-weight:650;letter-spacing:-.01em}
header .meta{opacity:.88;font-size:14px}
.wordbar{margin-top:14px;background:rgba(255,255,255,.2);border-radius:6px;height:10px;
overflow:hidden;max-width:420px}
.wordbar span{display:block;height:100%;border-radius:6px}
.wordbar .under{background:#7fd6a4}.wordbar .near{background:#f3c969}
.wordbar .over{background:#f28b82}
main{padding:22px 0 40px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 22px;
margin-bottom:18px;box-shadow:0 1px 2px rgba(20,30,50,.04)}
h2{font-size:18px;margin:0 0 12px;color:var(--accent)}
h3{font-size:15px;margin:14px 0 6px}
.summary{font-size:16px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:8px 10px;border-bottom:1px solid var(--line)}
th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.badge{display:inline-block;padding:2px 9px;border-radius:999px;font-size:12px;font-weight:600;
white-space:nowrap}
.badge.met{background:#d9f2e2;color:#166534}.badge.partly{background:#fdf0c8;color:#8a5a00}
.badge.notyet{background:#fbdcdc;color:#9b1c1c}
details{margin-top:6px}summary{cursor:pointer;color:var(--accent);font-size:13px}
details ul{margin:6px 0 0;padding-left:18px;font-size:13.5px;color:#334}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:18px}
@media (max-width:800px){.cols{grid-template-columns:1fr}}
ol.points{margin:0;padding-left:20px}ol.points li{margin-bottom:10px}
ol.points b{display:block}
.strengths h2{color:#166534}.priorities h2{color:#9b4d00}
.where{font-size:12px;color:var(--muted)}
blockquote{margin:4px 0 0;padding:4px 10px;border-left:3px solid var(--line);color:#3b4456;
font-style:italic;font-size:13.5px}
.legend{display:flex;flex-wrap:wrap;gap:6px 12px;font-size:12.5px;margin:0 0 14px;
color:var(--muted)}
.legend i{display:inline-block;width:12px;height:12px;border-radius:3px;margin-right:5px;
vertical-align:-1px;border:1px solid rgba(0,0,0,.08)}
.statement h4{margin:18px 0 6px;font-size:15px}
.para{position:relative;margin:0 0 12px;padding-left:44px}
.pnum{position:absolute;left:0;top:2px;font-size:11.5px;color:var(--muted);width:38px;
text-align:right}
.ptag{font-size:11px;color:var(--muted);margin-left:6px}
.s{border-radius:4px;padding:1px 2px;box-decoration-break:clone;-webkit-box-decoration-break:clone}
.s:hover{outline:2px solid #8aa6d6}
.refs{color:var(--muted);font-size:13.5px}
svg text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:#1d2433}
.kv td{font-size:13px}.kv td:first-child{color:var(--muted);white-space:nowrap}
.cuts li{margin-bottom:8px}
footer{color:var(--muted);font-size:12px;padding:0 0 30px}
"""


def esc(value: Any) -> str:
    """Text (and attribute values) safe inside HTML and SVG.

    Braces and square brackets become entities too, so a page later passed through a template
    engine or a Markdown filter cannot turn a draft's "{{ ... }}" or "[x](...)" into anything.
    """
    text = escape("" if value is None else str(value), quote=True)
    for raw, entity in (("{", "&#123;"), ("}", "&#125;"), ("[", "&#91;"), ("]", "&#93;")):
        text = text.replace(raw, entity)
    return text


def render(assessment: Assessment, *, color: bool = False) -> str:
    """The whole report as one HTML document; `color` is ignored."""
    fb = feedback_of(assessment)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Feedback: {esc(assessment.source.name)}</title>",
        f"<style>{CSS}</style></head><body>",
        _header(assessment),
        '<main><div class="wrap">',
        _notes(assessment),
        f'<section class="card summary" id="summary"><h2>In brief</h2><p>{esc(fb.summary)}</p>'
        "</section>",
        _criteria(fb),
        '<div class="cols">',
        _points("strengths", "Strengths", fb.strengths),
        _points("priorities", "Priorities", fb.priorities),
        "</div>",
        _cuts(fb),
        _charts(assessment, fb),
        _evidence(assessment),
        _statement(assessment, fb),
        "</div></main>",
        f'<footer><div class="wrap">{esc(" · ".join(fb.basis))}. pksb-reflect '
        f"{esc(assessment.tool_version)}; everything was computed on your own machine.</div>"
        "</footer>",
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _header(assessment: Assessment) -> str:
    wc = assessment.word_count
    width = min(100.0, 100.0 * wc.counted / wc.limit) if wc.limit else 0.0
    verdict = {"under": "under the limit", "near": "near the limit", "over": "over the limit"}
    return (
        '<header><div class="wrap">'
        f"<h1>Feedback on {esc(assessment.source.name)}</h1>"
        f'<div class="meta">{esc(assessment.route_name)} · PKSB {esc(assessment.framework)} · '
        f"{wc.counted} of {wc.limit} words, {verdict[wc.status]}</div>"
        f'<div class="wordbar" role="img" aria-label="{wc.counted} of {wc.limit} words">'
        f'<span class="{esc(wc.status)}" style="width:{width:.1f}%"></span></div>'
        "</div></header>"
    )


def _criteria(fb: Feedback) -> str:
    rows = []
    for c in fb.criteria:
        paragraphs = ", ".join(str(n) for n in c.paragraph_numbers) or "none"
        reasons = "".join(f"<li>{esc(r)}</li>" for r in c.reasons)
        quotes = "".join(
            f"<blockquote>¶{q.paragraph_number}: {esc(q.text)}</blockquote>" for q in c.quotes[:3]
        )
        rows.append(
            "<tr>"
            f"<td><b>{c.number}. {esc(c.name)}</b></td>"
            f'<td><span class="badge {JUDGEMENT_CLASS[c.judgement]}">'
            f"{JUDGEMENT_LABEL[c.judgement]}</span></td>"
            f"<td>{esc(paragraphs)}</td>"
            f"<td>{esc(c.summary)}<details><summary>Why, in your words</summary>"
            f"<ul>{reasons}</ul>{quotes}</details></td>"
            "</tr>"
        )
    return (
        '<section class="card" id="criteria"><h2>The three criteria</h2><table>'
        "<thead><tr><th>Criterion</th><th>Judgement</th><th>Paragraphs</th><th>Why</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def _points(kind: str, title: str, points: list[Point]) -> str:
    items = []
    for point in points:
        where = []
        if point.criterion is not None:
            where.append(f"criterion {point.criterion}")
        if point.paragraph_number is not None:
            where.append(f"paragraph {point.paragraph_number}")
        tag = f' <span class="where">({esc(", ".join(where))})</span>' if where else ""
        items.append(f"<li><b>{esc(point.title)}{tag}</b>{esc(point.detail)}</li>")
    return (
        f'<section class="card {kind}" id="{kind}"><h2>{title}</h2>'
        f'<ol class="points">{"".join(items)}</ol></section>'
    )


def _cuts(fb: Feedback) -> str:
    advice = fb.word_limit
    if advice is None:
        return ""
    items = "".join(
        f"<li><b>Paragraph {c.quote.paragraph_number}, {c.words} words</b> "
        f'<span class="where">({esc(c.reason)})</span><blockquote>{esc(c.quote.text)}'
        "</blockquote></li>"
        for c in advice.cuts
    )
    return (
        f'<section class="card" id="cut"><h2>Where to cut</h2><p>{esc(advice.summary)}</p>'
        f'<ul class="cuts">{items}</ul></section>'
    )


# --- charts ----------------------------------------------------------------------------------


def _charts(assessment: Assessment, fb: Feedback) -> str:
    coverage = part(assessment, "pksb")
    reflection = part(assessment, "reflection")
    depth = ""
    if reflection is not None:
        doc = reflection.document
        depth = (
            f"<p>Depth: level {doc.level}, <b>{esc(doc.level_name)}</b>; "
            f"{doc.reflective_share:.0%} of sentences reflect.</p>"
        )
    balance = (
        f'<section class="card" id="balance"><h2>What? So what? Now what?</h2>{depth}'
        f"{_balance_chart(fb)}"
    )
    if coverage is None:  # one full-width card rather than an empty half
        return (
            f'{balance}<p class="where" id="pksb">PKSB coverage was not available for this '
            "report.</p></section>"
        )
    return (
        '<div class="cols">'
        f'<section class="card" id="pksb"><h2>PKSB coverage</h2>{_pksb_chart(coverage)}'
        + "".join(
            f'<p class="where">{esc(n.reason)} {esc(n.question)}</p>' for n in coverage.numbering
        )
        + "</section>"
        f"{balance}</section></div>"
    )


def _pksb_chart(coverage: Any) -> str:
    """Horizontal bars: how strongly each area is shown; expected areas are marked."""
    areas = list(coverage.areas)[:12]
    expected = set(coverage.expected)
    missing = set(coverage.missing_expected)
    label_w, bar_w, row_h = 250, 190, 24
    height = row_h * len(areas) + 26
    rows = []
    for i, area in enumerate(areas):
        y = 8 + i * row_h
        width = max(0.0, min(1.0, float(area.strength))) * bar_w
        colour = "#2d5a8f" if area.id not in missing else "#c2410c"
        name = area.name if len(area.name) <= 32 else area.name[:31].rstrip(" ,") + "…"
        mark = " ◆" if area.id in expected else ""
        rows.append(
            f"<g><title>{esc(area.name)}: strength {area.strength:.0%}, share {area.share:.0%}"
            f"{' (expected by the criteria)' if area.id in expected else ''}</title>"
            f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end">{esc(name)}{mark}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{bar_w}" height="14" rx="3" fill="#eef1f5"/>'
            f'<rect x="{label_w}" y="{y + 2}" width="{width:.1f}" height="14" rx="3" '
            f'fill="{colour}"/>'
            f'<text x="{label_w + bar_w + 6}" y="{y + 13}">{area.strength:.0%}</text></g>'
        )
    note = ""
    if missing:
        names = {a.id: a.name for a in coverage.areas}
        note = (
            '<p class="where">◆ expected by the criteria; not yet shown: '
            f"{esc(', '.join(names.get(m, m) for m in sorted(missing)))}.</p>"
        )
    return (
        f'<svg role="img" aria-label="PKSB coverage by area" viewBox="0 0 {label_w + bar_w + 50} '
        f'{height}" width="100%">{"".join(rows)}</svg>{note}'
    )


def _balance_chart(fb: Feedback) -> str:
    """Stacked bars per paragraph: sentences at What?, So what? and Now what?."""
    notes = fb.paragraphs
    label_w, bar_w, row_h = 96, 300, 22
    most = max((n.what + n.so_what + n.now_what for n in notes), default=1) or 1
    height = row_h * len(notes) + 40
    rows = []
    for i, note in enumerate(notes):
        y = 6 + i * row_h
        x = float(label_w)
        segments = []
        for stage, count in (("what", note.what), ("so_what", note.so_what),
                             ("now_what", note.now_what)):  # fmt: skip
            width = bar_w * count / most
            if count:
                segments.append(
                    f'<rect x="{x:.1f}" y="{y + 2}" width="{width:.1f}" height="14" '
                    f'fill="{STAGE_BAR[stage]}"><title>{stage_label(stage)} {count}</title></rect>'
                )
            x += width
        criterion = {"personal": "C1", "organisational": "C2", "wider": "C3"}[note.criterion]
        rows.append(
            f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end">¶{note.paragraph_number} '
            f"· {criterion}</text>{''.join(segments)}"
        )
    legend_y = height - 12
    legend = "".join(
        f'<rect x="{label_w + j * 100}" y="{legend_y - 10}" width="11" height="11" rx="2" '
        f'fill="{STAGE_BAR[s]}"/><text x="{label_w + j * 100 + 16}" y="{legend_y}">'
        f"{stage_label(s)}</text>"
        for j, s in enumerate(("what", "so_what", "now_what"))
    )
    return (
        f'<svg role="img" aria-label="What, So what and Now what sentences per paragraph" '
        f'viewBox="0 0 {label_w + bar_w + 20} {height}" style="max-width:640px" width="100%" '
        f">{''.join(rows)}{legend}</svg>"
    )


# --- evidence, statement, notes --------------------------------------------------------------


def _evidence(assessment: Assessment) -> str:
    sections = []
    for number, (title, lines) in enumerate(portfolio_sections(assessment), start=1):
        items = "".join(f"<li>{esc(line)}</li>" for line in lines)
        sections.append(
            f'<section class="card" id="portfolio-{number}"><h2>{esc(title)}</h2>'
            f"<ul>{items}</ul></section>"
        )
    numbers = paragraph_numbers(assessment)
    cited = [
        (numbers[p.index], p.evidence_labels)
        for p in assessment.outline.paragraphs
        if p.index in numbers and p.evidence_labels
    ]
    if cited:
        items = "".join(f"<li>Paragraph {n}: {esc(', '.join(labels))}</li>" for n, labels in cited)
        sections.insert(
            0,
            '<section class="card" id="evidence-links"><h2>Evidence cited in the statement</h2>'
            f"<ul>{items}</ul></section>",
        )
    return "".join(sections)


def _statement(assessment: Assessment, fb: Feedback) -> str:
    """The statement with each sentence shaded by its reflective category; reasons on hover."""
    report = part(assessment, "reflection")
    by_index = {}
    if report is not None and len(report.sentences) == len(assessment.outline.sentences):
        by_index = {s.index: s for s in report.sentences}
    numbers = paragraph_numbers(assessment)
    notes = {n.paragraph: n for n in fb.paragraphs}
    sentences = assessment.outline.sentences
    stages = fb.sentence_stages
    blocks = []
    for paragraph in assessment.outline.paragraphs:
        if paragraph.kind == "heading":
            blocks.append(f"<h4>{esc(paragraph.text)}</h4>")
            continue
        if paragraph.index not in numbers:
            blocks.append(f'<p class="refs">{esc(paragraph.text)}</p>')
            continue
        pieces = []
        cursor = paragraph.start
        for index in paragraph.sentence_indexes:
            sentence = sentences[index]
            if sentence.start > cursor:  # text between sentences, as written
                pieces.append(esc(paragraph.text[cursor - paragraph.start : sentence.start
                                                  - paragraph.start]))  # fmt: skip
            stage = stages[index] if index < len(stages) else "what"
            info = by_index.get(index)
            if info is not None:
                colour = CATEGORY_COLOURS.get(info.category, CATEGORY_COLOURS["Other"])
                markers = "; ".join(f"{m.kind}: {m.text}" for m in info.markers[:6]) or "none"
                tip = (
                    f"{info.category} ({CATEGORY_GLOSS.get(info.category, '')}), "
                    f"probability {info.probability:.0%} · {stage_label(stage)} · "
                    f"markers: {markers}"
                )
            else:
                colour = STAGE_COLOURS[stage]
                tip = f"{STAGE_GLOSS[stage]} (from cue phrases)"
            pieces.append(
                f'<span class="s" style="background:{colour}" title="{esc(tip)}">'
                f"{esc(sentence.text)}</span>"
            )
            cursor = sentence.end
        if cursor < paragraph.end:
            pieces.append(esc(paragraph.text[cursor - paragraph.start :]))
        note = notes.get(paragraph.index)
        tag = ""
        if note is not None:
            criterion = {"personal": 1, "organisational": 2, "wider": 3}[note.criterion]
            why = esc("given to this criterion by " + note.assigned_by)
            tag = f'<span class="ptag" title="{why}">criterion {criterion}</span>'

        blocks.append(
            f'<p class="para"><span class="pnum">¶{numbers[paragraph.index]}</span>'
            f"{''.join(pieces)}{tag}</p>"
        )
    if by_index:
        legend = "".join(
            f'<span><i style="background:{colour}"></i>{esc(name)}: '
            f"{esc(CATEGORY_GLOSS[name])}</span>"
            for name, colour in CATEGORY_COLOURS.items()
        )
    else:
        legend = "".join(
            f'<span><i style="background:{STAGE_COLOURS[s]}"></i>{esc(STAGE_GLOSS[s])}</span>'
            for s in ("what", "so_what", "now_what")
        )
    return (
        '<section class="card statement" id="statement"><h2>Your statement</h2>'
        f'<div class="legend">{legend}<span>Hover over a sentence to see why.</span></div>'
        f"{''.join(blocks)}</section>"
    )


def _notes(assessment: Assessment) -> str:
    if not assessment.warnings:
        return ""
    items = "".join(f"<li>{esc(w)}</li>" for w in assessment.warnings)
    return f'<section class="card" id="notes"><h2>Notes</h2><ul>{items}</ul></section>'
