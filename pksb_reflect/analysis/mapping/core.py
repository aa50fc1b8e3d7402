"""Placing sentences, paragraphs and evidence items on the PKSB, with the sentences that show it.

How a sentence is scored (all vectorised: one matrix product against every framework text, then
gathers and reductions; no Python loop over labels per sentence):

* Every area and skill is represented by several texts from pksb_data: its descriptor, its name
  in a first-person template, its keywords, and its example sentences. A skill's texts also count
  for its area (the hierarchy rolls skills up into areas).
* Area evidence combines (a) a multinomial logistic regression fitted on the framework's own texts
  (never on evaluation data), (b) the mean of the top-k cosines to an area's texts (a kNN
  prototype), (c) the cosine to the area centroid and (d) a lexical logistic regression on TF-IDF
  word and character n-grams of the same texts (jargon such as "Westlaw" or "EAD" is lexical), in
  logit space, then a softmax with a temperature: a calibrated 0-1 confidence that the sentence
  is about that area.
* The other framework version's example sentences, carried across the crosswalk, also train the
  area models and join the area prototypes (never the skills): see `_cross_examples`.
* Explicit references ("PKSB 8.6", "section 11", "records management") add to the logits; numbers
  are read in both framework versions through `translate_id`.
* A skill's score is its area's score times its share within the area (softmax over that area's
  skills of top-k and centroid cosines). When no skill is clear the mapping falls back to area level
  (`level == "area"`), as Nesta's skills mapper does with its hierarchy.
* Negated and hedged claims ("I have not yet had the chance to catalogue", "I hope to...") are
  found with the spaCy parse, flagged, down-weighted and not counted as evidence in coverage.
  Embeddings cannot see negation, so this is rule-based.

The weights marked "tuned on dev" were chosen on the dev split of benchmarks/data/mapping_eval by
benchmarks/eval_mapping.py; the test split never influenced them.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, Field

from pksb_reflect.errors import ModelError, UsageError
from pksb_reflect.framework import (
    FRAMEWORK_VERSIONS,
    Framework,
    load_crosswalk,
    load_framework,
    translate_id,
)
from pksb_reflect.paths import bundled

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span

    from pksb_reflect.analysis.resources import Resources
    from pksb_reflect.analysis.segment import SegmentedDocument
    from pksb_reflect.nlp.encoder import Encoder

TextKind = Literal["descriptor", "name", "keywords", "example"]
DEFAULT_EXPECTED = ("ethics", "wider_sector", "wider_org")


@dataclass(frozen=True)
class MappingParams:
    """The knobs of the scorer; defaults tuned on the dev split (see module docstring)."""

    top_k: int = 5  # cosines averaged for the kNN prototype
    w_lr: float = 0.5  # weight of the logistic-regression log-probabilities
    w_knn: float = 10.0  # weight of the top-k mean cosine
    w_centroid: float = 0.0  # weight of the centroid cosine
    lr_c: float = 4.0  # inverse regularisation of the logistic regression
    w_lex: float = 1.0  # weight of the lexical (TF-IDF) model's log-probabilities
    lex_c: float = 16.0  # inverse regularisation of the lexical model
    cross_examples: bool = True  # also train on the other version's examples (crosswalk)
    temperature: float = 1.0  # softmax temperature over areas (calibration)
    w_ref_number: float = 12.0  # logit bonus for "PKSB 8.6", "section 11"
    w_ref_name: float = 0.0  # logit bonus for an area or skill name in the text
    skill_temperature: float = 0.05  # softmax temperature over skills within an area
    skill_clear: float = 0.45  # share within the area a skill needs to be reported as clear
    negated_weight: float = 0.1  # evidence weight of a negated claim
    hedged_weight: float = 0.4  # evidence weight of a hedged or intended (future) claim
    evidence_floor: float = 0.25  # sentence score at which it counts as showing an area
    touch_strength: float = 0.5  # document strength at which an area counts as touched
    main_share: float = 0.225  # share of a document's evidence for a main area
    main_cap: int = 3  # at most this many main areas
    max_skills: int = 5  # skills listed per sentence


DEFAULT_PARAMS = MappingParams()


# --- results -------------------------------------------------------------------------------


class LabelScore(BaseModel):
    """One area or skill with its calibrated confidence (0-1)."""

    id: str
    name: str
    score: float


class ExplicitReference(BaseModel):
    """A place where the writer names the PKSB themselves: a number or an area/skill name."""

    text: str
    start: int
    end: int
    kind: Literal["number", "name"]
    ids: list[str] = Field(description="Ids in the report's framework version it points to.")


class Explanation(BaseModel):
    """The framework text a sentence came closest to, so a reader can see why it was placed."""

    label: str
    kind: TextKind
    text: str
    similarity: float


class SentenceMapping(BaseModel):
    """Where one sentence sits on the PKSB, and how sure we are."""

    text: str
    areas: list[LabelScore]
    skills: list[LabelScore]
    level: Literal["skill", "area"] = Field(
        description="'area' when no skill stands out: the placement falls back to the area."
    )
    explicit: bool = Field(description="True when the writer names a PKSB area or skill.")
    references: list[ExplicitReference] = Field(default_factory=list)
    negated: bool = Field(description="The claim is denied ('I have not yet catalogued').")
    hedged: bool = Field(description="The claim is only hoped for or planned ('I hope to').")
    cues: list[str] = Field(default_factory=list, description="The words that flagged it.")
    evidence_weight: float = Field(
        description="How much the sentence counts as evidence: 1, less when hedged or negated."
    )
    best_area_match: Explanation | None = None
    best_skill_match: Explanation | None = None

    @property
    def top_area(self) -> str:
        return self.areas[0].id

    @property
    def top_skill(self) -> str | None:
        return self.skills[0].id if self.level == "skill" and self.skills else None


class AreaCoverage(BaseModel):
    """How strongly a stretch of text covers one area, and the sentences behind it."""

    id: str
    name: str
    strength: float = Field(description="Noisy-or of sentence evidence: is it shown at all.")
    share: float = Field(description="Fraction of the stretch's evidence that is about it.")
    sentence_indexes: list[int] = Field(default_factory=list)
    quotes: list[str] = Field(default_factory=list)
    explicit: bool = False


class ParagraphCoverage(BaseModel):
    """The coverage of one body paragraph."""

    paragraph: int
    sentence_indexes: list[int]
    areas: list[AreaCoverage]
    dominant: list[str]


class PksbCoverage(BaseModel):
    """A document on the PKSB: sentences, paragraphs, the whole, and what it never touches."""

    framework: str
    sentences: list[SentenceMapping]
    paragraphs: list[ParagraphCoverage]
    areas: list[AreaCoverage] = Field(description="Every area, strongest first.")
    dominant: list[str] = Field(description="The main areas of the document (at most 3).")
    expected: list[str]
    missing_expected: list[str] = Field(description="Expected elements no sentence shows.")
    negated_sentences: list[int] = Field(default_factory=list)


class TextMapping(BaseModel):
    """An evidence item (a document or a list of paragraphs) on the PKSB."""

    areas: list[LabelScore]
    skills: list[LabelScore]
    dominant: list[str]
    sentences: int


# --- framework prototypes -------------------------------------------------------------------


@dataclass(frozen=True)
class Prototypes:
    """The framework texts embedded once per process and version, and what they belong to."""

    version: str
    area_ids: list[str]
    area_names: list[str]
    skill_ids: list[str]
    skill_names: list[str]
    skill_area: np.ndarray  # (S,) area index of each skill
    texts: list[str]
    text_kind: list[TextKind]
    text_label: list[str]
    matrix: np.ndarray  # (T, D) unit rows
    area_gather: np.ndarray  # (A, m) text indexes, padded with T
    skill_gather: np.ndarray  # (S, m) text indexes, padded with T
    area_centroids: np.ndarray  # (A, D)
    skill_centroids: np.ndarray  # (S, D)
    lr_weight: np.ndarray  # (D, A)
    lr_bias: np.ndarray  # (A,)
    lexical: _Lexical


def _name_text(name: str) -> str:
    return f"My work involved {name.lower()}."


def _aliases(name: str) -> list[str]:
    """A name and its multi-word parts: 'Records Management and Archiving' -> 'records management'.

    Single generic words ('research', 'learning') are left out: they are topics, not references.
    """
    lowered = " ".join(name.lower().replace("&", " and ").split())
    out = [lowered]
    for part in re.split(r",| and |/|;", lowered):
        part = part.strip()
        if len(part.split()) >= 2:
            out.append(part)
    return list(dict.fromkeys(out))


def _gather(groups: list[list[int]], pad: int) -> np.ndarray:
    width = max(len(g) for g in groups)
    out = np.full((len(groups), width), pad, dtype=np.int64)
    for row, group in enumerate(groups):
        out[row, : len(group)] = group
    return out


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return (rows / np.maximum(norms, 1e-12)).astype(np.float32)


# --- the lexical model ----------------------------------------------------------------------
#
# Jargon ("Westlaw", "EAD", "COUNTER", "retention schedule") is lexical: a sentence embedding of a
# short sentence full of product names says little, while the words themselves say a lot. So a
# second logistic regression is fitted on TF-IDF features of the same framework texts: word 1-2
# grams and character 3-5 grams within words, each block L2-normalised, sublinear term frequency.
# It is fitted ahead of time with scikit-learn (analysis/mapping/fit.py, through the analyzers
# below, so fitting and inference see exactly the same terms) and shipped as plain arrays;
# inference is numpy and dict look-ups.

_WORD = re.compile(r"(?u)\b\w\w+\b")
_SPACES = re.compile(r"\s\s+")
LEX_CHAR_MIN_DF = 2


def _word_terms(text: str) -> list[str]:
    """Lower-cased word unigrams and bigrams (accents folded)."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    words = _WORD.findall(folded)
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def _char_terms(text: str) -> list[str]:
    """Character 3-5 grams inside space-padded words (scikit-learn's 'char_wb')."""
    out: list[str] = []
    for word in _SPACES.sub(" ", text.lower()).split():
        padded = f" {word} "
        size = len(padded)
        for n in range(3, 6):
            if size <= n:
                out.append(padded)
                break
            out.extend(padded[i : i + n] for i in range(size - n + 1))
    return out


_ANALYZERS = (_word_terms, _char_terms)


@dataclass(frozen=True)
class _Lexical:
    """A fitted TF-IDF logistic regression as arrays: vocabularies, idf, weights."""

    vocab: tuple[dict[str, int], ...]  # per block: term -> column (offset into weight)
    idf: np.ndarray  # (V,) over all blocks
    weight: np.ndarray  # (V, A)
    bias: np.ndarray  # (A,)

    @classmethod
    def from_arrays(
        cls, terms: np.ndarray, block: np.ndarray, idf: np.ndarray, weight: np.ndarray, bias
    ) -> _Lexical:
        vocab = tuple(
            dict(zip(terms[block == b].tolist(), np.flatnonzero(block == b).tolist(), strict=True))
            for b in range(len(_ANALYZERS))
        )
        return cls(vocab=vocab, idf=idf, weight=weight, bias=bias)

    def log_probs(self, texts: Sequence[str]) -> np.ndarray:
        """(N, A) log-probabilities of the lexical model, vectorised over the batch."""
        logits = np.tile(self.bias.astype(np.float64), (len(texts), 1))
        n_terms = self.idf.shape[0]
        for analyzer, vocab in zip(_ANALYZERS, self.vocab, strict=True):
            rows: list[int] = []
            cols: list[int] = []
            for row, text in enumerate(texts):
                found = [c for c in map(vocab.get, analyzer(text)) if c is not None]
                cols.extend(found)
                rows.extend([row] * len(found))
            if not cols:
                continue
            keys, counts = np.unique(
                np.asarray(rows, dtype=np.int64) * n_terms + np.asarray(cols), return_counts=True
            )  # sorted by row, then column: one entry per (text, term)
            r, c = np.divmod(keys, n_terms)
            values = (1.0 + np.log(counts)) * self.idf[c]
            norms = np.sqrt(np.bincount(r, weights=values * values, minlength=len(texts)))
            values /= np.maximum(norms[r], 1e-12)
            starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
            logits[r[starts]] += np.add.reduceat(self.weight[c] * values[:, None], starts, axis=0)
        return _log_softmax(logits)


CACHE_FORMAT = 2
_LEX_KEYS = ("lex_terms", "lex_block", "lex_idf", "lex_weight", "lex_bias")


def _cache_name(texts: list[str], labels: np.ndarray, lr_c: float, lex_c: float) -> str:
    """The file name of the framework's vectors and fitted weights: a digest of every input."""
    from pksb_reflect.nlp.encoder import Encoder

    digest = hashlib.sha256()
    for part in (Encoder.model_key, str(CACHE_FORMAT), repr(lr_c), repr(lex_c), *texts):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(labels.astype(np.int64).tobytes())
    return f"{digest.hexdigest()[:32]}.npz"


def _bundled_file(name: str) -> Path | None:
    """The copy shipped in models/mapping/ (built by its build.py), if its sha256 checks out.

    A missing or altered file (or one for other framework data) is not used. The hash is
    remembered per file (as the encoder's are), so a process does not re-read it to check it.
    """
    from pksb_reflect.nlp.onnx_encoder import check_file

    try:
        folder = bundled("models") / "mapping"
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        expected = manifest["files"][name]
        path = folder / name
        check_file(path, expected, "PKSB mapper file")
    except (OSError, ValueError, KeyError, TypeError, ModelError):
        return None
    return path


# Set by fit.enable_fitting() in build scripts: the runtime never fits (see fit.py).
_FITTER: Callable[[list[str], np.ndarray, int, float, float, Path, Encoder], None] | None = None


def _embedded(
    texts: list[str],
    labels: np.ndarray,
    n_classes: int,
    lr_c: float,
    lex_c: float,
    encoder: Encoder,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, _Lexical]:
    """Framework vectors and the area models, as shipped in models/mapping/ by its build.py.

    Nothing is encoded or fitted here: a framework (or setting) with no shipped file is a
    ModelError that says how to build it. Only a build process (fit.enable_fitting) fits, into
    the cache folder.
    """
    name = _cache_name(texts, labels, lr_c, lex_c)
    candidates = [_bundled_file(name)]
    if _FITTER is not None:
        from pksb_reflect.nlp.cache import cache_dir

        built = cache_dir() / "mapping" / name
        if not built.is_file():
            _FITTER(texts, labels, n_classes, lr_c, lex_c, built, encoder)
        candidates.append(built)
    for candidate in candidates:
        if candidate is None or not candidate.is_file():
            continue
        try:
            with np.load(candidate, allow_pickle=False) as saved:
                matrix, weight, bias = saved["matrix"], saved["weight"], saved["bias"]
                lex = {k: saved[k] for k in _LEX_KEYS}
            if matrix.shape[0] == len(texts) and weight.shape[1] == n_classes:
                return matrix, weight, bias, _Lexical.from_arrays(*(lex[k] for k in _LEX_KEYS))
        except (OSError, ValueError, KeyError):
            continue
    raise ModelError(
        f"the PKSB mapper's framework models ({name}) are not shipped or fail their sha256 "
        "check; rebuild them with `python models/mapping/build.py` (needs the train extra) "
        "or reinstall pksb-reflect"
    )


def _cross_examples(version: str, area_ids: list[str]) -> list[tuple[str, int]]:
    """The other version's example sentences, labelled with this version's areas.

    2014 -> 2021 follows each 2014 area's first (best) crosswalk link; 2021 -> 2014 goes to the
    2014 area whose first link is that 2021 area, and skips areas with none (Data Management).
    They train the two area models and join the kNN prototypes; they never count for a skill.
    """
    other = _OTHER_VERSION[version]
    links = load_crosswalk().links
    if version == "2021":
        target = {old: new[0] for old, new in links.items() if new}
    else:
        target = {}
        for old, new in links.items():
            if new:
                target.setdefault(new[0], old)
    position = {a: i for i, a in enumerate(area_ids)}
    out: list[tuple[str, int]] = []
    for area in load_framework(other).areas:
        mapped = target.get(area.id)
        if mapped is None or mapped not in position:
            continue
        for text in [*area.examples, *(e for s in area.skills for e in s.examples)]:
            out.append((text, position[mapped]))
    return out


def build_prototypes(
    version: str, encoder: Encoder, params: MappingParams = DEFAULT_PARAMS
) -> Prototypes:
    """The framework's vectors and area models, shipped in models/mapping (else ModelError).

    The Runtime keeps the result, so a process builds each version at most once.
    """
    check_version(version)
    lr_c, lex_c, cross_examples = params.lr_c, params.lex_c, params.cross_examples
    framework: Framework = load_framework(version)
    texts: list[str] = []
    kinds: list[TextKind] = []
    labels: list[str] = []
    area_of_text: list[int] = []
    skill_of_text: list[int] = []
    area_ids = [a.id for a in framework.areas]
    skill_ids: list[str] = []
    skill_names: list[str] = []
    skill_area: list[int] = []

    def add(text: str, kind: TextKind, label: str, area: int, skill: int) -> None:
        texts.append(text)
        kinds.append(kind)
        labels.append(label)
        area_of_text.append(area)
        skill_of_text.append(skill)

    for a_index, area in enumerate(framework.areas):
        own = [
            (area.descriptor, "descriptor"),
            (_name_text(area.name), "name"),
            ("; ".join(area.keywords), "keywords"),
        ] + [(e, "example") for e in area.examples]
        for text, kind in own:
            add(text, kind, area.id, a_index, -1)  # type: ignore[arg-type]
        for skill in area.skills:
            s_index = len(skill_ids)
            skill_ids.append(skill.id)
            skill_names.append(skill.name)
            skill_area.append(a_index)
            own = [
                (skill.descriptor, "descriptor"),
                (_name_text(skill.name), "name"),
                ("; ".join(skill.keywords), "keywords"),
            ] + [(e, "example") for e in skill.examples]
            for text, kind in own:
                add(text, kind, skill.id, a_index, s_index)  # type: ignore[arg-type]
    if cross_examples:
        seen = set(texts)
        for text, a_index in _cross_examples(version, area_ids):
            if text not in seen:
                seen.add(text)
                add(text, "example", area_ids[a_index], a_index, -1)

    area_arr = np.asarray(area_of_text)
    skill_arr = np.asarray(skill_of_text)
    matrix, lr_weight, lr_bias, lexical = _embedded(
        texts, area_arr, len(area_ids), lr_c, lex_c, encoder
    )
    n_texts = len(texts)
    area_groups = [list(np.flatnonzero(area_arr == a)) for a in range(len(area_ids))]
    skill_groups = [list(np.flatnonzero(skill_arr == s)) for s in range(len(skill_ids))]
    area_centroids = _unit(np.stack([matrix[g].mean(axis=0) for g in area_groups]))
    skill_centroids = _unit(np.stack([matrix[g].mean(axis=0) for g in skill_groups]))

    return Prototypes(
        version=version,
        area_ids=area_ids,
        area_names=[a.name for a in framework.areas],
        skill_ids=skill_ids,
        skill_names=skill_names,
        skill_area=np.asarray(skill_area),
        texts=texts,
        text_kind=kinds,
        text_label=labels,
        matrix=matrix,
        area_gather=_gather(area_groups, n_texts),
        skill_gather=_gather(skill_groups, n_texts),
        area_centroids=area_centroids,
        skill_centroids=skill_centroids,
        lr_weight=lr_weight,
        lr_bias=lr_bias,
        lexical=lexical,
    )


# --- explicit references --------------------------------------------------------------------

_ID = r"\d{1,2}(?:\.\d{1,2})?"
_ID_LIST = rf"{_ID}(?:\s*(?:,|&|and|/)\s*{_ID})*"
_NUMBER_REF = re.compile(
    rf"\bPKSB(?:\s+(?:areas?|sections?|skills?))?\s*(?:no\.?\s*)?({_ID_LIST})\b"
    rf"|\b(?:areas?|sections?)\s+({_ID_LIST})\b",
    re.IGNORECASE,
)
_OTHER_VERSION = {"2021": "2014", "2014": "2021"}


def _resolve_number(item_id: str, version: str) -> list[str]:
    """Ids a cited number means in `version`, reading it as either framework's number."""
    found = translate_id(item_id, version, version)
    if found:
        if "." in item_id:
            found = [item_id.split(".", 1)[0], item_id]
        return found
    other = _OTHER_VERSION[version]
    return translate_id(item_id, other, version)


@lru_cache(maxsize=4)
def _name_index(version: str) -> tuple[re.Pattern[str] | None, dict[str, list[str]]]:
    """One regex over every area and skill name (and their multi-word parts) of a version."""
    framework = load_framework(version)
    name_ids: dict[str, list[str]] = {}
    for area in framework.areas:
        for alias in _aliases(area.name):
            name_ids.setdefault(alias, []).append(area.id)
        for skill in area.skills:
            for alias in _aliases(skill.name):
                name_ids.setdefault(alias, []).append(skill.id)
    # Longest names first, so 'records management and archiving' wins over 'records management'.
    names = sorted(name_ids, key=len, reverse=True)
    if not names:
        return None, name_ids
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE)
    return pattern, name_ids


def find_references(text: str, version: str = "2021") -> list[ExplicitReference]:
    """Numbers ('PKSB 8.6', 'section 11') and names ('information literacy') of the PKSB."""
    name_pattern, name_ids = _name_index(version)
    refs: list[ExplicitReference] = []
    for match in _NUMBER_REF.finditer(text):
        listed = match.group(1) or match.group(2)
        ids: list[str] = []
        for item in re.findall(_ID, listed):
            ids.extend(_resolve_number(item, version))
        if ids:
            refs.append(
                ExplicitReference(
                    text=match.group(0),
                    start=match.start(),
                    end=match.end(),
                    kind="number",
                    ids=list(dict.fromkeys(ids)),
                )
            )
    if name_pattern is not None:
        for match in name_pattern.finditer(text):
            ids = name_ids[" ".join(match.group(1).lower().split())]
            refs.append(
                ExplicitReference(
                    text=match.group(0),
                    start=match.start(),
                    end=match.end(),
                    kind="name",
                    ids=list(ids),
                )
            )
    return refs


# --- negation and hedging -------------------------------------------------------------------

# Cheap gate: only sentences with one of these words are parsed.
_TRIGGER = re.compile(
    r"\b(?:not|never|no|nor|neither|yet|hope|hoping|hopeful|plan|planning|intend|intending|"
    r"aim|aiming|would like|wish|want|look forward|unable|lack|lacked|lacking|cannot)\b|n't\b",
    re.IGNORECASE,
)
_NO_CHANCE = re.compile(
    r"\b(?:no|little|limited|few)\s+(?:real\s+|direct\s+|formal\s+|practical\s+)?"
    r"(?:opportunit(?:y|ies)|chance|experience|exposure|involvement|occasion)\b"
    r"|\b(?:yet to|have never|has never|had never|not yet|lack(?:ed|ing)?\s+(?:of\s+)?"
    r"(?:experience|opportunit))",
    re.IGNORECASE,
)
_HEDGE = re.compile(
    r"\b(?:I|we)\s+(?:would\s+(?:like|love)|hope|am\s+hoping|plan|am\s+planning|intend|"
    r"aim|want|wish|look\s+forward)\b"
    r"|\b(?:in the future|next year|going forward),?\s+I\s+(?:will|would|intend|hope|plan)\b"
    r"|\bI\s+(?:will|shall)\s+(?:need to|try|aim|seek|look)\b",
    re.IGNORECASE,
)
_WITHOUT = re.compile(r"\bwithout\b", re.IGNORECASE)  # 'could not have done it without'
_NOT_REALLY_NEGATION = re.compile(r"\bnot\s+(?:only|just|merely|simply)\b", re.IGNORECASE)


def _verb_is_negated(token: object) -> str | None:
    for child in token.children:  # type: ignore[attr-defined]
        if child.dep_ == "neg":
            nxt = child.nbor(1) if child.i + 1 < len(child.doc) else None
            if nxt is not None and nxt.lower_ in {"only", "just", "merely", "simply"}:
                continue
            return child.text
    return None


def _is_perfect(verb: object) -> bool:
    """'have not catalogued', 'had never used': the writer reports (lack of) experience."""
    return any(
        child.dep_ == "aux" and child.lemma_ == "have"  # type: ignore[attr-defined]
        for child in verb.children  # type: ignore[attr-defined]
    )


def negation_of(span: Doc | Span | str) -> tuple[bool, bool, list[str]]:
    """(negated, hedged, cues) for a parsed sentence.

    Negated means the writer says they lack the experience: every main verb (the root and verbs
    joined to it) is negated in the perfect ('I have never catalogued') or with 'yet', or they say
    they had no opportunity / are yet to. A negated present or past ('we do not withdraw titles',
    'I never discuss searches') usually states a principle or a choice, which is evidence, so it
    is only listed in `cues`. "Not only" is not negation. Plain text with no negating word is
    read by the regexes alone.
    """
    text = span if isinstance(span, str) else span.text
    cues: list[str] = []
    hedged = False
    for match in _HEDGE.finditer(text):
        cues.append(match.group(0))
        hedged = True
    negated = False
    chance = _NO_CHANCE.search(text)
    if chance and not _NOT_REALLY_NEGATION.search(text):
        cues.append(chance.group(0))
        negated = True
    # Unparsed text (no negating word in it) has no negated verbs to find.
    sents = [] if isinstance(span, str) else list(span.sents) if hasattr(span, "sents") else [span]
    has_yet = bool(re.search(r"\byet\b", text, re.IGNORECASE))
    for sent in sents:
        root = sent.root
        mains = [root] + [
            t for t in root.children if t.dep_ == "conj" and t.pos_ in {"VERB", "AUX"}
        ]
        neg_cues = [_verb_is_negated(t) for t in mains]
        if all(neg_cues):
            cues.extend(c for c in neg_cues if c)
            perfect = all(_is_perfect(t) for t in mains) and not _WITHOUT.search(text)
            if has_yet or perfect:
                negated = True
    return negated, hedged and not negated, list(dict.fromkeys(cues))


# Only a negating word can give a verb a `neg` child; other triggers are read by regex alone.
_NEEDS_PARSE = re.compile(r"\b(?:not|never|nor|neither|cannot|no longer)\b|n't\b", re.IGNORECASE)


def _negations(
    texts: Sequence[str], spans: Sequence[Doc | Span | None] | None, nlp: Language
) -> list[tuple]:
    """Negation for each sentence, parsing only those that contain a negating word."""
    out: list[tuple[bool, bool, list[str]]] = [(False, False, [])] * len(texts)
    todo = [i for i, t in enumerate(texts) if _TRIGGER.search(t)]
    if not todo:
        return out
    for i in todo:
        if not _NEEDS_PARSE.search(texts[i]) and (spans is None or spans[i] is None):
            out[i] = negation_of(texts[i])
    todo = [i for i in todo if _NEEDS_PARSE.search(texts[i]) or (spans and spans[i] is not None)]
    missing = [i for i in todo if spans is None or spans[i] is None]
    parsed: dict[int, Doc | Span] = {}
    if missing:
        # Negation needs the parse and lemmas only, not the reflective markers.
        skip = [name for name in ("reflective_markers",) if name in nlp.pipe_names]
        docs = nlp.pipe([texts[i] for i in missing], batch_size=64, disable=skip)
        for i, doc in zip(missing, docs, strict=True):
            parsed[i] = doc
    for i in todo:
        span = parsed.get(i) if i in parsed else spans[i]  # type: ignore[index]
        out[i] = negation_of(span)  # type: ignore[arg-type]
    return out


# --- scoring --------------------------------------------------------------------------------


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def _topk_mean(sims: np.ndarray, gather: np.ndarray, k: int) -> np.ndarray:
    """Mean of the k largest cosines within each label's texts: (N, L)."""
    grouped = sims[:, gather]  # (N, L, m); padding column holds -1
    width = grouped.shape[2]
    k = min(k, width)
    if k == 1:
        return grouped.max(axis=2)
    top = np.partition(grouped, width - k, axis=2)[:, :, width - k :]
    return top.mean(axis=2)


@dataclass(frozen=True)
class _Scores:
    """Raw arrays behind a batch of mappings; the evaluation reads these directly."""

    area: np.ndarray  # (N, A) calibrated confidences, rows sum to 1
    skill: np.ndarray  # (N, S) area confidence times share within the area
    skill_share: np.ndarray  # (N, S) share within its area
    best_text_area: np.ndarray  # (N,) index of best text of the top area
    best_text_skill: np.ndarray  # (N,) index of best text of the top skill
    best_sim_area: np.ndarray
    best_sim_skill: np.ndarray
    features: dict[str, np.ndarray]


def _reference_bonus(
    texts: Sequence[str], protos: Prototypes, params: MappingParams
) -> tuple[np.ndarray, np.ndarray, list[list[ExplicitReference]]]:
    """Logit bonuses for explicit references (areas and skills); only texts that have one."""
    n = len(texts)
    area_bonus = np.zeros((n, len(protos.area_ids)), dtype=np.float32)
    skill_bonus = np.zeros((n, len(protos.skill_ids)), dtype=np.float32)
    refs_all: list[list[ExplicitReference]] = []
    area_index = {a: i for i, a in enumerate(protos.area_ids)}
    skill_index = {s: i for i, s in enumerate(protos.skill_ids)}
    for row, text in enumerate(texts):
        refs = find_references(text, protos.version)
        refs_all.append(refs)
        for ref in refs:
            weight = params.w_ref_number if ref.kind == "number" else params.w_ref_name
            for item in ref.ids:
                if item in skill_index:
                    s = skill_index[item]
                    skill_bonus[row, s] = max(skill_bonus[row, s], weight)
                    a = protos.skill_area[s]
                    area_bonus[row, a] = max(area_bonus[row, a], weight)
                elif item in area_index:
                    a = area_index[item]
                    area_bonus[row, a] = max(area_bonus[row, a], weight)
    return area_bonus, skill_bonus, refs_all


def _score(
    vectors: np.ndarray,
    protos: Prototypes,
    params: MappingParams,
    area_bonus: np.ndarray | None = None,
    skill_bonus: np.ndarray | None = None,
    lexical: np.ndarray | None = None,
) -> _Scores:
    """Area and skill scores from sentence vectors; `lexical` is `_lexical_scores` of the texts."""
    n = vectors.shape[0]
    sims = vectors @ protos.matrix.T  # (N, T): the one matrix product
    sims_padded = np.concatenate([sims, np.full((n, 1), -1.0, dtype=sims.dtype)], axis=1)
    knn_area = _topk_mean(sims_padded, protos.area_gather, params.top_k)
    cen_area = vectors @ protos.area_centroids.T
    lr = _log_softmax(vectors @ protos.lr_weight + protos.lr_bias)
    logits = params.w_lr * lr + params.w_knn * knn_area + params.w_centroid * cen_area
    if lexical is not None:
        logits = logits + params.w_lex * lexical
    if area_bonus is not None:
        logits = logits + area_bonus
    area = np.exp(_log_softmax(logits / params.temperature))

    knn_skill = _topk_mean(sims_padded, protos.skill_gather, params.top_k)
    cen_skill = vectors @ protos.skill_centroids.T
    skill_logits = (0.5 * knn_skill + 0.5 * cen_skill) / params.skill_temperature
    if skill_bonus is not None:
        skill_logits = skill_logits + skill_bonus
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
    top_area = area.argmax(axis=1)
    area_texts = protos.area_gather[top_area]  # (N, m)
    pick = sims_padded[rows[:, None], area_texts].argmax(axis=1)
    best_area_text = area_texts[rows, pick]
    top_skill = skill.argmax(axis=1)
    skill_texts = protos.skill_gather[top_skill]
    pick_s = sims_padded[rows[:, None], skill_texts].argmax(axis=1)
    best_skill_text = skill_texts[rows, pick_s]
    return _Scores(
        area=area,
        skill=skill,
        skill_share=share,
        best_text_area=best_area_text,
        best_text_skill=best_skill_text,
        best_sim_area=sims_padded[rows, best_area_text],
        best_sim_skill=sims_padded[rows, best_skill_text],
        features={"knn": knn_area, "centroid": cen_area, "lr": lr, "lex": lexical},
    )


def _score_texts(
    texts: Sequence[str], vectors: np.ndarray, protos: Prototypes, params: MappingParams
) -> tuple[_Scores, list[list[ExplicitReference]]]:
    area_bonus, skill_bonus, refs = _reference_bonus(texts, protos, params)
    lexical = _lexical_scores(texts, protos, params)
    return _score(vectors, protos, params, area_bonus, skill_bonus, lexical), refs


def _lexical_scores(
    texts: Sequence[str], protos: Prototypes, params: MappingParams
) -> np.ndarray | None:
    """The lexical model's log-probabilities, or None when its weight is 0."""
    return protos.lexical.log_probs(texts) if params.w_lex else None


def _labels(ids: list[str], names: list[str], row: np.ndarray, order: np.ndarray) -> list:
    return [
        LabelScore.model_construct(id=ids[j], name=names[j], score=float(row[j])) for j in order
    ]


def _build(
    texts: Sequence[str],
    scores: _Scores,
    protos: Prototypes,
    refs: list[list[ExplicitReference]],
    negs: list[tuple[bool, bool, list[str]]],
    params: MappingParams,
) -> list[SentenceMapping]:
    area_order = np.argsort(-scores.area, axis=1, kind="stable")
    skill_order = np.argsort(-scores.skill, axis=1, kind="stable")[:, : params.max_skills]
    out: list[SentenceMapping] = []
    for i, text in enumerate(texts):
        negated, hedged, cues = negs[i]
        weight = params.negated_weight if negated else params.hedged_weight if hedged else 1.0
        a_top = area_order[i, 0]
        s_top = skill_order[i, 0]
        clear = (
            protos.skill_area[s_top] == a_top and scores.skill_share[i, s_top] >= params.skill_clear
        )
        ta, ts = scores.best_text_area[i], scores.best_text_skill[i]
        out.append(
            SentenceMapping.model_construct(
                text=text,
                areas=_labels(protos.area_ids, protos.area_names, scores.area[i], area_order[i]),
                skills=_labels(
                    protos.skill_ids, protos.skill_names, scores.skill[i], skill_order[i]
                ),
                level="skill" if clear else "area",
                explicit=bool(refs[i]),
                references=refs[i],
                negated=negated,
                hedged=hedged,
                cues=cues,
                evidence_weight=weight,
                best_area_match=Explanation.model_construct(
                    label=protos.text_label[ta],
                    kind=protos.text_kind[ta],
                    text=protos.texts[ta],
                    similarity=float(scores.best_sim_area[i]),
                ),
                best_skill_match=Explanation.model_construct(
                    label=protos.text_label[ts],
                    kind=protos.text_kind[ts],
                    text=protos.texts[ts],
                    similarity=float(scores.best_sim_skill[i]),
                ),
            )
        )
    return out


def check_version(framework: str) -> None:
    """UsageError for a framework version we do not ship."""
    if framework not in FRAMEWORK_VERSIONS:
        raise UsageError(
            f"unknown framework version {framework!r}; use one of {', '.join(FRAMEWORK_VERSIONS)}"
        )


def map_vectors(
    sentences: Sequence[str],
    vectors: np.ndarray,
    resources: Resources,
    framework: str = "2021",
    params: MappingParams = DEFAULT_PARAMS,
) -> list[SentenceMapping]:
    """Map each sentence (with its encoder vector) onto every area and skill of the PKSB."""
    if not sentences:
        return []
    protos = resources.prototypes(framework)
    scores, refs = _score_texts(sentences, vectors, protos, params)
    negs = _negations(sentences, None, resources.nlp)
    return _build(sentences, scores, protos, refs, negs, params)


# --- coverage -------------------------------------------------------------------------------


def _coverage(
    mappings: Sequence[SentenceMapping],
    indexes: Sequence[int],
    protos: Prototypes,
    params: MappingParams,
) -> list[AreaCoverage]:
    """Coverage of every area by the given sentences, strongest first (vectorised over areas)."""
    n_areas = len(protos.area_ids)
    if not indexes:
        return [
            AreaCoverage(id=a, name=n, strength=0.0, share=0.0)
            for a, n in zip(protos.area_ids, protos.area_names, strict=True)
        ]
    position = {a: j for j, a in enumerate(protos.area_ids)}
    evidence = np.zeros((len(indexes), n_areas), dtype=np.float64)
    explicit = np.zeros((len(indexes), n_areas), dtype=bool)
    for row, index in enumerate(indexes):
        mapping = mappings[index]
        for item in mapping.areas:
            evidence[row, position[item.id]] = item.score * mapping.evidence_weight
        for ref in mapping.references:
            for item in ref.ids:
                area = item.split(".", 1)[0]
                if area in position:
                    explicit[row, position[area]] = True
    counted = np.where(evidence >= params.evidence_floor, evidence, 0.0)
    strength = 1.0 - np.prod(1.0 - counted, axis=0)
    total_weight = sum(mappings[i].evidence_weight for i in indexes)
    share = evidence.sum(axis=0) / max(total_weight, 1e-9)
    out: list[AreaCoverage] = []
    for j in np.argsort(-share, kind="stable"):
        rows = np.flatnonzero(counted[:, j] > 0)
        rows = rows[np.argsort(-counted[rows, j], kind="stable")]
        out.append(
            AreaCoverage(
                id=protos.area_ids[j],
                name=protos.area_names[j],
                strength=float(strength[j]),
                share=float(share[j]),
                sentence_indexes=[int(indexes[r]) for r in rows],
                quotes=[_quote(mappings[indexes[r]].text) for r in rows[:3]],
                explicit=bool(explicit[:, j].any()),
            )
        )
    return out


def _quote(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def main_areas(areas: Sequence[AreaCoverage], params: MappingParams = DEFAULT_PARAMS) -> list[str]:
    """The dominant areas: those holding at least `main_share` of the evidence, at most 3."""
    ranked = sorted(areas, key=lambda a: -a.share)
    chosen = [a.id for a in ranked if a.share >= params.main_share][: params.main_cap]
    return chosen or ([ranked[0].id] if ranked and ranked[0].share > 0 else [])


def _expected_ids(route_expects: Sequence[str] | None, framework: str) -> list[str]:
    wanted = list(route_expects) if route_expects is not None else list(DEFAULT_EXPECTED)
    fw = load_framework(framework)
    out: list[str] = []
    for item in wanted:
        if fw.has(item):
            out.append(item)
        else:  # route lists use 2021 ids
            out.extend(translate_id(item, "2021", framework))
    return list(dict.fromkeys(out))


def _sentence_spans(segmented: SegmentedDocument) -> list[Span | None]:
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
    """Sentence mappings, paragraph and document coverage, and the expected elements missed.

    The sentence vectors are the Statement's own (`segmented.embeddings`), encoded once.
    """
    check_version(framework)
    texts = segmented.sentence_texts
    protos = resources.prototypes(framework)
    if texts:
        vectors = (
            segmented.embeddings
            if segmented.embeddings is not None
            else resources.encoder.encode(texts)
        )
        scores, refs = _score_texts(texts, vectors, protos, params)
        negs = _negations(texts, _sentence_spans(segmented), resources.nlp)
        mappings = _build(texts, scores, protos, refs, negs, params)
    else:
        mappings = []
    paragraphs: list[ParagraphCoverage] = []
    for paragraph in segmented.outline.paragraphs:
        if paragraph.kind != "body" or not paragraph.sentence_indexes:
            continue
        areas = _coverage(mappings, paragraph.sentence_indexes, protos, params)
        paragraphs.append(
            ParagraphCoverage(
                paragraph=paragraph.index,
                sentence_indexes=list(paragraph.sentence_indexes),
                areas=areas,
                dominant=main_areas(areas, params),
            )
        )
    areas = _coverage(mappings, list(range(len(mappings))), protos, params)
    expected = _expected_ids(route_expects, framework)
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
        area = _aggregate([m.areas for m in chunk], [m.evidence_weight for m in chunk])
        skill = _aggregate([m.skills for m in chunk], [m.evidence_weight for m in chunk])
        coverage = _coverage(chunk, list(range(len(chunk))), protos, params)
        out.append(
            TextMapping(
                areas=area,
                skills=skill,
                dominant=main_areas(coverage, params),
                sentences=len(chunk),
            )
        )
    return out


def _aggregate(lists: Sequence[list[LabelScore]], weights: Sequence[float]) -> list[LabelScore]:
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
