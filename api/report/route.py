"""``GET /v1/reports/{id}``: the committee report over HTTP, HTML or PDF (a thin route).

Include it in the application with ``app.include_router(api.report.route.router)``. It builds
the report from the served world (snapshot analysis, scores, exposure network: nothing is
computed twice) or, for another ``as_of``, from the store; the work, PDF printing included, runs
in the query pool under the scenario time limit (printing takes a few seconds).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.deps import Queries, Served, State
from api.report.build import Report, build_report
from api.routes._common import ANALYSTS, Analyst, PartyIdPath, audit, route, shown_id

__all__ = ["router"]

router = APIRouter(tags=["reports"])


@route(router.get, "/v1/reports/{id}", ANALYSTS, summary="Credit committee report",
       response_class=Response)
async def report(id: PartyIdPath, who: Analyst, world: Served, state: State, queries: Queries,
                 request: Request,
                 format: Annotated[Literal["html", "pdf"], Query(
                     description="html (self-contained) or pdf (A4, printed by headless "
                     "Chromium).")] = "pdf",
                 as_of: Annotated[str | None, Query(
                     pattern=r"^\d{4}-\d{2}-\d{2}$",
                     description="Portfolio date (default: the served one).")] = None,
                 ) -> Response:
    """The borrower's connected-counterparty group with every member's evidence, exposure by
    lender against the limits, scores and top contributors with paths, a picture of the group
    graph, and a default scenario on the borrower. Persons by name and masked id only."""
    audit(request.scope, ids=[shown_id(id)], format=format)
    def work() -> tuple[Report, bytes | None]:
        if as_of is None or as_of == world.snapshot.as_of:
            built = build_report(state.store, None, id, analysis=world.analysis,
                                 scores=world.scores, network=world.network, key=state.key_fn)
        else:
            built = build_report(state.store, None, id, as_of=as_of,
                                 rules_file=state.config.rules_file, scores=world.scores,
                                 key=state.key_fn)
        return built, built.pdf_bytes() if format == "pdf" else None

    built, pdf = await queries.run(work, timeout=state.config.scenario_timeout_s)
    name = built.filename
    if pdf is not None:
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'})
    return Response(built.html, media_type="text/html; charset=utf-8",
                    headers={"Content-Disposition": f'inline; filename="{name}.html"'})
