"""Linked-party answers as plain JSON values, one stable shape for the CLI and the API.

Dataclasses become objects with their fields; a :class:`~graph.linked.refs.GraphPath` also
carries its ``text``, every node ``ids`` on it (Loan and Contact nodes included) and the stored
``relationships`` it walks; enums become their values; NaN becomes null.
"""

from __future__ import annotations

import dataclasses
import math
from enum import Enum

from graph.linked.refs import GraphPath

__all__ = ["to_json"]


def to_json(value: object) -> object:
    if isinstance(value, GraphPath):
        return {"text": value.text(), "ids": list(value.ids),
                "nodes": [to_json(n) for n in value.nodes],
                "hops": [to_json(h) for h in value.hops],
                "relationships": [to_json(r) for r in value.relationships]}
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
