"""Post-loan monitoring (#8): early-warning alerts and lost-contact leads.

- ``GET /v1/alerts``: scans the store for news (each new portfolio against the one before it)
  and lists the alerts, highest severity first;
- ``POST /v1/alerts/{id}/ack``: acknowledges one;
- ``GET /v1/entities/{id}/leads``: whom to approach to reach a borrower who lost contact.

Alerts are kept in ``<data dir>/monitoring/alerts.json`` (the folder of the API keys file), the
same file the CLI reads and writes. Wire it with ``app.include_router(alerts.router)`` after
``from api.routes import alerts``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi import Path as PathParam
from starlette.responses import Response

from api.deps import Queries, Served, State, StoreReads
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
from graph.monitoring import AlertBook, leads, scan

__all__ = ["router", "monitoring_dir"]

router = APIRouter(tags=["monitoring"])

AlertIdPath = Annotated[str, PathParam(
    pattern=r"^A[0-9a-f]{20}$", description="An alert id (A + 20 hex).")]


def monitoring_dir(state: Any) -> Path:
    """``<data dir>/monitoring``: the data dir is the folder of the API keys file."""
    return Path(state.config.keys_file).parent / "monitoring"


def _book(state: Any) -> AlertBook:
    return AlertBook(monitoring_dir(state))


@route(router.get, "/v1/alerts", ALL, not_found=False,
       summary="Early-warning alerts: borrowers exposed to a party in trouble")
async def list_alerts(who: AnyRole, world: Served, state: State, reads: StoreReads,
                      request: Request,
                      since: Annotated[str | None, Query(
                          pattern=r"^\d{4}-\d{2}-\d{2}$",
                          description="Only alerts of portfolios (or created) on or after "
                          "this date.")] = None,
                      severity: Annotated[str | None, Query(
                          pattern="^(high|medium|low)$")] = None,
                      open_only: Annotated[bool, Query(
                          alias="open", description="Only alerts not acknowledged.")] = False,
                      refresh: Annotated[bool, Query(
                          description="Scan the store for news first (default).")] = True,
                      limit: Annotated[int, Query(ge=1, le=10000)] = 1000) -> Response:
    """A new credit event (default, overdue, lawsuit, enforcement, dishonest debtor, lost
    contact) or a worse loan status of a party raises one alert per borrower tied to it by a
    rule (guarantees either way, control, common controller, common legal representative,
    family of the controller, shared contacts), with the path that shows the tie, the
    outstanding at stake and a severity. Ids are deterministic: a re-ingest of the same news
    never makes a second alert."""
    audit(request.scope, since=since, severity=severity)
    book = _book(state)

    def work() -> list[dict[str, Any]]:
        if refresh:
            scan(state.store, book)
        return book.alerts(since=since, severity=severity, include_acked=not open_only)

    items = await reads.run(work, timeout=max(state.config.query_timeout_s, 30.0))
    body = {"alerts": items[:limit], "total": len(items), "truncated": len(items) > limit}
    return render(body, who, world)


@route(router.post, "/v1/alerts/{id}/ack", ANALYSTS, summary="Acknowledge an alert")
async def ack_alert(id: AlertIdPath, who: Analyst, world: Served, state: State,
                    reads: StoreReads, request: Request,
                    note: Annotated[str | None, Body(embed=True, max_length=2000)] = None
                    ) -> Response:
    """Marks the alert acknowledged (by the key's name), with an optional note. It stays
    listed; acknowledging twice keeps the first acknowledgement."""
    audit(request.scope, ids=[id])
    book = _book(state)
    by = f"{who.role}:{who.name}"
    body = await reads.run(lambda: book.ack(id, by=by, note=note),
                           timeout=state.config.query_timeout_s)
    return render(body, who, world)


@route(router.get, "/v1/entities/{id}/leads", ANALYSTS,
       summary="Lost-contact leads: whom to approach, ranked")
async def entity_leads(id: PartyIdPath, who: Analyst, world: Served, state: State,
                       queries: Queries, request: Request,
                       limit: Annotated[int, Query(ge=1, le=200)] = 50) -> Response:
    """Relatives, co-directors, guarantors, shareholders and parties sharing a phone or address
    within two hops, each with its path, the freshest date on it, and why it ranks where it
    does: ``score = closeness (1 hop 40, 2 hops 20) + strength of the weakest tie (spouse 30 …
    other relative 12) + freshness (20 × (1 − age/5 years)) − 25 if the lead lost contact too``.
    Contact points (phones, addresses, e-mails) only for investigator and admin."""
    audit(request.scope, ids=[shown_id(id)])
    node = resolve(world, id, state.key_fn)
    body = await queries.run(lambda: leads(world.analysis, node, limit=limit),
                             timeout=state.config.query_timeout_s)
    if not sees_pii(who.role):
        body["contacts"] = None
        for lead in body["leads"]:
            lead["contacts"] = None
    return render(body, who, world)
