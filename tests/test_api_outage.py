"""Neo4j stops while the API serves: 503 with Retry-After (never a 500, never a wrong answer),
then the API recovers by itself when Neo4j is back.

Runs its own Neo4j server in a temporary home on free ports (the session's test server is not
touched), loads the small portfolio into it, and serves the API over it with the production
store settings (:func:`api.app.open_api_store`).
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from test_api_kit import PII_KEY, A, load_small, make_keys

from api import ApiConfig, create_app
from api.testing import free_port, serve_in_thread
from riskgraph.neo4j_server import Neo4jServerConfig, start, stop
from riskgraph.settings import Settings

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]


def _poll(client: httpx.Client, path: str, want: int, timeout: float,
          seen: Counter[int]) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        r = client.get(path)
        seen[r.status_code] += 1
        if r.status_code == want:
            return r
        assert time.monotonic() < deadline, f"{path} never answered {want}: {seen}"
        time.sleep(0.1)


def test_neo4j_stopped_gives_503_then_the_api_recovers(tmp_path: Path) -> None:
    import neo4j

    from graph.neo4j_store import Neo4jStore

    cfg = Neo4jServerConfig(home=tmp_path / "neo4j", bolt_port=free_port(),
                            http_port=free_port(), heap="512m", pagecache="128m",
                            password="outage-test-pw")
    start(cfg, timeout_s=180)
    try:
        with neo4j.GraphDatabase.driver(cfg.uri, auth=(cfg.user, cfg.password)) as driver:
            load_small(Neo4jStore(driver), tmp_path / "portfolio")
        settings = Settings(data_dir=tmp_path / "data", pii_key=PII_KEY,  # type: ignore[arg-type]
                            store="neo4j", neo4j_uri=cfg.uri, neo4j_password=cfg.password)
        config = ApiConfig.from_settings(settings, heartbeat_s=0.5, retry_after_s=3)
        keys = make_keys(config)
        app = create_app(settings, config, wait_loaded=True)
        with serve_in_thread(app) as base, httpx.Client(
                base_url=base, headers={"X-API-Key": keys["service"]}, timeout=30) as client:
            before = client.get(f"/v1/entities/{A}/score")
            assert before.status_code == 200 and client.get("/ready").status_code == 200

            stop(cfg)
            seen: Counter[int] = Counter()
            down = _poll(client, f"/v1/entities/{A}/score", 503, 10, seen)
            assert down.headers["retry-after"] == "3"
            assert down.json()["error"] == "store_unavailable"
            live = client.get(f"/v1/entities/{A}")  # a live read of the system of record
            assert live.status_code == 503 and "retry-after" in live.headers
            assert client.get("/ready").status_code == 503
            assert client.get("/health").status_code == 200
            assert client.post("/v1/scores", json={"ids": [A]}).status_code == 503

            start(cfg, timeout_s=180)
            after = _poll(client, f"/v1/entities/{A}/score", 200, 60, seen)
            assert after.json() == before.json()
            _poll(client, "/ready", 200, 10, seen)
            assert client.get(f"/v1/entities/{A}").status_code == 200
            assert set(seen) <= {200, 503}, seen  # never a 500
    finally:
        stop(cfg)
