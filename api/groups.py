"""Group answers sized for an API: members and lines capped, and big groups cached.

A connected-counterparty group can hold thousands of parties (1,861 in the generated
100,000-enterprise portfolio), each with its evidence paths: the full answer is tens of
megabytes and takes seconds to build and render. The API therefore lists at most
``members_limit`` members (the head first, then the party asked about, then by id) and
``lines_limit`` loans and guarantees, saying how many there are in all (``members_total``,
``loans_total``, ...) and ``truncated``. The group part of the answer is the same for every
member of a group, so it is rendered once per (group, limits, view) and kept as bytes;
:func:`warm_big_groups` renders the groups of ``min_size`` or more parties in the background
after a world goes live, so that their first caller does not wait either.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import orjson

from api.pii import redact
from api.world import World
from graph.linked import ExposureReport, Group, to_json

__all__ = ["group_answer", "warm_big_groups"]

log = logging.getLogger("riskgraph.api.groups")

_OPTS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
_MAX_CACHED = 4096
_lock = threading.Lock()


def _cache(world: World, name: str) -> dict[Any, Any]:
    cache = world.__dict__.get(name)
    if cache is None:
        with _lock:
            cache = world.__dict__.setdefault(name, {})
    return cache  # type: ignore[no-any-return]


def _cap_exposure(rep: ExposureReport, members: int, lines: int) -> dict[str, Any]:
    out: Any = to_json(dataclasses.replace(
        rep, members=rep.members[:members], loans=rep.loans[:lines],
        guarantees_given=rep.guarantees_given[:lines],
        guarantees_received=rep.guarantees_received[:lines]))
    out.update(members_total=len(rep.members), loans_total=len(rep.loans),
               guarantees_given_total=len(rep.guarantees_given),
               guarantees_received_total=len(rep.guarantees_received),
               truncated=(len(rep.members) > members or len(rep.loans) > lines
                          or len(rep.guarantees_given) > lines
                          or len(rep.guarantees_received) > lines))
    return out  # type: ignore[no-any-return]


def _cap_group(group: Group, members: int) -> dict[str, Any]:
    kept = group.members[:members]
    changes: dict[str, Any] = {"members": kept}
    if hasattr(group, "evidence"):  # a group-level evidence list: only what the kept cite
        cited = {id(ev) for m in kept for ev in m.evidence}
        changes["evidence"] = tuple(ev for ev in group.evidence if id(ev) in cited)
    out: Any = to_json(dataclasses.replace(group, **changes))
    out["size"] = group.size
    out["members_total"] = group.size
    out["truncated"] = group.size > members
    return out  # type: ignore[no-any-return]


def _render(value: Any, pii: bool, world: World) -> bytes:
    return orjson.dumps(value if pii else redact(value, world.masks), option=_OPTS)


def group_answer(world: World, ident: str, key: Callable[[str], str], members_limit: int,
                 lines_limit: int, pii: bool) -> bytes:
    """The JSON of ``GET /v1/entities/{id}/group``, capped (see the module docstring)."""
    a = world.analysis
    node = a.resolve(ident, key)
    comp = int(a.group_index.comp[node])
    size = len(a.group_index.members_of(node))
    cache = _cache(world, "_group_cache")
    groups = _cache(world, "_group_objects")
    ck = (comp, members_limit, lines_limit, pii)
    big = size > members_limit
    part = cache.get(ck) if big else None
    group = groups.get(comp) if big else None
    if part is None or group is None:
        report = a.group(ident, key=key)
        group = report.group
        part = (b'"group":' + _render(_cap_group(group, members_limit), pii, world)
                + b',"exposure":'
                + _render(_cap_exposure(report.exposure, members_limit, lines_limit), pii,
                          world))
        if big:
            if len(cache) >= _MAX_CACHED:
                cache.clear()
                groups.clear()
            cache[ck] = part
            groups[comp] = group
    subject = a.party_graph.node(node)
    member = next((m for m in group.members if m.node.id == subject.id), None)
    own = a.exposure(ident, key=key)
    tail = (b',"subject":' + _render(to_json(subject), pii, world)
            + b',"subject_member":' + _render(to_json(member), pii, world)
            + b',"subject_exposure":'
            + _render(_cap_exposure(own, members_limit, lines_limit), pii, world))
    return b"{" + part + tail + b"}"


def warm_big_groups(world: World, min_size: int, members_limit: int, lines_limit: int,
                    stop: threading.Event, budget_s: float = 60.0) -> int:
    """Render the groups of ``min_size`` or more parties (both views) into the cache, largest
    first, for at most ``budget_s`` seconds (the rest render on their first request)."""
    import time

    deadline = time.monotonic() + budget_s
    a = world.analysis
    gi = a.group_index
    party = np.flatnonzero(gi.party)
    sizes = np.bincount(gi.comp[party])
    big = np.flatnonzero(sizes >= max(min_size, members_limit + 1))
    first = {}
    for v in party.tolist():
        c = int(gi.comp[v])
        if c not in first and sizes[c] >= max(min_size, members_limit + 1):
            first[c] = v
    done = 0
    for c in sorted(big.tolist(), key=lambda c: -sizes[c]):
        if stop.is_set() or time.monotonic() > deadline:
            break
        ident = str(world.node_ids[first[c]])
        for pii in (True, False):
            group_answer(world, ident, lambda s: s, members_limit, lines_limit, pii)
        done += 1
    log.info("rendered %d big groups in advance", done)
    return done
