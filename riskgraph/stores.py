"""Opening the configured store at the edge (CLI entry, API lifespan): the Neo4j driver is
created here, once, and handed to the store."""

from __future__ import annotations

from typing import Literal

from graph import EmbeddedStore, GraphStore
from riskgraph.errors import StoreUnavailable
from riskgraph.settings import Settings

__all__ = ["open_store"]


def open_store(settings: Settings, kind: Literal["embedded", "neo4j"] | None = None) -> GraphStore:
    chosen = kind or settings.store
    if chosen == "embedded":
        return EmbeddedStore(settings.data_dir)
    import neo4j
    from neo4j.exceptions import Neo4jError, ServiceUnavailable

    from graph.neo4j_store import Neo4jStore

    try:
        driver = neo4j.GraphDatabase.driver(
            settings.neo4j_uri,
            auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
            notifications_min_severity="OFF",
        )
    except (ValueError, Neo4jError, ServiceUnavailable) as exc:
        raise StoreUnavailable(f"cannot reach Neo4j at {settings.neo4j_uri}: {exc}") from exc
    return Neo4jStore(driver, owns_driver=True)
