"""The FastAPI application: :func:`create_app` wires settings, store, keys, audit log,
metrics and routes together; the lifespan starts and stops the background threads.

The store is opened here (the edge), or passed in (tests). For Neo4j the driver gets short
timeouts and no transaction retries, so that a dead server is noticed in about a second and
answered with 503, instead of every request waiting out the driver's 30 s of retries.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.audit import AuditLog
from api.config import ApiConfig
from api.errors import install_handlers
from api.keys import KeyRing
from api.observability import Metrics, RequestMiddleware
from api.report.route import router as report_router
from api.routes import admin, entities, health, linked, scenarios, scores, search, whatif
from api.routes.alerts import router as alerts_router
from api.runner import Runner
from api.state import ServingState
from api.ui import mount_ui
from graph import GraphStore
from riskgraph.errors import StoreUnavailable
from riskgraph.settings import Settings

__all__ = ["create_app", "open_api_store"]

log = logging.getLogger("riskgraph.api")

API_VERSION = "1.0.0"

DESCRIPTION = """\
Contagion scores, linked-party analytics and stress scenarios of the riskgraph engine.

**Authentication:** every `/v1` endpoint needs an API key (`riskgraph apikey create --role R
--name N`), sent as `X-API-Key: rg_…` or `Authorization: Bearer rg_…`. No key or an unknown key:
401; a role the endpoint does not allow: 403. Each endpoint lists its roles (`x-roles`).

**Personal data:** persons are identified by their *person key* (a keyed hash of the resident
id). Roles `investigator` and `admin` see person keys, birth dates and contact points; for
`service` and `committee` every person key in an answer is replaced by the masked resident id
(first 3 and last 4 characters). A person may be looked up by resident id: it is hashed before
the lookup and never stored or logged in clear.

**Errors:** JSON `{"error", "message", "detail"?}`; 404 unknown id, 422 invalid input (with
field errors) or a query over the limits, 503 with `Retry-After` while the store is unreachable
or loading. Every read of an entity is written to an audit log.
"""


def open_api_store(settings: Settings) -> GraphStore:
    """The configured store, with a Neo4j driver tuned to fail fast when the server is down."""
    if settings.store == "embedded":
        from graph import EmbeddedStore

        return EmbeddedStore(settings.data_dir)
    import neo4j
    from neo4j.exceptions import Neo4jError, ServiceUnavailable

    from graph.neo4j_store import Neo4jStore

    try:
        driver = neo4j.GraphDatabase.driver(
            settings.neo4j_uri,
            auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
            connection_timeout=2.0, connection_acquisition_timeout=5.0,
            max_transaction_retry_time=0.0, max_connection_lifetime=600)
    except (ValueError, Neo4jError, ServiceUnavailable) as exc:
        raise StoreUnavailable(f"cannot reach Neo4j at {settings.neo4j_uri}: {exc}") from exc
    return Neo4jStore(driver, owns_driver=True)


def create_app(settings: Settings, config: ApiConfig | None = None,
               store: GraphStore | None = None, *, wait_loaded: bool = False) -> FastAPI:
    """The API. ``store`` defaults to the configured one (opened and closed with the app);
    ``wait_loaded`` makes start-up block until the first world is served (tests, benchmarks).
    """
    config = config or ApiConfig.from_settings(settings)
    from ingest import Pseudonymiser

    pseudonymiser = Pseudonymiser(settings.pii_secret())
    owns_store = store is None
    the_store = store if store is not None else open_api_store(settings)
    keys = KeyRing(config.keys_file)
    state = ServingState(the_store, config, keys, pseudonymiser.key)
    metrics = Metrics()
    audit = AuditLog(config.audit_file)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        audit.start()
        state.start(wait=False)
        if wait_loaded:
            import asyncio

            await asyncio.to_thread(state.wait_loaded)
        if len(keys) == 0:
            log.warning("no API keys in %s: every /v1 request will get 401; create one with "
                        "`riskgraph apikey create --role service --name NAME`", keys.path)
        log.info("riskgraph API up: %s store", the_store.kind)
        try:
            yield
        finally:
            state.stop()
            app.state.queries.close()
            app.state.store_reads.close()
            audit.close()
            if owns_store:
                the_store.close()
            log.info("riskgraph API stopped; audit log flushed (%d records)", audit.written)

    app = FastAPI(title="riskgraph API", version=API_VERSION, description=DESCRIPTION,
                  lifespan=lifespan)
    app.state.serving = state
    app.state.metrics = metrics
    app.state.audit = audit
    app.state.queries = Runner("graph", config.heavy_concurrency)
    app.state.store_reads = Runner("store", 4)
    install_handlers(app, config.retry_after_s)
    for module in (health, scores, entities, linked, search, scenarios, whatif, admin):
        app.include_router(module.router)
    app.include_router(report_router)
    app.include_router(alerts_router)
    mount_ui(app)
    app.add_middleware(RequestMiddleware, metrics=metrics, audit=audit,  # type: ignore[arg-type]
                       max_body=config.max_body_bytes, log_requests=config.access_log)

    metrics.gauge("riskgraph_store_up", "1 when the store answered the last heartbeat",
                  lambda: 1.0 if state.health.up else 0.0)
    metrics.gauge("riskgraph_scores_loaded", "Scores held in memory",
                  lambda: float(len(state.current.scores)) if state.current else 0.0)
    metrics.gauge("riskgraph_graph_nodes", "Nodes of the snapshot served",
                  lambda: float(state.current.snapshot.num_nodes) if state.current else 0.0)
    metrics.gauge("riskgraph_audit_records_written", "Audit records written since start",
                  lambda: float(audit.written))
    metrics.gauge("riskgraph_audit_records_queued", "Audit records waiting for the writer",
                  lambda: float(len(audit._queue)))

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
            schemes["Bearer"] = {"type": "http", "scheme": "bearer",
                                 "description": "The same API key as a bearer token."}
            for item in schema.get("paths", {}).values():
                for op in item.values():
                    if isinstance(op, dict) and op.get("security"):
                        op["security"] = [{"ApiKey": []}, {"Bearer": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
