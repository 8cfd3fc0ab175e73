"""Early-warning alerts: who else is exposed when a party gets into trouble.

A *trigger* is news about a party between two portfolios (the previous ``as_of`` and the next):

- a credit event first seen in the later portfolio (``Event.first_seen`` = its ``as_of``) of kind
  ``default``, ``enforcement``, ``dishonest_debtor``, ``lost_contact``, ``overdue`` or
  ``lawsuit``; the party is the one that ``HAS_EVENT`` it;
- a loan whose status worsened (``performing`` < ``overdue`` < ``default``); the party is its
  borrower. The status at the previous ``as_of`` is the one recorded by the scan of that
  portfolio (``riskgraph alerts`` after each ingest records it). Where none was recorded, only
  a default is inferred: status ``default`` with a ``default_date`` after the previous
  ``as_of`` (a newly overdue loan then shows through its ``overdue`` event, if any).

For each troubled party ``T`` every *borrower* (a party with open loans) tied to it by one of the
:data:`RULES` gets one alert per rule, with the path that shows the tie (in words, ids as in
the graph), the outstanding at stake, and a severity (see :func:`severity`). The alert id is
deterministic: a hash of the trigger id, the exposed party's id and the rule, so that scanning
the same news again never makes a second alert.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from graph.linked.analysis import LinkedAnalysis
from graph.linked.paths import path_from_links
from graph.linked.refs import GraphPath, LinkKind
from graph.model import Label, RelType
from graph.monitoring.common import events_of, incident, outstanding_by_party, path_json, ref_json
from graph.snapshot import Snapshot

__all__ = ["CREDIT_EVENTS", "RULES", "STATUS_RANK", "Trigger", "alert_id", "compute_alerts",
           "find_triggers", "severity"]

#: credit event kind -> trigger weight (how bad the news is)
CREDIT_EVENTS: dict[str, float] = {"default": 1.0, "enforcement": 0.9, "dishonest_debtor": 0.9,
                                   "lost_contact": 0.8, "overdue": 0.6, "lawsuit": 0.6}
STATUS_RANK = {"performing": 0, "overdue": 1, "default": 2}
STATUS_WEIGHT = {"overdue": 0.6, "default": 1.0}

#: rule -> (tie strength, words). The exposed party X and the troubled party T:
RULES: dict[str, tuple[float, str]] = {
    "guaranteed_by_troubled": (1.0, "its loan is guaranteed by the troubled party"),
    "guarantor_of_troubled": (0.9, "it guarantees a loan of the troubled party"),
    "controlled_by_troubled": (0.9, "the troubled party controls it"),
    "represented_by_troubled": (0.8, "the troubled person is its legal representative"),
    "common_controller": (0.7, "it has the same ultimate controller as the troubled party"),
    "common_legal_rep": (0.6, "it has the same legal representative as the troubled party"),
    "family_of_controller": (0.5, "it is (controlled or represented by) family of the "
                                  "controller or legal representative of the troubled party"),
    "shared_contact": (0.4, "it shares a phone, address or e-mail with the troubled party"),
}

#: severity points: 50 x tie strength x trigger weight, + 30 x min(1, outstanding / EXPOSURE_FULL),
#: + 20 x min(1, rise of contagion exposure / CONTAGION_FULL)
EXPOSURE_FULL = 1e8
CONTAGION_FULL = 0.2
HIGH, MEDIUM = 60.0, 35.0


@dataclass(frozen=True)
class Trigger:
    id: str  # the Event id, or ``loan:<loan id>:<status>``
    party: int  # node number of the troubled party (in the later snapshot)
    kind: str  # event kind, or ``loan_<status>``
    date: str | None
    detail: str | None
    source: str  # "event" or "loan"
    weight: float

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "date": self.date, "detail": self.detail,
                "source": self.source}


def alert_id(trigger_id: str, exposed_id: str, rule: str) -> str:
    return "A" + hashlib.sha1(f"{trigger_id}|{exposed_id}|{rule}".encode()).hexdigest()[:20]


def severity(strength: float, trigger_weight: float, exposure: float,
             contagion_rise: float | None) -> tuple[float, str, dict[str, float]]:
    """(points 0..100, level, the three parts). Level: high >= 60, medium >= 35, else low."""
    parts = {"tie_and_trigger": 50.0 * strength * trigger_weight,
             "exposure": 30.0 * min(1.0, max(0.0, exposure) / EXPOSURE_FULL),
             "contagion": 20.0 * min(1.0, max(0.0, contagion_rise or 0.0) / CONTAGION_FULL)}
    parts = {k: round(v, 2) for k, v in parts.items()}
    points = round(sum(parts.values()), 2)
    level = "high" if points >= HIGH else "medium" if points >= MEDIUM else "low"
    return points, level, parts


def find_triggers(snap: Snapshot, previous_as_of: str,
                  previous_status: dict[str, str] | None,
                  with_loans: bool = True) -> list[Trigger]:
    """The news of ``snap`` (the later portfolio) since ``previous_as_of``."""
    out: list[Trigger] = []
    cur = snap.as_of or ""
    for party, items in events_of(snap).items():
        for ev in items:
            if ev["first_seen"] == cur and ev["kind"] in CREDIT_EVENTS:
                out.append(Trigger(ev["id"], party, ev["kind"], ev["date"], ev["detail"],
                                   "event", CREDIT_EVENTS[ev["kind"]]))
    if with_loans:
        out.extend(_loan_triggers(snap, previous_as_of, previous_status))
    return out


def _loan_triggers(snap: Snapshot, prev: str, known: dict[str, str] | None) -> list[Trigger]:
    loans = snap.props.get(Label.LOAN)
    t = snap.edges.get(RelType.BORROWS)
    if loans is None or t is None:
        return []
    borrowers: dict[int, list[int]] = {}
    for s, d in zip(t.src.tolist(), t.dst.tolist(), strict=True):
        borrowers.setdefault(int(d), []).append(int(s))
    out = []
    loans = loans[loans["status"].isin(list(STATUS_WEIGHT)).to_numpy(dtype=bool)]
    for node, row in loans.iterrows():
        status = row["status"]
        if status not in STATUS_WEIGHT:
            continue
        loan_id = str(row["id"])
        if known is not None and loan_id in known:
            worse = STATUS_RANK[status] > STATUS_RANK.get(known[loan_id], 3)
        elif status == "default":
            dd = row["default_date"]
            worse = isinstance(dd, str) and dd > prev
        else:
            worse = False  # newly overdue needs the recorded status (or an overdue event)
        if not worse:
            continue
        when = row["default_date"] if status == "default" else None
        for b in borrowers.get(int(node), []):
            out.append(Trigger(f"loan:{loan_id}:{status}", b, f"loan_{status}",
                               when if isinstance(when, str) else snap.as_of,
                               f"loan {loan_id} is now {status}"
                               + (f" ({int(row['overdue_days'])} days overdue)"
                                  if status == "overdue" and row["overdue_days"] is not pd.NA
                                  and row["overdue_days"] == row["overdue_days"] else ""),
                               "loan", STATUS_WEIGHT[status]))
    return out


def loan_statuses(snap: Snapshot) -> dict[str, str]:
    loans = snap.props.get(Label.LOAN)
    if loans is None:
        return {}
    return {str(i): str(s) for i, s in zip(loans["id"], loans["status"], strict=True)
            if isinstance(s, str)}


# -- exposure through the graph --------------------------------------------------------------
def exposed_parties(a: LinkedAnalysis, t: int) -> list[tuple[int, str, GraphPath]]:
    """``(party, rule, path from t)``: every party tied to ``t`` by a rule, first path per
    (party, rule), stronger rules first."""
    pg, f = a.party_graph, a.control
    cp = a.control_paths
    found: dict[tuple[int, str], GraphPath] = {}

    def add(x: int, rule: str, path: GraphPath) -> None:
        if x == t or (x, rule) in found:
            return
        ids = [n.id for n in path.nodes]
        if ids.count(ids[0]) > 1 or len(set(ids)) < len(ids):
            return  # a walk back through the troubled party (or in a circle) is no evidence
        found[(x, rule)] = path

    for e, v in incident(pg, t, (LinkKind.GUARANTEE,)):
        rule = "guaranteed_by_troubled" if int(pg.src[e]) == t else "guarantor_of_troubled"
        add(v, rule, path_from_links(pg, t, [e]))
    controlled = _descendants(f, t)
    for x in controlled:
        add(x, "controlled_by_troubled", cp.chain_path(t, x))
    reps = []  # (legal rep of t, the POST link)
    for e, v in incident(pg, t, (LinkKind.POST,)):
        if pg.roles[pg.row[e]] != "legal_rep":
            continue
        if int(pg.src[e]) == t:  # t is a person: the firms it represents
            add(v, "represented_by_troubled", path_from_links(pg, t, [e]))
        else:
            reps.append((v, e))
    top = int(f.ultimate[t]) if t < len(f.ultimate) else -1
    if top >= 0:
        up = cp.chain_path(top, t).reversed()
        for x in np.flatnonzero(f.ultimate == top).tolist():
            if x != t and x not in controlled:
                add(int(x), "common_controller", up.then(cp.chain_path(top, int(x))))
    for r, e1 in reps:
        for e2, x in incident(pg, r, (LinkKind.POST,)):
            if x != t and int(pg.src[e2]) == r and pg.roles[pg.row[e2]] == "legal_rep":
                add(x, "common_legal_rep", path_from_links(pg, t, [e1, e2]))
    # family: the controller or legal representatives of t (t itself when a person)
    keys: list[tuple[int, GraphPath]] = []
    if str(pg.labels[t]) == "Person":
        keys.append((t, GraphPath((pg.node(t),), ())))
    if top >= 0 and str(pg.labels[top]) == "Person":
        keys.append((top, cp.chain_path(top, t).reversed()))
    keys += [(r, path_from_links(pg, t, [e])) for r, e in reps]
    for p, to_p in keys:
        for e, q in incident(pg, p, (LinkKind.RELATIVE,)):
            if q == t:
                continue
            to_q = to_p.then(path_from_links(pg, p, [e]))
            add(q, "family_of_controller", to_q)
            for x in _descendants(f, q):
                add(x, "family_of_controller", to_q.then(cp.chain_path(q, x)))
            for e2, x in incident(pg, q, (LinkKind.POST,)):
                if int(pg.src[e2]) == q and pg.roles[pg.row[e2]] == "legal_rep":
                    add(x, "family_of_controller", to_q.then(path_from_links(pg, q, [e2])))
    for e, v in incident(pg, t, (LinkKind.CONTACT,)):
        add(v, "shared_contact", path_from_links(pg, t, [e]))
    order = {r: i for i, r in enumerate(RULES)}
    return sorted(((x, r, p) for (x, r), p in found.items()),
                  key=lambda k: (order[k[1]], str(pg.ids[k[0]])))


def _descendants(f: Any, x: int) -> list[int]:
    out, stack, seen = [], [x], {x}
    children = f.children
    while stack:
        for c in children.get(stack.pop(), ()):
            if c not in seen:
                seen.add(c)
                out.append(int(c))
                stack.append(c)
    return sorted(out)


def compute_alerts(snap: Snapshot, previous_as_of: str, triggers: list[Trigger],
                   contagion_now: dict[str, float] | None = None,
                   contagion_before: dict[str, float] | None = None,
                   analysis: LinkedAnalysis | None = None) -> list[dict[str, Any]]:
    """The alerts of ``triggers`` on ``snap`` (JSON-ready dicts, highest severity first)."""
    a = analysis or LinkedAnalysis.of(snap)
    pg = a.party_graph
    owed = outstanding_by_party(snap)
    by_party: dict[int, list[Trigger]] = {}
    for tr in triggers:
        by_party.setdefault(tr.party, []).append(tr)
    alerts: list[dict[str, Any]] = []
    for t, trs in sorted(by_party.items()):
        trs.sort(key=lambda x: (-x.weight, x.source != "event", x.date or "", x.id))
        main = trs[0]
        for x, rule, path in exposed_parties(a, t):
            exposure = owed.get(x, 0.0)
            if exposure <= 0:
                continue  # not a borrower with open loans: nothing of ours at stake
            xid = str(pg.ids[x])
            rise, now, before = None, None, None
            if contagion_now is not None and xid in contagion_now:
                now = contagion_now[xid]
                before = (contagion_before or {}).get(xid)
                rise = now - (before if before is not None else 0.0)
            strength, words = RULES[rule]
            points, level, parts = severity(strength, main.weight, exposure, rise)
            alerts.append({
                "id": alert_id(main.id, xid, rule), "severity": level, "score": points,
                "score_parts": parts, "rule": rule, "rule_text": words,
                "exposed": ref_json(pg.node(x)), "troubled": ref_json(pg.node(t)),
                "trigger": main.json(), "triggers": [tr.json() for tr in trs],
                "path": path_json(path), "hops": len(path),
                "exposure": round(exposure, 2),
                "contagion": None if now is None else {"now": now, "before": before,
                                                       "change": rise},
                "as_of": snap.as_of, "previous_as_of": previous_as_of,
                "text": f"{pg.node(t).name}: {main.kind}"
                        f"{' on ' + main.date if main.date else ''}; "
                        f"{pg.node(x).name} exposed ({words}): {path.text()}",
            })
    alerts.sort(key=lambda al: (-al["score"], al["id"]))
    return alerts
