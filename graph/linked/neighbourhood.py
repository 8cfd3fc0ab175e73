"""The neighbourhood of a party: everything within ``k`` hops, with the ties between them.

A breadth-first search over the party graph (:mod:`graph.linked.partygraph`) of the snapshot
(so as of the snapshot's date), through the chosen link kinds only. Lenders are reached but not
expanded. ``k`` may not exceed ``limits.max_hops`` (:class:`~riskgraph.errors.QueryLimitError`).

The result keeps at most ``limits.max_nodes`` nodes: levels are added whole while they fit; the
level that does not fit is cut to the lowest node numbers that do, the search stops there, and
``truncated`` says so with the number of nodes left out. Nothing is ever cut silently. The ties
listed are every link among the kept nodes (at most four per kept node, again flagged).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graph.linked.partygraph import PartyGraph
from graph.linked.refs import Hop, LinkKind, NodeRef

__all__ = ["Neighbourhood", "NearbyParty", "Tie", "neighbourhood"]


@dataclass(frozen=True)
class NearbyParty:
    node: NodeRef
    hops: int
    reached_from: NodeRef | None  # None for the centre
    link: Hop | None  # the first link (lowest numbers) that reached it from ``reached_from``


@dataclass(frozen=True)
class Tie:
    """A link between two kept nodes, in its own direction (``src`` holds/guarantees/...)."""

    src: NodeRef
    dst: NodeRef
    hop: Hop


@dataclass(frozen=True)
class Neighbourhood:
    center: NodeRef
    as_of: str | None
    hops: int
    kinds: tuple[LinkKind, ...]
    nodes: tuple[NearbyParty, ...]  # the centre first, then by hops and node number
    ties: tuple[Tie, ...]
    truncated: bool
    left_out: int  # nodes of the cut level not kept (the search stopped there)
    ties_left_out: int
    limit: int


def neighbourhood(pg: PartyGraph, center: int, hops: int, kinds: tuple[LinkKind, ...],
                  limit: int) -> Neighbourhood:
    mask = pg.allowed(kinds)
    n = len(pg.indptr) - 1
    seen = np.zeros(n, dtype=bool)
    seen[center] = True
    order = [np.array([center], dtype=np.int64)]
    level_of = [0]
    came_from = [np.array([-1], dtype=np.int64)]
    came_by = [np.array([-1], dtype=np.int64)]
    kept = 1
    truncated, left_out = False, 0
    frontier = order[0]
    for level in range(1, hops + 1):
        owner, nbr, link = pg.incident(frontier, mask)
        fresh = ~seen[nbr]
        if not fresh.any():
            break
        owner, nbr, link = owner[fresh], nbr[fresh], link[fresh]
        sort = np.lexsort((link, owner, nbr))
        owner, nbr, link = owner[sort], nbr[sort], link[sort]
        new, first = np.unique(nbr, return_index=True)
        room = limit - kept
        if len(new) > room:
            truncated, left_out = True, len(new) - room
            new, first = new[:room], first[:room]
        seen[new] = True
        order.append(new)
        level_of.append(level)
        came_from.append(owner[first])
        came_by.append(link[first])
        kept += len(new)
        frontier = new[~pg.is_lender[new]]
        if truncated:
            break

    nodes: list[NearbyParty] = []
    refs: dict[int, NodeRef] = {}
    for block, level, frm, by in zip(order, level_of, came_from, came_by, strict=True):
        for v, f, e in zip(block.tolist(), frm.tolist(), by.tolist(), strict=True):
            refs[v] = pg.node(v)
            nodes.append(NearbyParty(refs[v], level, refs[f] if f >= 0 else None,
                                     pg.hop(e, f) if e >= 0 else None))

    members = np.concatenate(order)
    _, other, link = pg.incident(members, mask)
    inside = seen[other]
    links = np.unique(link[inside])
    ties_cap = 4 * limit
    ties_left_out = max(0, len(links) - ties_cap)
    ties = []
    for e in links[:ties_cap].tolist():
        s = int(pg.src[e])
        ties.append(Tie(refs[s], refs[int(pg.dst[e])], pg.hop(e, s)))
    return Neighbourhood(refs[center], pg.snapshot.as_of, hops, kinds, tuple(nodes),
                         tuple(ties), truncated or ties_left_out > 0, left_out, ties_left_out,
                         limit)
