"""BM25 over committed chunks: English stemmed, Thai segmented into words with pythainlp."""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

_THAI_RUN = re.compile(r"[\u0E00-\u0E7F]+")
_WORD = re.compile(r"[\u0E00-\u0E7F]+|[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]|\d+(?:[.,]\d+)*")
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "did",
        "does",
        "its",
        "it's",
        "what's",
        "whose",
    ]
)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def _thai_words(run: str) -> list[str]:
    from pythainlp.tokenize import word_tokenize

    return [w for w in word_tokenize(run, engine="newmm", keep_whitespace=False) if w.strip()]


def tokenize(text: str) -> list[str]:
    """Terms for BM25: lower-cased stems without stop words; Thai runs cut into words."""
    terms: list[str] = []
    latin: list[str] = []
    for match in _WORD.finditer(text):
        token = match.group(0)
        if _THAI_RUN.fullmatch(token):
            terms.extend(_thai_words(token))
        else:
            lower = token.lower().replace("’", "'")
            if lower not in STOPWORDS:
                latin.append(lower.removesuffix("'s"))
    terms.extend(_stemmer().stemWords(latin))
    return terms


class LexicalIndex:
    """A bm25s index over chunk texts, addressed by chunk id."""

    def __init__(self, ids: list[str], texts: list[str]) -> None:
        import bm25s

        self.ids = ids
        self._bm25 = bm25s.BM25()
        corpus = [tokenize(t) or ["\x00"] for t in texts]
        if ids:
            self._bm25.index(corpus, show_progress=False)

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
