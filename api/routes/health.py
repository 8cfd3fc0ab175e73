"""Liveness, readiness and metrics: no key needed (they reveal no entity)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from api.deps import State
from api.models import HealthOut, ReadyOut
from api.routes._common import json_ok

__all__ = ["router"]

router = APIRouter(tags=["operations"])

_OK = b'{"status":"ok"}'


@router.get("/health", response_model=HealthOut, summary="The process is alive")
async def health() -> Response:
    """200 whenever the process answers, whatever the store does (a liveness probe)."""
    return Response(_OK, media_type="application/json")


@router.get("/ready", response_model=ReadyOut, summary="Ready to serve",
            responses={503: {"model": ReadyOut, "description": "Not ready (same body)."}})
async def ready(state: State) -> Response:
    """200 when the store is reachable and the snapshot and scores are loaded; 503 (with the
    same body, saying what is missing) otherwise. A readiness probe."""
    w = state.current
    h = state.health
    ok = h.up and w is not None
    body = {"ready": ok, "store": state.store.kind, "store_up": h.up, "store_error": h.error,
            "as_of": w.as_of if w else None, "nodes": w.snapshot.num_nodes if w else None,
            "scores": len(w.scores) if w else None,
            "model_versions": list(w.scores.model_versions) if w else [],
            "keys": len(state.keys), "load_error": state.load_error}
    resp = json_ok(body, 200 if ok else 503)
    if not ok:
        resp.headers["Retry-After"] = str(state.config.retry_after_s)
    return resp


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}}})
async def metrics(request: Request) -> Response:
    """Request counts and latency histograms by method, route and status; store and world
    gauges. Prometheus text format."""
    return Response(generate_latest(request.app.state.metrics.registry),
                    media_type=CONTENT_TYPE_LATEST)
