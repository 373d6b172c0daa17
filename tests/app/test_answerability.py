"""The answerability model: the shipped fit is a real one over every signal, its probability
moves the way its signals should, and the calibration script's fit and threshold do what
they promise."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from app.answerability import FEATURES, MODEL_PATH, AbstentionModel, load_model

ROOT = Path(__file__).resolve().parents[2]


def calibration():
    spec = importlib.util.spec_from_file_location(
        "calibrate_abstention", ROOT / "scripts" / "calibrate_abstention.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_model_is_fitted_on_the_real_tuning_half():
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert "real/gold-tuning" in data["fitted_on"] and "heldout" not in data["fitted_on"]
    assert set(data["weights"]) == set(FEATURES)
    assert 0.0 < data["threshold"] < 1.0
    assert data["fit"]["out_of_fold"]["false_abstention"] <= data["fit"]["max_false_abstention"]


def test_closer_evidence_makes_an_answer_more_likely():
    model = load_model()
    features = dict(model.mean)
    close = {**features, "meaning": features["meaning"] + 2 * model.scale["meaning"]}
    far = {**features, "meaning": features["meaning"] - 2 * model.scale["meaning"]}
    assert model.probability(close) < model.probability(far)


def test_a_missing_year_makes_abstention_more_likely():
    model = load_model()
    features = dict(model.mean)
    assert model.probability({**features, "missing_years": 1.0}) > model.probability(
        {**features, "missing_years": 0.0}
    )


def test_the_fit_separates_what_is_separable():
    fit = calibration()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 2))
    y = (x[:, 0] > 0).astype(float)
    w, b = fit.fit_logistic(x, y, l2=0.1)
    assert w[0] > 1.0 and abs(w[1]) < 0.5 * w[0]
    assert ((fit.predict(x, w, b) >= 0.5) == (y == 1)).mean() > 0.97


@pytest.mark.parametrize("budget", [0.0, 0.08, 0.25])
def test_the_threshold_keeps_false_abstention_within_its_budget(budget):
    fit = calibration()
    rng = np.random.default_rng(2)
    p = rng.uniform(size=300)
    y = (rng.uniform(size=300) < p).astype(float)
    threshold = fit.pick_threshold(p, y, budget)
    assert (p[y == 0] >= threshold).mean() <= budget
    # and it is the lowest such threshold: one step down breaks the budget
    lower = np.sort(p[y == 0])[::-1][int(np.floor(budget * (y == 0).sum()))]
    assert (p[y == 0] >= lower).mean() > budget


def test_a_model_round_trips_through_its_file(tmp_path):
    model = load_model()
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model.to_dict()), encoding="utf-8")
    again = AbstentionModel.from_dict(json.loads(path.read_text(encoding="utf-8")))
    assert again == model
