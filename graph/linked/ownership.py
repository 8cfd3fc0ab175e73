r"""Equity penetration: the effective share (economic interest) of every holder in an enterprise.

Let :math:`A` be the direct-share matrix, :math:`A_{he}` the ratio of enterprise :math:`e` that
party :math:`h` holds (``HOLDS_SHARES.ratio``), and :math:`B = A_{EE}` its enterprise-to-
enterprise block. The effective share of :math:`h` in :math:`e` is the sum over every ownership
path :math:`h = v_0 \to v_1 \to \dots \to v_k = e` of the product of the ratios on it:

.. math::
    M = A + A B + A B^2 + \dots = A (I - B)^{-1}

The series converges when the spectral radius :math:`\rho(B) < 1`, which holds whenever every
ownership cycle leaks to an outside holder (cross-holdings and cycles included: the solve
counts every trip round a cycle, e.g. A 40% of B and B 40% of A give A's holders
:math:`1/(1 - 0.16)` times their direct stake's reach). A *closed* cycle (a set of enterprises
wholly owned by each other, :math:`\rho = 1`) has no outside owner: its internal edges are left
out of the solve and the cycle is reported (:attr:`ShareTable.closed_cycles`).

One column at a time, only the enterprises that can reach :math:`e` matter: with :math:`W` the
ancestors of :math:`e` (and :math:`e`), solve :math:`(I - B_{WW}) z = \mathbf{1}_e`; then
:math:`M_{he} = \sum_{k \in W} A_{hk} z_k`. One row at a time (what :math:`h` owns, with
:math:`D` the descendants of :math:`h`'s direct holdings): :math:`(I - B_{DD}^\top) w = A_{hD}`.
Both systems are small (a group's pyramid), so a query solves in well under a millisecond.

Effective share measures economic interest, not control: 60% of a firm that holds 60% of another
is an effective 36%, yet majority control passes down the chain (see :mod:`graph.linked.control`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.csgraph as csgraph
import scipy.sparse.linalg as spla

from graph.model import Label, RelType
from graph.snapshot import Snapshot

__all__ = ["ShareTable", "effective_holders", "effective_holdings", "ownership_paths"]

_DENSE_MAX = 400  # systems up to this size are solved dense


@dataclass(frozen=True, eq=False)
class ShareTable:
    """Direct shares of one snapshot as in- and out-CSR over node numbers.

    ``in_ptr``/``in_holder``/``in_ratio``/``in_row``: holders of node ``j`` are
    ``in_holder[in_ptr[j]:in_ptr[j+1]]``, largest ratio first. ``out_*``: what node ``i`` holds.
    ``live`` marks the entries used by the effective-share solve (False inside closed cycles).
    """

    n: int
    is_enterprise: np.ndarray
    in_ptr: np.ndarray
    in_holder: np.ndarray
    in_ratio: np.ndarray
    in_row: np.ndarray  # row in the HOLDS_SHARES EdgeTable
    in_live: np.ndarray
    out_ptr: np.ndarray
    out_held: np.ndarray
    out_ratio: np.ndarray
    out_row: np.ndarray
    out_live: np.ndarray
    closed_cycles: tuple[tuple[int, ...], ...]

    @classmethod
    def build(cls, snapshot: Snapshot) -> ShareTable:
        n = snapshot.num_nodes
        lo, hi = snapshot.label_range(Label.ENTERPRISE)
        is_ent = np.zeros(n, dtype=bool)
        is_ent[lo:hi] = True
        t = snapshot.edges.get(RelType.HOLDS_SHARES)
        if t is None or len(t) == 0:
            src = dst = rows = np.zeros(0, dtype=np.int64)
            ratio = np.zeros(0)
        else:
            ratio = t.props["ratio"].to_numpy(dtype=float)
            ok = (t.src != t.dst) & np.isfinite(ratio) & (ratio > 0)
            src, dst, ratio, rows = t.src[ok], t.dst[ok], ratio[ok], np.flatnonzero(ok)
        return cls.from_arrays(is_ent, src, dst, ratio, rows)

    @classmethod
    def from_arrays(cls, is_ent: np.ndarray, src: np.ndarray, dst: np.ndarray,
                    ratio: np.ndarray, rows: np.ndarray | None = None) -> ShareTable:
        """From stakes ``src`` holds ``ratio`` of ``dst`` (node numbers; ``is_ent`` per node)."""
        n = len(is_ent)
        src, dst = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
        ratio = np.asarray(ratio, dtype=float)
        rows = np.arange(len(src)) if rows is None else np.asarray(rows, dtype=np.int64)
        live = np.ones(len(src), dtype=bool)
        closed = _closed_cycles(n, src, dst, ratio, is_ent)
        for members in closed:
            inside = np.zeros(n, dtype=bool)
            inside[list(members)] = True
            live &= ~(inside[src] & inside[dst])
        o_in = np.lexsort((src, -ratio, dst))
        o_out = np.lexsort((dst, -ratio, src))
        return cls(n, is_ent,
                   _ptr(dst, n), src[o_in], ratio[o_in], rows[o_in], live[o_in],
                   _ptr(src, n), dst[o_out], ratio[o_out], rows[o_out], live[o_out],
                   tuple(closed))

    def holders(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        s, e = self.in_ptr[j], self.in_ptr[j + 1]
        return self.in_holder[s:e], self.in_ratio[s:e]

    def holdings(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        s, e = self.out_ptr[i], self.out_ptr[i + 1]
        return self.out_held[s:e], self.out_ratio[s:e]

    def direct(self, holder: int, held: int) -> float:
        h, r = self.holders(held)
        hit = np.flatnonzero(h == holder)
        return float(r[hit[0]]) if len(hit) else 0.0


def _ptr(keys: np.ndarray, n: int) -> np.ndarray:
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return ptr


def _closed_cycles(n: int, src: np.ndarray, dst: np.ndarray, ratio: np.ndarray,
                   is_ent: np.ndarray) -> list[tuple[int, ...]]:
    """Strongly connected sets of enterprises whose block of B has spectral radius >= 1."""
    ee = is_ent[src] & is_ent[dst]
    if not ee.any():
        return []
    g = sp.csr_matrix((np.ones(int(ee.sum())), (src[ee], dst[ee])), shape=(n, n))
    count, label = csgraph.connected_components(g, directed=True, connection="strong")
    sizes = np.bincount(label, minlength=count)
    s, d, r = src[ee], dst[ee], ratio[ee]
    inner = (label[s] == label[d]) & (sizes[label[s]] > 1)
    s, d, r = s[inner], d[inner], r[inner]
    if len(s) == 0:
        return []
    comp_of_edge = label[s]
    order = np.argsort(comp_of_edge, kind="stable")
    s, d, r, comp_of_edge = s[order], d[order], r[order], comp_of_edge[order]
    bounds = np.flatnonzero(np.r_[True, comp_of_edge[1:] != comp_of_edge[:-1], True])
    out = []
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        members = np.unique(np.r_[s[lo:hi], d[lo:hi]])
        rows = np.searchsorted(members, s[lo:hi])
        cols = np.searchsorted(members, d[lo:hi])
        m = len(members)
        block = sp.csr_matrix((r[lo:hi], (rows, cols)), shape=(m, m))
        if _spectral_radius(block) >= 1 - 1e-9:
            out.append(tuple(int(x) for x in members))
    return out


def _spectral_radius(block: sp.csr_matrix) -> float:
    if block.shape[0] <= _DENSE_MAX:
        return float(np.max(np.abs(np.linalg.eigvals(block.toarray()))))
    vals = spla.eigs(block.astype(float), k=1, which="LM", return_eigenvectors=False)
    return float(np.max(np.abs(vals)))


def _closure(start: list[int], ptr: np.ndarray, nbr: np.ndarray, live: np.ndarray,
             is_ent: np.ndarray) -> list[int]:
    """Enterprises reachable from ``start`` along live entries (``start`` included)."""
    seen = dict.fromkeys(start)
    queue = deque(start)
    while queue:
        j = queue.popleft()
        for k in range(ptr[j], ptr[j + 1]):
            v = int(nbr[k])
            if live[k] and is_ent[v] and v not in seen:
                seen[v] = None
                queue.append(v)
    return list(seen)


def _solve(mat: np.ndarray | sp.csr_matrix, rhs: np.ndarray) -> np.ndarray:
    if isinstance(mat, np.ndarray):
        return np.linalg.solve(mat, rhs)
    return np.asarray(spla.spsolve(mat.tocsc(), rhs)).reshape(-1)


def _system(nodes: list[int], t: ShareTable, transpose: bool) -> np.ndarray | sp.csr_matrix:
    """I - B_WW (or its transpose) over the enterprises ``nodes``."""
    pos = {v: k for k, v in enumerate(nodes)}
    rows, cols, vals = [], [], []
    for j in nodes:  # entries holder -> j
        for k in range(t.in_ptr[j], t.in_ptr[j + 1]):
            h = int(t.in_holder[k])
            if t.in_live[k] and h in pos:
                rows.append(pos[h])
                cols.append(pos[j])
                vals.append(t.in_ratio[k])
    m = len(nodes)
    b = sp.csr_matrix((vals, (rows, cols)), shape=(m, m))
    if transpose:
        b = b.T.tocsr()
    system = sp.identity(m, format="csr") - b
    return system.toarray() if m <= _DENSE_MAX else system


def effective_holders(t: ShareTable, e: int) -> dict[int, float]:
    """Every party's effective share in enterprise ``e`` (the column :math:`M_{\\cdot e}`);
    ``e`` itself appears when cross-holdings route part of ``e`` back to it."""
    nodes = _closure([e], t.in_ptr, t.in_holder, t.in_live, t.is_enterprise)
    rhs = np.zeros(len(nodes))
    rhs[0] = 1.0
    z = _solve(_system(nodes, t, transpose=False), rhs)
    out: dict[int, float] = {}
    for k_node, zk in zip(nodes, z, strict=True):
        for k in range(t.in_ptr[k_node], t.in_ptr[k_node + 1]):
            if t.in_live[k]:
                h = int(t.in_holder[k])
                out[h] = out.get(h, 0.0) + float(t.in_ratio[k]) * float(zk)
    return out


def effective_holdings(t: ShareTable, h: int) -> dict[int, float]:
    """``h``'s effective share in every enterprise it reaches (the row :math:`M_{h \\cdot}`)."""
    direct, ratios = t.holdings(h)
    live = t.out_live[t.out_ptr[h]:t.out_ptr[h + 1]]
    first = [int(v) for v, ok in zip(direct, live, strict=True) if ok]
    if not first:
        return {}
    nodes = _closure(first, t.out_ptr, t.out_held, t.out_live, t.is_enterprise)
    pos = {v: k for k, v in enumerate(nodes)}
    rhs = np.zeros(len(nodes))
    for v, r, ok in zip(direct, ratios, live, strict=True):
        if ok:
            rhs[pos[int(v)]] += r
    w = _solve(_system(nodes, t, transpose=True), rhs)
    return {v: float(x) for v, x in zip(nodes, w, strict=True) if x > 0}


def ownership_paths(t: ShareTable, h: int, e: int, max_paths: int = 5,
                    max_len: int = 10) -> list[tuple[tuple[int, ...], float]]:
    """Simple ownership paths ``h -> ... -> e`` with the product of their ratios, largest
    first (at most ``max_paths``; a cycle's repeated trips are in the effective share, not
    listed)."""
    found: list[tuple[tuple[int, ...], float]] = []
    limit = max_paths * 20

    def walk(node: int, path: list[int], product: float) -> None:
        if len(found) >= limit or len(path) > max_len:
            return
        held, ratios = t.holdings(node)
        for v, r in zip(held, ratios, strict=True):
            v = int(v)
            if v == e:
                found.append(((*path, v), product * float(r)))
            elif t.is_enterprise[v] and v not in path:
                walk(v, [*path, v], product * float(r))

    walk(h, [h], 1.0)
    found.sort(key=lambda x: (-x[1], x[0]))
    return found[:max_paths]
