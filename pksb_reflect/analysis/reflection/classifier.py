"""Sentence categories of reflection (Ullmann's eight plus Other), from a small linear model.

The shipped model (models/reflection/) is trained by models/reflection/train.py on library
writing (the team's sentence bank and the labelled statements' dev split, weighted up) together
with CEReD (Štefánik & Nehyba 2021). It reads three things about each sentence:

* its all-MiniLM-L6-v2 embedding (the pipeline already computes it; pass it as `embeddings`),
* the embeddings of its previous and next sentence, taken from `contexts` and encoded through
  the cached encoder (zero vectors when a neighbour is absent or no context is given),
* lexical features computed here: TF-IDF word 1-2 grams, TF-IDF character 2-5 grams inside word
  boundaries, and counts of reflection cue words (first person, mental verbs, feeling words,
  intention phrases, hedges, difficulty words...).

Four logistic-regression heads (plain and class-balanced, on the embeddings and on the lexical
features) are stacked by a logistic regression over their log-probabilities, fitted on
out-of-fold predictions for the library sentences, so its priors and calibration are theirs.
Everything is numpy: no scikit-learn or torch is needed to classify. The weights are a numpy
.npz file loaded without pickle, after its sha256 is checked against manifest.json.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

import numpy as np
from pydantic import BaseModel

from pksb_reflect.errors import ModelError
from pksb_reflect.nlp.encoder import EMBEDDING_DIM
from pksb_reflect.paths import bundled, file_sha256

if TYPE_CHECKING:
    from pksb_reflect.analysis.segment import SegmentedDocument
    from pksb_reflect.nlp.encoder import Encoder

Category = Literal[
    "Experience",
    "Feeling",
    "Reflection",
    "Difficulty",
    "Belief",
    "Perspective",
    "Learning",
    "Intention",
    "Other",
]
CATEGORIES: tuple[Category, ...] = get_args(Category)


MODEL_DIR = bundled("models") / "reflection"
MODEL_FILE = "reflection.npz"
MANIFEST_FILE = "manifest.json"
FEATURE_VERSION = 1


class SentenceCategory(BaseModel):
    """The most probable category of one sentence and the probability of each of the nine."""

    category: Category
    probabilities: dict[str, float]


# --- sentences and neighbours -------------------------------------------------------------

_SENT_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9ÁČĎÉĚÍŇÓŘŠŤÚŮÝŽ])")


def split_sentences(text: str) -> list[str]:
    """A regex sentence splitter: breaks after . ! ? followed by space and a capital or digit."""
    parts = [p.strip() for p in _SENT_END.split(text.strip())]
    return [p for p in parts if p]


def neighbours(sentence: str, context: str) -> tuple[str, str]:
    """The sentence before and after `sentence` inside `context` ("" when there is none).

    The sentence is located in the context by exact match: the text before it is split into
    sentences and the last is kept, and likewise the first sentence of the text after it. When
    the exact text is absent (CEReD translated sentence and context separately), the context
    sentence sharing most words with it (at least half) stands in for it.
    """
    sent = " ".join(sentence.split())
    ctx = " ".join(context.split())
    pos = ctx.find(sent) if sent else -1
    if pos >= 0:
        before = split_sentences(ctx[:pos])
        after = split_sentences(ctx[pos + len(sent) :])
        return (before[-1] if before else ""), (after[0] if after else "")
    target = set(words(sent))
    parts = split_sentences(ctx)
    if not target or not parts:
        return "", ""
    scores = [len(target & set(words(p))) / len(target | set(words(p))) for p in parts]
    best = int(np.argmax(scores))
    if scores[best] < 0.5:
        return "", ""
    return (parts[best - 1] if best > 0 else ""), (parts[best + 1] if best + 1 < len(parts) else "")


# --- lexical features ---------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    """Lower-cased word tokens (apostrophe forms kept: "didn't", "i'm")."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def word_ngrams(text: str) -> list[str]:
    """Word unigrams and bigrams, with sentence-boundary markers on the bigrams."""
    toks = words(text)
    grams = list(toks)
    padded = ["<s>", *toks, "</s>"]
    grams.extend(f"{a} {b}" for a, b in pairwise(padded))
    return grams


def char_ngrams(text: str, low: int = 2, high: int = 5) -> list[str]:
    """Character n-grams inside word boundaries (each word padded with one space each side)."""
    grams: list[str] = []
    for tok in re.findall(r"\S+", text.lower()):
        padded = f" {tok} "
        size = len(padded)
        for n in range(low, high + 1):
            if n > size:
                break
            grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams


_CUES: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in {
        "first_sing": r"\b(i|me|my|mine|myself|i'm|i've|i'd|i'll)\b",
        "first_plur": r"\b(we|us|our|ours|ourselves)\b",
        "second_third": r"\b(they|them|their|he|she|his|her|pupils?|students?|children|class)\b",
        "mental": r"\b(reali[sz]\w*|understo+d|understand\w*|learn\w*|notic\w*|recogni[sz]\w*|"
        r"discover\w*|found out|aware\w*|figured?|know|knew|think\w*|thought|consider\w*|"
        r"reflect\w*|wonder\w*|remember\w*)\b",
        "learning": r"\b(learn(ed|t)|taught me|i (now )?know|i reali[sz]ed|i found out|"
        r"i understood|lesson for me|i have learned|gained|experience for me)\b",
        "feeling": r"\b(felt|feel\w*|happy|glad|pleased|surprised|disappoint\w*|nervous|"
        r"anxious|afraid|worried|frustrat\w*|angry|upset|sad|enjoy\w*|liked?|love\w*|hate\w*|"
        r"excited|stress\w*|embarrass\w*|satisf\w*|annoy\w*|bother\w*|fear\w*|pleasant\w*|"
        r"unpleasant\w*|comfortable|uncomfortable|proud|shock\w*|bored|fun)\b",
        "intention": r"\b(will|i'll|going to|next time|in the future|plan\w*|intend\w*|"
        r"want to|would like to|i'd like to|try to|must|have to|need to|should)\b",
        "future_first": r"\b(i will|i'll|next time|in the future|i am going to|i'm going to|"
        r"i would like to|i want to|i plan)\b",
        "hedge": r"\b(maybe|perhaps|probably|possibly|might|may|seem\w*|i think|i guess|"
        r"i suppose|somewhat|rather|likely|apparently)\b",
        "difficulty": r"\b(difficult\w*|problem\w*|hard|struggl\w*|trouble\w*|challeng\w*|"
        r"fail\w*|mistake\w*|wrong|unable|couldn't|could not|didn't manage|issue\w*|"
        r"lack\w*|unfortunately|chaos|noise|noisy|disrupt\w*)\b",
        "belief": r"\b(believe|important|should|must|always|never|in my opinion|i think that|"
        r"it is necessary|essential|key|need|teacher should|a good teacher)\b",
        "perspective": r"\b(from (their|his|her|the pupils') (point of view|perspective)|"
        r"point of view|perspective|mentor|colleague|supervis\w*|teacher told|said|told me|"
        r"according to|feedback|they (thought|felt|said))\b",
        "causal": r"\b(because|since|therefore|so that|thus|due to|reason|why|as a result)\b",
        "contrast": r"\b(but|however|although|though|on the other hand|whereas|yet)\b",
        "negation": r"\b(not|no|never|n't|didn't|don't|wasn't|weren't|nothing)\b",
        "past": r"\b(was|were|had|did|went|\w+ed)\b",
        "present": r"\b(is|are|am|do|does|have|has)\b",
        "evaluation": r"\b(good|well|bad|badly|better|worse|best|worst|successful\w*|great|"
        r"excellent|poor\w*|interesting|useful|effective\w*|worked)\b",
        "time": r"\b(today|yesterday|then|after|before|first|lesson|hour|minutes?|"
        r"morning|during|when)\b",
        "question": r"\?",
        "colon": r":",
        "digit": r"\d",
    }.items()
}
CUE_NAMES = tuple(_CUES)


def cue_features(text: str) -> np.ndarray:
    """log1p counts of each cue pattern, plus sentence length (log words) and is-empty."""
    values = [math.log1p(len(p.findall(text))) for p in _CUES.values()]
    n_words = len(words(text))
    values.append(math.log1p(n_words))
    values.append(1.0 if n_words == 0 else 0.0)
    return np.asarray(values, dtype=np.float32)


def _tfidf_terms(
    grams: list[str], vocab: dict[str, int], idf: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and l2-normalised sublinear-tf TF-IDF values of one text's n-grams."""
    counts: dict[int, int] = {}
    for g in grams:
        j = vocab.get(g)
        if j is not None:
            counts[j] = counts.get(j, 0) + 1
    if not counts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
    vals = tf * idf[cols]
    return cols, (vals / np.linalg.norm(vals)).astype(np.float32)


# --- the model ----------------------------------------------------------------------------


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class ReflectionModel:
    """The loaded weights: lexical and embedding logistic heads stacked by a linear meta head.

    Arrays (see models/reflection/train.py): word/char vocabularies and idf; cue-feature
    standardisation and weight; `lex_coef` (lexical features x 9*k_lex) and `emb_coef`
    (3*384 x 9*k_emb) with intercepts; `meta_coef` (9*(k_lex+k_emb) x 9) over the heads'
    log-probabilities.
    """

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        cats = tuple(str(c) for c in arrays["categories"])
        if cats != CATEGORIES or int(arrays["feature_version"]) != FEATURE_VERSION:
            raise ModelError("the reflection model was built for other categories or features")
        self.word_vocab = {str(t): i for i, t in enumerate(arrays["word_vocab"])}
        self.char_vocab = {str(t): i for i, t in enumerate(arrays["char_vocab"])}
        self.word_idf = arrays["word_idf"].astype(np.float32)
        self.char_idf = arrays["char_idf"].astype(np.float32)
        self.cue_mean = arrays["cue_mean"].astype(np.float32)
        self.cue_scale = arrays["cue_scale"].astype(np.float32)
        self.cue_weight = float(arrays["cue_weight"])
        self.lex_coef = arrays["lex_coef"].astype(np.float32)
        self.lex_intercept = arrays["lex_intercept"].astype(np.float32)
        self.emb_coef = arrays["emb_coef"].astype(np.float32)
        self.emb_intercept = arrays["emb_intercept"].astype(np.float32)
        self.meta_coef = arrays["meta_coef"].astype(np.float32)
        self.meta_intercept = arrays["meta_intercept"].astype(np.float32)
        n_word, n_char = len(self.word_vocab), len(self.char_vocab)
        self.n_cues = len(self.cue_mean)
        if self.lex_coef.shape[0] != n_word + n_char + self.n_cues:
            raise ModelError("the reflection model's lexical weights do not match its vocabulary")

    def lexical_logits(self, texts: Sequence[str]) -> np.ndarray:
        """Logits of the lexical heads: sparse TF-IDF rows and cue features times weights."""
        n_word, n_char = len(self.word_vocab), len(self.char_vocab)
        w_word = self.lex_coef[:n_word]
        w_char = self.lex_coef[n_word : n_word + n_char]
        w_cue = self.lex_coef[n_word + n_char :]
        out = np.empty((len(texts), self.lex_coef.shape[1]), dtype=np.float32)
        for row, text in enumerate(texts):
            cols, vals = _tfidf_terms(word_ngrams(text), self.word_vocab, self.word_idf)
            logit = vals @ w_word[cols]
            cols, vals = _tfidf_terms(char_ngrams(text), self.char_vocab, self.char_idf)
            logit = logit + vals @ w_char[cols]
            cues = (cue_features(text) - self.cue_mean) / self.cue_scale * self.cue_weight
            out[row] = logit + cues @ w_cue
        return out + self.lex_intercept

    def predict_proba(self, texts: Sequence[str], context_embeddings: np.ndarray) -> np.ndarray:
        """Probabilities (n x 9) from the texts and [sentence, previous, next] embeddings."""
        heads = []
        lex = self.lexical_logits(texts)
        emb = context_embeddings.astype(np.float32) @ self.emb_coef + self.emb_intercept
        for logits in (lex, emb):
            for k in range(logits.shape[1] // len(CATEGORIES)):
                block = logits[:, k * len(CATEGORIES) : (k + 1) * len(CATEGORIES)]
                heads.append(np.log(np.clip(_softmax(block), 1e-6, 1.0)))
        return _softmax(np.hstack(heads) @ self.meta_coef + self.meta_intercept)


def load_model(directory: Path | str | None = None) -> ReflectionModel:
    """Load the model from `directory` (default: the shipped one) after checking its sha256."""
    folder = Path(directory) if directory is not None else MODEL_DIR
    manifest_path = folder / MANIFEST_FILE
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        expected = manifest["files"][MODEL_FILE]["sha256"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(
            f"the reflection model manifest is missing or unreadable at {manifest_path}; "
            "reinstall pksb-reflect or rerun models/reflection/train.py"
        ) from exc
    weights = folder / MODEL_FILE
    if not weights.is_file():
        raise ModelError(f"the reflection model is missing at {weights}; reinstall pksb-reflect")
    actual = file_sha256(weights)
    if actual != expected:
        raise ModelError(
            f"{weights} does not match its manifest (sha256 {actual[:16]}..., expected "
            f"{str(expected)[:16]}...); refusing to load it"
        )
    try:
        with np.load(weights, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        return ReflectionModel(arrays)
    except ModelError:
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"the reflection model at {weights} cannot be read: {exc}") from exc


def context_embeddings(
    sentences: Sequence[str], contexts: Sequence[str] | None, encoder: Encoder
) -> np.ndarray:
    """[sentence, previous, next] embeddings (n x 1152) of loose sentences.

    Neighbours come from `contexts` ("previous. sentence. next."), found by the splitter used
    in training; a missing neighbour is a zero vector, as in training. One encoder call.
    """
    n = len(sentences)
    pairs: list[tuple[str, str]] = [("", "")] * n
    if contexts is not None:
        if len(contexts) != n:
            raise ValueError("contexts must have one entry per sentence")
        pairs = [neighbours(s, c) for s, c in zip(sentences, contexts, strict=True)]
    wanted = list(dict.fromkeys([*sentences, *(t for pair in pairs for t in pair if t)]))
    found = dict(zip(wanted, encoder.encode(wanted), strict=True))
    zero = np.zeros(EMBEDDING_DIM, dtype=np.float32)
    return np.stack(
        [
            np.concatenate([found[s], found[p] if p else zero, found[x] if x else zero])
            for s, (p, x) in zip(sentences, pairs, strict=True)
        ]
    )


def statement_features(document: SegmentedDocument) -> np.ndarray:
    """[sentence, previous, next] embeddings of a statement's sentences, from its own vectors.

    Neighbours are the sentences before and after in the same paragraph, by index: nothing is
    re-split or re-encoded.
    """
    vectors = document.embeddings
    if vectors is None:
        raise ValueError("the statement's sentences have not been encoded")
    zero = np.zeros(EMBEDDING_DIM, dtype=np.float32)
    rows = []
    for i in range(len(document.outline.sentences)):
        before, after = document.neighbours(i)
        rows.append(
            np.concatenate(
                [
                    vectors[i],
                    vectors[before] if before is not None else zero,
                    vectors[after] if after is not None else zero,
                ]
            )
        )
    return np.stack(rows) if rows else np.zeros((0, 3 * EMBEDDING_DIM), dtype=np.float32)


def classify(
    model: ReflectionModel, sentences: Sequence[str], features: np.ndarray
) -> list[SentenceCategory]:
    """Categorise each sentence as one of CATEGORIES, with the probability of every category.

    `features` are the [sentence, previous, next] embeddings from `statement_features` or
    `context_embeddings`.
    """
    if not sentences:
        return []
    probs = model.predict_proba(list(sentences), features).astype(np.float64)
    probs /= probs.sum(axis=1, keepdims=True)
    results = []
    for row in probs:
        best = CATEGORIES[int(np.argmax(row))]
        results.append(
            SentenceCategory(
                category=best,
                probabilities={c: float(p) for c, p in zip(CATEGORIES, row, strict=True)},
            )
        )
    return results
