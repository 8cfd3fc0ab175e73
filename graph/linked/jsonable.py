"""Linked-party answers as plain JSON values, one stable shape for the CLI and the API.

Dataclasses become objects with their fields; a :class:`~graph.linked.refs.GraphPath` also
carries its ``text``, every node ``ids`` on it (Loan and Contact nodes included) and the stored
``relationships`` it walks; enums become their values; NaN becomes null.
"""

from __future__ import annotations

import dataclasses
import math
from enum import Enum

from graph.linked.analysis import GroupReport
from graph.linked.refs import GraphPath

__all__ = ["group_summary_json", "to_json"]


def to_json(value: object) -> object:
    if isinstance(value, GraphPath):
        return {"text": value.text(), "ids": list(value.ids),
                "relationships": [{"src": r.src, "type": r.type, "dst": r.dst}
                                  for r in value.relationships]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for extra in ("size", "hops"):
            if hasattr(type(value), extra) and isinstance(getattr(type(value), extra), property):
                out[extra] = to_json(getattr(value, extra))
        return out
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if hasattr(value, "item"):
        return to_json(value.item())  # numpy scalar
    return value


def group_summary_json(report: GroupReport) -> dict[str, object]:
    """One group for a whole-portfolio listing, compact: its members, its evidence (each rule
    edge once, ``between`` as ids, paths as text and ``[src, type, dst]`` stored relationships;
    members point at it by index) and its exposure by lender (no loan lines)."""
    g, e = report.group, report.exposure
    index = {id(ev): k for k, ev in enumerate(g.evidence)}
    return {
        "key": g.key, "head": to_json(g.head), "size": g.size,
        "rules": [r.value for r in g.rules],
        "members": [{"node": to_json(m.node),
                     "ultimate_controller": to_json(m.ultimate_controller),
                     "evidence": [index[id(ev)] for ev in m.evidence]} for m in g.members],
        "evidence": [{"rule": ev.rule.value, "between": [n.id for n in ev.between],
                      "text": ev.text,
                      "paths": [{"text": p.text(),
                                 "relationships": [[r.src, r.type, r.dst]
                                                   for r in p.relationships]}
                                for p in ev.paths]} for ev in g.evidence],
        "exposure": {"scope": e.scope, "profile": e.profile.name,
                     "include_contingent": e.include_contingent,
                     "total_direct": e.total_direct, "total_contingent": e.total_contingent,
                     "by_lender": [to_json(x) for x in e.by_lender]},
    }
