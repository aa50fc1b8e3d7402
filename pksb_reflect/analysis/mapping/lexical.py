"""What the words themselves say: the TF-IDF area model and the context cues.

Jargon ("Westlaw", "EAD", "COUNTER", "retention schedule") is lexical: a sentence embedding of a
short sentence full of product names says little, while the words themselves say a lot. So a
second logistic regression, fitted ahead of time by models/mapping/build.py on TF-IDF features of
the framework texts (word 1-2 grams and character 3-5 grams within words, each block
L2-normalised, sublinear term frequency), ships as plain arrays; inference here is numpy and dict
look-ups, through the same analyzers the fit used.

Context cues (pksb_data/mapping_cues.yaml) are phrases that show an area whatever else the
sentence is about: "the trust's strategy", "our funding was cut" (wider organisational context),
"CILIP", "national policy" (wider sector), "censorship", "privacy" (ethics). Each cue found adds
a logit bonus to its area.
"""

from __future__ import annotations

import itertools
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from pksb_reflect.paths import bundled
from pksb_reflect.patterns import check_patterns

_WORD = re.compile(r"(?u)\b\w\w+\b")
_SPACES = re.compile(r"\s\s+")
LEX_CHAR_MIN_DF = 2


def word_terms(text: str) -> list[str]:
    """Lower-cased word unigrams and bigrams (accents folded)."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    words = _WORD.findall(folded)
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def char_terms(text: str) -> list[str]:
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


ANALYZERS = (word_terms, char_terms)
LEX_KEYS = ("lex_terms", "lex_block", "lex_idf", "lex_weight", "lex_bias")


def log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


@dataclass(frozen=True)
class LexicalModel:
    """A fitted TF-IDF logistic regression as arrays: vocabularies, idf, weights."""

    vocab: tuple[dict[str, int], ...]  # per block: term -> column (offset into weight)
    idf: np.ndarray  # (V,) over all blocks
    weight: np.ndarray  # (V, A)
    bias: np.ndarray  # (A,)

    @classmethod
    def from_arrays(
        cls,
        terms: np.ndarray,
        block: np.ndarray,
        idf: np.ndarray,
        weight: np.ndarray,
        bias: np.ndarray,
    ) -> LexicalModel:
        vocab = tuple(
            dict(zip(terms[block == b].tolist(), np.flatnonzero(block == b).tolist(), strict=True))
            for b in range(len(ANALYZERS))
        )
        return cls(vocab=vocab, idf=idf, weight=weight, bias=bias)

    def log_probs(self, texts: Sequence[str]) -> np.ndarray:
        """(N, A) log-probabilities of the lexical model, vectorised over the batch."""
        logits = np.tile(self.bias.astype(np.float64), (len(texts), 1))
        n_terms = self.idf.shape[0]
        for analyzer, vocab in zip(ANALYZERS, self.vocab, strict=True):
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
        return log_softmax(logits)


# --- context cues --------------------------------------------------------------------------


class CueLexicon(BaseModel):
    """pksb_data/mapping_cues.yaml: area id -> phrases; ids and patterns are checked on load."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    note: str
    cues: dict[str, list[str]] = Field(min_length=1)

    @field_validator("cues")
    @classmethod
    def _check(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        from pksb_reflect.framework import FRAMEWORK_VERSIONS, load_framework

        for area, patterns in value.items():
            for version in FRAMEWORK_VERSIONS:
                if area not in {a.id for a in load_framework(version).areas}:
                    raise ValueError(f"unknown area id {area!r} (not in PKSB {version})")
            if not patterns:
                raise ValueError(f"area {area!r} has no cues")
            check_patterns(patterns, repr(area))
        return value


def load_cues(path: str | None = None) -> CueLexicon:
    source = bundled("pksb_data") / "mapping_cues.yaml" if path is None else path
    with open(source, encoding="utf-8") as handle:
        return CueLexicon.model_validate(yaml.safe_load(handle))


_CUE_LOCK = threading.Lock()
_CUES: list[dict[str, re.Pattern[str]]] = []


def _compiled_cues() -> dict[str, re.Pattern[str]]:
    if not _CUES:
        with _CUE_LOCK:
            if not _CUES:
                _CUES.append(
                    {
                        area: re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
                        for area, patterns in load_cues().cues.items()
                    }
                )
    return _CUES[0]


def cue_counts(texts: Sequence[str], area_ids: Sequence[str]) -> np.ndarray:
    """(N, A) number of distinct cue phrases of each area found in each text (capped at 2)."""
    out = np.zeros((len(texts), len(area_ids)), dtype=np.float32)
    position = {a: j for j, a in enumerate(area_ids)}
    for area, pattern in _compiled_cues().items():
        j = position.get(area)
        if j is None:
            continue
        for row, text in enumerate(texts):
            found = {m.group(0).lower() for m in pattern.finditer(text)}
            out[row, j] = min(len(found), 2)
    return out
