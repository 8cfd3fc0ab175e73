r"""Calibration: from a model's raw score to a probability of default that means what it says.

Fitted on the validation split only (the test split stays untouched for the report):

* **Platt scaling** (Platt 1999): :math:`p = \sigma(a z + b)`, with ``(a, b)`` minimising the
  log-loss of the validation labels; ``z`` is the model's logit (or the logit of a baseline's
  probability). Two parameters, monotone: it keeps ROC-AUC and fixes the scale.
* **Isotonic regression** (Zadrozny & Elkan 2002): the monotone step function of
  :math:`\sigma(z)` that minimises the squared error on the validation labels; more flexible,
  needs more validation positives. Predictions between steps interpolate linearly; beyond the
  fitted range they clip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

__all__ = ["Calibrator", "logit"]

_EPS = 1e-7  # probabilities are clipped to [eps, 1 - eps] before taking logits


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class Calibrator:
    """A fitted calibration map ``z -> p`` (see the module docstring)."""

    method: str
    a: float = 1.0
    b: float = 0.0
    iso_x: tuple[float, ...] = ()
    iso_y: tuple[float, ...] = ()

    @classmethod
    def fit(cls, z: np.ndarray, y: np.ndarray, method: str = "platt") -> Calibrator:
        z = np.asarray(z, dtype=float)
        y = np.asarray(y, dtype=float)
        if method == "platt":
            a, b = _platt(z, y)
            return cls("platt", a, b)
        if method == "isotonic":
            from sklearn.isotonic import IsotonicRegression

            iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
            iso.fit(expit(z), y)
            return cls("isotonic", iso_x=tuple(map(float, iso.X_thresholds_)),
                       iso_y=tuple(map(float, iso.y_thresholds_)))
        raise ValueError(f"unknown calibration method {method!r}")

    def __call__(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        if self.method == "platt":
            return expit(self.a * z + self.b)
        return np.interp(expit(z), np.asarray(self.iso_x), np.asarray(self.iso_y))

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "a": self.a, "b": self.b, "iso_x": list(self.iso_x),
                "iso_y": list(self.iso_y)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Calibrator:
        return cls(d["method"], float(d["a"]), float(d["b"]), tuple(d["iso_x"]),
                   tuple(d["iso_y"]))


def _platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    r"""Maximum-likelihood :math:`(a, b)` of :math:`P(y=1) = \sigma(a z + b)` (Newton-type,
    from the identity map; falls back to the base rate when the labels are all one class)."""
    if len(y) == 0 or y.min() == y.max():
        rate = float(np.clip(y.mean() if len(y) else 0.5, _EPS, 1 - _EPS))
        return 0.0, float(np.log(rate / (1 - rate)))

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = w[0] * z + w[1]
        p = expit(s)
        # log(1 + e^s) - y s, computed stably
        val = np.logaddexp(0.0, s) - y * s
        g = p - y
        return float(val.mean()), np.array([(g * z).mean(), g.mean()])

    res = minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B")
    return float(res.x[0]), float(res.x[1])
