"""Metrics of retrieval (recall@k, MRR, nDCG@10), citations (ALCE precision and recall),
key-point coverage and abstention; pure functions over plain values."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ingest.text import normalize_space, stems

SupportFn = Callable[[str, str], float]


def relevant_flags(passages: list[str], evidence: list[str]) -> list[bool]:
    """A passage is relevant when it holds one of the gold evidence phrases verbatim."""
    phrases = [normalize_space(e) for e in evidence]
    return [any(p in normalize_space(text) for p in phrases) for text in passages]


def evidence_recall(passages: list[str], evidence: list[str], k: int) -> float:
    """Share of the gold evidence phrases found in the top-k passages."""
    if not evidence:
        return 0.0
    top = normalize_space(" \n ".join(passages[:k]))
    return sum(1 for e in evidence if normalize_space(e) in top) / len(evidence)


def reciprocal_rank(flags: list[bool]) -> float:
    return next((1.0 / (i + 1) for i, f in enumerate(flags) if f), 0.0)


def ndcg(flags: list[bool], relevant_total: int, k: int = 10) -> float:
    """Binary-relevance nDCG@k; the ideal ranking puts every relevant passage first."""
    dcg = sum(1.0 / math.log2(i + 2) for i, f in enumerate(flags[:k]) if f)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(relevant_total, k)))
    return dcg / ideal if ideal else 0.0


def alce_citation_scores(
    sentences: list[tuple[str, list[str]]], support: SupportFn, threshold: float
) -> tuple[float, float]:
    """(citation precision, citation recall) as in ALCE (Gao et al., 2023).

    Recall: a sentence's cited passages, together, support it (no citation: 0).
    Precision: a citation is relevant when its passage alone supports the sentence, or
    when the sentence is supported with it and not without it.
    """
    if not sentences:
        return 0.0, 0.0
    recalled, relevant, total = 0, 0, 0
    for sentence, cited in sentences:
        if not cited:
            continue
        together = support(sentence, "\n".join(cited)) >= threshold
        recalled += together
        for i, passage in enumerate(cited):
            total += 1
            alone = support(sentence, passage) >= threshold
            rest = cited[:i] + cited[i + 1 :]
            needed = together and (not rest or support(sentence, "\n".join(rest)) < threshold)
            relevant += alone or needed
    return (relevant / total if total else 0.0), recalled / len(sentences)


def key_point_coverage(answer_text: str, key_points: list[str]) -> float:
    """Share of key points at least half of whose content terms (cut to five letters, so
    "organisation" meets "organization") the answer states."""
    if not key_points:
        return 0.0
    answer_terms = stems(answer_text)
    covered = 0
    for point in key_points:
        terms = stems(point)
        if terms and len(terms & answer_terms) / len(terms) >= 0.5:
            covered += 1
    return covered / len(key_points)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0
