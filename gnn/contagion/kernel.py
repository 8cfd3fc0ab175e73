"""The compiled round loop of a block of scenarios: every round of every column in one call.

:func:`run_block` runs the synchronous rounds of :mod:`gnn.contagion.rounds` for a block of
``B`` scenarios (columns), with the whole loop in machine code (numba, ``nogil``: blocks run
side by side on threads). One round is two passes over the block instead of a dozen numpy
passes and allocations:

1. the pass-on, row by row: :math:`p = \\pi(h, P)` and the new totals ``P`` (the rule of the
   method, :mod:`gnn.contagion.rules`), noting the rows where some ``p`` is not zero;
2. the product, row by row of :math:`\\Lambda` (CSR): :math:`\\Delta h_i = \\sum_j \\Lambda_{ij}
   p_j` summed in increasing ``j`` (as scipy's CSR product does), added to ``h_i`` at once,
   with each column's largest :math:`\\Delta h` kept on the way. While few rows of ``p`` are
   not zero (the first rounds of single defaults) the product is taken over those columns of
   :math:`\\Lambda` only (CSC), into a buffer that is then added row by row: the same terms in
   the same order, so the same bits.

A column stops after the first round whose largest change is ``<= stop_below``, as in
:func:`~gnn.contagion.rounds.propagate_block`; its ``h`` is written out and the columns still
running are moved together, so the later rounds cost only what is left. The compiled code is
cached on disk (numba ``cache=True``): the first call in a new environment compiles it
(a few seconds), later processes load it (a fraction of a second).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numba import njit

from gnn.contagion.rules import Method
from riskgraph.errors import ConfigError

__all__ = ["FRONTIER_SHARE", "KernelMatrix", "cache_hits", "run_block", "upstream"]

# The product goes over the columns of the rows of p that are not zero while those are fewer
# than this share of the nodes. The result does not depend on it (same terms, same order).
FRONTIER_SHARE = 0.3

_CODES = {Method.DEBTRANK: 0, Method.SINGLE_HIT: 1, Method.CASCADE: 2}


@dataclass(frozen=True, eq=False)
class KernelMatrix:
    """:math:`\\Lambda` as the compiled code takes it: CSR and CSC arrays, sorted indices,
    uint64 index arrays (one compiled version whatever scipy chose; unsigned, so indexing with
    them needs no test for negative indices, about a tenth off the product)."""

    num_nodes: int
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    col_indptr: np.ndarray
    col_indices: np.ndarray
    col_data: np.ndarray

    @classmethod
    def of(cls, csr: sp.csr_matrix, csc: sp.csc_matrix) -> KernelMatrix:
        """From the CSR and CSC forms of the same matrix (no duplicate entries)."""
        csr = csr if csr.has_sorted_indices else csr.sorted_indices()
        csc = csc if csc.has_sorted_indices else csc.sorted_indices()
        index = np.uint64
        return cls(int(csr.shape[0]), csr.indptr.astype(index), csr.indices.astype(index),
                   np.asarray(csr.data, dtype=np.float64), csc.indptr.astype(index),
                   csc.indices.astype(index), np.asarray(csc.data, dtype=np.float64))


def run_block(matrix: KernelMatrix, h: np.ndarray, method: Method, stop_below: float,
              max_rounds: int, frontier_share: float = FRONTIER_SHARE) -> tuple[np.ndarray,
                                                                                np.ndarray,
                                                                                np.ndarray]:
    """Run the block ``h`` (``(n, B)`` shocks, overwritten) through the rounds.

    Args:
        matrix: :math:`\\Lambda` (``n x n``).
        h: ``h(0)``, ``(n, B)`` float64, C order; used as work space.
        method: the propagation rule.
        stop_below: a column stops after a round whose largest change is at most this.
        max_rounds: the round limit.
        frontier_share: below this share of rows of ``p`` not zero, the product goes over
            their columns only (for tests: 0 never, above 1 always).

    Returns:
        ``(final h (n, B), rounds (B,) int64, limit_hit (B,) bool)``: per column, the last
        round that changed some ``h``, and whether it was still changing at the round limit.
    """
    if h.ndim != 2 or h.shape[0] != matrix.num_nodes:
        raise ConfigError(f"a block of {matrix.num_nodes} rows is needed, not {h.shape}")
    n, width = h.shape
    final = np.empty((n, width))
    rounds = np.zeros(width, dtype=np.int64)
    limit_hit = np.ones(width, dtype=np.bool_)
    _rounds(matrix.indptr, matrix.indices, matrix.data, matrix.col_indptr, matrix.col_indices,
            matrix.col_data, np.ascontiguousarray(h, dtype=np.float64), _CODES[method],
            float(stop_below), int(max_rounds), float(frontier_share), final, rounds,
            limit_hit)
    return final, rounds, limit_hit


def cache_hits() -> int:
    """How many compiled functions this process loaded from the disk cache (for the benchmark,
    which reports the first call's cost apart)."""
    return sum(sum(f.stats.cache_hits.values()) for f in (_rounds, _upstream))


def upstream(matrix: KernelMatrix, sources: np.ndarray, limit: int) -> np.ndarray | None:
    """The nodes that stress from ``sources`` can reach: the sources, their creditors (the rows
    of the sources' columns of :math:`\\Lambda`), theirs, and so on, as sorted node numbers;
    None as soon as they are ``limit`` or more (a block then runs on the whole network)."""
    seen = np.zeros(matrix.num_nodes, dtype=np.bool_)
    if not _upstream(matrix.col_indptr, matrix.col_indices,
                     np.asarray(sources, dtype=np.int64), int(limit), seen):
        return None
    return np.flatnonzero(seen)


@njit(nogil=True, cache=True)
def _upstream(cindptr, cindices, sources, limit, seen):  # type: ignore[no-untyped-def]
    # breadth first from the sources, along the columns of Λ (debtor -> its creditors)
    queue = np.empty(len(seen), dtype=np.int64)
    count = 0
    for s in sources:
        if not seen[s]:
            seen[s] = True
            queue[count] = s
            count += 1
    if count >= limit:
        return False
    head = 0
    while head < count:
        j = queue[head]
        head += 1
        for k in range(cindptr[j], cindptr[j + 1]):
            i = cindices[k]
            if not seen[i]:
                seen[i] = True
                queue[count] = i
                count += 1
                if count >= limit:
                    return False
    return True


@njit(nogil=True, cache=True)
def _rounds(indptr, indices, data, cindptr, cindices, cdata, h, method,  # type: ignore[no-untyped-def]
            stop_below, max_rounds, frontier_share, final, rounds, limit_hit):
    # h, passed, p and dh are (n, B) in C order; the live columns are the first `cols` of each
    # row (unit stride, so the loops over columns vectorise), `live[c]` their output column.
    # Indexing as h[i, c], not through row views, keeps reference counting out of the loops.
    n, width = h.shape
    passed = np.zeros((n, width))
    p = np.empty((n, width))
    dh = np.zeros((n, width))  # the frontier product's buffer, back to zero after each use
    acc = np.empty(width)
    biggest = np.empty(width)
    live = np.arange(width)
    kept = np.empty(width, dtype=np.int64)
    frontier = np.empty(n, dtype=np.int64)
    touched = np.empty(n, dtype=np.int64)
    is_touched = np.zeros(n, dtype=np.bool_)
    cols = width
    for t in range(1, max_rounds + 1):
        if cols == 0:
            break
        # 1. p = π(h, P) and the totals P, all from the previous round's state
        nf = 0
        for j in range(n):
            moved = False
            if method == 0:  # DebtRank: p = min(1, h) - P, then P = min(1, h)
                for c in range(cols):
                    capped = min(h[j, c], 1.0)
                    pv = capped - passed[j, c]
                    passed[j, c] = capped
                    p[j, c] = pv
                    moved |= pv != 0.0
            elif method == 1:  # single hit: min(1, h) once, while nothing was passed on
                for c in range(cols):
                    pv = min(h[j, c], 1.0) if passed[j, c] == 0.0 else 0.0
                    passed[j, c] += pv
                    p[j, c] = pv
                    moved |= pv != 0.0
            else:  # cascade: what is left of one unit, once h >= 1
                for c in range(cols):
                    pv = 1.0 - passed[j, c] if h[j, c] >= 1.0 else 0.0
                    passed[j, c] += pv
                    p[j, c] = pv
                    moved |= pv != 0.0
            if moved:  # the rows of p not all zero: the frontier
                frontier[nf] = j
                nf += 1
        # 2. h += Λ p, with each column's largest change
        for c in range(cols):
            biggest[c] = 0.0
        if nf < frontier_share * n:
            nt = 0
            for a in range(nf):
                j = frontier[a]
                for k in range(cindptr[j], cindptr[j + 1]):
                    i = cindices[k]
                    v = cdata[k]
                    if not is_touched[i]:
                        is_touched[i] = True
                        touched[nt] = i
                        nt += 1
                    for c in range(cols):
                        dh[i, c] += v * p[j, c]
            for a in range(nt):
                i = touched[a]
                is_touched[i] = False
                for c in range(cols):
                    d = dh[i, c]
                    h[i, c] += d
                    dh[i, c] = 0.0
                    biggest[c] = max(biggest[c], d)
        else:
            for i in range(n):
                for c in range(cols):
                    acc[c] = 0.0
                for k in range(indptr[i], indptr[i + 1]):
                    v = data[k]
                    j = indices[k]
                    for c in range(cols):
                        acc[c] += v * p[j, c]
                for c in range(cols):
                    d = acc[c]
                    h[i, c] += d
                    biggest[c] = max(biggest[c], d)
        # 3. the columns that stop leave the block
        keep = 0
        for c in range(cols):
            col = live[c]
            if biggest[c] > 0.0:
                rounds[col] = t
            if biggest[c] <= stop_below:
                limit_hit[col] = False
                for i in range(n):
                    final[i, col] = h[i, c]
            else:
                kept[keep] = c
                live[keep] = col
                keep += 1
        if keep < cols:
            for i in range(n):
                for c in range(keep):  # kept[c] >= c: moving left in order is safe
                    h[i, c] = h[i, kept[c]]
                    passed[i, c] = passed[i, kept[c]]
            cols = keep
    for c in range(cols):
        for i in range(n):
            final[i, live[c]] = h[i, c]
