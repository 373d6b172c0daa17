"""Fit the answerability model (app/abstention_model.json) on the tuning halves of gold sets.

What: reads a `govqa eval` report made with abstention off (GOVQA_ANSWER_ABSTAIN=false),
where every govqa answer carries its answerability signals (app.answerability.FEATURES),
labels each question answerable or not from the gold set, and fits an L2-regularised
logistic regression (IRLS, numpy). The regularisation strength is chosen by 5-fold
cross-validation on the same halves, and the threshold on the out-of-fold probabilities: the
lowest probability at which, in every set, at most `--max-false-abstention` of answerable
questions would abstain, so the threshold is not fitted to the very predictions it is
judged on.

Why: one calibrated model in place of hand-set rules; the held-out half is never read here.

Run (each tuning set over its corpus; the held-out halves are refused):
  GOVQA_ANSWER_ABSTAIN=false govqa eval --gold data/eval/real/gold-tuning.jsonl \\
      --corpus DIR --index-dir IDX --out /tmp/calib-real
  GOVQA_ANSWER_ABSTAIN=false govqa eval --gold data/eval/gold.jsonl --out /tmp/calib-sample
  .venv/bin/python scripts/calibrate_abstention.py \\
      --report /tmp/calib-real/report.json /tmp/calib-sample/report.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.answerability import FEATURES, MODEL_PATH  # noqa: E402

L2_GRID = (0.01, 0.1, 1.0, 10.0, 100.0)
FOLDS = 5


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, float]:
    """Newton's method on the penalised log-likelihood (the bias is not penalised)."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    penalty = np.eye(d + 1) * l2
    penalty[-1, -1] = 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -50, 50)))
        grad = xb.T @ (p - y) + penalty @ w
        hess = xb.T @ (xb * (p * (1 - p))[:, None]) + penalty + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def predict(x: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x @ w + b, -50, 50)))


def out_of_fold(x: np.ndarray, y: np.ndarray, l2: float, seed: int = 0) -> np.ndarray:
    order = np.random.default_rng(seed).permutation(len(y))
    probs = np.zeros(len(y))
    for fold in range(FOLDS):
        test = order[fold::FOLDS]
        train = np.setdiff1d(order, test)
        w, b = fit_logistic(x[train], y[train], l2)
        probs[test] = predict(x[test], w, b)
    return probs


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def pick_threshold(p: np.ndarray, y: np.ndarray, max_false: float) -> float:
    """Lowest threshold whose false abstention (answerable questions at or above it) is at
    most `max_false`: the most unanswerables caught within that budget."""
    answerable = np.sort(p[y == 0])[::-1]
    allowed = int(np.floor(max_false * len(answerable)))
    if allowed >= len(answerable):
        return 0.0
    # abstaining at >= t: t must sit above the (allowed+1)-th highest answerable probability
    return float(np.nextafter(answerable[allowed], 1.0))


def rates(p: np.ndarray, y: np.ndarray, t: float) -> dict[str, float]:
    abstain = p >= t
    return {
        "unanswerable_abstained": round(float(abstain[y == 1].mean()), 3),
        "false_abstention": round(float(abstain[y == 0].mean()), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--report", type=Path, nargs="+", required=True)
    parser.add_argument("--max-false-abstention", type=float, default=0.06)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args()
    reports = [json.loads(path.read_text(encoding="utf-8")) for path in args.report]
    rows, skipped, sets, origin = [], 0, [], []
    for report in reports:
        gold = report.get("meta", {}).get("gold", "?")
        if "heldout" in gold:
            raise SystemExit(f"{gold}: a held-out set is never used for fitting")
        sets.append(gold)
        ours = [q for q in report["questions"] if q["system"] == "govqa"]
        rows += [q for q in ours if q.get("answerability")]
        origin += [gold] * sum(1 for q in ours if q.get("answerability"))
        skipped += sum(1 for q in ours if not q.get("answerability"))
    x_raw = np.array([[q["answerability"]["features"][f] for f in FEATURES] for q in rows])
    y = np.array([0.0 if q["answerable"] else 1.0 for q in rows])
    mean, scale = x_raw.mean(axis=0), x_raw.std(axis=0)
    scale[scale == 0] = 1.0
    x = (x_raw - mean) / scale
    losses = {l2: log_loss(out_of_fold(x, y, l2), y) for l2 in L2_GRID}
    l2 = min(losses, key=losses.get)
    oof = out_of_fold(x, y, l2)
    # the budget holds on every set, not just on their pool (a corpus of real articles
    # must not pay for a sample corpus that is easy to abstain on)
    by_set = {g: np.array([o == g for o in origin]) for g in sets}
    threshold = max(
        pick_threshold(oof[m], y[m], args.max_false_abstention) for m in by_set.values()
    )
    w, b = fit_logistic(x, y, l2)
    fitted = predict(x, w, b)
    model = {
        "weights": {f: round(float(v), 5) for f, v in zip(FEATURES, w, strict=True)},
        "bias": round(b, 5),
        "mean": {f: round(float(v), 6) for f, v in zip(FEATURES, mean, strict=True)},
        "scale": {f: round(float(v), 6) for f, v in zip(FEATURES, scale, strict=True)},
        "threshold": round(threshold, 6),
        "fitted_on": " + ".join(sets),
        "fit": {
            "questions": len(rows),
            "unanswerable": int(y.sum()),
            "without_signals": skipped,
            "l2": l2,
            "cv_log_loss": {str(k): round(v, 4) for k, v in losses.items()},
            "max_false_abstention": args.max_false_abstention,
            "out_of_fold": rates(oof, y, threshold),
            "in_sample": rates(fitted, y, threshold),
            "out_of_fold_by_set": {g: rates(oof[m], y[m], threshold) for g, m in by_set.items()},
        },
    }
    args.out.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(model["fit"], indent=2))
    print(json.dumps(model["weights"], indent=2))


if __name__ == "__main__":
    main()
