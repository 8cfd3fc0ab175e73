"""Lost-contact leads: whom to approach to reach a borrower who answers no calls, ranked.

Candidates are the parties within two hops of the borrower over the party graph (relatives,
posts, shareholdings, guarantees and shared contacts; never through a lender or a loan to a
lender). Each candidate is scored on its best path (the path of highest score), additively:

``score = closeness + strength + freshness - penalty``

- **closeness** by hops: 1 hop 40, 2 hops 20;
- **strength** of the weakest tie on the path, by type (:data:`LEAD_WEIGHTS`): spouse 30,
  parent/child 26, shared phone 25, legal representative 24, majority shares (over 50%) 24,
  guarantee 22, sibling 22,
  shared address 20, director 20, shares 18, manager 18, shared e-mail 15, supervisor 14,
  other relative 12, any other tie 10;
- **freshness**: ``20 x max(0, 1 - age / 5 years)``, ``age`` the time from the freshest date
  known on the path (each relationship's ``start``, or where it has none its ``since``: the
  first portfolio that showed it) or of the candidate's own events, to the snapshot's
  ``as_of``;
- **penalty**: 25 when the candidate has lost contact too.

Ties broken by hops, then id. Contact points (phone, address, e-mail values) come with each lead;
the API shows them to the roles that see personal data only.
"""

from __future__ import annotations

from typing import Any

from graph.linked.analysis import LinkedAnalysis
from graph.linked.partygraph import PartyGraph
from graph.linked.paths import path_from_links
from graph.linked.refs import LinkKind
from graph.model import Label, RelType
from graph.monitoring.common import events_of, incident, path_json, ref_json, years_between

__all__ = ["LEAD_WEIGHTS", "leads"]

CLOSENESS = {1: 40.0, 2: 20.0}
FRESH_POINTS, FRESH_YEARS = 20.0, 5.0
LOST_PENALTY = 25.0
LEAD_WEIGHTS: dict[str, float] = {
    "relative:spouse": 30, "relative:parent": 26, "relative:child": 26, "contact:phone": 25,
    "post:legal_rep": 24, "shares:majority": 24, "guarantee": 22, "relative:sibling": 22,
    "contact:address": 20,
    "post:director": 20, "shares": 18, "post:manager": 18, "contact:email": 15,
    "post:supervisor": 14, "relative:other": 12,
}
OTHER_TIE = 10.0
_KINDS = (LinkKind.RELATIVE, LinkKind.POST, LinkKind.SHARES, LinkKind.GUARANTEE,
          LinkKind.CONTACT)
_RELS = {LinkKind.POST: (RelType.HOLDS_POST, None), LinkKind.SHARES: (RelType.HOLDS_SHARES, None),
         LinkKind.RELATIVE: (RelType.RELATIVE_OF, None),
         LinkKind.GUARANTEE: (RelType.GUARANTEES, RelType.BORROWS),
         LinkKind.CONTACT: (RelType.HAS_CONTACT, RelType.HAS_CONTACT)}
_MAX_DEGREE = 500  # a middle party with more ties than this is not walked through


def tie_type(pg: PartyGraph, e: int) -> str:
    kind = pg.link_kind(e)
    if kind is LinkKind.POST:
        return f"post:{pg.roles[pg.row[e]]}"
    if kind is LinkKind.RELATIVE:
        return f"relative:{pg.relations[pg.row[e]]}"
    if kind is LinkKind.SHARES:
        return "shares:majority" if float(pg.ratios[pg.row[e]]) > 0.5 else "shares"
    if kind is LinkKind.CONTACT:
        c = pg.snapshot.props[Label.CONTACT]
        return f"contact:{c.at[int(pg.via[e]), 'kind']}"
    return kind.value


def _dates(pg: PartyGraph, e: int) -> list[str]:
    kind = pg.link_kind(e)
    rel1, rel2 = _RELS[kind]
    out = []
    for rel, row in ((rel1, int(pg.row[e])), (rel2, int(pg.row2[e]))):
        if rel is None or row < 0:
            continue
        props = pg.snapshot.edges[rel].props
        start = props.at[row, "start"] if "start" in props.columns else None
        since = props.at[row, "since"]
        v = start if isinstance(start, str) and start else since
        if isinstance(v, str) and v:
            out.append(v)
    return out


def contacts_of(a: LinkedAnalysis) -> dict[int, list[dict[str, str]]]:
    snap = a.snapshot
    t = snap.edges.get(RelType.HAS_CONTACT)
    c = snap.props.get(Label.CONTACT)
    out: dict[int, list[dict[str, str]]] = {}
    if t is None or c is None:
        return out
    for s, d in zip(t.src.tolist(), t.dst.tolist(), strict=True):
        out.setdefault(int(s), []).append({"kind": str(c.at[int(d), "kind"]),
                                           "value": str(c.at[int(d), "value"])})
    for v in out.values():
        v.sort(key=lambda x: (x["kind"], x["value"]))
    return out


def leads(a: LinkedAnalysis, subject: int, limit: int = 50) -> dict[str, Any]:
    """The ranked leads of ``subject`` (a node number of ``a``'s snapshot), JSON-ready."""
    pg, snap = a.party_graph, a.snapshot
    as_of = snap.as_of
    events = events_of(snap)
    contacts = contacts_of(a)
    lost = {p for p, items in events.items() if any(e["kind"] == "lost_contact" for e in items)}

    def score(links: list[int], end: int) -> tuple[float, dict[str, float], dict[str, Any]]:
        types = [tie_type(pg, e) for e in links]
        weights = [LEAD_WEIGHTS.get(t, OTHER_TIE) for t in types]
        weakest = min(range(len(links)), key=lambda i: weights[i])
        dates = [d for e in links for d in _dates(pg, e)]
        dates += [ev["date"] for ev in events.get(end, []) if ev["date"]]
        fresh = max(dates) if dates else None
        age = years_between(fresh, as_of)
        parts = {"closeness": CLOSENESS[len(links)], "strength": float(weights[weakest]),
                 "freshness": round(FRESH_POINTS * max(0.0, 1 - age / FRESH_YEARS), 2)
                 if age is not None else 0.0,
                 "penalty": -LOST_PENALTY if end in lost else 0.0}
        info = {"tie_types": types, "weakest_tie": types[weakest], "freshest_date": fresh,
                "age_years": None if age is None else round(age, 2)}
        return round(sum(parts.values()), 2), parts, info

    best: dict[int, tuple[float, int, list[int], dict[str, float], dict[str, Any]]] = {}

    def offer(end: int, links: list[int]) -> None:
        if end == subject or bool(pg.is_lender[end]):
            return
        total, parts, info = score(links, end)
        have = best.get(end)
        if have is None or (total, -len(links)) > (have[0], -have[1]):
            best[end] = (total, len(links), links, parts, info)

    first = incident(pg, subject, _KINDS)
    for e1, m in first:
        offer(m, [e1])
    for e1, m in first:
        if bool(pg.is_lender[m]):
            continue
        second = incident(pg, m, _KINDS)
        if len(second) > _MAX_DEGREE:
            continue
        for e2, w in second:
            if w != subject:
                offer(w, [e1, e2])
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[1][1], str(pg.ids[kv[0]])))
    out = []
    for rank, (node, (total, hops, links, parts, info)) in enumerate(ranked[:limit], 1):
        path = path_from_links(pg, subject, links)
        why = (f"{hops} hop{'s' if hops > 1 else ''} (+{parts['closeness']:g}), weakest tie "
               f"{info['weakest_tie']} (+{parts['strength']:g}), freshest date "
               f"{info['freshest_date'] or 'unknown'} (+{parts['freshness']:g})"
               + (" , has lost contact too (-25)" if parts["penalty"] else ""))
        out.append({"rank": rank, "party": ref_json(pg.node(node)), "score": total,
                    "score_parts": parts, "hops": hops, "path": path_json(path), **info,
                    "why": why, "events": events.get(node, [])[-5:],
                    "contacts": contacts.get(node, [])})
    subject_events = events.get(subject, [])
    return {"subject": ref_json(pg.node(subject)), "as_of": as_of,
            "lost_contact": subject in lost,
            "lost_contact_events": [e for e in subject_events if e["kind"] == "lost_contact"],
            "contacts": contacts.get(subject, []), "leads": out, "leads_total": len(ranked),
            "truncated": len(ranked) > limit,
            "ranking": "score = closeness (1 hop 40, 2 hops 20) + strength of the weakest tie "
                       "+ freshness (20 x (1 - age/5y)) - 25 if the lead lost contact too"}
