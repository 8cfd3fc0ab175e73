"""An entity's profile (stored properties, score, current relationships) and the explanation
of its score."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.deps import Served, State, StoreReads
from api.errors import NotScored
from api.keys import Principal
from api.models import EntityOut, ExplanationOut
from api.pii import sees_pii
from api.routes._common import (
    ALL,
    ANALYSTS,
    Analyst,
    AnyRole,
    PartyIdPath,
    audit,
    render,
    resolve,
    route,
    shown_id,
)
from api.world import World
from graph import GraphStore
from graph.model import PARTY_LABELS, Label, RelType

__all__ = ["router"]

router = APIRouter(tags=["entities"])

_HIDDEN = ("id", "name", "id_masked")
_PII_PROPS = ("birth_date",)


def _ref(world: World, v: int) -> dict[str, Any]:
    label = str(world.node_labels[v])
    ident = str(world.node_ids[v])
    name = world.node_names[v]
    ref: dict[str, Any] = {"label": label, "id": ident,
                           "name": name if isinstance(name, str) else ident}
    if label == "Person":
        ref["id_masked"] = world.masks.get(ident)
    return ref


def _score(world: World, graph_id: str, shown: str) -> dict[str, Any] | None:
    row = world.scores.rows.get(graph_id)
    if row is None:
        return None
    return {"id": shown, "label": row[0], "pd": row[1], "contagion_exposure": row[2],
            "model_version": row[3], "as_of": world.snapshot.as_of}


def _profile(store: GraphStore, world: World, node: int, who: Principal, limit: int,
             shown: str) -> dict[str, Any]:
    graph_id = str(world.node_ids[node])
    rec = store.node(graph_id, PARTY_LABELS)  # the system of record, read live
    pii = sees_pii(who.role)
    props = {k: v for k, v in rec.props.items()
             if k not in _HIDDEN and not k.startswith(("f_", "score_"))
             and (pii or k not in _PII_PROPS)}
    rels: list[dict[str, Any]] = []
    contacts: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    inc = world.incidence
    kinds, edges, outs = inc.of(node)
    src_dst = world.snapshot.edges
    contact_props = world.snapshot.props.get(Label.CONTACT)
    event_props = world.snapshot.props.get(Label.EVENT)
    for k, e, out in zip(kinds.tolist(), edges.tolist(), outs.tolist(), strict=True):
        rel = inc.types[k]
        table = src_dst[rel]
        other = int(table.dst[e] if out else table.src[e])
        if rel is RelType.HAS_CONTACT:
            if pii and contact_props is not None:
                row = contact_props.loc[other]
                contacts.append({"kind": str(row["kind"]), "value": str(row["value"])})
            continue
        if rel is RelType.HAS_EVENT and event_props is not None:
            row = event_props.loc[other]
            events.append({key: (None if not isinstance(row[key], str) else row[key])
                           for key in ("date", "kind", "detail")})
        rels.append({"type": rel.value, "direction": "out" if out else "in",
                     "other": _ref(world, other), "properties": world.edge_props(rel, e)})
    rels.sort(key=lambda r: (r["type"], r["direction"], r["other"]["id"]))
    events.sort(key=lambda x: (x["date"] or "", x["kind"] or ""))
    contacts.sort(key=lambda x: (x["kind"], x["value"]))
    return {"id": shown, "label": rec.label, "name": rec.props.get("name"),
            "id_masked": rec.props.get("id_masked"), "as_of": world.snapshot.as_of,
            "properties": props, "score": _score(world, graph_id, shown),
            "relationships": rels[:limit], "relationships_total": len(rels),
            "truncated": len(rels) > limit, "contacts": contacts if pii else None,
            "events": events}


@route(router.get, "/v1/entities/{id}", ALL, response_model=EntityOut,
       summary="Profile of an enterprise or person")
async def entity(id: PartyIdPath, who: AnyRole, world: Served, state: State,
                 reads: StoreReads, request: Request,
                 limit: Annotated[int, Query(ge=1, le=1000, description="Relationships listed "
                                             "at most.")] = 200) -> Response:
    """The stored properties (read live from the store), the score, the current relationships
    and events; contact points for roles that see personal data."""
    audit(request.scope, ids=[shown_id(id)])
    node = resolve(world, id, state.key_fn)
    graph_id = str(world.node_ids[node])
    body = await reads.run(_profile, state.store, world, node, who, limit, graph_id,
                           timeout=state.config.query_timeout_s)
    return render(body, who, world)


@route(router.get, "/v1/entities/{id}/explanation", ANALYSTS, response_model=ExplanationOut,
       summary="Why the model scored an entity as it did")
async def explanation(id: PartyIdPath, who: Analyst, world: Served, state: State,
                      request: Request) -> Response:
    """The explanation stored with the score: the top contributors and their paths."""
    audit(request.scope, ids=[shown_id(id)])
    node = resolve(world, id, state.key_fn)
    graph_id = str(world.node_ids[node])
    row = world.scores.rows.get(graph_id)
    if row is None:
        raise NotScored(f"{shown_id(id)} has no score, so no explanation (run `riskgraph score`)")
    text = world.scores.explanations.get(graph_id)
    try:
        expl = orjson.loads(text) if text else None
    except orjson.JSONDecodeError:
        expl = {"text": text}
    body = {"id": graph_id, "label": row[0], "pd": row[1], "contagion_exposure": row[2],
            "model_version": row[3], "as_of": world.snapshot.as_of, "explanation": expl}
    return render(body, who, world)


