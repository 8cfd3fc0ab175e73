"""The audit trail of a scenario: who was newly stressed or newly defaulted in each round, and
through which exposure.

In round ``t`` node ``i`` gains :math:`\\Delta h_i = \\sum_j \\Lambda_{ij} p_j(t)`. It is *newly
stressed* when :math:`h_i(t-1) = 0 < h_i(t)` and *newly defaulted* when
:math:`h_i(t-1) < 1 \\le h_i(t)`. The edge that carried it is ``(creditor i, debtor j*)`` with

.. math:: j^* = \\arg\\max_j \\Lambda_{ij} \\, p_j(t)

the debtor whose pass-on brought the largest part of the gain (ties: the lowest node number),
so that an investigator can follow every step back to the shock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gnn.contagion.rounds import ImpactMatrix

__all__ = ["RoundRecord", "TrailRecorder"]


@dataclass(frozen=True, eq=False)
class RoundRecord:
    """One round of one scenario (node numbers of the exposure network).

    ``stressed_via[k]`` is the debtor through which ``newly_stressed[k]`` was reached, and
    likewise ``defaulted_via`` for ``newly_defaulted``.
    """

    round: int
    newly_stressed: np.ndarray
    stressed_via: np.ndarray
    newly_defaulted: np.ndarray
    defaulted_via: np.ndarray


class TrailRecorder:
    """A round observer (see :func:`~gnn.contagion.rounds.propagate`) that keeps the trail."""

    def __init__(self, impact: ImpactMatrix) -> None:
        self._impact = impact
        self._unstressed: np.ndarray | None = None  # nodes still at h = 0
        self.records: list[RoundRecord] = []

    def __call__(self, t: int, h: np.ndarray, p: np.ndarray, dh: np.ndarray) -> None:
        # Only nodes still at 0 can be newly stressed (a list that shrinks as stress spreads),
        # and only nodes within max(dh) below 1 can cross it (exact test on those).
        if self._unstressed is None:
            self._unstressed = np.flatnonzero(h == 0.0)
        zero = self._unstressed
        hit = dh[zero] > 0.0
        stressed = zero[hit]
        self._unstressed = zero[~hit]
        near = np.flatnonzero((h >= 1.0 - float(dh.max())) & (h < 1.0))
        defaulted = near[h[near] + dh[near] >= 1.0]
        self.records.append(RoundRecord(t, stressed, self._carriers(stressed, p),
                                        defaulted, self._carriers(defaulted, p)))

    def _carriers(self, rows: np.ndarray, p: np.ndarray) -> np.ndarray:
        """For each row ``i`` (which gained stress), ``argmax_j Λ[i, j] p[j]``."""
        if len(rows) == 0:
            return np.zeros(0, dtype=np.int64)
        sub = self._impact.csr[rows]  # keeps the sorted column order of Λ: ties -> lowest j
        contrib = sub.data * p[sub.indices]
        starts = sub.indptr[:-1]
        counts = np.diff(sub.indptr)
        best = np.maximum.reduceat(contrib, starts)
        row_of = np.repeat(np.arange(len(rows)), counts)
        hit = np.flatnonzero(contrib == best[row_of])
        first = hit[np.r_[True, row_of[hit][1:] != row_of[hit][:-1]]]
        return sub.indices[first].astype(np.int64)
