"""Stress scenarios: what if these entities default, or this sector is shocked?

Runs :func:`gnn.contagion.simulate` on the exposure network of the served snapshot (built once
per world) in the query pool, under the scenario time limit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter, Request
from starlette.responses import Response

from api.deps import Queries, Served, State
from api.models import ScenarioIn, ScenarioOut
from api.routes._common import ANALYSTS, Analyst, audit, render, route, shown_id
from api.world import World
from riskgraph.errors import ConfigError, QueryLimitError

__all__ = ["router"]

router = APIRouter(tags=["scenarios"])


def _run(world: World, body: ScenarioIn, key: Any) -> dict[str, Any]:
    from gnn.contagion import Method, Scenario, SimulationParams, simulate

    try:
        scenario = Scenario(defaults=tuple(body.defaults),
                            shocks=tuple((s.id, s.shock) for s in body.shocks),
                            sectors=tuple(body.sectors), regions=tuple(body.regions),
                            level=body.level)
        params = SimulationParams(method=Method(body.method), lgd=body.lgd,
                                  max_rounds=body.max_rounds)
        result = simulate(world.network, scenario, params, key=key)
    except ConfigError as exc:  # a scenario that shocks nothing, a shock out of range
        raise QueryLimitError(str(exc)) from exc
    net = result.network
    stress, shock, loss = result.stress, result.shock, result.losses
    order = np.lexsort((np.arange(net.num_nodes), -loss, -stress))
    order = order[stress[order] > 0][: body.top]
    names = dict(zip(world.snapshot.nodes["id"], world.snapshot.nodes["name"], strict=True))
    top = [{"id": str(net.ids[k]), "label": str(net.labels[k]),
            "name": names.get(str(net.ids[k])), "shock": float(shock[k]),
            "stress": float(stress[k]), "defaulted": bool(result.raw_stress[k] >= 1.0),
            "loss": float(loss[k])} for k in order.tolist()]
    s = result.summary
    return {"as_of": world.snapshot.as_of, "method": params.method.value, "lgd": params.lgd,
            "summary": {"original_stress": s.original_stress,
                        "additional_stress": s.additional_stress, "losses": s.losses,
                        "additional_defaults": s.additional_defaults, "defaults": s.defaults,
                        "stressed": s.stressed, "rounds": s.rounds,
                        "round_limit_hit": s.round_limit_hit},
            "losses_by_lender": {str(k): float(v)
                                 for k, v in result.losses_by_lender().items()},
            "shocked": int(np.count_nonzero(shock > 0)),
            "top": top,
            "rounds": [{"round": r.round, "newly_stressed": len(r.newly_stressed),
                        "newly_defaulted": len(r.newly_defaulted)} for r in result.trail]}


@route(router.post, "/v1/scenarios", ANALYSTS, response_model=ScenarioOut,
       summary="Run a stress scenario")
async def scenario(body: ScenarioIn, who: Analyst, world: Served, state: State,
                   queries: Queries, request: Request) -> Response:
    """Shock entities, sectors or regions and let stress spread through loans, guarantees and
    shareholdings (DebtRank, single-hit DebtRank or default cascade): the losses, by lender,
    the additional defaults, the most stressed entities, and the rounds. Unknown ids, sectors
    or regions: 404; a scenario that shocks nothing: 422."""
    audit(request.scope, ids=[shown_id(i) for i in body.defaults]
          + [shown_id(s.id) for s in body.shocks], sectors=body.sectors, regions=body.regions)
    result = await queries.run(_run, world, body, state.key_fn,
                               timeout=state.config.scenario_timeout_s)
    return render(result, who, world)
