"""Paragraph and document coverage, the expected elements missed, and evidence items.

A stretch's share of an area is the sum of its sentences' area confidences times their evidence
weight, over the total weight: a sentence counts by how much it is about the area, not once for
its top area; with `focus` > 0 a sentence that is clearly about something (a high top
confidence) also counts more than a vague one. Strength is the noisy-or of the sentences that
clear the evidence floor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from pksb_reflect.analysis.mapping.models import (
    DEFAULT_EXPECTED,
    DEFAULT_PARAMS,
    AreaCoverage,
    LabelScore,
    MappingParams,
    ParagraphCoverage,
    PksbCoverage,
    SentenceMapping,
    TextMapping,
)
from pksb_reflect.analysis.mapping.prototypes import Prototypes, check_version
from pksb_reflect.analysis.mapping.scoring import build_mappings, inputs_for, map_vectors, score
from pksb_reflect.framework import load_framework, translate_id
from pksb_reflect.nlp.negation import claim_statuses

if TYPE_CHECKING:
    from spacy.tokens import Span

    from pksb_reflect.analysis.resources import Resources
    from pksb_reflect.analysis.segment import SegmentedDocument


def coverage(
    mappings: Sequence[SentenceMapping],
    indexes: Sequence[int],
    protos: Prototypes,
    params: MappingParams,
) -> list[AreaCoverage]:
    """Coverage of every area by the given sentences, strongest first (vectorised over areas)."""
    ft = protos.texts
    n_areas = len(ft.area_ids)
    if not indexes:
        return [
            AreaCoverage(id=a, name=n, strength=0.0, share=0.0)
            for a, n in zip(ft.area_ids, ft.area_names, strict=True)
        ]
    position = {a: j for j, a in enumerate(ft.area_ids)}
    evidence = np.zeros((len(indexes), n_areas), dtype=np.float64)
    explicit = np.zeros((len(indexes), n_areas), dtype=bool)
    for row, index in enumerate(indexes):
        mapping = mappings[index]
        for item in mapping.areas:
            evidence[row, position[item.id]] = item.score * mapping.evidence_weight
        for ref in mapping.references:
            for ref_id in ref.ids:
                area = ref_id.split(".", 1)[0]
                if area in position:
                    explicit[row, position[area]] = True
    counted = np.where(evidence >= params.evidence_floor, evidence, 0.0)
    strength = 1.0 - np.prod(1.0 - counted, axis=0)
    weights = np.array([mappings[i].evidence_weight for i in indexes])
    focus = np.array([mappings[i].areas[0].score for i in indexes]) ** params.focus
    share = (evidence * focus[:, None]).sum(axis=0) / max(float((weights * focus).sum()), 1e-9)
    out: list[AreaCoverage] = []
    for j in np.argsort(-share, kind="stable"):
        rows = np.flatnonzero(counted[:, j] > 0)
        rows = rows[np.argsort(-counted[rows, j], kind="stable")]
        out.append(
            AreaCoverage(
                id=ft.area_ids[j],
                name=ft.area_names[j],
                strength=float(strength[j]),
                share=float(share[j]),
                sentence_indexes=[int(indexes[int(r)]) for r in rows],
                quotes=[quote(mappings[indexes[int(r)]].text) for r in rows[:3]],
                explicit=bool(explicit[:, j].any()),
            )
        )
    return out


def quote(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def main_areas(areas: Sequence[AreaCoverage], params: MappingParams = DEFAULT_PARAMS) -> list[str]:
    """The dominant areas: those holding at least `main_share` of the evidence, at most 3."""
    ranked = sorted(areas, key=lambda a: -a.share)
    chosen = [a.id for a in ranked if a.share >= params.main_share][: params.main_cap]
    return chosen or ([ranked[0].id] if ranked and ranked[0].share > 0 else [])


def expected_ids(route_expects: Sequence[str] | None, framework: str) -> list[str]:
    wanted = list(route_expects) if route_expects is not None else list(DEFAULT_EXPECTED)
    fw = load_framework(framework)
    out: list[str] = []
    for item in wanted:
        if fw.has(item):
            out.append(item)
        else:  # route lists use 2021 ids
            out.extend(translate_id(item, "2021", framework))
    return list(dict.fromkeys(out))


def sentence_spans(segmented: SegmentedDocument) -> list[Span | None]:
    """The parsed span of each outline sentence, from the Docs segmentation already made."""
    spans: list[Span | None] = []
    paragraphs = {p.index: p for p in segmented.outline.paragraphs}
    for sentence in segmented.outline.sentences:
        doc = segmented.docs.get(sentence.paragraph)
        paragraph = paragraphs[sentence.paragraph]
        span = None
        if doc is not None:
            start = sentence.start - paragraph.start
            span = doc.char_span(start, start + len(sentence.text), alignment_mode="expand")
        spans.append(span)
    return spans


def map_document(
    segmented: SegmentedDocument,
    resources: Resources,
    framework: str = "2021",
    route_expects: list[str] | None = None,
    params: MappingParams = DEFAULT_PARAMS,
) -> PksbCoverage:
    """Sentence mappings (each read with its paragraph), coverage, and the expected elements missed.

    The sentence vectors are the statement's own (`segmented.embeddings`), encoded once.
    """
    check_version(framework)
    texts = segmented.sentence_texts
    protos = resources.prototypes(framework)
    notes = []
    mappings: list[SentenceMapping] = []
    if texts:
        vectors = (
            segmented.embeddings
            if segmented.embeddings is not None
            else resources.encoder.encode(texts)
        )
        inputs = inputs_for(texts, resources, protos, params)
        groups = [s.paragraph for s in segmented.outline.sentences]
        scores = score(vectors, protos, params, inputs, groups)
        claims = claim_statuses(texts, sentence_spans(segmented), resources.nlp)
        mappings = build_mappings(texts, scores, protos, inputs, claims, params)
        notes = inputs.notes
    paragraphs: list[ParagraphCoverage] = []
    for paragraph in segmented.outline.paragraphs:
        if paragraph.kind != "body" or not paragraph.sentence_indexes:
            continue
        areas = coverage(mappings, paragraph.sentence_indexes, protos, params)
        paragraphs.append(
            ParagraphCoverage(
                paragraph=paragraph.index,
                sentence_indexes=list(paragraph.sentence_indexes),
                areas=areas,
                dominant=main_areas(areas, params),
            )
        )
    areas = coverage(mappings, list(range(len(mappings))), protos, params)
    expected = expected_ids(route_expects, framework)
    strength = {a.id: a.strength for a in areas}
    return PksbCoverage(
        framework=framework,
        sentences=mappings,
        paragraphs=paragraphs,
        areas=areas,
        dominant=main_areas(areas, params),
        expected=expected,
        missing_expected=[e for e in expected if strength.get(e, 0.0) < params.touch_strength],
        negated_sentences=[i for i, m in enumerate(mappings) if m.negated],
        numbering=notes,
    )


def map_texts(
    texts: list[str],
    framework: str,
    resources: Resources,
    params: MappingParams = DEFAULT_PARAMS,
) -> list[TextMapping]:
    """Evidence items: each text's sentences mapped in one batch, then mean and max combined."""
    from pksb_reflect.analysis.reflection.classifier import split_sentences

    check_version(framework)
    protos = resources.prototypes(framework)
    pieces = [split_sentences(t) or ([t] if t.strip() else []) for t in texts]
    flat = [s for p in pieces for s in p]
    vectors = resources.encoder.encode(flat)
    mappings = map_vectors(flat, vectors, resources, framework, params) if flat else []
    out: list[TextMapping] = []
    start = 0
    for piece in pieces:
        chunk = mappings[start : start + len(piece)]
        start += len(piece)
        if not chunk:
            out.append(TextMapping(areas=[], skills=[], dominant=[], sentences=0))
            continue
        weights = [m.evidence_weight for m in chunk]
        out.append(
            TextMapping(
                areas=aggregate([m.areas for m in chunk], weights),
                skills=aggregate([m.skills for m in chunk], weights),
                dominant=main_areas(
                    coverage(chunk, list(range(len(chunk))), protos, params), params
                ),
                sentences=len(chunk),
            )
        )
    return out


def aggregate(lists: Sequence[list[LabelScore]], weights: Sequence[float]) -> list[LabelScore]:
    """Half the weighted mean, half the max: broad coverage and one strong sentence both count."""
    total = max(sum(weights), 1e-9)
    sums: dict[str, float] = {}
    maxes: dict[str, float] = {}
    names: dict[str, str] = {}
    for items, weight in zip(lists, weights, strict=True):
        for item in items:
            names[item.id] = item.name
            sums[item.id] = sums.get(item.id, 0.0) + item.score * weight
            maxes[item.id] = max(maxes.get(item.id, 0.0), item.score * weight)
    scored = [
        LabelScore(id=k, name=names[k], score=0.5 * sums[k] / total + 0.5 * maxes[k]) for k in sums
    ]
    return sorted(scored, key=lambda s: -s.score)
