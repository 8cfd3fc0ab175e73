"""Linked-party questions: neighbourhood, paths, controller, group with exposure and evidence,
exposure alone, and guarantee circles.

Each one runs on the served snapshot's :class:`~graph.linked.LinkedAnalysis` (built and warmed
when the world was loaded) in the query pool, with the rules' hop and size limits and the
server's time limit: no request can walk the whole graph.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.deps import Queries, Served, State
from api.groups import group_answer
from api.models import (
    ControllerOut,
    ExposureOut,
    GroupOut,
    GuaranteesOut,
    NeighbourhoodOut,
    PathsOut,
)
from api.models.common import PARTY_ID_PATTERN, USCC_EXAMPLE
from api.pii import sees_pii
from api.routes._common import ANALYSTS, Analyst, PartyIdPath, audit, render, route, shown_id
from graph.linked import to_json
from graph.model import RelType

__all__ = ["router"]

router = APIRouter(tags=["linked parties"])

Types = Annotated[list[RelType] | None, Query(
    max_length=len(RelType),
    description="Relationship types to follow (repeat the parameter); default all.")]
PartyIdQuery = Annotated[str, Query(pattern=PARTY_ID_PATTERN, max_length=64,
                                    examples=[USCC_EXAMPLE])]


async def _answer(queries: Any, state: Any, fn: Callable[[], object]) -> object:
    return await queries.run(lambda: to_json(fn()), timeout=state.config.query_timeout_s)


@route(router.get, "/v1/entities/{id}/neighbourhood", ANALYSTS,
       response_model=NeighbourhoodOut, summary="Parties within k hops")
async def neighbourhood(id: PartyIdPath, who: Analyst, world: Served, state: State,
                        queries: Queries, request: Request,
                        hops: Annotated[int | None, Query(ge=1, le=10, description="Hops "
                                        "(default 2; the rules' limit, 3 by default, is "
                                        "enforced: more gives 422).")] = None,
                        types: Types = None) -> Response:
    """Everything within `hops` of the party through the chosen relationship types, with the
    ties among them. At most `limits.max_nodes` nodes (500 by default); `truncated` says when
    it cut."""
    audit(request.scope, ids=[shown_id(id)], hops=hops)
    a = world.analysis
    body = await _answer(queries, state, lambda: a.neighbourhood(
        id, hops, tuple(types) if types else None, key=state.key_fn))
    return render(body, who, world)


@route(router.get, "/v1/paths", ANALYSTS, response_model=PathsOut,
       summary="Shortest relationship paths between two parties")
async def paths(source: PartyIdQuery, target: PartyIdQuery, who: Analyst, world: Served,
                state: State, queries: Queries, request: Request,
                max_hops: Annotated[int | None, Query(ge=1, le=20, description="Longest path "
                                    "searched (default and limit: the rules' max_path_hops, "
                                    "6).")] = None,
                types: Types = None) -> Response:
    """Every shortest path (up to the rules' `max_paths`) between the two, each in words and as
    the stored relationships it walks."""
    audit(request.scope, ids=[shown_id(source), shown_id(target)])
    a = world.analysis
    body = await _answer(queries, state, lambda: a.paths(
        source, target, max_hops, tuple(types) if types else None, key=state.key_fn))
    return render(body, who, world)


@route(router.get, "/v1/entities/{id}/controller", ANALYSTS, response_model=ControllerOut,
       summary="Control chain and ultimate controller")
async def controller(id: PartyIdPath, who: Analyst, world: Served, state: State,
                     queries: Queries, request: Request) -> Response:
    """Who controls the enterprise, up to the ultimate controller, with the ownership paths;
    effective holders; relative control where there is no ultimate controller."""
    audit(request.scope, ids=[shown_id(id)])
    a = world.analysis
    body = await _answer(queries, state, lambda: a.controller(id, key=state.key_fn))
    return render(body, who, world)


@route(router.get, "/v1/entities/{id}/group", ANALYSTS, response_model=GroupOut,
       summary="Connected-counterparty group, with evidence and exposure")
async def group(id: PartyIdPath, who: Analyst, world: Served, state: State, queries: Queries,
                request: Request,
                members_limit: Annotated[int, Query(ge=1, le=5000, description="Members "
                                                    "listed at most.")] = 100,
                lines_limit: Annotated[int, Query(ge=0, le=5000, description="Loans and "
                                                  "guarantees listed at most.")] = 100,
                ) -> Response:
    """The party's group of connected counterparties: each member with the rule and the
    evidence paths that brought it in, the group's exposure by lender against the
    large-exposure limits, and the party's own exposure. Big groups are cut to the limits
    (`truncated`, `members_total`); the party's own entry is always in `subject_member`."""
    audit(request.scope, ids=[shown_id(id)])
    body = await queries.run(group_answer, world, id, state.key_fn, members_limit,
                             lines_limit, sees_pii(who.role),
                             timeout=state.config.query_timeout_s)
    return Response(body, media_type="application/json")


@route(router.get, "/v1/entities/{id}/exposure", ANALYSTS, response_model=ExposureOut,
       summary="Exposure of one party by lender")
async def exposure(id: PartyIdPath, who: Analyst, world: Served, state: State,
                   queries: Queries, request: Request) -> Response:
    """Loans, guarantees given and received, and the exposure by lender against the
    single-counterparty limit."""
    audit(request.scope, ids=[shown_id(id)])
    a = world.analysis
    body = await _answer(queries, state, lambda: a.exposure(id, key=state.key_fn))
    return render(body, who, world)


@route(router.get, "/v1/guarantee-circles", ANALYSTS, response_model=GuaranteesOut,
       summary="Guarantee circles, mutual pairs and chains")
async def guarantee_circles(who: Analyst, world: Served, state: State, queries: Queries,
                            request: Request,
                            top: Annotated[int, Query(ge=0, le=200, description="Circles, "
                                                      "pairs and chains listed.")] = 20,
                            id: Annotated[str | None, Query(
                                pattern=PARTY_ID_PATTERN, max_length=64,
                                description="Also say where this party stands.")] = None,
                            ) -> Response:
    """Mutual-guarantee pairs, guarantee circles (strongly connected sets) and long chains,
    largest outstanding first; with `id`, the party's own position in them."""
    audit(request.scope, ids=[shown_id(id)] if id else [], top=top)
    a = world.analysis
    body = await _answer(queries, state, lambda: a.guarantees(top, id, key=state.key_fn))
    return render(body, who, world)
