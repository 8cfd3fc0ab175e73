"""The UI's JSON endpoints, under ``/ui/api``: thin routes over :mod:`api.ui.views`.

Same keys, roles, audit log and redaction as ``/v1`` (they use :mod:`api.deps` and
:func:`api.routes._common.render`); analysts only (committee, investigator, admin). Each takes
an optional ``as_of``: the served snapshot answers when it is absent or the served date;
another date builds that snapshot's analysis once and keeps the last few (switching dates in
the UI back and forth costs one build per date).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.deps import Queries, Served, State
from api.pii import sees_pii
from api.routes._common import ANALYSTS, Analyst, PartyIdPath, audit, render, route, shown_id
from api.state import ServingState
from api.ui import views
from api.world import World
from graph.linked import LinkedAnalysis
from riskgraph.errors import QueryLimitError

__all__ = ["router"]

router = APIRouter(prefix="/ui/api", tags=["investigator UI"], include_in_schema=False)

AsOf = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$",
                                   description="Portfolio date (default: the served one).")]
Types = Annotated[list[str] | None, Query(max_length=8)]
PartyIdQuery = Annotated[str, Query(pattern=r"^[0-9A-Za-z]{1,64}$")]

_KEEP = 3
_older: OrderedDict[tuple[str, str], LinkedAnalysis] = OrderedDict()
_older_lock = threading.Lock()


def _context(state: ServingState, world: World, as_of: str | None) -> views.UiContext:
    if as_of is None or as_of == world.snapshot.as_of:
        return views.UiContext(world.analysis, world.scores, world.snapshot.as_of)
    latest = world.snapshot.as_of
    if latest is not None and as_of > latest:
        raise QueryLimitError(f"as_of {as_of} is after the latest portfolio ({latest})")
    key = (world.graph_fingerprint, as_of)
    with _older_lock:
        analysis = _older.get(key)
        if analysis is not None:
            _older.move_to_end(key)
    if analysis is None:
        analysis = LinkedAnalysis(state.store.snapshot(as_of), state.rules)
        with _older_lock:
            _older[key] = analysis
            while len(_older) > _KEEP:
                _older.popitem(last=False)
    return views.UiContext(analysis, world.scores, world.snapshot.as_of)


async def _run(queries: Queries, state: State, world: World, as_of: str | None,
               fn: Any, *args: Any) -> Any:
    def work() -> Any:
        return fn(_context(state, world, as_of), *args)

    return await queries.run(work, timeout=state.config.query_timeout_s)


@route(router.get, "/session", ANALYSTS, not_found=False)
async def session(who: Analyst, world: Served, state: State) -> Response:
    """Who is signed in, and what is served (the UI's sign-in check)."""
    counts = world.snapshot.counts()[0]
    limits = state.rules.limits
    return render({"name": who.name, "role": who.role, "as_of": world.snapshot.as_of,
                   "nodes": counts, "scores": len(world.scores),
                   "model_versions": list(world.scores.model_versions),
                   "limits": {"max_nodes": limits.max_nodes,
                              "max_path_hops": limits.max_path_hops}}, who, world)


@route(router.get, "/expand/{id}", ANALYSTS)
async def expand(id: PartyIdPath, who: Analyst, world: Served, state: State,
                 queries: Queries, request: Request, types: Types = None,
                 as_of: AsOf = None) -> Response:
    """The party and its direct ties through the chosen relationship types."""
    audit(request.scope, ids=[shown_id(id)], types=types)
    body = await _run(queries, state, world, as_of, views.expand_view, id, types, state.key_fn)
    return render(body, who, world)


@route(router.get, "/paths", ANALYSTS)
async def paths(source: PartyIdQuery, target: PartyIdQuery, who: Analyst, world: Served,
                state: State, queries: Queries, request: Request,
                as_of: AsOf = None) -> Response:
    """The shortest paths between two parties."""
    audit(request.scope, ids=[shown_id(source), shown_id(target)])
    body = await _run(queries, state, world, as_of, views.paths_view, source, target,
                      state.key_fn)
    return render(body, who, world)


@route(router.get, "/group/{id}", ANALYSTS)
async def group(id: PartyIdPath, who: Analyst, world: Served, state: State, queries: Queries,
                request: Request, as_of: AsOf = None) -> Response:
    """The connected-counterparty group of the party, as a graph."""
    audit(request.scope, ids=[shown_id(id)])
    body = await _run(queries, state, world, as_of, views.group_view, id, state.key_fn)
    return render(body, who, world)


@route(router.get, "/circle/{id}", ANALYSTS)
async def circle(id: PartyIdPath, who: Analyst, world: Served, state: State,
                 queries: Queries, request: Request, as_of: AsOf = None) -> Response:
    """The guarantee circle (or mutual partners) of the party, as a graph."""
    audit(request.scope, ids=[shown_id(id)])
    body = await _run(queries, state, world, as_of, views.circle_view, id, state.key_fn)
    return render(body, who, world)


@route(router.get, "/profile/{id}", ANALYSTS)
async def profile(id: PartyIdPath, who: Analyst, world: Served, state: State,
                  queries: Queries, request: Request, as_of: AsOf = None) -> Response:
    """Everything the side panel shows about one party."""
    audit(request.scope, ids=[shown_id(id)])
    body = await _run(queries, state, world, as_of, views.profile_view, id, state.key_fn)
    if not sees_pii(who.role):
        body["properties"].pop("birth_date", None)
    return render(body, who, world)
