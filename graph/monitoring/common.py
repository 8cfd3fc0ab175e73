"""Small helpers shared by alerts and leads: incident links of one node, borrowers' exposure,
events per party, and the JSON form of a path."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from graph.linked.partygraph import KINDS, PartyGraph
from graph.linked.refs import GraphPath, LinkKind, NodeRef
from graph.model import Label, RelType
from graph.snapshot import Snapshot

__all__ = ["events_of", "incident", "outstanding_by_party", "path_json", "ref_json",
           "years_between"]


def incident(pg: PartyGraph, node: int, kinds: tuple[LinkKind, ...]) -> list[tuple[int, int]]:
    """``(link, other end)`` of every link of ``kinds`` at ``node``, in link order."""
    codes = {KINDS.index(k) for k in kinds}
    lo, hi = int(pg.indptr[node]), int(pg.indptr[node + 1])
    out = [(int(e), int(v)) for e, v in zip(pg.link[lo:hi].tolist(), pg.nbr[lo:hi].tolist(),
                                            strict=True)
           if int(pg.kind[e]) in codes and int(v) != node]
    return sorted(out)


def outstanding_by_party(snap: Snapshot) -> dict[int, float]:
    """Party node -> outstanding of its open (not closed) loans, added up; borrowers only."""
    t = snap.edges.get(RelType.BORROWS)
    loans = snap.props.get(Label.LOAN)
    if t is None or loans is None or len(t) == 0:
        return {}
    status = loans["status"].reindex(t.dst).to_numpy(dtype=object)
    amount = loans["outstanding"].reindex(t.dst).to_numpy(dtype=float)
    out: dict[int, float] = {}
    for s, st, a in zip(t.src.tolist(), status.tolist(), amount.tolist(), strict=True):
        if st == "closed":
            continue
        out[int(s)] = out.get(int(s), 0.0) + (0.0 if a != a else float(a))
    return out


def events_of(snap: Snapshot) -> dict[int, list[dict[str, Any]]]:
    """Party node -> its events (id, date, kind, detail, first_seen), oldest first."""
    t = snap.edges.get(RelType.HAS_EVENT)
    ev = snap.props.get(Label.EVENT)
    out: dict[int, list[dict[str, Any]]] = {}
    if t is None or ev is None:
        return out
    rows = ev.reindex(t.dst)
    cols = {c: (rows[c].tolist() if c in rows.columns else [None] * len(rows))
            for c in ("id", "date", "kind", "detail", "first_seen")}
    for k, s in enumerate(t.src.tolist()):
        out.setdefault(int(s), []).append(
            {"id": str(cols["id"][k]), "date": _text(cols["date"][k]),
             "kind": _text(cols["kind"][k]), "detail": _text(cols["detail"][k]),
             "first_seen": _text(cols["first_seen"][k])})
    for items in out.values():
        items.sort(key=lambda e: (e["date"] or "", e["kind"] or "", e["id"]))
    return out


def _text(v: object) -> str | None:
    return v if isinstance(v, str) and v else None


def ref_json(ref: NodeRef) -> dict[str, Any]:
    out: dict[str, Any] = {"label": ref.label, "id": ref.id, "name": ref.name}
    if ref.label == "Person":
        out["id_masked"] = ref.id_masked
    return out


def path_json(path: GraphPath) -> dict[str, Any]:
    """A path as JSON: its text in words, the node ids walked (Loan/Contact included), the
    stored relationships."""
    return {"text": path.text(), "ids": list(path.ids),
            "nodes": [ref_json(n) for n in path.nodes],
            "relationships": [{"src": r.src, "type": r.type, "dst": r.dst}
                              for r in path.relationships]}


def years_between(earlier: str | None, later: str | None) -> float | None:
    if not earlier or not later:
        return None
    try:
        return (date.fromisoformat(later[:10]) - date.fromisoformat(earlier[:10])).days / 365.25
    except ValueError:
        return None


def as_array(values: list[int]) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)
