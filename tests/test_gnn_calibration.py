"""Calibration maps scores to PDs that mean what they say; the metrics match their definitions
on cases a person can check; the report writes its table and plots."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit

from gnn.calibration import Calibrator, logit
from gnn.config import CalibrationConfig
from gnn.data.targets import Split, Targets
from gnn.metrics import evaluate, reliability
from gnn.report import compare, write_report


def test_platt_scaling_recovers_the_true_map() -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(size=200_000)
    y = (rng.random(len(z)) < expit(0.5 * z - 2.0)).astype(float)
    cal = Calibrator.fit(z, y, "platt")
    assert cal.a == pytest.approx(0.5, abs=0.02)
    assert cal.b == pytest.approx(-2.0, abs=0.03)


def test_isotonic_calibration_is_monotone_and_round_trips() -> None:
    rng = np.random.default_rng(1)
    z = rng.normal(size=5000)
    y = (rng.random(len(z)) < expit(2 * z)).astype(float)
    cal = Calibrator.fit(z, y, "isotonic")
    grid = np.linspace(-4, 4, 101)
    p = cal(grid)
    assert np.all(np.diff(p) >= 0) and p.min() >= 0 and p.max() <= 1
    again = Calibrator.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert np.array_equal(again(grid), p)


def test_one_class_calibrates_to_the_base_rate() -> None:
    cal = Calibrator.fit(np.array([0.1, 0.4, 2.0]), np.zeros(3))
    assert np.all(cal(np.array([-5.0, 5.0])) < 1e-6)
    assert logit(np.array([0.5]))[0] == 0.0


def test_metrics_on_a_hand_checked_case() -> None:
    p = np.array([0.1, 0.4, 0.35, 0.8])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    m = evaluate(p, y, bins=2)
    assert m.roc_auc == pytest.approx(0.75)  # 3 of the 4 (pos, neg) pairs ordered right
    assert m.brier == pytest.approx((0.01 + 0.16 + 0.4225 + 0.04) / 4)
    # average precision: recall 0.5 at precision 1 (0.8), recall 1 at precision 2/3 (0.35)
    assert m.pr_auc == pytest.approx(0.5 * 1 + 0.5 * (2 / 3))
    bins = reliability(p, y, 2)
    assert [b.count for b in bins] == [2, 2]
    assert bins[0].mean_predicted == pytest.approx(0.225) and bins[0].observed_rate == 0.5
    assert m.ece == pytest.approx((2 * abs(0.225 - 0.5) + 2 * abs(0.6 - 0.5)) / 4)


def test_the_report_compares_models_on_the_same_split(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    n = 3000
    truth = rng.normal(size=n)
    y = (rng.random(n) < expit(2 * truth - 2.5)).astype(float)
    targets = Targets(y, {})
    idx = rng.permutation(n)
    split = Split(np.sort(idx[:1800]), np.sort(idx[1800:2400]), np.sort(idx[2400:]))
    scores = [("gnn", "good", "gnn", 2 * truth + rng.normal(scale=0.3, size=n)),
              ("own", "weak", "own", truth + rng.normal(scale=2.0, size=n)),
              ("graph", "fair", "graph", truth + rng.normal(scale=0.8, size=n))]
    comp = compare(scores, targets, split, CalibrationConfig())
    checks = comp.checks()
    assert checks["auc_gain_over_best_own_ok"] and checks["auc_not_below_graph_ok"]
    assert checks["brier_better_than_baselines_ok"]
    paths = write_report(tmp_path / "report", comp)
    names = {p.name for p in paths}
    assert names == {"metrics.json", "metrics.md", "reliability.png", "roc.png", "pr.png"}
    for p in paths:
        if p.suffix == ".png":
            assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = (tmp_path / "report" / "metrics.md").read_text()
    assert "| gnn | good |" in table
    saved = json.loads((tmp_path / "report" / "metrics.json").read_text())
    assert saved["split"]["test"] == 600 and set(saved["models"]) == {"gnn", "own", "graph"}
