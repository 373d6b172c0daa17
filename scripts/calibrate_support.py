"""Fit the support scorer's weights on data/eval/support.jsonl into app/support_model.json.

Run: .venv/bin/python scripts/calibrate_support.py   (prints 5-fold cross-validated scores)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from app.cite import FEATURES, MODEL_PATH, SupportScorer
from ingest.embed import Embedder
from ingest.offline import enforce_offline
from ingest.settings import Settings

SUPPORT_SET = Path("data/eval/support.jsonl")


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 0.001, steps: int = 20000) -> np.ndarray:
    """Plain gradient descent on the L2-regularised log loss; the last weight is the bias."""
    x = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) / len(y) + l2 * np.r_[w[:-1], 0.0]
        w -= 1.0 * grad
    return w


def predict(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(np.hstack([x, np.ones((len(x), 1))]) @ w)))


def main() -> None:
    enforce_offline()
    rows = [json.loads(line) for line in SUPPORT_SET.read_text().splitlines() if line.strip()]
    settings = Settings()
    scorer = SupportScorer(Embedder.from_settings(settings))
    feats = scorer.features([(r["sentence"], r["passage"]) for r in rows])
    x = np.array([[f[k] for k in FEATURES] for f in feats])
    y = np.array([1.0 if r["supported"] else 0.0 for r in rows])
    folds = np.arange(len(rows)) % 5
    predicted = np.zeros(len(rows))
    for k in range(5):
        w = fit_logistic(x[folds != k], y[folds != k])
        predicted[folds == k] = predict(w, x[folds == k])
    verbatim = np.array([r["kind"] == "verbatim" for r in rows])
    predicted[verbatim] = 1.0  # the runtime scorer short-cuts verbatim quotes
    yes = predicted >= 0.5
    tp = float(np.sum(yes & (y == 1)))
    metrics = {
        "pairs": len(rows),
        "cv_accuracy": round(float(np.mean(yes == (y == 1))), 3),
        "cv_precision": round(tp / max(1, np.sum(yes)), 3),
        "cv_recall": round(tp / max(1, np.sum(y == 1)), 3),
    }
    w = fit_logistic(x, y)
    model = {
        "weights": {k: round(float(v), 4) for k, v in zip(FEATURES, w[:-1], strict=True)},
        "bias": round(float(w[-1]), 4),
        "threshold": 0.5,
        "fitted_on": str(SUPPORT_SET),
        "cross_validation": metrics,
    }
    MODEL_PATH.write_text(json.dumps(model, indent=2) + "\n")
    print(json.dumps(model, indent=2))


if __name__ == "__main__":
    main()
