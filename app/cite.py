"""Per-sentence support check: does the cited passage back the sentence?"""

from __future__ import annotations

import re

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


def support_score(sentence: str, passage: str) -> float:
    """1.0 for a verbatim quote of the passage, else the share of the sentence's terms the
    passage contains (the paraphrase-aware scorer comes with the LLM answerer)."""
    if _norm(sentence).rstrip(".") in _norm(passage):
        return 1.0
    return lexical_support(sentence, passage)


def passage_sentences(passage: str) -> list[tuple[int, int]]:
    return [(s, e) for s, e in sentence_spans(passage) if re.search(r"\w", passage[s:e])]
