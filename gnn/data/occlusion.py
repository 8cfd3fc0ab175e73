r"""The scorecard's graph inputs after one party's edges are removed, without recomputing them.

An occlusion explanation (:mod:`gnn.explain`) asks what a target's PD would be in
:math:`G \setminus E(c)`: the party graph with every edge of a counterparty :math:`c` removed,
and the business-group ties that ran only through it
(:func:`~gnn.data.party_graph.without_party`). The scorecard reads the local graph features
(:func:`~gnn.data.graph_features.local_graph_features`), so their values in
:math:`G \setminus E(c)` must be known for every party near the target. They change only
for a few parties, and each exactly:

* an edge sum :math:`\log(1 + \sum_e w_e)` loses the weights of the removed edges that end at
  the party (the weights depend on the parties' states, which stay): the edges of :math:`c`,
  and the ``same_group`` ties between parts of :math:`c`'s business group that only
  :math:`c`'s shareholdings held together;
* the guarantee circle of :math:`c`'s members is recomputed on the circle without :math:`c`
  (a strongly connected component can only split);
* the business group of :math:`c`'s members is recomputed on the group without :math:`c`
  (size and defaulted members of each remaining part);
* :math:`c` itself has no edges left: every column is 0.

:meth:`OcclusionFeatures.without` returns the changed rows and their values, equal (to float
rounding of the subtracted sums) to :func:`~gnn.data.graph_features.local_graph_features` on
``without_party(pg, c)``, which the tests check party by party.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from gnn.data.graph_features import (
    circle_labels,
    component_features,
    edge_sum_totals,
    edge_sums,
)
from gnn.data.party_graph import PartyGraph, shareholding_components

__all__ = ["GroupSplitter", "OcclusionFeatures", "Removal"]

_COMPONENT_COLUMNS = ("circle_size", "group_size", "group_defaults", "group_default_share")
_CACHE = 4_096  # candidates remembered (a counterparty is a candidate of all its neighbours)


@dataclass(frozen=True, eq=False)
class Removal:
    """The parties whose local graph features change when a party's edges go (``rows``,
    sorted) and their values then (``values``, ``(len(rows), k)``)."""

    rows: np.ndarray
    values: np.ndarray


class _Members:
    """The members of each label (component), from one stable sort."""

    def __init__(self, labels: np.ndarray) -> None:
        self.labels = labels
        self.order = np.argsort(labels, kind="stable")
        self.bounds = np.searchsorted(labels[self.order], np.arange(labels.max() + 2))

    def of(self, label: int) -> np.ndarray:
        return self.order[self.bounds[label]:self.bounds[label + 1]]


class GroupSplitter:
    """Business groups (connected over shareholdings, either direction) and how one party's
    removal splits its group."""

    def __init__(self, pg: PartyGraph) -> None:
        n = pg.num_parties
        holds = pg.relations["holds_shares"]
        self.labels = shareholding_components(n, holds)
        self._members = _Members(self.labels) if n else None
        h = sp.csr_matrix((np.ones(len(holds)), (holds.src, holds.dst)), shape=(n, n))
        self._holds = (h + h.T).tocsr()
        self.parts = lru_cache(maxsize=_CACHE)(self._parts)

    def members(self, c: int) -> np.ndarray:
        """The members of ``c``'s group (sorted, ``c`` included)."""
        assert self._members is not None
        return self._members.of(int(self.labels[c]))

    def _parts(self, c: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The members of ``c``'s group other than ``c`` (sorted) and the part each falls in
        once ``c``'s shareholdings are gone; None when ``c`` has no shareholdings (it holds
        no group together)."""
        if self._members is None or self._holds.indptr[c] == self._holds.indptr[c + 1]:
            return None
        members = self.members(c)
        rest = members[members != c]
        return rest, _induced_components(self._holds, rest, strong=False)


def _incidence(ends: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(order, pointers) so that ``order[ptr[v]:ptr[v+1]]`` are the edges with end ``v``."""
    order = np.argsort(ends, kind="stable")
    return order, np.searchsorted(ends[order], np.arange(n + 1))


class OcclusionFeatures:
    """Local graph features of one party graph, and their values with one party removed."""

    def __init__(self, pg: PartyGraph, prior_default: np.ndarray,
                 prior_overdue: np.ndarray) -> None:
        n = pg.num_parties
        self.pg = pg
        self.d = prior_default.astype(float)
        self.sums = edge_sums(pg, prior_default, prior_overdue)
        self.totals = edge_sum_totals(pg, self.sums)
        self.names = [f.name for f in self.sums] + list(_COMPONENT_COLUMNS)
        # every edge of every relation gets a global number; per party the edges it ends,
        # and per edge the (party, feature, weight) entries of the sums it adds to
        self._offset = dict(zip(pg.relations, np.cumsum(
            [0] + [len(r) for r in pg.relations.values()])[:-1].tolist(), strict=True))
        total = sum(len(r) for r in pg.relations.values())
        if total:
            ends = np.concatenate([r.src for r in pg.relations.values()]
                                  + [r.dst for r in pg.relations.values()])
        else:
            ends = np.zeros(0, np.int64)
        number = np.concatenate([np.arange(total), np.arange(total)])
        order, self._inc_ptr = _incidence(ends, n)
        self._inc = number[order]
        gid, node, feat, weight = [], [], [], []
        for k, f in enumerate(self.sums):
            rel = pg.relations[f.relation]
            gid.append(self._offset[f.relation] + np.arange(len(rel)))
            node.append(rel.dst if f.by == "dst" else rel.src)
            feat.append(np.full(len(rel), k))
            weight.append(f.weight)
        by_edge = np.argsort(np.concatenate(gid), kind="stable")
        self._entry_node = np.concatenate(node)[by_edge]
        self._entry_feat = np.concatenate(feat)[by_edge]
        self._entry_weight = np.concatenate(weight)[by_edge]
        self._entry_ptr = np.searchsorted(np.concatenate(gid)[by_edge], np.arange(total + 1))
        self._group_into = _incidence(pg.relations["same_group"].dst, n)
        circle = circle_labels(pg)
        self._circle = _Members(circle) if n else None
        self._circle_size = np.bincount(circle, minlength=1)[circle] if n else np.zeros(0)
        g = pg.relations["guarantees"]
        self._guar = sp.csr_matrix((np.ones(len(g)), (g.src, g.dst)), shape=(n, n))
        self.groups = GroupSplitter(pg)
        comp = self.groups.labels
        self._group_size = np.bincount(comp)[comp].astype(float) if n else np.zeros(0)
        self._group_bad = np.bincount(comp, weights=self.d)[comp] if n else np.zeros(0)
        self.without = lru_cache(maxsize=_CACHE)(self._without)

    def _without(self, c: int) -> Removal:
        pg = self.pg
        gone = [self._inc[self._inc_ptr[c]:self._inc_ptr[c + 1]]]
        parts = self.groups.parts(c)
        if parts is not None and len(pg.relations["same_group"]):
            rest, part = parts
            sg = pg.relations["same_group"]
            order, ptr = self._group_into
            into = order[_ranges(ptr, rest)]  # same_group edges into the other members
            src_part, inside = _lookup(rest, part, sg.src[into])
            dst_part, _ = _lookup(rest, part, sg.dst[into])
            gone.append(self._offset["same_group"] + into[inside & (src_part != dst_part)])
        entries = _ranges(self._entry_ptr, np.unique(np.concatenate(gone)))
        end = self._entry_node[entries]
        circle_rows, circle_sizes = np.array([c]), np.array([1.0])
        if self._circle is not None and self._circle_size[c] > 1:
            members = self._circle.of(int(self._circle.labels[c]))
            rest_c = members[members != c]
            lab = _induced_components(self._guar, rest_c, strong=True)
            circle_rows = np.concatenate([circle_rows, rest_c])
            circle_sizes = np.concatenate([circle_sizes, np.bincount(lab)[lab].astype(float)])
        group_rows, group_size, group_bad = np.array([c]), np.array([1.0]), self.d[[c]]
        if parts is not None:
            rest, part = parts
            size = np.bincount(part).astype(float)
            bad = np.bincount(part, weights=self.d[rest])
            group_rows = np.concatenate([group_rows, rest])
            group_size = np.concatenate([group_size, size[part]])
            group_bad = np.concatenate([group_bad, bad[part]])
        rows = np.unique(np.concatenate([end, circle_rows, group_rows]).astype(np.int64))
        sums = self.totals[rows].copy()
        if len(end):
            delta = np.zeros_like(sums)
            np.add.at(delta, (np.searchsorted(rows, end), self._entry_feat[entries]),
                      self._entry_weight[entries])
            sums -= delta
        sums[rows == c] = 0.0  # every edge of c is gone
        circle = self._circle_size[rows].astype(float)
        circle[np.searchsorted(rows, circle_rows)] = circle_sizes
        gsize, gbad = self._group_size[rows].copy(), self._group_bad[rows].copy()
        at = np.searchsorted(rows, group_rows)
        gsize[at], gbad[at] = group_size, group_bad
        comp = component_features(circle, gsize, gbad, self.d[rows])
        values = np.column_stack([np.log1p(np.maximum(sums, 0.0)),
                                  *(comp[k] for k in _COMPONENT_COLUMNS)])
        return Removal(rows, values)


def _ranges(ptr: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(ptr[v], ptr[v+1])`` over ``nodes``."""
    lo, hi = ptr[nodes], ptr[nodes + 1]
    counts = hi - lo
    if not counts.sum():
        return np.zeros(0, np.int64)
    starts = np.repeat(lo - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    return starts + np.arange(counts.sum())


def _lookup(keys: np.ndarray, values: np.ndarray,
            query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``values`` at ``query`` in the sorted ``keys`` (-1 and False where absent)."""
    at = np.minimum(np.searchsorted(keys, query), max(len(keys) - 1, 0))
    found = (keys[at] == query) if len(keys) else np.zeros(len(query), bool)
    return np.where(found, values[at] if len(keys) else -1, -1), found


def _induced_components(adj: sp.csr_matrix, nodes: np.ndarray, strong: bool) -> np.ndarray:
    """Component labels of the subgraph of ``adj`` induced by the sorted ``nodes`` (weakly
    connected, or strongly when ``strong``)."""
    m = len(nodes)
    if m <= 1:
        return np.zeros(m, np.int64)
    pos = _ranges(adj.indptr, nodes)
    counts = adj.indptr[nodes + 1] - adj.indptr[nodes]
    src = np.repeat(np.arange(m), counts)
    dst, inside = _lookup(nodes, np.arange(m), adj.indices[pos])
    if not strong:  # min-label propagation: small groups, no sparse-matrix overhead
        a, b = src[inside], dst[inside]
        label = np.arange(m)
        while True:
            new = label.copy()
            np.minimum.at(new, a, label[b])
            np.minimum.at(new, b, label[a])
            new = new[new]
            if np.array_equal(new, label):
                return np.unique(label, return_inverse=True)[1]
            label = new
    sub = sp.csr_matrix((np.ones(int(inside.sum())), (src[inside], dst[inside])), shape=(m, m))
    return connected_components(sub, directed=strong, connection="strong" if strong else "weak")[1]
