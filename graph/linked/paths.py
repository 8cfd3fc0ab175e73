"""Shortest relationship paths between two parties, each rendered in words.

Paths run over the party graph (:mod:`graph.linked.partygraph`): a hop is one tie between two
parties, so ``guarantor -GUARANTEES-> Loan <-BORROWS- borrower`` is one hop, "guarantees loan
of". The search is a bidirectional breadth-first search up to ``max_hops``; every shortest path
is listed (up to ``max_paths``, then ``truncated``), two ties between the same parties giving two
paths. Lenders are leaves: no path runs through a bank.

Enumeration: with :math:`d_a` and :math:`d_b` the distances found from each end and :math:`L`
the shortest length, a node on a shortest path at position :math:`c = \\min(k_a, L)` (:math:`k_a`
the levels expanded from ``a``) has both distances known; the paths are the shortest ``a -> m``
paths times the shortest ``m -> b`` paths over those meeting nodes :math:`m`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graph.linked.partygraph import PartyGraph
from graph.linked.refs import GraphPath, LinkKind, NodeRef

__all__ = ["PathsResult", "path_from_links", "shortest_paths"]


@dataclass(frozen=True)
class PathsResult:
    source: NodeRef
    target: NodeRef
    max_hops: int
    kinds: tuple[LinkKind, ...]
    length: int | None  # hops of the shortest paths; None when none within max_hops
    paths: tuple[GraphPath, ...]
    truncated: bool  # more shortest paths exist than listed


def path_from_links(pg: PartyGraph, start: int, links: list[int]) -> GraphPath:
    """The path that walks ``links`` (link indices) from node ``start``."""
    nodes = [pg.node(start)]
    hops = []
    at = int(start)
    for e in links:
        hops.append(pg.hop(e, at))
        at = pg.other_end(e, at)
        nodes.append(pg.node(at))
    return GraphPath(tuple(nodes), tuple(hops))


def shortest_paths(pg: PartyGraph, a: int, b: int, kinds: tuple[LinkKind, ...],
                   max_hops: int, max_paths: int) -> PathsResult:
    mask = pg.allowed(kinds)
    src_ref, dst_ref = pg.node(a), pg.node(b)
    if a == b:
        return PathsResult(src_ref, dst_ref, max_hops, kinds, 0,
                           (GraphPath((src_ref,), ()),), False)
    n = len(pg.indptr) - 1
    dist = [np.full(n, -1, dtype=np.int32), np.full(n, -1, dtype=np.int32)]
    dist[0][a], dist[1][b] = 0, 0
    frontier = [np.array([a], dtype=np.int64), np.array([b], dtype=np.int64)]
    levels = [0, 0]
    length = None
    while levels[0] + levels[1] < max_hops:
        side = 0 if len(frontier[0]) <= len(frontier[1]) else 1
        if len(frontier[side]) == 0:
            break
        _, nbr, _ = pg.incident(frontier[side], mask)
        nbr = np.unique(nbr)
        new = nbr[(dist[side][nbr] < 0) & (~pg.is_lender[nbr] | (nbr == a) | (nbr == b))]
        levels[side] += 1
        dist[side][new] = levels[side]
        frontier[side] = new
        met = new[dist[1 - side][new] >= 0]
        if len(met):
            length = int((dist[0][met] + dist[1][met]).min())
            break
    if length is None:
        return PathsResult(src_ref, dst_ref, max_hops, kinds, None, (), False)
    cut = min(levels[0], length)
    meet = np.flatnonzero((dist[0] == cut) & (dist[1] == length - cut))
    budget = max_paths + 1
    out: list[list[int]] = []
    for m in meet.tolist():
        heads = _walks(pg, mask, dist[0], a, m, budget - len(out))
        tails = _walks(pg, mask, dist[1], b, m, budget)
        for h in heads:
            for t in tails:
                out.append(h + t[::-1])
                if len(out) >= budget:
                    break
            if len(out) >= budget:
                break
        if len(out) >= budget:
            break
    truncated = len(out) > max_paths
    paths = tuple(path_from_links(pg, a, links) for links in out[:max_paths])
    return PathsResult(src_ref, dst_ref, max_hops, kinds, length, paths, truncated)


def _walks(pg: PartyGraph, mask: np.ndarray, dist: np.ndarray, origin: int, end: int,
           budget: int) -> list[list[int]]:
    """Link sequences of shortest walks ``origin -> end`` (``dist`` measured from origin)."""
    if end == origin:
        return [[]]
    found: list[list[int]] = []

    def back(node: int, suffix: list[int]) -> None:
        if len(found) >= budget:
            return
        if node == origin:
            found.append(suffix[::-1])
            return
        here = int(dist[node])
        owner, nbr, link = pg.incident(np.array([node], dtype=np.int64), mask)
        for prev, e in sorted(zip(nbr.tolist(), link.tolist(), strict=True)):
            if dist[prev] == here - 1 and (prev == origin or not pg.is_lender[prev]):
                back(prev, [*suffix, e])

    back(end, [])
    return found
