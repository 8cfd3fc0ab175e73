"""Watchlists: a committee watches a borrower (or its group) and hears of any change in its
linked-party group.

A watch is kept in ``<monitoring>/watchlists.json``: the party, who watches, and the group's
members as last checked. :func:`check` takes the group of the party in the latest snapshot
(``graph.linked`` rules: control, common controller, legal representative, family, guarantee
dependence) and reports, per watch:

- ``alerts``: the alerts in the book whose troubled or exposed party is a member (so any new
  credit event or worse loan status of a member, and any member exposed to trouble outside);
- ``joined`` / ``left``: members that came into or went out of the group since the last check.

Checking records the members, so ``joined``/``left`` are news once.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from typing import Any

from graph.linked.analysis import LinkedAnalysis
from graph.monitoring.book import _LOCK, AlertBook
from riskgraph.errors import NotFound

__all__ = ["add_watch", "check", "remove_watch", "watches"]


def _path(book: AlertBook):  # type: ignore[no-untyped-def]
    return book.folder / "watchlists.json"


def _read(book: AlertBook) -> dict[str, Any]:
    p = _path(book)
    return json.loads(p.read_text("utf-8")) if p.exists() else {"watches": []}


def _write(book: AlertBook, data: dict[str, Any]) -> None:
    book.folder.mkdir(parents=True, exist_ok=True)
    tmp = _path(book).with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
    os.replace(tmp, _path(book))


def watches(book: AlertBook) -> list[dict[str, Any]]:
    with _LOCK:
        return list(_read(book)["watches"])


def add_watch(book: AlertBook, a: LinkedAnalysis, party: int, by: str) -> dict[str, Any]:
    """Watch ``party`` (a node of ``a``'s snapshot) for ``by``; the same pair twice is one watch."""
    ident = str(a.party_graph.ids[party])
    wid = "W" + hashlib.sha1(f"{ident}|{by}".encode()).hexdigest()[:12]
    members = sorted(str(a.party_graph.ids[m]) for m in a.group_index.members_of(party))
    with _LOCK:
        data = _read(book)
        for w in data["watches"]:
            if w["id"] == wid:
                return dict(w)
        w = {"id": wid, "party": a.party_graph.node(party).__dict__, "by": by,
             "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
             "as_of": a.snapshot.as_of, "members": members}
        data["watches"].append(w)
        _write(book, data)
    return dict(w)


def remove_watch(book: AlertBook, wid: str) -> None:
    with _LOCK:
        data = _read(book)
        kept = [w for w in data["watches"] if w["id"] != wid]
        if len(kept) == len(data["watches"]):
            raise NotFound("Watch", wid)
        data["watches"] = kept
        _write(book, data)


def check(book: AlertBook, a: LinkedAnalysis, by: str | None = None) -> list[dict[str, Any]]:
    """What changed in each watched group (only ``by``'s watches when given); records members."""
    alerts = book.alerts()
    out = []
    with _LOCK:
        data = _read(book)
        for w in data["watches"]:
            if by is not None and w["by"] != by:
                continue
            ident = w["party"]["id"]
            if a.snapshot.has(ident):
                node = a.snapshot.index_of(ident)
                now = sorted(str(a.party_graph.ids[m]) for m in a.group_index.members_of(node))
            else:
                now = []
            members = set(now)
            hits = [x for x in alerts
                    if x["troubled"]["id"] in members or x["exposed"]["id"] in members]
            out.append({"watch": {k: w[k] for k in ("id", "party", "by", "created_at")},
                        "as_of": a.snapshot.as_of, "previous_as_of": w["as_of"],
                        "members": len(now),
                        "joined": sorted(members - set(w["members"])),
                        "left": sorted(set(w["members"]) - members),
                        "alerts": hits, "open_alerts": sum(not x["acknowledged"] for x in hits)})
            w["members"], w["as_of"] = now, a.snapshot.as_of
        _write(book, data)
    return out
