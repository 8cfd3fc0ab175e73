"""The comparison report: the GNN and the baselines on the same test split, as a table and plots.

Every model's raw score is calibrated on the validation split with the same method (so Brier
scores compare calibrated PDs), then measured on the test split (:mod:`gnn.metrics`).
:func:`write_report` writes ``metrics.json``, ``metrics.md`` (the table and the checks below),
``reliability.png``, ``roc.png`` and ``pr.png``.

The checks: the GNN's ROC-AUC against the best own-features baseline (``margin``, 0.05 by
default) and against the best hand-made graph-features baseline (not below), and its Brier
score against both (lower).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.metrics import precision_recall_curve, roc_curve

from gnn.calibration import Calibrator
from gnn.config import CalibrationConfig
from gnn.data.targets import Split, Targets
from gnn.metrics import Metrics, evaluate
from gnn.plotting import Series, line_chart

__all__ = ["Comparison", "ModelResult", "compare", "write_report"]

_CURVE_POINTS = 200  # points kept per ROC / PR curve in the plots


@dataclass(frozen=True, eq=False)
class ModelResult:
    name: str
    description: str
    kind: str  # gnn, own, graph, propagation
    calibrator: Calibrator
    metrics: Metrics
    p_test: np.ndarray
    y_test: np.ndarray


@dataclass(frozen=True, eq=False)
class Comparison:
    results: list[ModelResult]
    split_sizes: dict[str, int]
    margin: float = 0.05
    extra: dict[str, object] = field(default_factory=dict)

    def result(self, name: str) -> ModelResult:
        return next(r for r in self.results if r.name == name)

    def best(self, kind: str) -> ModelResult | None:
        found = [r for r in self.results if r.kind == kind and np.isfinite(r.metrics.roc_auc)]
        return max(found, key=lambda r: r.metrics.roc_auc) if found else None

    def checks(self) -> dict[str, object]:
        gnn = self.result("gnn").metrics
        own, graph = self.best("own"), self.best("graph")
        out: dict[str, object] = {}
        if own is not None:
            out["auc_gain_over_best_own"] = gnn.roc_auc - own.metrics.roc_auc
            out["best_own"] = own.name
            out["auc_gain_over_best_own_ok"] = bool(gnn.roc_auc - own.metrics.roc_auc
                                                   >= self.margin)
        if graph is not None:
            out["auc_gain_over_best_graph"] = gnn.roc_auc - graph.metrics.roc_auc
            out["best_graph"] = graph.name
            out["auc_not_below_graph_ok"] = bool(gnn.roc_auc >= graph.metrics.roc_auc)
        rivals = [r for r in (own, graph) if r is not None]
        best_brier = min((r.metrics.brier for r in self.results if r.kind in ("own", "graph")),
                         default=float("inf"))
        out["brier_better_than_baselines_ok"] = bool(rivals) and gnn.brier < best_brier
        return out

    def markdown(self) -> str:
        lines = ["| model | what | ROC-AUC | PR-AUC | Brier | log-loss | ECE |",
                 "|---|---|---:|---:|---:|---:|---:|"]
        for r in self.results:
            m = r.metrics
            lines.append(f"| {r.name} | {r.description} | {m.roc_auc:.4f} | {m.pr_auc:.4f} | "
                         f"{m.brier:.5f} | {m.log_loss:.4f} | {m.ece:.4f} |")
        s = self.split_sizes
        lines += ["", f"Test split: {s.get('test', 0):,} targets "
                  f"({s.get('test_positives', 0):,} defaults); train {s.get('train', 0):,}, "
                  f"validation {s.get('val', 0):,}. Each model calibrated on the validation "
                  "split.", ""]
        for k, v in self.checks().items():
            lines.append(f"- {k}: {v:.4f}" if isinstance(v, float) else f"- {k}: {v}")
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, object]:
        return {"split": self.split_sizes,
                "models": {r.name: {"description": r.description, "kind": r.kind,
                                    "calibration": r.calibrator.to_dict(),
                                    **r.metrics.to_dict()} for r in self.results},
                "checks": self.checks(), **self.extra}


def compare(scores: list[tuple[str, str, str, np.ndarray]], targets: Targets, split: Split,
            cfg: CalibrationConfig, margin: float = 0.05) -> Comparison:
    """``scores``: ``(name, description, kind, z)`` with ``z`` a raw score of every party."""
    y_val, y_test = targets.y[split.val], targets.y[split.test]
    results = []
    for name, desc, kind, z in scores:
        cal = Calibrator.fit(z[split.val], y_val, cfg.method)
        p = cal(z[split.test])
        results.append(ModelResult(name, desc, kind, cal, evaluate(p, y_test, cfg.bins), p,
                                   y_test))
    sizes = {"train": len(split.train), "val": len(split.val), "test": len(split.test),
             "train_positives": int(np.nansum(targets.y[split.train])),
             "val_positives": int(np.nansum(y_val)), "test_positives": int(np.nansum(y_test))}
    return Comparison(results, sizes, margin)


def _thin(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(x) <= _CURVE_POINTS:
        return x, y
    idx = np.unique(np.linspace(0, len(x) - 1, _CURVE_POINTS).astype(int))
    return x[idx], y[idx]


def write_report(folder: Path, comparison: Comparison) -> list[Path]:
    """Write the table, the JSON and the three plots into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "metrics.json", folder / "metrics.md"]
    paths[0].write_text(json.dumps(comparison.to_dict(), indent=2, default=float) + "\n",
                        encoding="utf-8")
    paths[1].write_text("# GNN contagion scoring: test metrics\n\n" + comparison.markdown(),
                        encoding="utf-8")
    rel, roc, pr = [], [], []
    top = 0.0
    for r in comparison.results:
        bins = r.metrics.reliability
        xs = np.array([b.mean_predicted for b in bins])
        ys = np.array([b.observed_rate for b in bins])
        top = max(top, float(xs.max(initial=0)), float(ys.max(initial=0)))
        rel.append(Series(r.name, xs, ys, markers=True))
        if len(np.unique(r.y_test)) == 2:
            fpr, tpr, _ = roc_curve(r.y_test, r.p_test)
            roc.append(Series(f"{r.name} {r.metrics.roc_auc:.3f}", *_thin(fpr, tpr)))
            prec, recall, _ = precision_recall_curve(r.y_test, r.p_test)
            pr.append(Series(f"{r.name} {r.metrics.pr_auc:.3f}", *_thin(recall[::-1],
                                                                        prec[::-1])))
    top = min(1.0, np.ceil(top * 10 + 1e-9) / 10) if top > 0 else 1.0
    paths.append(line_chart(folder / "reliability.png", "Reliability (test split)", rel,
                            "mean predicted PD", "observed default rate", (0, top, 0, top),
                            diagonal=True))
    paths.append(line_chart(folder / "roc.png", "ROC (test split)", roc, "false positive rate",
                            "true positive rate", diagonal=True))
    paths.append(line_chart(folder / "pr.png", "Precision-recall (test split)", pr, "recall",
                            "precision"))
    return paths
