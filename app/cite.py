"""Per-sentence support check: does the cited passage back the sentence?"""

from __future__ import annotations

import re

import numpy as np

from app.lexical import tokenize
from ingest.chunk import sentence_spans


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def lexical_support(sentence: str, passage: str) -> float:
    """Share of the sentence's content terms that occur in the passage."""
    terms = set(tokenize(sentence))
    if not terms:
        return 0.0
    return len(terms & set(tokenize(passage))) / len(terms)


def support_score(
    sentence: str,
    passage: str,
    sentence_vec: np.ndarray | None = None,
    passage_vecs: np.ndarray | None = None,
) -> float:
    """1.0 for a verbatim quote; otherwise a blend of term overlap and the best embedding
    similarity to one passage sentence (so a paraphrase can pass and a word-salad cannot)."""
    if _norm(sentence).rstrip(".") in _norm(passage):
        return 1.0
    lexical = lexical_support(sentence, passage)
    if sentence_vec is None or passage_vecs is None or len(passage_vecs) == 0:
        return lexical
    dense = float(np.max(passage_vecs @ sentence_vec))
    return 0.5 * lexical + 0.5 * max(0.0, dense)


def passage_sentences(passage: str) -> list[tuple[int, int]]:
    return [(s, e) for s, e in sentence_spans(passage) if re.search(r"\w", passage[s:e])]
