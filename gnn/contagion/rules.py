"""The propagation rules π: what a node passes on in a round, from the previous round's state.

Each rule maps the raw stress ``h`` (end of the previous round) and the total already passed on
``P`` to what is passed on now, ``p = π(h, P)``, elementwise and for all nodes at once. Arrays may
be vectors (one scenario, shape ``(n,)``) or blocks (one column per scenario, ``(n, B)``).

- **DebtRank** (Bardoscia, Battiston, Caccioli, Caldarelli 2015, "DebtRank: a microscopic
  foundation for shock propagation"):

  .. math:: \\pi_j = \\min(1, h_j) - P_j

- **DebtRank, single hit** (Battiston, Puliga, Kaushik, Tasca, Caldarelli 2012, "DebtRank: too
  central to fail?"): the capped stress once, in the first round the node holds any:

  .. math:: \\pi_j = \\min(1, h_j) \\, 1[P_j = 0]

- **Default cascade** (threshold, Gai and Kapadia 2010 style): one full unit, once, when the raw
  stress reaches 1:

  .. math:: \\pi_j = (1 - P_j) \\, 1[h_j \\ge 1]
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np

__all__ = ["Method", "advance", "pass_on"]


class Method(StrEnum):
    """A propagation rule, named as on the command line."""

    DEBTRANK = "debtrank"
    SINGLE_HIT = "single-hit"
    CASCADE = "cascade"

    @property
    def is_finite(self) -> bool:
        """Each node passes on at most once, so the rounds end exactly (tolerance not needed)."""
        return self is not Method.DEBTRANK


def pass_on(method: Method, h: np.ndarray, passed: np.ndarray, out: np.ndarray,
            scratch: np.ndarray) -> np.ndarray:
    """Write ``p = π(h, P)`` into ``out`` and return the new totals ``P + p``.

    The returned array is ``passed`` updated in place, or, for DebtRank, ``scratch`` holding
    ``min(1, h)`` (which is what ``P + p`` equals after a DebtRank round), so that the caller
    swaps: ``passed, scratch = pass_on(...), <the other one>``. Use :func:`advance` for that.

    Args:
        method: the rule.
        h: raw stress at the end of the previous round, ``(n,)`` or ``(n, B)``.
        passed: ``P``, the totals passed on so far (same shape).
        out: receives ``p``.
        scratch: work space of the same shape.
    """
    if method is Method.DEBTRANK:
        np.minimum(h, 1.0, out=scratch)
        np.subtract(scratch, passed, out=out)
        return scratch
    if method is Method.SINGLE_HIT:
        np.minimum(h, 1.0, out=out)
        np.copyto(out, 0.0, where=passed != 0.0)
    else:
        np.subtract(1.0, passed, out=out)
        np.copyto(out, 0.0, where=h < 1.0)
    passed += out
    return passed


def advance(method: Method, h: np.ndarray, passed: np.ndarray, out: np.ndarray,
            scratch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One round's pass-on: ``p`` into ``out``; returns ``(P + p, free work array)``."""
    new = pass_on(method, h, passed, out, scratch)
    return (new, passed) if new is scratch else (new, scratch)
