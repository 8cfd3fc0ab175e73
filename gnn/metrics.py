r"""How good a probability of default is, on one split.

* **ROC-AUC**: the probability that a random defaulter scores above a random non-defaulter;
* **PR-AUC**: average precision :math:`\sum_k (R_k - R_{k-1}) P_k` over score thresholds (it
  reads the head of the ranking, where a post-loan team works);
* **Brier score**: :math:`\frac{1}{n}\sum_i (p_i - y_i)^2` (lower is better; a proper scoring
  rule, so it rewards calibration and discrimination together);
* **log-loss** and the **expected calibration error**
  :math:`\mathrm{ECE} = \sum_b \frac{n_b}{n} |\bar p_b - \bar y_b|` over the reliability bins;
* **reliability diagram**: equal-count bins of the predicted PD, each with its mean predicted
  PD and its observed default rate (equal-count, because PDs crowd near zero).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

__all__ = ["Metrics", "ReliabilityBin", "evaluate", "reliability"]

_EPS = 1e-12


@dataclass(frozen=True)
class ReliabilityBin:
    lo: float
    hi: float
    count: int
    mean_predicted: float
    observed_rate: float


@dataclass(frozen=True)
class Metrics:
    n: int
    positives: int
    roc_auc: float
    pr_auc: float
    brier: float
    log_loss: float
    ece: float
    reliability: list[ReliabilityBin] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def reliability(p: np.ndarray, y: np.ndarray, bins: int) -> list[ReliabilityBin]:
    """Equal-count bins of ``p`` (ties kept together by sorting)."""
    order = np.argsort(p, kind="stable")
    out = []
    for chunk in np.array_split(order, min(bins, max(len(p), 1))):
        if not len(chunk):
            continue
        out.append(ReliabilityBin(float(p[chunk].min()), float(p[chunk].max()), len(chunk),
                                  float(p[chunk].mean()), float(y[chunk].mean())))
    return out


def evaluate(p: np.ndarray, y: np.ndarray, bins: int = 10) -> Metrics:
    """All metrics of PDs ``p`` against labels ``y`` (NaN AUCs when only one class)."""
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    both = len(np.unique(y)) == 2
    pc = np.clip(p, _EPS, 1 - _EPS)
    rel = reliability(p, y, bins)
    ece = sum(b.count * abs(b.mean_predicted - b.observed_rate) for b in rel) / max(len(p), 1)
    return Metrics(
        n=len(y), positives=int(y.sum()),
        roc_auc=float(roc_auc_score(y, p)) if both else float("nan"),
        pr_auc=float(average_precision_score(y, p)) if both else float("nan"),
        brier=float(np.mean((p - y) ** 2)),
        log_loss=float(-np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc))),
        ece=float(ece), reliability=rel)
