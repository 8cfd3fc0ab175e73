"""Contagion scores: one entity (the hot path: milliseconds) and batches of up to 10,000.

Both read the scores held in memory (:class:`api.world.ScoreTable`), never the store, and run
on the event loop: a lookup costs less than a thread hop would.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.deps import Served, State
from api.errors import NotScored
from api.models import BatchScoresIn, BatchScoresOut, ScoreOut
from api.pii import sees_pii
from api.routes._common import (
    ALL,
    BATCH,
    AnyRole,
    BatchCaller,
    PartyIdPath,
    audit,
    is_resident_id,
    json_ok,
    route,
    shown_id,
)
from api.world import ScoreRow, World
from riskgraph.errors import NotFound

__all__ = ["router"]

router = APIRouter(tags=["scores"])


def _lookup(world: World, ident: str, key: Callable[[str], str]) -> tuple[str, ScoreRow | None]:
    """(graph id, score row or None); NotFound when the id is not in the graph at all."""
    row = world.scores.rows.get(ident)
    if row is not None:
        return ident, row
    if world.snapshot.has(ident):
        return ident, None
    if is_resident_id(ident):
        hashed = key(ident)
        row = world.scores.rows.get(hashed)
        if row is not None or world.snapshot.has(hashed):
            return hashed, row
    raise NotFound("Enterprise/Person", shown_id(ident))


def _shown(graph_id: str, label: str, pii: bool, world: World) -> str:
    """A person's key, or for roles that may not see it the masked resident id."""
    if label == "Person" and not pii:
        return world.masks.get(graph_id) or "***"
    return graph_id


@route(router.get, "/v1/entities/{id}/score", ALL, response_model=ScoreOut,
       summary="Contagion score of one entity")
async def entity_score(id: PartyIdPath, who: AnyRole, world: Served, state: State,
                       request: Request) -> Response:
    """The probability of default and the part of it that comes from the network, from the
    scores held in memory (refreshed when the store's scores change)."""
    try:
        graph_id, row = _lookup(world, id, state.key_fn)
    except NotFound:
        audit(request.scope, ids=[shown_id(id)])
        raise
    audit(request.scope, ids=[graph_id])
    if row is None:
        raise NotScored(f"{shown_id(id)} is in the graph but has no score; the model has not "
                        "scored it (run `riskgraph score`)")
    label = row[0]
    return json_ok({"id": _shown(graph_id, label, sees_pii(who.role), world),
                    "label": label, "pd": row[1], "contagion_exposure": row[2],
                    "model_version": row[3], "as_of": world.snapshot.as_of})


@route(router.post, "/v1/scores", BATCH, not_found=False, response_model=BatchScoresOut,
       summary="Contagion scores of up to 10,000 entities")
async def batch_scores(body: BatchScoresIn, who: BatchCaller, world: Served, state: State,
                       request: Request) -> Response:
    """Scores of many entities in one call, in the order asked. An id that is not in the graph,
    or has no score, gets nulls and `missing` instead of failing the call. More than 10,000
    ids: 422."""
    pii = sees_pii(who.role)
    rows = world.scores.rows
    masks = world.masks
    has = world.snapshot.has
    out: list[dict[str, object]] = []
    found = 0
    asked = []
    for ident in body.ids:
        row = rows.get(ident)
        graph_id = ident
        if row is None and is_resident_id(ident) and not has(ident):
            graph_id = state.key_fn(ident)
            row = rows.get(graph_id)
        if row is None:
            known = has(graph_id)
            shown = graph_id if known else shown_id(ident)
            if known and not pii and graph_id in masks:
                shown = masks[graph_id]
            asked.append(shown_id(ident) if graph_id != ident else ident)
            out.append({"id": shown, "label": None, "pd": None, "contagion_exposure": None,
                        "model_version": None,
                        "missing": "not_scored" if known else "not_found"})
            continue
        found += 1
        asked.append(graph_id)
        shown = graph_id
        if row[0] == "Person" and not pii:
            shown = masks.get(graph_id, "***")
        out.append({"id": shown, "label": row[0], "pd": row[1], "contagion_exposure": row[2],
                    "model_version": row[3]})
    audit(request.scope, ids=asked, count=len(asked))
    return json_ok({"as_of": world.snapshot.as_of,
                    "model_versions": list(world.scores.model_versions),
                    "count": len(out), "found": found, "scores": out})
