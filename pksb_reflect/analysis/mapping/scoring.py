"""Scoring sentences against the framework: all vectorised (one matrix product, then gathers).

* Area evidence combines (a) a multinomial logistic regression on the framework's own texts,
  (b) the mean of the top-k cosines to an area's texts (a kNN prototype), (c) the cosine to the
  area centroid, (d) the lexical TF-IDF model and (e) context cues, in logit space; then, where
  the sentence's paragraph is known, the paragraph's mean logits are added with weight
  `w_context` (an organisational-aims paragraph lifts its sentences' wider-organisational score);
  then a softmax with a temperature: a calibrated 0-1 confidence that the sentence is about
  that area.
* Explicit references ("PKSB 8.6", "section 11") add to the logits (see references.py).
* A skill's score is its area's score times its share within the area (softmax over the area's
  skills of top-k and centroid cosines). When no skill is clear the mapping falls back to area
  level (`level == "area"`), as Nesta's skills mapper does with its hierarchy.
* Denied and only-intended claims (pksb_reflect.nlp.negation) are flagged and down-weighted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from pksb_reflect.analysis.mapping.lexical import cue_counts, log_softmax
from pksb_reflect.analysis.mapping.models import (
    DEFAULT_PARAMS,
    Explanation,
    ExplicitReference,
    LabelScore,
    MappingParams,
    NumberingNote,
    SentenceMapping,
)
from pksb_reflect.analysis.mapping.prototypes import Prototypes
from pksb_reflect.analysis.mapping.references import read_references
from pksb_reflect.nlp.negation import ClaimStatus, claim_statuses

if TYPE_CHECKING:
    from pksb_reflect.analysis.resources import Resources


def topk_mean(sims: np.ndarray, gather: np.ndarray, k: int) -> np.ndarray:
    """Mean of the k largest cosines within each label's texts: (N, L)."""
    grouped = sims[:, gather]  # (N, L, m); padding column holds -1
    width = grouped.shape[2]
    k = min(k, width)
    if k == 1:
        return grouped.max(axis=2)
    top = np.partition(grouped, width - k, axis=2)[:, :, width - k :]
    return top.mean(axis=2)


@dataclass(frozen=True)
class Scores:
    """Raw arrays behind a batch of mappings; the evaluation reads these directly."""

    area: np.ndarray  # (N, A) calibrated confidences, rows sum to 1
    skill: np.ndarray  # (N, S) area confidence times share within the area
    skill_share: np.ndarray  # (N, S) share within its area
    best_text_area: np.ndarray  # (N,) index of best text of the top area
    best_text_skill: np.ndarray  # (N,) index of best text of the top skill
    best_sim_area: np.ndarray
    best_sim_skill: np.ndarray


@dataclass(frozen=True)
class Inputs:
    """What scoring reads besides the vectors; computed once per batch of texts."""

    area_bonus: np.ndarray  # (N, A) explicit references
    skill_bonus: np.ndarray  # (N, S)
    lexical: np.ndarray  # (N, A) lexical log-probabilities
    cues: np.ndarray  # (N, A) context cue counts
    references: list[list[ExplicitReference]]
    notes: list[NumberingNote]


def inputs_for(
    texts: Sequence[str], resources: Resources, protos: Prototypes, params: MappingParams
) -> Inputs:
    area_bonus, skill_bonus, refs, notes = read_references(texts, resources, protos, params)
    return Inputs(
        area_bonus=area_bonus,
        skill_bonus=skill_bonus,
        lexical=protos.lexical.log_probs(texts),
        cues=cue_counts(texts, protos.area_ids),
        references=refs,
        notes=notes,
    )


def area_logits(
    vectors: np.ndarray, protos: Prototypes, params: MappingParams, inputs: Inputs
) -> tuple[np.ndarray, np.ndarray]:
    """(N, A) area logits before context and temperature, and the padded similarity matrix."""
    n = vectors.shape[0]
    sims = vectors @ protos.matrix.T  # (N, T): the one matrix product
    sims_padded = np.concatenate([sims, np.full((n, 1), -1.0, dtype=sims.dtype)], axis=1)
    knn = topk_mean(sims_padded, protos.area_gather, params.top_k)
    logits = params.w_lr * log_softmax(vectors @ protos.lr_weight + protos.lr_bias)
    logits = logits + params.w_knn * knn
    if params.w_centroid:
        logits = logits + params.w_centroid * (vectors @ protos.area_centroids.T)
    logits = logits + params.w_lex * inputs.lexical + params.w_cue * inputs.cues
    return logits + inputs.area_bonus, sims_padded


def with_context(logits: np.ndarray, groups: Sequence[int] | None, weight: float) -> np.ndarray:
    """Add each paragraph's mean log-probabilities (weight `weight`) to its sentences' logits."""
    if groups is None or not weight or logits.shape[0] == 0:
        return logits
    base = log_softmax(logits)
    keys = np.asarray(groups)
    out = logits.copy()
    for key in np.unique(keys):
        rows = keys == key
        out[rows] += weight * base[rows].mean(axis=0)
    return out


def score(
    vectors: np.ndarray,
    protos: Prototypes,
    params: MappingParams,
    inputs: Inputs,
    groups: Sequence[int] | None = None,
) -> Scores:
    """Area and skill scores from sentence vectors; `groups` are paragraph ids for context."""
    n = vectors.shape[0]
    logits, sims_padded = area_logits(vectors, protos, params, inputs)
    logits = with_context(logits, groups, params.w_context)
    area = np.exp(log_softmax(logits / params.temperature))

    knn_skill = topk_mean(sims_padded, protos.skill_gather, params.top_k)
    cen_skill = vectors @ protos.skill_centroids.T
    skill_logits = (0.5 * knn_skill + 0.5 * cen_skill) / params.skill_temperature
    skill_logits = skill_logits + inputs.skill_bonus
    # Softmax within each area, vectorised with a one-hot (S, A) membership matrix.
    member = np.zeros((len(protos.skill_ids), len(protos.area_ids)), dtype=np.float32)
    member[np.arange(len(protos.skill_ids)), protos.skill_area] = 1.0
    area_max = np.max(
        np.where(member.T[None, :, :] > 0, skill_logits[:, None, :], -np.inf), axis=2
    )  # (N, A)
    expd = np.exp(skill_logits - area_max[:, protos.skill_area])
    share = expd / (expd @ member)[:, protos.skill_area]
    skill = area[:, protos.skill_area] * share

    rows = np.arange(n)
    area_texts = protos.area_gather[area.argmax(axis=1)]  # (N, m)
    best_area_text = area_texts[rows, sims_padded[rows[:, None], area_texts].argmax(axis=1)]
    skill_texts = protos.skill_gather[skill.argmax(axis=1)]
    best_skill_text = skill_texts[rows, sims_padded[rows[:, None], skill_texts].argmax(axis=1)]
    return Scores(
        area=area,
        skill=skill,
        skill_share=share,
        best_text_area=best_area_text,
        best_text_skill=best_skill_text,
        best_sim_area=sims_padded[rows, best_area_text],
        best_sim_skill=sims_padded[rows, best_skill_text],
    )


def _labels(ids: list[str], names: list[str], row: np.ndarray, order: np.ndarray) -> list:
    return [
        LabelScore.model_construct(id=ids[j], name=names[j], score=float(row[j])) for j in order
    ]


def build_mappings(
    texts: Sequence[str],
    scores: Scores,
    protos: Prototypes,
    inputs: Inputs,
    claims: Sequence[ClaimStatus],
    params: MappingParams,
) -> list[SentenceMapping]:
    ft = protos.texts
    area_order = np.argsort(-scores.area, axis=1, kind="stable")
    skill_order = np.argsort(-scores.skill, axis=1, kind="stable")[:, : params.max_skills]
    out: list[SentenceMapping] = []
    for i, text in enumerate(texts):
        claim = claims[i]
        weight = (
            params.negated_weight
            if claim.negated
            else params.hedged_weight
            if claim.intended
            else 1.0
        )
        a_top = area_order[i, 0]
        s_top = skill_order[i, 0]
        clear = (
            protos.skill_area[s_top] == a_top and scores.skill_share[i, s_top] >= params.skill_clear
        )
        ta, ts = scores.best_text_area[i], scores.best_text_skill[i]
        out.append(
            SentenceMapping.model_construct(
                text=text,
                areas=_labels(ft.area_ids, ft.area_names, scores.area[i], area_order[i]),
                skills=_labels(ft.skill_ids, ft.skill_names, scores.skill[i], skill_order[i]),
                level="skill" if clear else "area",
                explicit=bool(inputs.references[i]),
                references=inputs.references[i],
                negated=claim.negated,
                hedged=claim.intended,
                cues=list(claim.cues),
                evidence_weight=weight,
                best_area_match=Explanation.model_construct(
                    label=ft.labels[ta],
                    kind=ft.kinds[ta],
                    text=ft.texts[ta],
                    similarity=float(scores.best_sim_area[i]),
                ),
                best_skill_match=Explanation.model_construct(
                    label=ft.labels[ts],
                    kind=ft.kinds[ts],
                    text=ft.texts[ts],
                    similarity=float(scores.best_sim_skill[i]),
                ),
            )
        )
    return out


def map_vectors(
    sentences: Sequence[str],
    vectors: np.ndarray,
    resources: Resources,
    framework: str = "2021",
    params: MappingParams = DEFAULT_PARAMS,
) -> list[SentenceMapping]:
    """Map each sentence (with its encoder vector) onto every area and skill, each on its own."""
    if not sentences:
        return []
    protos = resources.prototypes(framework)
    inputs = inputs_for(sentences, resources, protos, params)
    scores = score(vectors, protos, params, inputs)
    claims = claim_statuses(sentences, nlp=resources.nlp)
    return build_mappings(sentences, scores, protos, inputs, claims, params)
