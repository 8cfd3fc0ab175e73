r"""Guarantee network analytics: mutual pairs, circles and long chains, and where a party sits.

The guarantee graph has an edge :math:`g \to b` when :math:`g` guarantees an open loan of
:math:`b` (互保, 联保 and 担保圈 are shapes of this graph):

- a **mutual pair** is :math:`g \to b` and :math:`b \to g`;
- a **circle** is a strongly connected component of two or more parties: every member
  guarantees, directly or along the circle, every other's debt, so one default can come back
  round to its own guarantors (a mutual pair is a circle of two, unless a larger circle holds
  it);
- a **chain** is a path in the condensation (circles collapsed to one step) of at least
  ``guarantees.min_chain_length`` hops: :math:`g_1` guarantees :math:`g_2` who guarantees
  :math:`g_3` ... The longest chain through each source is listed.

Each is ranked by its *outstanding exposure*: the open loans of its members, summed. A party's
position: its circle (and that circle's size and rank), its mutual partners, and the longest
guarantee chain above it (``chain_up``: hops of guarantors of guarantors) and below it
(``chain_down``: hops of borrowers of borrowers), from a longest-path recursion on the
condensation DAG, :math:`\text{down}(c) = \max_{c \to c'} \text{down}(c') + 1`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.csgraph as csgraph

from graph.linked.exposure import CreditBook
from graph.linked.partygraph import PartyGraph
from graph.linked.refs import NodeRef

__all__ = ["Chain", "Circle", "GuaranteeNetwork", "GuaranteePosition", "MutualPair"]


@dataclass(frozen=True)
class Circle:
    key: str  # "C1", "C2", ... by exposure rank
    members: tuple[NodeRef, ...]
    guarantees: int  # guarantee links inside the circle
    guaranteed_inside: float  # sum of min(amount, outstanding) of those
    outstanding: float  # open loans of the members


@dataclass(frozen=True)
class MutualPair:
    a: NodeRef
    b: NodeRef
    outstanding: float
    circle: str | None  # the circle holding the pair


@dataclass(frozen=True)
class Chain:
    steps: tuple[tuple[NodeRef, ...], ...]  # one party per step, or a circle's members
    circles: tuple[str | None, ...]  # the circle key of each step, None for one party
    outstanding: float

    @property
    def hops(self) -> int:
        return len(self.steps) - 1


@dataclass(frozen=True)
class GuaranteePosition:
    node: NodeRef
    circle: str | None
    circle_size: int
    mutual_with: tuple[NodeRef, ...]
    chain_up: int
    chain_down: int
    guarantees_given: int  # distinct borrowers it guarantees
    guarantors: int  # distinct guarantors of its loans


@dataclass(frozen=True, eq=False)
class GuaranteeNetwork:
    src: np.ndarray  # unique guarantor -> borrower pairs
    dst: np.ndarray
    comp: np.ndarray  # SCC label per node
    circle_of_comp: dict[int, int]  # SCC label -> circle rank (0-based)
    circle_nodes: tuple[np.ndarray, ...]  # by rank
    circle_links: tuple[tuple[int, float], ...]
    circle_outstanding: tuple[float, ...]
    pairs: np.ndarray  # (k, 2), a < b, ranked
    pair_outstanding: np.ndarray
    up: np.ndarray  # per node
    down: np.ndarray
    chains: tuple[np.ndarray, ...]  # component labels along each chain, ranked
    chain_outstanding: tuple[float, ...]
    node_outstanding: np.ndarray
    comp_rep: np.ndarray  # lowest node number of each SCC

    @classmethod
    def build(cls, pg: PartyGraph, credit: CreditBook, min_chain: int) -> GuaranteeNetwork:
        n = len(pg.indptr) - 1
        rows = credit.g_rows
        g = credit.g_src[rows]
        b = credit.loans.borrower[credit.g_loan[rows]]
        at_risk = credit.at_risk(rows)
        node_out = np.bincount(credit.loans.borrower[credit.loan_nodes],
                               weights=credit.loans.outstanding[credit.loan_nodes], minlength=n)
        key = np.unique(g * n + b)
        src, dst = key // n, key % n
        adj = sp.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
        count, comp = csgraph.connected_components(adj, directed=True, connection="strong")
        sizes = np.bincount(comp, minlength=count)

        # circles, ranked by the members' outstanding
        big = np.flatnonzero(sizes > 1)
        comp_out = np.bincount(comp, weights=node_out, minlength=count)
        big = big[np.lexsort((big, -comp_out[big]))]
        circle_of_comp = {int(c): k for k, c in enumerate(big)}
        order = np.argsort(comp, kind="stable")
        comp_rep = order[np.searchsorted(comp[order], np.arange(count))]
        starts = np.searchsorted(comp[order], big)
        circle_nodes = tuple(np.sort(order[s:s + sizes[c]]) for s, c in zip(starts, big,
                                                                             strict=True))
        inside = comp[g] == comp[b]
        links_in = np.bincount(comp[g][inside], minlength=count)
        risk_in = np.bincount(comp[g][inside], weights=at_risk[inside], minlength=count)
        circle_links = tuple((int(links_in[c]), float(risk_in[c])) for c in big)

        # mutual pairs
        fwd = set(key.tolist())
        mutual = np.array([k for k in key.tolist() if (k % n) * n + k // n in fwd
                           and k // n < k % n], dtype=np.int64)
        pairs = np.stack([mutual // n, mutual % n], axis=1) if len(mutual) else \
            np.zeros((0, 2), dtype=np.int64)
        pair_out = node_out[pairs[:, 0]] + node_out[pairs[:, 1]] if len(pairs) else np.zeros(0)
        rank = np.lexsort((pairs[:, 1], pairs[:, 0], -pair_out)) if len(pairs) else \
            np.zeros(0, dtype=np.int64)
        pairs, pair_out = pairs[rank], pair_out[rank]

        # the condensation DAG and its longest paths
        cs, cd = comp[src], comp[dst]
        cross = cs != cd
        cs, cd = cs[cross], cd[cross]
        down = np.zeros(count, dtype=np.int64)
        up = np.zeros(count, dtype=np.int64)
        for _ in range(count + 1):
            nd = down.copy()
            np.maximum.at(nd, cs, down[cd] + 1)
            nu = up.copy()
            np.maximum.at(nu, cd, up[cs] + 1)
            if np.array_equal(nd, down) and np.array_equal(nu, up):
                break
            down, up = nd, nu
        chains, chain_out = _chains(cs, cd, down, up, comp_out, count, min_chain)
        return cls(src, dst, comp, circle_of_comp, circle_nodes, circle_links,
                   tuple(float(comp_out[c]) for c in big), pairs, pair_out,
                   up, down, chains, chain_out, node_out, comp_rep)

    # -- answers -----------------------------------------------------------------------------
    def circle(self, pg: PartyGraph, rank: int) -> Circle:
        links, risk = self.circle_links[rank]
        return Circle(f"C{rank + 1}", tuple(pg.node(v) for v in self.circle_nodes[rank]),
                      links, risk, self.circle_outstanding[rank])

    def circle_key(self, node: int) -> str | None:
        rank = self.circle_of_comp.get(int(self.comp[node]))
        return None if rank is None else f"C{rank + 1}"

    def mutual_pair(self, pg: PartyGraph, k: int) -> MutualPair:
        a, b = (int(x) for x in self.pairs[k])
        return MutualPair(pg.node(a), pg.node(b), float(self.pair_outstanding[k]),
                          self.circle_key(a))

    def chain(self, pg: PartyGraph, k: int) -> Chain:
        steps: list[tuple[NodeRef, ...]] = []
        keys: list[str | None] = []
        for c in self.chains[k].tolist():
            rank = self.circle_of_comp.get(c)
            if rank is None:
                steps.append((pg.node(self.comp_rep[c]),))
                keys.append(None)
            else:
                steps.append(tuple(pg.node(v) for v in self.circle_nodes[rank]))
                keys.append(f"C{rank + 1}")
        return Chain(tuple(steps), tuple(keys), self.chain_outstanding[k])

    def position(self, pg: PartyGraph, node: int) -> GuaranteePosition:
        c = int(self.comp[node])
        rank = self.circle_of_comp.get(c)
        partners = set(self.pairs[self.pairs[:, 0] == node, 1].tolist())
        partners |= set(self.pairs[self.pairs[:, 1] == node, 0].tolist())
        gives = int(np.count_nonzero(self.src == node))
        gets = int(np.count_nonzero(self.dst == node))
        return GuaranteePosition(pg.node(node), None if rank is None else f"C{rank + 1}",
                                 0 if rank is None else len(self.circle_nodes[rank]),
                                 tuple(pg.node(p) for p in sorted(partners)),
                                 int(self.up[c]), int(self.down[c]), gives, gets)


def _chains(cs: np.ndarray, cd: np.ndarray, down: np.ndarray, up: np.ndarray,
            comp_out: np.ndarray, count: int, min_chain: int
            ) -> tuple[tuple[np.ndarray, ...], tuple[float, ...]]:
    """The longest chain from every source of the condensation with ``down >= min_chain``."""
    if len(cs) == 0:
        return (), ()
    order = np.lexsort((cd, cs))
    cs, cd = cs[order], cd[order]
    ptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(cs, minlength=count), out=ptr[1:])
    sources = np.flatnonzero((up == 0) & (down >= min_chain))
    found: list[np.ndarray] = []
    for s in sources.tolist():
        walk = [s]
        while down[walk[-1]] > 0:
            succ = cd[ptr[walk[-1]]:ptr[walk[-1] + 1]]
            succ = succ[down[succ] == down[walk[-1]] - 1]
            walk.append(int(succ[np.lexsort((succ, -comp_out[succ]))][0]))
        found.append(np.array(walk, dtype=np.int64))
    outstanding = [float(comp_out[w].sum()) for w in found]
    rank = sorted(range(len(found)), key=lambda k: (-outstanding[k], -len(found[k]),
                                                    found[k].tolist()))
    return tuple(found[k] for k in rank), tuple(outstanding[k] for k in rank)
