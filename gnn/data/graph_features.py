r"""Hand-made graph features: what a credit analyst would count by hand around a borrower.

Only the portfolio's own state at ``as_of`` enters (``prior_default``: defaulted before
``as_of``; ``prior_overdue``: overdue at ``as_of``); labels never do. Per party ``i``:

* for every relation ``r``: :math:`\log(1 + \sum_{j \to i \in r} d_j)` and the same for
  overdue (``d`` the prior-default indicator), i.e. defaulted / overdue neighbours by type;
* two hops over the undirected union of all relations: :math:`\log(1 + (A A d)_i)` (the number
  of two-step paths that end at a defaulted party) and the same for overdue;
* guarantee burden: :math:`\log(1 + \sum \text{amount}/\text{net assets})` over the guarantees
  ``i`` gave on loans now in default or overdue (the calls it faces), and the number of its own
  guarantors that defaulted (the cover it lost);
* guarantee-circle membership: the size of ``i``'s strongly connected component in the
  directed guarantee graph (1 = in no circle);
* business group: the size of ``i``'s connected component over shareholdings, and the number
  and share of other members that defaulted;
* personalised PageRank from the defaulted parties (:func:`personalised_pagerank`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from gnn.data.party_graph import PartyGraph

__all__ = ["graph_features", "personalised_pagerank", "union_adjacency"]

_PPR_FLOOR = 1e-3  # log(n * pi + floor): parties the walk never reaches sit at log(floor)


def union_adjacency(pg: PartyGraph) -> sp.csr_matrix:
    """Undirected 0/1 adjacency (``P x P``, CSR) over every relation."""
    n = pg.num_parties
    src = np.concatenate([r.src for r in pg.relations.values()] +
                         [r.dst for r in pg.relations.values()])
    dst = np.concatenate([r.dst for r in pg.relations.values()] +
                         [r.src for r in pg.relations.values()])
    a = sp.csr_matrix((np.ones(len(src), np.float64), (src, dst)), shape=(n, n))
    a.data[:] = 1.0
    a.setdiag(0)
    a.eliminate_zeros()
    return a


def personalised_pagerank(adj: sp.csr_matrix, seeds: np.ndarray, alpha: float,
                          iterations: int, tol: float) -> np.ndarray:
    r"""Personalised PageRank with restart ``alpha`` to the uniform distribution ``s`` over
    ``seeds``: the fixed point of :math:`\pi = \alpha s + (1 - \alpha) P^\top \pi` with ``P``
    the row-normalised adjacency (a dangling node's mass restarts). Returns ``pi`` (``(n,)``,
    summing to 1; zeros when there are no seeds)."""
    n = adj.shape[0]
    if not seeds.any():
        return np.zeros(n)
    s = seeds.astype(float) / seeds.sum()
    deg = np.asarray(adj.sum(axis=1)).ravel()
    inv = np.where(deg > 0, 1.0 / np.maximum(deg, 1e-12), 0.0)
    pt = (sp.diags(inv) @ adj).T.tocsr()
    pi = s.copy()
    for _ in range(iterations):
        nxt = (1 - alpha) * (pt @ pi)
        nxt += (1 - nxt.sum()) * s  # restart and dangling mass
        if np.abs(nxt - pi).sum() < tol:
            pi = nxt
            break
        pi = nxt
    return pi


def graph_features(pg: PartyGraph, prior_default: np.ndarray, prior_overdue: np.ndarray,
                   guarantee_amount_ratio: np.ndarray, ppr: np.ndarray) -> pd.DataFrame:
    """The hand-made graph features of every party (``(P, k)`` frame, see the docstring).

    ``guarantee_amount_ratio``: per ``guarantees`` edge, amount / guarantor net assets (0 when
    unknown); ``ppr``: the personalised PageRank vector from the defaulted parties."""
    n = pg.num_parties
    d = prior_default.astype(float)
    o = prior_overdue.astype(float)
    out: dict[str, np.ndarray] = {}
    for name, rel in pg.relations.items():
        out[f"nb_default_{name}"] = np.log1p(np.bincount(rel.dst, weights=d[rel.src],
                                                         minlength=n))
        out[f"nb_overdue_{name}"] = np.log1p(np.bincount(rel.dst, weights=o[rel.src],
                                                         minlength=n))
        out[f"deg_{name}"] = np.log1p(np.bincount(rel.dst, minlength=n))
    adj = union_adjacency(pg)
    out["hop2_default"] = np.log1p(adj @ (adj @ d))
    out["hop2_overdue"] = np.log1p(adj @ (adj @ o))

    g = pg.relations["guarantees"]  # guarantor -> borrower
    if len(g):
        names = g.attr_names
        bad_loan = (g.attr[:, names.index("loan_default")] + g.attr[:, names.index("loan_overdue")]
                    > 0) | (d[g.dst] > 0) | (o[g.dst] > 0)
        called = np.bincount(g.src, weights=guarantee_amount_ratio * bad_loan, minlength=n)
        out["called_burden"] = np.log1p(called)
        out["called_count"] = np.log1p(np.bincount(g.src, weights=bad_loan, minlength=n))
        out["lost_guarantors"] = np.log1p(np.bincount(g.dst, weights=d[g.src], minlength=n))
        gm = sp.csr_matrix((np.ones(len(g)), (g.src, g.dst)), shape=(n, n))
        _, comp = connected_components(gm, directed=True, connection="strong")
        size = np.bincount(comp)[comp]
        out["circle_size"] = np.log(size.astype(float))
    else:
        for c in ("called_burden", "called_count", "lost_guarantors", "circle_size"):
            out[c] = np.zeros(n)

    sh = pg.relations["holds_shares"]
    gm = sp.csr_matrix((np.ones(len(sh)), (sh.src, sh.dst)), shape=(n, n))
    _, comp = connected_components(gm, directed=False)
    size = np.bincount(comp).astype(float)
    bad = np.bincount(comp, weights=d)
    others = size[comp] - 1
    bad_others = bad[comp] - d
    out["group_size"] = np.log(size[comp])
    out["group_defaults"] = np.log1p(bad_others)
    out["group_default_share"] = np.where(others > 0, bad_others / np.maximum(others, 1), 0.0)
    out["ppr_default"] = np.log(ppr * n + _PPR_FLOOR)  # n * pi is 1 under the uniform law
    return pd.DataFrame(out)
