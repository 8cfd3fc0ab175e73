r"""Control: who controls an enterprise, as the least fixed point of majority control.

With :math:`A_{ye}` the direct share of party :math:`y` in enterprise :math:`e` and
:math:`C(x)` the set of parties that :math:`x` controls, :math:`x` controls :math:`e` when

.. math::
    A_{xe} + \sum_{y \in C(x)} A_{ye} > \tfrac12

(the ``majority`` of :class:`~graph.linked.rules.ControlSettings`). The relation is the least
fixed point of that rule, reached by iteration from "nobody controls anybody". Majority control
passes down a chain whatever the effective share: 60% of a firm that holds 60% of another is
control of both, at an effective 36% in the second; and it adds up across the firms one controls
(20% directly plus 35% through a controlled firm is control at 55%).

When the stakes in one enterprise add up to at most 1, the controllers of any party form a chain
(two disjoint coalitions cannot both exceed half), so the relation is a forest: each controlled
enterprise has one *immediate controller* (the lowest party of its chain, ``parent``), and
:math:`x` controls :math:`e` exactly when :math:`x` is an ancestor of :math:`e`. The *ultimate
controller* of :math:`e` is the root of its tree: follow "is controlled by" upward to a party
that nobody controls. Persons are never controlled (nobody holds shares of a person).

Ownership cycles can make control circular (A holds 60% of B and B 60% of A: each controls the
other, and through it itself); such an enterprise, and every one below it, has no ultimate
controller and is flagged ``circular``. Where stakes in one enterprise exceed 1 (a data warning),
the largest coalition wins.

Computation: direct majority holders first (vectorised), then the enterprises that only a
coalition can control (several holders, at least one an enterprise), resolved in Gauss-Seidel
rounds until nothing changes; then pointer jumping for the roots.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
import scipy.sparse.csgraph as csgraph

from graph.linked.ownership import ShareTable

__all__ = ["ControlForest", "solve_control"]

_EPS = 1e-9


@dataclass(frozen=True, eq=False)
class ControlForest:
    parent: np.ndarray  # immediate controller of each node, -1 if none
    ultimate: np.ndarray  # ultimate controller, -1 if none (uncontrolled, or circular)
    circular: np.ndarray  # bool: control goes round a cycle above this node
    majority: float
    rounds: int  # Gauss-Seidel rounds the coalition pass took

    @cached_property
    def children(self) -> dict[int, tuple[int, ...]]:
        """Immediate controller -> the parties it immediately controls."""
        has = np.flatnonzero(self.parent >= 0)
        order = has[np.argsort(self.parent[has], kind="stable")]
        out: dict[int, list[int]] = {}
        for c in order.tolist():
            out.setdefault(int(self.parent[c]), []).append(c)
        return {k: tuple(v) for k, v in out.items()}

    def chain(self, e: int) -> list[int]:
        """Controllers of ``e``, immediate first (stops when a cycle repeats)."""
        out: list[int] = []
        seen = {e}
        x = int(self.parent[e])
        while x >= 0 and x not in seen:
            out.append(x)
            seen.add(x)
            x = int(self.parent[x])
        return out

    def controls(self, x: int, e: int) -> bool:
        return x in self.chain(e)

    def cycle_of(self, e: int) -> list[int]:
        """The control cycle above ``e`` (empty if none)."""
        if not self.circular[e]:
            return []
        walk = [e, *self.chain(e)]
        last = int(self.parent[walk[-1]])
        return walk[walk.index(last):] if last in walk else []


def solve_control(t: ShareTable, majority: float = 0.5) -> ControlForest:
    n = t.n
    parent = np.full(n, -1, dtype=np.int64)
    counts = np.diff(t.in_ptr)
    has = np.flatnonzero(counts > 0)
    # holders are sorted largest first: the first is the direct majority candidate
    first = t.in_ptr[has]
    top_ratio = t.in_ratio[first]
    majority_hit = top_ratio > majority + _EPS
    parent[has[majority_hit]] = t.in_holder[first[majority_hit]]

    # enterprises only a coalition can control
    ent_holder = t.is_enterprise[t.in_holder]
    holder_owner = np.repeat(np.arange(n), counts)
    with_ent = np.zeros(n, dtype=bool)
    with_ent[holder_owner[ent_holder]] = True
    todo = np.flatnonzero((parent < 0) & (counts >= 2) & with_ent)
    rounds = 0
    changed = len(todo) > 0
    while changed and rounds < len(todo) + 5:
        changed = False
        rounds += 1
        for e in todo.tolist():
            got = _resolve(t, parent, e, majority)
            if got != parent[e]:
                parent[e] = got
                changed = True

    ultimate, circular = _roots(parent)
    return ControlForest(parent, ultimate, circular, majority, rounds)


def _resolve(t: ShareTable, parent: np.ndarray, e: int, majority: float) -> int:
    """The immediate controller of ``e`` given the current ``parent`` pointers, or -1."""
    acc: dict[int, float] = {}
    dist: dict[int, int] = {}
    for k in range(t.in_ptr[e], t.in_ptr[e + 1]):
        x, r, d = int(t.in_holder[k]), float(t.in_ratio[k]), 0
        seen: set[int] = set()
        while x >= 0 and x not in seen:
            seen.add(x)
            acc[x] = acc.get(x, 0.0) + r
            dist[x] = min(dist.get(x, d), d)
            x, d = int(parent[x]), d + 1
    cands = [x for x, v in acc.items() if v > majority + _EPS and x != e]
    if not cands:
        return -1
    if len(cands) == 1:
        return cands[0]
    cand_set = set(cands)

    def above(c: int) -> int:  # how many other candidates control c
        seen, x, hits = {c}, int(parent[c]), 0
        while x >= 0 and x not in seen:
            hits += x in cand_set
            seen.add(x)
            x = int(parent[x])
        return hits

    # the lowest candidate is controlled by all the others; in a cycle, the nearest one
    return min(cands, key=lambda c: (-above(c), dist[c], -acc[c], c))


def _roots(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(parent)
    has = parent >= 0
    on_cycle = np.zeros(n, dtype=bool)
    if has.any():
        g = sp.csr_matrix((np.ones(int(has.sum())), (np.flatnonzero(has), parent[has])),
                          shape=(n, n))
        count, label = csgraph.connected_components(g, directed=True, connection="strong")
        on_cycle = np.bincount(label, minlength=count)[label] > 1
    root = np.where(has & ~on_cycle, parent, np.arange(n))
    while True:
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    circular = on_cycle[root]
    ultimate = np.where((root != np.arange(n)) & ~circular, root, -1)
    return ultimate, circular
