"""Graph-shaped answers for the investigator UI: nodes with what the browser draws, typed edges.

The ``/v1`` answers are about one question each (a neighbourhood, a group, a path). The
browser needs the same facts as pieces of one growing picture: every node it receives carries
its colour and size inputs (probability of default, contagion exposure, outstanding loans),
its status flags and its degree (how much more there is to expand), and every edge is one
party-to-party tie (:mod:`graph.linked.partygraph`) with a stable id, so that pieces fetched
one after the other merge without duplicates.

Everything here is computed on one :class:`~graph.linked.LinkedAnalysis` (one snapshot, as of
one date) and the score table; the per-node figures are built once per analysis and cached.
Edge ids are ``<kind>:<link index>`` and never contain a person key, so the API's redaction of
person keys (for roles that may not see them) leaves them intact.
"""

from __future__ import annotations

import math
import threading
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from api.report.build import parse_contributors
from graph.linked import LinkedAnalysis, LinkKind
from graph.linked.partygraph import KINDS, kinds_for
from graph.model import Label, RelType
from riskgraph.errors import NotFound, QueryLimitError

__all__ = ["NodeFacts", "UiContext", "circle_view", "expand_view", "group_view", "paths_view",
           "profile_view"]

Json = dict[str, Any]


@dataclass(frozen=True, eq=False)
class NodeFacts:
    """Per node number: outstanding loans (borrowers; lent amount for lenders), flags."""

    outstanding: np.ndarray
    defaulted: np.ndarray
    overdue: np.ndarray
    lost_contact: np.ndarray

    @classmethod
    def build(cls, analysis: LinkedAnalysis) -> NodeFacts:
        snap = analysis.snapshot
        n = snap.num_nodes
        book = analysis.credit.loans
        loans = analysis.credit.loan_nodes
        borrower = book.borrower[loans]
        out = np.bincount(borrower, weights=book.outstanding[loans], minlength=n)
        lender = book.lender[loans]
        lent = lender >= 0
        out += np.bincount(lender[lent], weights=book.outstanding[loans][lent], minlength=n)
        status = analysis.credit.status[loans].astype(str)
        defaulted = np.zeros(n, dtype=bool)
        overdue = np.zeros(n, dtype=bool)
        defaulted[borrower[status == "default"]] = True
        overdue[borrower[status == "overdue"]] = True
        lost = np.zeros(n, dtype=bool)
        ev = snap.edges.get(RelType.HAS_EVENT)
        props = snap.props.get(Label.EVENT)
        if ev is not None and len(ev) and props is not None and len(props):
            kind = props["kind"].reindex(ev.dst).to_numpy(dtype=object)
            lost[ev.src[kind == "lost_contact"]] = True
            defaulted[ev.src[kind == "default"]] = True
        return cls(out, defaulted, overdue, lost)


_FACTS: weakref.WeakKeyDictionary[LinkedAnalysis, NodeFacts] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


class UiContext:
    """One analysis, its scores and node facts: what every view reads."""

    def __init__(self, analysis: LinkedAnalysis, scores: Any, served_as_of: str | None) -> None:
        self.analysis = analysis
        self.pg = analysis.party_graph
        self.snap = analysis.snapshot
        self.scores = scores  # api.world.ScoreTable
        self.served_as_of = served_as_of
        with _LOCK:
            facts = _FACTS.get(analysis)
            if facts is None:
                facts = _FACTS[analysis] = NodeFacts.build(analysis)
        self.facts = facts

    def resolve(self, ident: str, key: Any) -> int:
        return self.analysis.resolve(ident, key)

    def node(self, v: int) -> Json:
        pg, f = self.pg, self.facts
        ref = pg.node(v)
        row = self.scores.rows.get(ref.id)
        degree = int(pg.indptr[v + 1] - pg.indptr[v])
        out: Json = {"id": ref.id, "label": ref.label, "name": ref.name,
                     "pd": _clean(row[1]) if row else None,
                     "ce": _clean(row[2]) if row else None,
                     "outstanding": float(f.outstanding[v]), "degree": degree,
                     "defaulted": bool(f.defaulted[v]), "overdue": bool(f.overdue[v]),
                     "lost_contact": bool(f.lost_contact[v])}
        if ref.id_masked:
            out["id_masked"] = ref.id_masked
        return out

    def edge(self, e: int) -> Json:
        pg = self.pg
        kind = pg.link_kind(int(e))
        out: Json = {"id": f"{kind.value}:{int(e)}", "source": str(pg.ids[pg.src[e]]),
                     "target": str(pg.ids[pg.dst[e]]), "kind": kind.value,
                     "words": pg.words(int(e))}
        via = int(pg.via[e])
        if via >= 0:
            out["via"] = str(pg.ids[via])
        return out

    def graph(self, nodes: list[int] | np.ndarray, links: list[int] | np.ndarray) -> Json:
        seen: dict[int, None] = dict.fromkeys(int(v) for v in nodes)
        for e in links:
            seen.setdefault(int(self.pg.src[e]), None)
            seen.setdefault(int(self.pg.dst[e]), None)
        uniq = sorted(set(int(e) for e in links))
        return {"as_of": self.snap.as_of, "nodes": [self.node(v) for v in seen],
                "edges": [self.edge(e) for e in uniq]}

    def ties_among(self, members: np.ndarray, kinds: tuple[LinkKind, ...] = KINDS) -> np.ndarray:
        members = np.unique(np.asarray(members, dtype=np.int64))
        _, nbr, link = self.pg.incident(members, self.pg.allowed(kinds))
        return np.unique(link[np.isin(nbr, members)])


def _clean(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _types(names: list[str] | None) -> tuple[LinkKind, ...]:
    if not names:
        return KINDS
    types = []
    for name in names:
        try:
            types.append(RelType(name.upper()))
        except ValueError as exc:
            raise QueryLimitError(f"unknown relationship type {name!r}; known: "
                                  f"{', '.join(t.value for t in RelType)}") from exc
    return kinds_for(tuple(types))


def expand_view(ctx: UiContext, ident: str, types: list[str] | None, key: Any) -> Json:
    """The node and its direct ties through ``types`` (all when none), at most
    ``limits.max_nodes`` neighbours (``truncated`` says when more were left out)."""
    v = ctx.resolve(ident, key)
    limit = ctx.analysis.rules.limits.max_nodes
    _, nbr, link = ctx.pg.incident(np.array([v], dtype=np.int64), ctx.pg.allowed(_types(types)))
    order = np.lexsort((link, nbr))
    nbr, link = nbr[order], link[order]
    uniq = np.unique(nbr)
    truncated = len(uniq) > limit
    if truncated:
        keep = np.isin(nbr, uniq[:limit])
        nbr, link = nbr[keep], link[keep]
    body = ctx.graph([v, *np.unique(nbr).tolist()], link)
    body.update(center=str(ctx.pg.ids[v]), truncated=bool(truncated),
                left_out=int(max(0, len(uniq) - limit)))
    return body


def paths_view(ctx: UiContext, source: str, target: str, key: Any,
               max_hops: int | None = None) -> Json:
    """Every shortest path between the two (up to the rules' limits), as node and edge ids."""
    res = ctx.analysis.paths(source, target, max_hops=max_hops, key=key)
    a, b = ctx.resolve(source, key), ctx.resolve(target, key)
    nodes: list[int] = [a, b]
    links: list[int] = []
    listed = []
    for path in res.paths:
        ids = [n.id for n in path.nodes]
        hop_links = []
        at = ctx.snap.index_of(ids[0])
        for hop, nxt in zip(path.hops, ids[1:], strict=True):
            to = ctx.snap.index_of(nxt)
            found = ctx.pg.find(at, to, hop.kind)
            if found:
                hop_links.append(found[0])
            nodes.append(to)
            at = to
        links += hop_links
        listed.append({"text": path.text(), "nodes": ids,
                       "edges": [f"{ctx.pg.link_kind(e).value}:{e}" for e in hop_links]})
    body = ctx.graph(nodes, links)
    body.update(source=str(ctx.pg.ids[a]), target=str(ctx.pg.ids[b]), length=res.length,
                max_hops=res.max_hops, truncated=res.truncated, paths=listed)
    return body


def group_view(ctx: UiContext, ident: str, key: Any) -> Json:
    """The connected-counterparty group: members, the ties among them and along their evidence
    paths, and the exposure by lender."""
    v = ctx.resolve(ident, key)
    rep = ctx.analysis.group(str(ctx.pg.ids[v]))
    members = [ctx.snap.index_of(m.node.id) for m in rep.group.members]
    nodes = list(members)
    links = ctx.ties_among(np.array(members)).tolist()
    evidence = []
    for m in rep.group.members:
        for ev in m.evidence:
            for path in ev.paths:
                ids = [n.id for n in path.nodes]
                at = ctx.snap.index_of(ids[0])
                for hop, nxt in zip(path.hops, ids[1:], strict=True):
                    to = ctx.snap.index_of(nxt)
                    links += ctx.pg.find(at, to, hop.kind)[:1]
                    nodes.append(to)
                    at = to
            evidence.append({"member": m.node.id, "rule": ev.rule.value, "text": ev.text})
    body = ctx.graph(nodes, links)
    ex = rep.exposure
    body.update(
        key=rep.group.key, head=rep.group.head.id, size=rep.group.size,
        members=[m.node.id for m in rep.group.members], evidence=evidence,
        total_direct=ex.total_direct, profile=ex.profile.name,
        by_lender=[{"lender": x.lender.name, "exposure": x.exposure, "share": x.share_of_tier1,
                    "limit": x.limit, "headroom": x.headroom, "status": x.status}
                   for x in ex.by_lender])
    return body


def circle_view(ctx: UiContext, ident: str, key: Any) -> Json:
    """The guarantee circle the party is in (its members and guarantees), or its mutual
    guarantee partners; ``circle`` is null when it is in none."""
    v = ctx.resolve(ident, key)
    rep = ctx.analysis.guarantees(top=0, ident=str(ctx.pg.ids[v]))
    pos = rep.position
    members = [v]
    circle = None
    if pos is not None and pos.circle:
        net = ctx.analysis.guarantee_network
        rank = int(pos.circle.lstrip("C")) - 1
        c = net.circle(ctx.pg, rank)
        circle = {"key": c.key, "size": len(c.members), "guarantees": c.guarantees,
                  "guaranteed_inside": c.guaranteed_inside, "outstanding": c.outstanding}
        members = [ctx.snap.index_of(m.id) for m in c.members]
    elif pos is not None:
        members += [ctx.snap.index_of(m.id) for m in pos.mutual_with]
    links = ctx.ties_among(np.array(members), (LinkKind.GUARANTEE,))
    body = ctx.graph(members, links)
    body.update(center=str(ctx.pg.ids[v]), circle=circle,
                members=[str(ctx.pg.ids[m]) for m in members],
                chain_up=pos.chain_up if pos else 0, chain_down=pos.chain_down if pos else 0)
    return body


def profile_view(ctx: UiContext, ident: str, key: Any, contributors: int = 5) -> Json:
    """The side panel: properties, score, loans, guarantees given and received, events, and
    the top contributors of the score with the path to each."""
    v = ctx.resolve(ident, key)
    node_id = str(ctx.pg.ids[v])
    label = Label(str(ctx.pg.labels[v]))
    props: Json = {}
    frame = ctx.snap.props.get(label)
    if frame is not None and v in frame.index:
        row = frame.loc[v]
        for k, val in row.items():
            if k in ("id", "name", "first_seen", "last_seen") or str(k).startswith("f_"):
                continue
            if val is None or (isinstance(val, float) and math.isnan(val)):
                continue
            props[str(k)] = val.item() if hasattr(val, "item") else val
    ex = ctx.analysis.exposure(node_id)
    loans = [{"loan": x.loan.id, "lender": x.lender.name if x.lender else None,
              "amount": _clean(x.amount), "outstanding": _clean(x.outstanding),
              "status": x.status} for x in ex.loans]
    given = [{"guarantee": g.guarantee_id, "borrower": g.borrower.id,
              "borrower_name": g.borrower.name, "loan": g.loan.id,
              "amount": _clean(g.amount), "at_risk": _clean(g.at_risk)}
             for g in ex.guarantees_given]
    received = [{"guarantee": g.guarantee_id, "guarantor": g.guarantor.id,
                 "guarantor_name": g.guarantor.name, "loan": g.loan.id,
                 "amount": _clean(g.amount), "at_risk": _clean(g.at_risk)}
                for g in ex.guarantees_received]
    row = ctx.scores.rows.get(node_id)
    score = None
    if row is not None:
        score = {"pd": _clean(row[1]), "ce": _clean(row[2]), "model_version": row[3],
                 "as_of": ctx.served_as_of}
    found = []
    for cid, share, _text in parse_contributors(ctx.scores.explanations.get(node_id))[
            :contributors]:
        item: Json = {"id": cid, "share": share, "name": cid, "label": None, "path": None}
        if ctx.snap.has(cid):
            ref = ctx.pg.node(ctx.snap.index_of(cid))
            item.update(name=ref.name, label=ref.label)
            if cid != node_id:
                try:
                    item["path"] = paths_view(ctx, node_id, cid, key, max_hops=4)
                    item["path"]["paths"] = item["path"]["paths"][:1]
                except (NotFound, QueryLimitError):
                    item["path"] = None
        found.append(item)
    events = []
    ev = ctx.snap.edges.get(RelType.HAS_EVENT)
    ev_props = ctx.snap.props.get(Label.EVENT)
    if ev is not None and ev_props is not None and len(ev):
        for dst in ev.dst[ev.src == v].tolist():
            r = ev_props.loc[dst]
            events.append({k: (r[k] if isinstance(r[k], str) else None)
                           for k in ("date", "kind", "detail")})
        events.sort(key=lambda x: x["date"] or "")
    kinds_count: dict[str, int] = {}
    lo, hi = ctx.pg.indptr[v], ctx.pg.indptr[v + 1]
    for e in ctx.pg.link[lo:hi].tolist():
        k = ctx.pg.link_kind(e).value
        kinds_count[k] = kinds_count.get(k, 0) + 1
    return {"node": ctx.node(v), "as_of": ctx.snap.as_of, "properties": props, "score": score,
            "loans": loans, "guarantees_given": given, "guarantees_received": received,
            "contributors": found, "events": events, "ties": kinds_count}
