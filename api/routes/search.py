"""Search by name or id, for the investigator UI and anyone who has a name but not an id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.deps import Served, State
from api.models import SearchOut
from api.routes._common import ANALYSTS, Analyst, audit, is_resident_id, render, route, shown_id
from api.world import World

__all__ = ["router"]

router = APIRouter(tags=["search"])


def _hits(world: World, q: str, limit: int, key: object) -> tuple[list[dict[str, object]],
                                                                   bool]:
    snap = world.snapshot
    seen: set[int] = set()
    ranked: list[tuple[int, str]] = []

    def add(v: int, match: str) -> None:
        if v not in seen:
            seen.add(v)
            ranked.append((v, match))

    if snap.has(q):
        add(snap.index_of(q), "id")
    if is_resident_id(q) and callable(key):
        hashed = key(q)
        if snap.has(hashed):
            add(snap.index_of(hashed), "resident_id")
    if len(q) >= 4 and q.isalnum() and q.isascii():
        for v in world.search.id_prefix(q.upper() if q[0] != "P" else q, limit + 1):
            add(v, "id_prefix")
    folded = q.casefold()
    found = world.search.names(q, cap=max(200, 4 * limit))
    exact: list[int] = []
    prefix: list[int] = []
    other: list[int] = []
    for v in found:
        name = world.node_names[v]
        name = name.casefold() if isinstance(name, str) else ""
        (exact if name == folded else prefix if name.startswith(folded) else other).append(v)
    for group, match in ((exact, "name_exact"), (prefix, "name_prefix"), (other, "name")):
        for v in sorted(group, key=lambda v: (len(str(world.node_names[v])), v)):
            add(v, match)
    truncated = len(ranked) > limit
    hits = []
    for v, match in ranked[:limit]:
        ident = str(world.node_ids[v])
        label = str(world.node_labels[v])
        row = world.scores.rows.get(ident)
        hit: dict[str, object] = {"label": label, "id": ident, "name": world.node_names[v],
                                  "match": match, "pd": row[1] if row else None}
        if label == "Person":
            hit["id_masked"] = world.masks.get(ident)
        hits.append(hit)
    return hits, truncated


@route(router.get, "/v1/search", ANALYSTS, not_found=False, response_model=SearchOut,
       summary="Find enterprises and persons by name or id")
async def search(who: Analyst, world: Served, state: State, request: Request,
                 q: Annotated[str, Query(min_length=1, max_length=100,
                                         description="A name or part of one (any case), a "
                                         "USCC or its first characters, a person key, or a "
                                         "resident id (hashed, never stored).",
                                         examples=["华信"])],
                 limit: Annotated[int, Query(ge=1, le=50)] = 20) -> Response:
    """Exact id matches first, then id prefixes, then names: exact, starting with, containing
    (shorter names first)."""
    q = q.strip()
    hits, truncated = (_hits(world, q, limit, state.key_fn) if q else ([], False))
    audit(request.scope, query=shown_id(q), ids=[h["id"] for h in hits])
    return render({"query": shown_id(q), "as_of": world.snapshot.as_of, "count": len(hits),
                   "truncated": truncated, "hits": hits}, who, world)
