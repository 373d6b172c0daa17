"""BM25 over committed chunks: English stemmed, Thai segmented into words with pythainlp."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from ingest.text import tokenize


class LexicalIndex:
    """A bm25s index over chunk texts, addressed by chunk id."""

    def __init__(self, ids: list[str], texts: list[str]) -> None:
        import bm25s

        self.ids = ids
        self._bm25 = bm25s.BM25()
        corpus = [tokenize(t) or ["\x00"] for t in texts]
        # in how many chunks each term occurs: how specific a question's word is
        self._df = Counter(term for terms in corpus for term in set(terms))
        if ids:
            self._bm25.index(corpus, show_progress=False)

    def unseen(self, terms: list[str]) -> set[str]:
        """The terms no chunk holds."""
        return {t for t in terms if t not in self._df}

    def idf(self, terms: list[str]) -> dict[str, float]:
        """BM25's inverse document frequency of each term (an unseen term the rarest)."""
        n = len(self.ids)
        return {
            t: math.log(1.0 + (n - self._df.get(t, 0) + 0.5) / (self._df.get(t, 0) + 0.5))
            for t in terms
        }

    def search(
        self, query: str, k: int, allowed: set[str] | None = None
    ) -> list[tuple[str, float]]:
        terms = tokenize(query)
        if not self.ids or not terms:
            return []
        vocab = self._bm25.vocab_dict
        terms = [t for t in terms if t in vocab]
        if not terms:
            return []
        scores = self._bm25.get_scores(terms)
        if allowed is not None:
            mask = np.fromiter((i in allowed for i in self.ids), dtype=bool, count=len(self.ids))
            scores = np.where(mask, scores, 0.0)
        top = np.argsort(-scores)[:k]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]
