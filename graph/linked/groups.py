"""Connected-counterparty groups: who is tied to whom strongly enough to count as one risk.

Two parties are *connected* when an enabled rule of :class:`~graph.linked.rules.GroupRules`
holds between them (BCBS LEX10.10 names control and economic interdependence; the Chinese 2018
rules, art. 8, count 集团客户 and 经济依存客户 as one group of connected clients):

``control``
    one controls the other (:mod:`graph.linked.control`; the immediate controller's link, whose
    chain connects every controller above);
``common_controller``
    both have the same ultimate controller;
``legal_rep``
    the same person is legal representative (``HOLDS_POST`` role ``legal_rep``) of both;
``family``
    their *tops* are family: the top of a party is its ultimate controller, or itself when it
    has none. The parties considered are the enterprises and the persons who borrow or
    guarantee; each relation (spouse, parent/child, sibling, other) is switched on its own;
``guarantee_dependence``
    ``g`` depends on ``b`` when the guarantees ``g`` gave for ``b``'s open loans add up to at
    least ``net_asset_share`` of ``g``'s net assets (``total_assets - total_liabilities``):
    :math:`\\sum_{G: g \\to b} \\text{amount}(G) \\ge s \\cdot NA_g`. A guarantor with net assets
    of zero or less depends on anyone it guarantees (the inequality holds); one without both
    figures (every person) cannot be assessed and is never connected by this rule.

Groups are the connected components of the union of these relations
(``scipy.sparse.csgraph.connected_components``): a chain of ties joins everyone on it. Each
member carries the evidence of every rule edge it is an end of: the rule, a sentence, and the
concrete path(s) in the data. A group is keyed by its *head*: the member that is ultimate
controller of the most parties (then the largest borrower, then the smallest id).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.csgraph as csgraph

from graph.linked.control import ControlForest
from graph.linked.controller import ControlPaths
from graph.linked.exposure import CreditBook
from graph.linked.partygraph import PartyGraph
from graph.linked.paths import path_from_links
from graph.linked.refs import GraphPath, LinkKind, NodeRef
from graph.linked.rules import GroupRules
from graph.model import Label, RelType
from graph.snapshot import Snapshot

__all__ = ["Evidence", "Group", "GroupIndex", "GroupMember", "Rule"]


class Rule(StrEnum):
    CONTROL = "control"
    COMMON_CONTROLLER = "common_controller"
    LEGAL_REP = "legal_rep"
    FAMILY = "family"
    GUARANTEE_DEPENDENCE = "guarantee_dependence"


_RULES = tuple(Rule)


@dataclass(frozen=True)
class Evidence:
    """Why two members are connected. The paths: ``control`` X -> ... -> E through stakes of X
    and of parties X controls; ``common_controller`` U -> ... -> a and U -> ... -> b;
    ``legal_rep`` a <- R -> b; ``family`` a <- ... <- P -relative- Q -> ... -> b;
    ``guarantee_dependence`` one path g -> b per guarantee."""

    rule: Rule
    between: tuple[NodeRef, NodeRef]
    text: str
    paths: tuple[GraphPath, ...]  # walks in the data that show the rule holds (see below)


@dataclass(frozen=True)
class GroupMember:
    node: NodeRef
    ultimate_controller: NodeRef | None
    evidence: tuple[Evidence, ...]  # every rule edge this member is an end of


@dataclass(frozen=True)
class Group:
    key: str  # the head's id
    head: NodeRef
    members: tuple[GroupMember, ...]  # the head first, then by id
    rules: tuple[Rule, ...]  # the rules that were enabled
    evidence: tuple[Evidence, ...]  # every rule edge inside the group, once

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True, eq=False)
class GroupIndex:
    a: np.ndarray  # rule edges a -- b
    b: np.ndarray
    rule: np.ndarray  # int8 index into Rule
    via: np.ndarray  # controller / legal rep / RELATIVE_OF row / -1
    amount: np.ndarray  # guarantee dependence: guaranteed amount, else nan
    base: np.ndarray  # guarantee dependence: net assets, else nan
    comp: np.ndarray  # component label per node
    party: np.ndarray  # bool per node
    head_score: np.ndarray  # per node: how many parties it ultimately controls
    outstanding: np.ndarray  # per node: its open loans' outstanding
    top: np.ndarray
    enabled: tuple[Rule, ...]
    share: float  # guarantee dependence threshold

    @classmethod
    def build(cls, pg: PartyGraph, f: ControlForest, credit: CreditBook,
              rules: GroupRules) -> GroupIndex:
        snap = pg.snapshot
        n = snap.num_nodes
        party = np.zeros(n, dtype=bool)
        for label in (Label.ENTERPRISE, Label.PERSON):
            lo, hi = snap.label_range(label)
            party[lo:hi] = True
        edges: list[tuple[np.ndarray, ...]] = []
        nan = np.nan

        def add(rule: Rule, a: np.ndarray, b: np.ndarray, via: np.ndarray | None = None,
                amount: np.ndarray | None = None, base: np.ndarray | None = None) -> None:
            k = len(a)
            edges.append((np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64),
                          np.full(k, _RULES.index(rule), dtype=np.int8),
                          np.full(k, -1, dtype=np.int64) if via is None else via,
                          np.full(k, nan) if amount is None else amount,
                          np.full(k, nan) if base is None else base))

        enabled = []
        if rules.control.enabled:
            enabled.append(Rule.CONTROL)
            c = np.flatnonzero(f.parent >= 0)
            add(Rule.CONTROL, f.parent[c], c)
        depth = _depth(f.parent)
        if rules.common_controller.enabled:
            enabled.append(Rule.COMMON_CONTROLLER)
            c = np.flatnonzero(f.ultimate >= 0)
            a, b = _stars(f.ultimate[c], c, depth[c])
            if rules.control.enabled:  # "a controls b" is said by the control rule already
                keep = np.array([not (f.controls(x, y) or f.controls(y, x))
                                 for x, y in zip(a.tolist(), b.tolist(), strict=True)],
                                dtype=bool)
                a, b = a[keep], b[keep]
            add(Rule.COMMON_CONTROLLER, a, b, f.ultimate[b])
        if rules.legal_rep.enabled and RelType.HOLDS_POST in snap.edges:
            enabled.append(Rule.LEGAL_REP)
            posts = snap.edges[RelType.HOLDS_POST]
            rep = np.flatnonzero(posts.props["role"].to_numpy(dtype=object) == "legal_rep")
            a, b, hub = _stars(posts.src[rep], posts.dst[rep], np.zeros(len(rep)),
                               with_hub=True)
            add(Rule.LEGAL_REP, a, b, hub)
        top = np.where(f.ultimate >= 0, f.ultimate, np.arange(n))
        relations = rules.family.relations()
        if relations and RelType.RELATIVE_OF in snap.edges:
            enabled.append(Rule.FAMILY)
            add(Rule.FAMILY, *_family(snap, credit, top, party, relations, depth,
                                      spanning=not rules.control.enabled))
        if rules.guarantee_dependence.enabled:
            enabled.append(Rule.GUARANTEE_DEPENDENCE)
            add(Rule.GUARANTEE_DEPENDENCE,
                *_dependence(snap, credit, rules.guarantee_dependence.net_asset_share))

        if edges:
            a, b, rule, via, amount, base = (np.concatenate(x) for x in zip(*edges, strict=True))
        else:
            a = b = via = np.zeros(0, dtype=np.int64)
            rule = np.zeros(0, dtype=np.int8)
            amount = base = np.zeros(0)
        keep = a != b
        a, b, rule, via, amount, base = a[keep], b[keep], rule[keep], via[keep], amount[keep], \
            base[keep]
        lo_hi = np.minimum(a, b) * n + np.maximum(a, b)
        _, first = np.unique(lo_hi * len(_RULES) + rule, return_index=True)
        first.sort()
        a, b, rule, via, amount, base = (x[first] for x in (a, b, rule, via, amount, base))
        adj = sp.csr_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
        _, comp = csgraph.connected_components(adj, directed=False)
        controls = np.bincount(f.ultimate[f.ultimate >= 0], minlength=n)
        outstanding = np.bincount(credit.loans.borrower[credit.loan_nodes],
                                  weights=credit.loans.outstanding[credit.loan_nodes],
                                  minlength=n)
        return cls(a, b, rule, via, amount, base, comp, party, controls, outstanding, top,
                   tuple(enabled), rules.guarantee_dependence.net_asset_share)

    # -- answers -------------------------------------------------------------------------------
    @cached_property
    def _by_comp(self) -> tuple[np.ndarray, np.ndarray]:
        nodes = np.flatnonzero(self.party)
        nodes = nodes[np.argsort(self.comp[nodes], kind="stable")]
        ptr = np.zeros(int(self.comp.max(initial=0)) + 2, dtype=np.int64)
        np.cumsum(np.bincount(self.comp[nodes], minlength=len(ptr) - 1), out=ptr[1:])
        return nodes, ptr

    @cached_property
    def _edges_by_comp(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(self.comp[self.a], kind="stable")
        ptr = np.zeros(int(self.comp.max(initial=0)) + 2, dtype=np.int64)
        np.cumsum(np.bincount(self.comp[self.a], minlength=len(ptr) - 1), out=ptr[1:])
        return order, ptr

    def members_of(self, node: int) -> np.ndarray:
        """The parties of ``node``'s group (``node`` alone if it has no ties), by node number."""
        nodes, ptr = self._by_comp
        c = int(self.comp[node])
        return nodes[ptr[c]:ptr[c + 1]]

    def component_members(self) -> list[np.ndarray]:
        """The members of every group of two or more parties."""
        nodes, ptr = self._by_comp
        big = np.flatnonzero(np.diff(ptr) > 1)
        return [nodes[ptr[c]:ptr[c + 1]] for c in big.tolist()]

    def head(self, pg: PartyGraph, members: np.ndarray) -> int:
        return min(members.tolist(), key=lambda m: (-int(self.head_score[m]),
                                                    -float(self.outstanding[m]),
                                                    str(pg.ids[m])))

    def group(self, pg: PartyGraph, cp: ControlPaths, members: np.ndarray) -> Group:
        head = self.head(pg, members)
        order, ptr = self._edges_by_comp
        c = int(self.comp[members[0]])
        inside = order[ptr[c]:ptr[c + 1]]
        by_member: dict[int, list[Evidence]] = {}
        edges = []
        for k in inside.tolist():
            ev = self._evidence(pg, cp, k)
            edges.append(ev)
            by_member.setdefault(int(self.a[k]), []).append(ev)
            by_member.setdefault(int(self.b[k]), []).append(ev)
        listed = [head, *sorted((m for m in members.tolist() if m != head),
                                key=lambda m: str(pg.ids[m]))]
        out = []
        for m in listed:
            u = int(cp.f.ultimate[m])
            out.append(GroupMember(pg.node(m), pg.node(u) if u >= 0 else None,
                                   tuple(by_member.get(m, ()))))
        return Group(str(pg.ids[head]), pg.node(head), tuple(out), self.enabled, tuple(edges))

    def _evidence(self, pg: PartyGraph, cp: ControlPaths, k: int) -> Evidence:
        a, b, via = int(self.a[k]), int(self.b[k]), int(self.via[k])
        rule = _RULES[int(self.rule[k])]
        ends = (pg.node(a), pg.node(b))
        if rule is Rule.CONTROL:
            link = cp.link(a, b)
            return Evidence(rule, ends, link.text(), link.paths)
        if rule is Rule.COMMON_CONTROLLER:
            paths = (cp.chain_path(via, a), cp.chain_path(via, b))
            return Evidence(rule, ends, f"{ends[0].name} and {ends[1].name} have the same "
                            f"ultimate controller {pg.node(via).name}", paths)
        if rule is Rule.LEGAL_REP:
            legs = [_post(pg, via, x) for x in (a, b)]
            path = path_from_links(pg, a, legs)
            return Evidence(rule, ends, f"{pg.node(via).name} is legal representative of both "
                            f"{ends[0].name} and {ends[1].name}", (path,))
        if rule is Rule.FAMILY:
            ta, tb = int(self.top[a]), int(self.top[b])
            relative = [e for e in pg.find(ta, tb, LinkKind.RELATIVE) if int(pg.row[e]) == via]
            middle = path_from_links(pg, ta, relative[:1])
            path = cp.chain_path(ta, a).reversed().then(middle).then(cp.chain_path(tb, b))
            return Evidence(rule, ends, f"family ties between their controllers: "
                            f"{middle.text()}", (path,))
        amount, base = float(self.amount[k]), float(self.base[k])
        links = [e for e in pg.find(a, b, LinkKind.GUARANTEE) if int(pg.src[e]) == a]
        share = f"{amount / base:.0%} of" if base > 0 else "more than"
        text = (f"{ends[0].name} guarantees {ends[1].name}'s loans for {amount:,.0f}: {share} "
                f"its net assets {base:,.0f} (rule: at least {self.share:.0%})")
        return Evidence(rule, ends, text, tuple(path_from_links(pg, a, [e]) for e in links))


def _post(pg: PartyGraph, person: int, enterprise: int) -> int:
    links = [e for e in pg.find(person, enterprise, LinkKind.POST)
             if pg.roles[pg.row[e]] == "legal_rep"]
    return links[0]


def _depth(parent: np.ndarray) -> np.ndarray:
    """Steps from each node up to the top of its control chain (capped in cycles)."""
    depth = np.zeros(len(parent), dtype=np.int64)
    has = parent >= 0
    for _ in range(64):
        nxt = np.where(has, depth[np.where(has, parent, 0)] + 1, 0)
        if np.array_equal(nxt, depth):
            break
        depth = nxt
    return depth


def _stars(hub: np.ndarray, member: np.ndarray, rank: np.ndarray, with_hub: bool = False
           ) -> tuple[np.ndarray, ...]:
    """Members sharing a hub, linked as a star from the member of the lowest ``rank`` (then
    node number): (a, b[, hub])."""
    order = np.lexsort((member, rank, hub))
    hub, member = hub[order], member[order]
    first = np.r_[True, hub[1:] != hub[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(len(hub)), 0))
    centre = member[start]
    keep = member != centre
    out = (centre[keep], member[keep])
    return (*out, hub[keep]) if with_hub else out


def _family(snap: Snapshot, credit: CreditBook, top: np.ndarray, party: np.ndarray,
            relations: frozenset[str], depth: np.ndarray,
            spanning: bool) -> tuple[np.ndarray, ...]:
    """Edges between the parties of two tops that are family (a, b, RELATIVE_OF row): the two
    sides' highest parties only, when control already joins each side (``spanning`` False);
    else a spanning star between the sides."""
    rel = snap.edges[RelType.RELATIVE_OF]
    ok = np.flatnonzero(rel.props["relation"].isin(sorted(relations)).to_numpy())
    n = len(top)
    lo, hi = snap.label_range(Label.ENTERPRISE)
    interest = np.zeros(n, dtype=bool)
    interest[lo:hi] = True
    interest[credit.loans.borrower[credit.loan_nodes]] = True
    interest[credit.g_src[credit.g_rows]] = True
    interest &= party
    nodes = np.flatnonzero(interest)
    nodes = nodes[np.lexsort((nodes, depth[nodes], top[nodes]))]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(top[nodes], minlength=n), out=ptr[1:])
    a_out, b_out, via_out = [], [], []
    for k in ok.tolist():
        p, q = int(rel.src[k]), int(rel.dst[k])
        sp_, sq = nodes[ptr[p]:ptr[p + 1]], nodes[ptr[q]:ptr[q + 1]]
        if len(sp_) == 0 or len(sq) == 0:
            continue
        if not spanning:
            sp_, sq = sp_[:1], sq[:1]
        a_out += [np.full(len(sq), sp_[0]), sp_]
        b_out += [sq, np.full(len(sp_), sq[0])]
        via_out += [np.full(len(sq) + len(sp_), k)]
    if not a_out:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return np.concatenate(a_out), np.concatenate(b_out), np.concatenate(via_out)


def _dependence(snap: Snapshot, credit: CreditBook, share: float) -> tuple[np.ndarray, ...]:
    """Guarantor -> borrower pairs over the threshold (g, b, via, amount, net assets)."""
    n = snap.num_nodes
    rows = credit.g_rows
    g = credit.g_src[rows]
    b = credit.loans.borrower[credit.g_loan[rows]]
    keys, inverse = np.unique(g * n + b, return_inverse=True)
    total = np.bincount(inverse, weights=credit.g_amount[rows], minlength=len(keys))
    gs, bs = keys // n, keys % n
    net = np.full(n, np.nan)
    ent = snap.props.get(Label.ENTERPRISE)
    if ent is not None and len(ent):
        assets = pd.to_numeric(ent["total_assets"], errors="coerce").to_numpy(dtype=float)
        debts = pd.to_numeric(ent["total_liabilities"], errors="coerce").to_numpy(dtype=float)
        net[ent.index.to_numpy()] = assets - debts
    base = net[gs]
    dep = np.isfinite(base) & (total >= share * base * (1 - 1e-12))
    # a guarantor with net assets <= 0: share * base <= 0 <= total, so dependent
    return gs[dep], bs[dep], np.full(int(dep.sum()), -1, dtype=np.int64), total[dep], base[dep]
