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

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from gnn.data.party_graph import PartyGraph, shareholding_components

__all__ = ["EdgeSum", "circle_labels", "component_features", "edge_sum_totals", "edge_sums",
           "graph_features", "guarantee_ratio", "local_graph_features", "local_graph_matrix",
           "personalised_pagerank", "union_adjacency"]

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


@dataclass(frozen=True, eq=False)
class EdgeSum:
    r"""One hand-made feature that is a sum over a relation's edges: party ``v``'s value is
    :math:`\log(1 + \sum_{e:\ \text{end}(e) = v} w_e)`, where ``end`` is the edge's ``dst``
    (``by="dst"``) or ``src``. The weights depend on the parties' states, never on which other
    edges exist, so removing edges removes exactly their weights (:mod:`gnn.data.occlusion`)."""

    name: str
    relation: str
    by: Literal["src", "dst"]
    weight: np.ndarray  # float (E_r,)


def guarantee_ratio(pg: PartyGraph) -> np.ndarray:
    """Per ``guarantees`` edge, amount / guarantor net assets (0 where unknown), from the
    edge's ``burden`` attribute (its log1p)."""
    g = pg.relations["guarantees"]
    return np.expm1(g.attr[:, g.attr_names.index("burden")].astype(float))


def edge_sums(pg: PartyGraph, prior_default: np.ndarray, prior_overdue: np.ndarray,
              guarantee_amount_ratio: np.ndarray | None = None) -> list[EdgeSum]:
    """The edge-sum features, in column order: defaulted / overdue neighbours and the degree
    per relation, then the guarantee calls faced and the guarantors lost."""
    if guarantee_amount_ratio is None:
        guarantee_amount_ratio = guarantee_ratio(pg)
    d = prior_default.astype(float)
    o = prior_overdue.astype(float)
    out: list[EdgeSum] = []
    for name, rel in pg.relations.items():
        out += [EdgeSum(f"nb_default_{name}", name, "dst", d[rel.src]),
                EdgeSum(f"nb_overdue_{name}", name, "dst", o[rel.src]),
                EdgeSum(f"deg_{name}", name, "dst", np.ones(len(rel.src)))]
    g = pg.relations["guarantees"]  # guarantor -> borrower
    names = g.attr_names
    bad_loan = ((g.attr[:, names.index("loan_default")] + g.attr[:, names.index("loan_overdue")]
                 > 0) | (d[g.dst] > 0) | (o[g.dst] > 0)).astype(float)
    out += [EdgeSum("called_burden", "guarantees", "src", guarantee_amount_ratio * bad_loan),
            EdgeSum("called_count", "guarantees", "src", bad_loan),
            EdgeSum("lost_guarantors", "guarantees", "dst", d[g.src])]
    return out


def edge_sum_totals(pg: PartyGraph, sums: list[EdgeSum]) -> np.ndarray:
    r""":math:`\sum w_e` per party and edge-sum feature (before the log), ``(P, len(sums))``,
    column-major."""
    n = pg.num_parties
    out = np.empty((n, len(sums)), order="F")
    for k, f in enumerate(sums):
        rel = pg.relations[f.relation]
        end = rel.dst if f.by == "dst" else rel.src
        out[:, k] = np.bincount(end, weights=f.weight, minlength=n)
    return out


def circle_labels(pg: PartyGraph) -> np.ndarray:
    """Each party's strongly connected component in the directed guarantee graph."""
    n = pg.num_parties
    g = pg.relations["guarantees"]
    gm = sp.csr_matrix((np.ones(len(g)), (g.src, g.dst)), shape=(n, n))
    return connected_components(gm, directed=True, connection="strong")[1]


def component_features(circle_size: np.ndarray, group_size: np.ndarray,
                       group_bad: np.ndarray, d: np.ndarray) -> dict[str, np.ndarray]:
    """Circle and business-group columns from each party's circle size, group size and the
    defaulted parties in its group (itself included)."""
    others = group_size - 1
    bad_others = group_bad - d
    return {"circle_size": np.log(circle_size.astype(float)),
            "group_size": np.log(group_size.astype(float)),
            "group_defaults": np.log1p(bad_others),
            "group_default_share": np.where(others > 0, bad_others / np.maximum(others, 1), 0.0)}


def local_graph_matrix(pg: PartyGraph, prior_default: np.ndarray,
                       prior_overdue: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The hand-made graph features that a removed party changes only near itself: the
    edge sums (:func:`edge_sums`), the guarantee circle and the business group, as (names,
    ``(P, k)`` column-major float64). Every column is 0 for a party with no edges. These are
    the graph half of the scorecard's inputs (:mod:`gnn.scorecard`); the 2-hop counts and
    PageRank are left to the baselines."""
    d = prior_default.astype(float)
    sums = edge_sums(pg, prior_default, prior_overdue)
    out = edge_sum_totals(pg, sums)
    np.log1p(out, out=out)
    circle = circle_labels(pg)
    comp = shareholding_components(pg.num_parties, pg.relations["holds_shares"])
    size = np.bincount(comp).astype(float)
    parts = component_features(np.bincount(circle)[circle], size[comp],
                               np.bincount(comp, weights=d)[comp], d)
    names = [f.name for f in sums] + list(parts)
    return names, np.column_stack([out, *parts.values()])


def local_graph_features(pg: PartyGraph, prior_default: np.ndarray,
                         prior_overdue: np.ndarray) -> pd.DataFrame:
    """:func:`local_graph_matrix` as a frame."""
    names, values = local_graph_matrix(pg, prior_default, prior_overdue)
    return pd.DataFrame(values, columns=names, copy=False)


def graph_features(pg: PartyGraph, prior_default: np.ndarray, prior_overdue: np.ndarray,
                   ppr: np.ndarray) -> pd.DataFrame:
    """The hand-made graph features of every party (``(P, k)`` frame, see the docstring);
    ``ppr``: the personalised PageRank vector from the defaulted parties."""
    n = pg.num_parties
    local = local_graph_features(pg, prior_default, prior_overdue)
    adj = union_adjacency(pg)
    out: dict[str, np.ndarray] = {}
    for name in pg.relations:
        for c in (f"nb_default_{name}", f"nb_overdue_{name}", f"deg_{name}"):
            out[c] = local[c].to_numpy()
    out["hop2_default"] = np.log1p(adj @ (adj @ prior_default.astype(float)))
    out["hop2_overdue"] = np.log1p(adj @ (adj @ prior_overdue.astype(float)))
    for c in ("called_burden", "called_count", "lost_guarantors", "circle_size", "group_size",
              "group_defaults", "group_default_share"):
        out[c] = local[c].to_numpy()
    out["ppr_default"] = np.log(ppr * n + _PPR_FLOOR)  # n * pi is 1 under the uniform law
    return pd.DataFrame(out)
