"""Per-sentence support check: does the cited passage back the sentence?

A verbatim quote is supported by definition. Anything else (a language model's paraphrase,
an answer scored by the evaluation harness) is scored by a small logistic model over
features that catch what lexical overlap alone misses: numbers and names the passage never
mentions, flipped negations, and meaning (MiniLM cosine to the closest passage sentence).
The weights are fitted on the labelled set ``data/eval/support.jsonl`` by
``scripts/calibrate_support.py`` and shipped in ``app/support_model.json``.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ingest.embed import Embedder
from ingest.text import normalize_space, passage_sentences, stems, tokenize

MODEL_PATH = Path(__file__).with_name("support_model.json")
FEATURES = [
    "lexical",
    "numbers",
    "names",
    "negation",
    "cosine",
    "cosine_window",
    "missing",
    "local_lexical",
    "local_numbers",
]

_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:[A-Z][a-z]+)*\b")
_NEGATION = re.compile(r"\b(not|no|never|neither|nor|without|failed|fails|lack|lacked)\b|n't\b")


def _norm(text: str) -> str:
    return normalize_space(text.lower())


def is_verbatim(sentence: str, passage: str) -> bool:
    return _norm(sentence).rstrip(".") in _norm(passage)


def lexical_support(sentence: str, passage: str) -> float:
    """Share of the sentence's content terms that occur in the passage."""
    terms = set(tokenize(sentence))
    if not terms:
        return 0.0
    return len(terms & set(tokenize(passage))) / len(terms)


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


def _share_found(items: set[str], haystack: set[str] | str) -> float:
    if not items:
        return 1.0
    if isinstance(haystack, str):
        return sum(1 for i in items if i in haystack) / len(items)
    return len(items & haystack) / len(items)


@dataclass
class SupportModel:
    """The fitted logistic model. It gives a probability; the line between supported and
    not is `settings.answer.support_threshold`, the one threshold every caller reads."""

    weights: dict[str, float]
    bias: float

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> SupportModel:
        data = json.loads(path.read_text())
        return cls(data["weights"], data["bias"])

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias + sum(self.weights[k] * features[k] for k in FEATURES)
        return 1.0 / (1.0 + math.exp(-z))


@lru_cache(maxsize=1)
def default_model() -> SupportModel:
    return SupportModel.load()


class SupportScorer:
    """Scores (sentence, passage) pairs in [0, 1]; embeds in batches, once per text."""

    def __init__(self, embedder: Embedder, model: SupportModel | None = None) -> None:
        self.embedder = embedder
        self.model = model or default_model()

    def features(self, pairs: list[tuple[str, str]]) -> list[dict[str, float]]:
        # each passage's sentences, then windows of two (a paraphrase may merge two)
        pieces: list[list[str]] = []
        n_sentences: list[int] = []
        for _, passage in pairs:
            sents = [passage[s:e] for s, e in passage_sentences(passage)] or [passage]
            windows = [f"{a} {b}" for a, b in itertools.pairwise(sents)]
            pieces.append(sents + windows)
            n_sentences.append(len(sents))
        flat = [s for s, _ in pairs] + [p for group in pieces for p in group]
        vectors = self.embedder.embed(flat) if flat else np.zeros((0, 1))
        sentence_vectors, cursor = vectors[: len(pairs)], len(pairs)
        out = []
        for i, (sentence, passage) in enumerate(pairs):
            group = vectors[cursor : cursor + len(pieces[i])]
            cursor += len(pieces[i])
            sims = group @ sentence_vectors[i]
            cosine = float(sims[: n_sentences[i]].max())
            names = set(_NAME.findall(sentence))
            best = pieces[i][int(np.argmax(sims))]
            # the passage text the sentence restates: its terms and numbers should be there
            local = max(pieces[i], key=lambda p, s=sentence: lexical_support(s, p))
            missing = stems(sentence) - stems(passage)
            out.append(
                {
                    "lexical": lexical_support(sentence, passage),
                    "numbers": _share_found(_numbers(sentence), _numbers(passage)),
                    "names": _share_found(names, passage),
                    "negation": float(
                        bool(_NEGATION.search(sentence.lower()))
                        != bool(_NEGATION.search(best.lower()))
                    ),
                    "cosine": cosine,
                    "cosine_window": float(sims.max()),
                    "missing": min(len(missing), 5) / 5,
                    "local_lexical": lexical_support(sentence, local),
                    "local_numbers": _share_found(_numbers(sentence), _numbers(local)),
                }
            )
        return out

    def score(self, pairs: list[tuple[str, str]]) -> list[float]:
        """Verbatim quotes score 1.0 without a model call; the rest get the model's
        probability that the passage supports the sentence."""
        scores: list[float] = [1.0 if is_verbatim(s, p) else -1.0 for s, p in pairs]
        todo = [i for i, value in enumerate(scores) if value < 0]
        if todo:
            for i, feats in zip(todo, self.features([pairs[i] for i in todo]), strict=True):
                scores[i] = self.model.probability(feats)
        return scores
