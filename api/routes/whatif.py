"""What-if with the GNN: re-score the graph after marking parties as defaulted
(:func:`gnn.whatif.what_if`), to see how the model spreads a default."""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.responses import Response

from api.deps import Queries, Served, State
from api.models.common import PARTY_ID_PATTERN, USCC_EXAMPLE
from api.routes._common import ANALYSTS, Analyst, audit, render, resolve, route, shown_id
from api.world import World

__all__ = ["router"]

router = APIRouter(tags=["scenarios"])

PartyId = Annotated[str, StringConstraints(pattern=PARTY_ID_PATTERN)]
_artifacts: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()


class WhatIfIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"defaults": [USCC_EXAMPLE], "rounds": 1, "top": 20}]})

    defaults: list[PartyId] = Field(min_length=1, max_length=100,
                                    description="Parties marked as defaulted.")
    rounds: int = Field(1, ge=1, le=5, description="Re-scoring rounds; from the second on, "
                        "parties whose PD reached `threshold` are marked too.")
    threshold: float = Field(0.5, gt=0.0, le=1.0)
    top: int = Field(20, ge=0, le=1000, description="Largest PD changes listed.")
    model: Annotated[str | None, StringConstraints(pattern=r"^[0-9A-Za-z._-]{1,80}$")] = None


class WhatIfRow(BaseModel):
    id: str
    label: str
    name: str | None
    pd_before: float
    pd_after: float
    delta: float
    marked: bool
    round: int


class WhatIfOut(BaseModel):
    model_version: str
    as_of: str | None
    marked: list[list[str]]
    top: list[WhatIfRow]


def _run(world: World, body: WhatIfIn, ids: list[str], models_dir: Any) -> dict[str, Any]:
    from gnn.artifacts import load_artifact
    from gnn.whatif import what_if

    key = (str(models_dir), body.model or "")
    with _lock:
        artifact = _artifacts.get(key)
        if artifact is None:
            artifact = load_artifact(models_dir, body.model)
            _artifacts.clear()
            _artifacts[key] = artifact
    result = what_if(artifact, world.snapshot, ids, body.rounds, body.threshold)
    frame = result.frame.head(body.top)
    rows = [{"id": str(r.id), "label": str(r.label),
             "name": r.name if isinstance(r.name, str) else None,
             "pd_before": float(r.pd_before), "pd_after": float(r.pd_after),
             "delta": float(r.delta), "marked": bool(r.marked), "round": int(r.round)}
            for r in frame.itertuples()]
    return {"model_version": result.model_version, "as_of": world.snapshot.as_of,
            "marked": result.marked, "top": rows}


@route(router.post, "/v1/what-if", ANALYSTS, response_model=WhatIfOut,
       summary="Re-score with the GNN after marking parties as defaulted")
async def whatif(body: WhatIfIn, who: Analyst, world: Served, state: State, queries: Queries,
                 request: Request) -> Response:
    """The GNN's view of a default: every party re-scored with the chosen parties in default
    (their open loans defaulted at `as_of`), the largest PD changes first. Needs a trained
    model (`riskgraph train`); none: 404."""
    audit(request.scope, ids=[shown_id(i) for i in body.defaults])
    ids = [str(world.node_ids[resolve(world, i, state.key_fn)]) for i in body.defaults]
    result = await queries.run(_run, world, body, ids, state.config.models_dir,
                               timeout=state.config.scenario_timeout_s)
    return render(result, who, world)
