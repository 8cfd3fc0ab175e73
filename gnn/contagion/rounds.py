"""Synchronous rounds: the one engine under every method, for one scenario or a block of them.

Raw stress starts at the shock, ``h(0) = s``, nothing has been passed on, ``P = 0``; each round
every node computes what it passes on from the previous round's state, all at once, and every
creditor gains its share:

.. math::

    p(t) = \\pi(h(t-1), P(t-1)), \\qquad P(t) = P(t-1) + p(t), \\qquad
    h(t) = h(t-1) + \\Lambda \\, p(t)

with :math:`\\Lambda_{ij} = LGD \\, A_{ij} / E_i` (see :mod:`gnn.contagion.network`). A scenario
stops after the first round whose largest change :math:`\\max_i \\Delta h_i` is at most the
tolerance (DebtRank) or exactly zero (single hit and cascade, where each node passes on at most
once, so the rounds end by themselves); after a round with no change nothing can change any
more. ``rounds`` counts the rounds that changed some ``h``; a scenario still changing at the
round limit is reported as having hit it.

Scenarios are columns of a dense block and advance together through one sparse product per
round (``Λ @ p``, CSR times dense), the whole round loop in compiled code
(:mod:`gnn.contagion.kernel`); a column that stops is taken out of the block, so the rest do not
pay for it. One scenario alone is a vector (numpy and scipy, with the audit trail's observer),
and while few nodes pass anything on the product is taken over those columns of ``Λ`` only
(same sums, fewer terms). Since ``Λ >= 0`` and every rule passes on ``p >= 0``, ``Δh >= 0``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from gnn.contagion.kernel import KernelMatrix, run_block
from gnn.contagion.rules import Method, advance
from riskgraph.errors import ConfigError

__all__ = ["ImpactMatrix", "Propagation", "RoundObserver", "SimulationParams", "propagate",
           "propagate_block"]

# Below this share of nodes passing something on, the product goes over those columns only
# (one scenario; times_block; the compiled block rounds have their own, in gnn.contagion.kernel).
_FRONTIER_SHARE = 0.05
_BLOCK_FRONTIER_SHARE = 0.3

RoundObserver = Callable[[int, np.ndarray, np.ndarray, np.ndarray], None]
"""Called as ``observer(t, h, p, dh)`` in round ``t`` before ``h += dh`` (one scenario only)."""


@dataclass(frozen=True)
class SimulationParams:
    """How a scenario is run.

    Args:
        method: the propagation rule (:class:`~gnn.contagion.rules.Method`).
        lgd: loss given default, in ``[0, 1]``; scales :math:`\\Lambda`.
        tol: DebtRank stops after a round whose largest change in ``h`` is ``<= tol``.
        max_rounds: the round limit; hitting it is reported, never hidden.
    """

    method: Method = Method.DEBTRANK
    lgd: float = 1.0
    tol: float = 1e-12
    max_rounds: int = 10_000

    def __post_init__(self) -> None:
        if not 0.0 <= self.lgd <= 1.0:
            raise ConfigError(f"LGD must be between 0 and 1, not {self.lgd}")
        if not self.tol >= 0.0:
            raise ConfigError(f"the tolerance must be >= 0, not {self.tol}")
        if self.max_rounds < 1:
            raise ConfigError(f"the round limit must be at least 1, not {self.max_rounds}")

    @property
    def stop_below(self) -> float:
        """A scenario stops after a round whose largest change is at most this."""
        return 0.0 if self.method.is_finite else self.tol


@dataclass(frozen=True, eq=False)
class ImpactMatrix:
    """The relative impact matrix :math:`\\Lambda` (``n x n``, CSR), with its CSC form on demand."""

    csr: sp.csr_matrix

    @property
    def num_nodes(self) -> int:
        return int(self.csr.shape[0])

    @cached_property
    def csc(self) -> sp.csc_matrix:
        return self.csr.tocsc()

    @cached_property
    def kernel(self) -> KernelMatrix:
        """The arrays the compiled round loop of a block takes."""
        return KernelMatrix.of(self.csr, self.csc)

    def times(self, p: np.ndarray, look: bool = True) -> tuple[np.ndarray, bool]:
        """``Λ @ p`` for one scenario; with ``look``, over the columns of the nodes that pass
        something on if those are few. Also returns whether they were few (worth looking)."""
        if not look or np.count_nonzero(p) >= _FRONTIER_SHARE * len(p):
            return np.asarray(self.csr @ p), False
        nz = np.flatnonzero(p)
        if len(nz) == 0:
            return np.zeros_like(p), True
        return np.asarray(self.csc[:, nz] @ p[nz]), True

    def times_block(self, p: np.ndarray, look: bool = True) -> tuple[np.ndarray, bool]:
        """``Λ @ p`` for a block ``(n, B)``; with ``look``, over the rows of ``p`` that are not
        all zero if those are few. Also returns whether they were few (worth looking).
        (:func:`propagate_block` no longer uses it: its rounds are compiled code.)"""
        if not look:
            return np.asarray(self.csr @ p), False
        nz = np.flatnonzero(p @ np.ones(p.shape[1]))  # p >= 0: a zero row sum is a zero row
        if len(nz) >= _BLOCK_FRONTIER_SHARE * len(p):
            return np.asarray(self.csr @ p), False
        if len(nz) == 0:
            return np.zeros_like(p), True
        return np.asarray(self.csc[:, nz] @ p[nz]), True


@dataclass(frozen=True, eq=False)
class Propagation:
    """Final raw stress of each scenario and how its rounds went.

    Attributes:
        raw_stress: ``h`` at the end, ``(n,)`` for one scenario or ``(n, B)`` for a block.
        rounds: per scenario, the number of rounds that changed some ``h`` (int, ``()`` or
            ``(B,)``).
        limit_hit: per scenario, whether it was still changing at the round limit.
    """

    raw_stress: np.ndarray
    rounds: np.ndarray
    limit_hit: np.ndarray


def _check_shock(shock: np.ndarray, n: int) -> np.ndarray:
    s = np.asarray(shock, dtype=np.float64)
    if s.shape[0] != n:
        raise ConfigError(f"the shock has {s.shape[0]} rows but the network has {n} nodes")
    if s.size and not (s.min() >= 0.0 and s.max() <= 1.0):  # NaN fails too
        raise ConfigError("every shock must lie in [0, 1]")
    return s


def propagate(impact: ImpactMatrix, shock: np.ndarray, params: SimulationParams,
              observer: RoundObserver | None = None) -> Propagation:
    """Run one scenario, shock vector ``s`` of shape ``(n,)``, through the synchronous rounds."""
    h = _check_shock(shock, impact.num_nodes).copy()
    if h.ndim != 1:
        raise ConfigError("propagate takes one shock vector; use propagate_block for several")
    passed = np.zeros_like(h)
    p = np.empty_like(h)
    scratch = np.empty_like(h)
    last_change, limit_hit = 0, True
    look = True  # at the frontier, until it has filled out
    for t in range(1, params.max_rounds + 1):
        passed, scratch = advance(params.method, h, passed, p, scratch)
        dh, look = impact.times(p, look)
        biggest = float(dh.max()) if len(dh) else 0.0
        if biggest > 0.0:
            last_change = t
            if observer is not None:
                observer(t, h, p, dh)
        h += dh
        if biggest <= params.stop_below:
            limit_hit = False
            break
    return Propagation(h, np.asarray(last_change), np.asarray(limit_hit))


def propagate_block(impact: ImpactMatrix, shocks: np.ndarray,
                    params: SimulationParams) -> Propagation:
    """Run ``B`` scenarios at once: ``shocks`` is ``(n, B)``, one scenario per column.

    The rounds run in compiled code (:func:`gnn.contagion.kernel.run_block`), one pass-on and
    one sparse product per round over the columns still running; a column leaves the block
    after its stopping round, so each scenario gets exactly its own rounds, with the same
    numbers as :func:`propagate` on that column alone.
    """
    s = _check_shock(shocks, impact.num_nodes)
    if s.ndim != 2:
        raise ConfigError("propagate_block takes an (n, B) block of shocks")
    h = np.array(s, dtype=np.float64, order="C")  # a copy: the caller's shocks stay as given
    final, rounds, limit_hit = run_block(impact.kernel, h, params.method, params.stop_below,
                                         params.max_rounds)
    return Propagation(final, rounds, limit_hit)
