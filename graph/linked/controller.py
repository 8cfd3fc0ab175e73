"""Who controls a party, and who owns it: the control chain, the ultimate controller, relative
control, and the effective holders, each with the shareholding paths behind it.

A :class:`ControlLink` "X controls E" carries its *coalition*: the direct stakes in E of X and of
the parties X controls, which add up to more than the majority (see
:mod:`graph.linked.control`), and the paths ``X -> ... -> E`` of stored ``HOLDS_SHARES``
relationships through parties X controls. An enterprise without an ultimate controller (nobody
controls it, or control goes round a cycle) reports its largest effective holder (see
:mod:`graph.linked.ownership`) as :attr:`ControllerReport.relative` when that effective share
exceeds ``control.relative_control``: relative control (相对控股), flagged as such, not control.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.linked.control import ControlForest
from graph.linked.ownership import ShareTable, effective_holders, ownership_paths
from graph.linked.partygraph import PartyGraph
from graph.linked.paths import path_from_links
from graph.linked.refs import GraphPath, LinkKind, NodeRef

__all__ = [
    "ControlLink",
    "ControlPaths",
    "ControllerReport",
    "EffectiveStake",
    "OwnershipPath",
    "Stake",
    "control_chain_path",
    "control_link",
    "control_paths",
    "controller_report",
]

_MAX_LISTED = 100


@dataclass(frozen=True)
class Stake:
    holder: NodeRef
    ratio: float


@dataclass(frozen=True)
class ControlLink:
    controller: NodeRef
    controlled: NodeRef
    share: float  # the coalition's direct stakes in ``controlled``, added up
    direct: float  # the controller's own direct stake
    coalition: tuple[Stake, ...]
    paths: tuple[GraphPath, ...]

    def text(self) -> str:
        parts = ", ".join(f"{s.holder.name} {s.ratio:.2%}" for s in self.coalition)
        how = "directly" if len(self.coalition) == 1 and self.direct > 0 else f"({parts})"
        return (f"{self.controller.name} controls {self.controlled.name}: {self.share:.2%} "
                f"{how}")


@dataclass(frozen=True)
class OwnershipPath:
    path: GraphPath
    product: float  # the product of the ratios along it


@dataclass(frozen=True)
class EffectiveStake:
    holder: NodeRef
    effective: float  # sum over all ownership paths (cycles included) of the ratio products
    direct: float
    paths: tuple[OwnershipPath, ...]  # the largest simple paths


@dataclass(frozen=True)
class ControllerReport:
    subject: NodeRef
    chain: tuple[ControlLink, ...]  # the immediate controller's link first, up the chain
    ultimate: NodeRef | None
    circular: bool  # control goes round an ownership cycle above the subject
    cycle: tuple[NodeRef, ...]
    relative: EffectiveStake | None  # relative control: no ultimate controller, largest holder
    relative_threshold: float
    holders: tuple[EffectiveStake, ...]  # effective holders, largest first
    controls: tuple[NodeRef, ...]  # parties the subject controls (at most 100 listed)
    controls_count: int
    closed_cycle: bool  # the subject sits in a closed ownership cycle (no outside owner)


def _share_link(pg: PartyGraph, holder: int, held: int) -> int:
    found = pg.find(holder, held, LinkKind.SHARES)
    if not found:
        raise LookupError(f"no HOLDS_SHARES link {holder} -> {held}")
    return found[0]


class ControlPaths:
    """Control paths of one analysis, each worked out once (a group's evidence asks for the
    same chains again and again)."""

    def __init__(self, pg: PartyGraph, t: ShareTable, f: ControlForest) -> None:
        self.pg, self.t, self.f = pg, t, f
        self._share_links = pg.link_of_row(LinkKind.SHARES)
        self._links: dict[tuple[int, int, int], list[list[int]]] = {}
        self._chains: dict[tuple[int, int], GraphPath] = {}

    def links(self, x: int, e: int, max_paths: int = 5) -> list[list[int]]:
        """Link sequences ``x -> ... -> e`` of stakes held by ``x`` or parties it controls."""
        key = (x, e, max_paths)
        if key not in self._links:
            self._links[key] = self._walk(x, e, max_paths)
        return self._links[key]

    def _walk(self, x: int, e: int, max_paths: int) -> list[list[int]]:
        t, f = self.t, self.f
        found: list[list[int]] = []

        def back(node: int, suffix: list[int], seen: set[int]) -> None:
            if len(found) >= max_paths:
                return
            if node == x:
                found.append(suffix)
                return
            lo, hi = t.in_ptr[node], t.in_ptr[node + 1]
            for h, row in zip(t.in_holder[lo:hi].tolist(), t.in_row[lo:hi].tolist(),
                              strict=True):
                if h not in seen and (h == x or f.controls(x, h)) and len(suffix) < 16:
                    back(h, [int(self._share_links[row]), *suffix], seen | {h})

        back(e, [], {e})
        return found

    def paths(self, x: int, e: int, max_paths: int = 5) -> list[GraphPath]:
        return [path_from_links(self.pg, x, links) for links in self.links(x, e, max_paths)]

    def chain_path(self, top: int, e: int) -> GraphPath:
        """One path of stakes from ``top`` down to ``e`` along the control chain (``top``
        controls ``e``, or is ``e``)."""
        key = (top, e)
        if key not in self._chains:
            self._chains[key] = self._chain_path(top, e)
        return self._chains[key]

    def _chain_path(self, top: int, e: int) -> GraphPath:
        if top == e:
            return GraphPath((self.pg.node(e),), ())
        upper = int(self.f.parent[e])
        step = self.paths(upper, e, max_paths=1)[0]
        return self.chain_path(top, upper).then(step) if upper != top else step

    def link(self, x: int, e: int) -> ControlLink:
        t, pg = self.t, self.pg
        holders, ratios = t.holders(e)
        coalition = [(int(h), float(r)) for h, r in zip(holders, ratios, strict=True)
                     if int(h) == x or self.f.controls(x, int(h))]
        return ControlLink(pg.node(x), pg.node(e), sum(r for _, r in coalition),
                           t.direct(x, e), tuple(Stake(pg.node(h), r) for h, r in coalition),
                           tuple(self.paths(x, e)))


def control_paths(pg: PartyGraph, t: ShareTable, f: ControlForest, x: int, e: int,
                  max_paths: int = 5) -> list[GraphPath]:
    """Paths ``x -> ... -> e`` of stakes held by ``x`` or parties ``x`` controls."""
    return ControlPaths(pg, t, f).paths(x, e, max_paths)


def control_link(pg: PartyGraph, t: ShareTable, f: ControlForest, x: int, e: int) -> ControlLink:
    """"``x`` controls ``e``" with its coalition and paths."""
    return ControlPaths(pg, t, f).link(x, e)


def control_chain_path(pg: PartyGraph, t: ShareTable, f: ControlForest, top: int,
                       e: int) -> GraphPath:
    """One path of stakes from ``top`` down to ``e`` along the control chain."""
    return ControlPaths(pg, t, f).chain_path(top, e)


def _stake(pg: PartyGraph, t: ShareTable, holder: int, e: int, share: float) -> EffectiveStake:
    paths = tuple(OwnershipPath(path_from_links(pg, holder, [
        _share_link(pg, a, b) for a, b in zip(nodes[:-1], nodes[1:], strict=True)]), product)
        for nodes, product in ownership_paths(t, holder, e, max_paths=3))
    return EffectiveStake(pg.node(holder), share, t.direct(holder, e), paths)


def controller_report(pg: PartyGraph, t: ShareTable, f: ControlForest, subject: int,
                      relative_threshold: float, top_holders: int = 10) -> ControllerReport:
    chain_nodes = [subject, *f.chain(subject)]
    cp = ControlPaths(pg, t, f)
    links = tuple(cp.link(upper, lower)
                  for lower, upper in zip(chain_nodes[:-1], chain_nodes[1:], strict=True))
    ultimate = int(f.ultimate[subject])
    circular = bool(f.circular[subject])
    holders: tuple[EffectiveStake, ...] = ()
    relative = None
    closed = any(subject in c for c in t.closed_cycles)
    if t.is_enterprise[subject]:
        shares = effective_holders(t, subject)
        shares.pop(subject, None)
        ranked = sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))
        holders = tuple(_stake(pg, t, h, subject, s) for h, s in ranked[:top_holders])
        if ultimate < 0 and holders and holders[0].effective > relative_threshold:
            relative = holders[0]
    controlled = _controlled(f, subject)
    return ControllerReport(
        pg.node(subject), links, pg.node(ultimate) if ultimate >= 0 else None, circular,
        tuple(pg.node(v) for v in f.cycle_of(subject)), relative, relative_threshold, holders,
        tuple(pg.node(v) for v in controlled[:_MAX_LISTED]), len(controlled), closed)


def _controlled(f: ControlForest, x: int) -> list[int]:
    """Every party ``x`` controls, nearest first."""
    children = f.children
    out: list[int] = []
    frontier = [x]
    seen = {x}
    while frontier:
        nxt = []
        for v in frontier:
            for c in children.get(v, ()):
                if c not in seen:
                    seen.add(c)
                    out.append(c)
                    nxt.append(c)
        frontier = sorted(nxt)
    return out

