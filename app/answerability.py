"""Whether the evidence answers the question: one calibrated model, not a list of rules.

A question can sit close to a passage and still not be answered by it: "what was Kalasin's
budget in 2019?" is near the Kalasin article, which gives no budget and no 2019. No single
signal separates the two kinds, so the decision reads several (how close the best sentence
and passages are in each dense channel, how much of the question's content the best
passages cover, whether the channels agree, and what the question names or asks for that
no passage holds; see `app.abstain`) and weighs them with a logistic model fitted on the
tuning half of the real gold set by ``scripts/calibrate_abstention.py``. The model and the
threshold it was fitted with ship in ``app/abstention_model.json``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from app.abstain import Cited, Gaps
from app.records import Answerability, Evidence
from ingest.text import stems, tokenize

MODEL_PATH = Path(__file__).with_name("abstention_model.json")
FEATURES = (
    "meaning",  # cosine of the best sentence, in the channel that reads the question
    "passage_dense",  # best MiniLM cosine among the passages the answer is written from
    "passage_multilingual",  # best USE cosine among them
    "coverage",  # share of the question's content stems found in the best passages
    "best_coverage",  # ... found in the single best-covering passage
    "specific_coverage",  # IDF-weighted share of its terms found there: its rare words
    "sentence_coverage",  # best share of its non-name stems in one quoted sentence
    "agreement",  # share of those passages that two or more channels offered
    "missing_years",
    "missing_numbers",
    "unknown_names",
    "absent_names",  # ... of which no passage of the whole corpus holds a word
    "missing_figure",
)


@dataclass(frozen=True)
class AbstentionModel:
    """Logistic regression over standardised features."""

    weights: dict[str, float]
    bias: float
    mean: dict[str, float]
    scale: dict[str, float]
    threshold: float

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias + sum(
            w * (features[f] - self.mean[f]) / self.scale[f] for f, w in self.weights.items()
        )
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def to_dict(self) -> dict:
        return {
            "weights": self.weights,
            "bias": self.bias,
            "mean": self.mean,
            "scale": self.scale,
            "threshold": self.threshold,
        }

    @classmethod
    def from_dict(cls, data: dict) -> AbstentionModel:
        return cls(
            {f: float(data["weights"][f]) for f in FEATURES},
            float(data["bias"]),
            {f: float(data["mean"][f]) for f in FEATURES},
            {f: float(data["scale"][f]) or 1.0 for f in FEATURES},
            float(data["threshold"]),
        )


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> AbstentionModel:
    return AbstentionModel.from_dict(json.loads(path.read_text(encoding="utf-8")))


def answerability_features(
    question: str,
    evidence: list[Evidence],
    meaning: float,
    answer: list[Cited],
    gaps: Gaps,
    covered: int,
    term_weights: dict[str, float] | None = None,
    name_stems: set[str] = frozenset(),
    unseen: set[str] = frozenset(),
) -> dict[str, float]:
    """The model's inputs for one question. `meaning` is the best candidate sentence's
    cosine; `answer` the sentences the answer would quote and `gaps` what they lack
    (app.abstain.gap_counts); `covered` how many of the best passages the coverage signals
    read; `term_weights` the IDF of the question's BM25 terms (a rare word is the specific
    fact asked for); `name_stems` the stems of the case names it was scoped by, which every
    passage of that case shares; `unseen` the question's terms that no chunk of the corpus
    holds (a case the corpus does not have)."""
    terms = stems(question)
    top = evidence[:covered]
    weights = term_weights or {}
    found = set().union(*(tokenize(ev.chunk.text) for ev in top)) if top else set()
    specific = sum(w for t, w in weights.items() if t in found) / max(1e-9, sum(weights.values()))
    asked = terms - name_stems
    sentence_coverage = max(
        (len(asked & stems(c.sentence)) / max(1, len(asked)) for c in answer), default=0.0
    )
    per_passage = [len(terms & stems(ev.chunk.text)) / max(1, len(terms)) for ev in top]
    union = set().union(*(stems(ev.chunk.text) for ev in top)) if top else set()
    offered = [
        sum(x is not None for x in (ev.dense, ev.lexical, ev.multilingual)) >= 2 for ev in top
    ]
    return {
        "meaning": meaning,
        "passage_dense": max((ev.dense for ev in top if ev.dense is not None), default=0.0),
        "passage_multilingual": max(
            (ev.multilingual for ev in top if ev.multilingual is not None), default=0.0
        ),
        "coverage": len(terms & union) / max(1, len(terms)),
        "best_coverage": max(per_passage, default=0.0),
        "specific_coverage": specific if weights else 0.0,
        "sentence_coverage": sentence_coverage,
        "agreement": sum(offered) / max(1, len(offered)),
        "missing_years": float(min(2, gaps.years)),
        "missing_numbers": float(min(2, gaps.numbers)),
        "unknown_names": float(min(2, len(gaps.names))),
        "absent_names": float(
            min(2, sum(1 for n in gaps.names if set(tokenize(n)) and set(tokenize(n)) <= unseen))
        ),
        "missing_figure": 1.0 if gaps.figure else 0.0,
    }


def judge(features: dict[str, float], reasons: list[str], model: AbstentionModel) -> Answerability:
    """The verdict on signals rounded to 4 places: int8 vectors differ in the 7th digit with
    the batch they were embedded in, and two processes must give one answer."""
    rounded = {f: round(v, 4) for f, v in features.items()}
    probability = round(model.probability(rounded), 4)
    return Answerability(rounded, probability, model.threshold, tuple(reasons))
