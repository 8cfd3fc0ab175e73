"""Shared fixtures: an embedded store in a temporary folder, and a real Neo4j server.

The Neo4j server is started once per test session by :mod:`riskgraph.neo4j_server` (assembled
from Maven Central on first use) in a folder and on ports of its own, unless
``RISKGRAPH_TEST_NEO4J_URI`` points at one already running. A Neo4j test never skips: if the
server cannot be had, the test errors.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from graph import EmbeddedStore, GraphStore  # noqa: E402
from ingest import Pseudonymiser  # noqa: E402

TEST_PASSWORD = "riskgraph-test"


@pytest.fixture
def pseudonymiser() -> Pseudonymiser:
    return Pseudonymiser(b"test-secret-key-0123456789")


@pytest.fixture
def embedded_store(tmp_path: Path) -> EmbeddedStore:
    return EmbeddedStore(tmp_path / "data")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def neo4j_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Neo4j server of this test session's own (own folder, free ports), so that two test
    runs on one machine never share, clear or stop each other's database."""
    given = os.environ.get("RISKGRAPH_TEST_NEO4J_URI")
    if given:
        yield given
        return
    from riskgraph import neo4j_server

    cfg = neo4j_server.Neo4jServerConfig(
        home=tmp_path_factory.mktemp("neo4j"),
        bolt_port=_free_port(),
        http_port=_free_port(),
        password=TEST_PASSWORD,
        heap="1g",
        pagecache="512m",
    )
    status = neo4j_server.start(cfg)
    try:
        yield status.uri
    finally:
        neo4j_server.stop(cfg)


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_uri: str):  # type: ignore[no-untyped-def]
    import neo4j

    password = os.environ.get("RISKGRAPH_TEST_NEO4J_PASSWORD", TEST_PASSWORD)
    driver = neo4j.GraphDatabase.driver(
        neo4j_uri, auth=("neo4j", password), notifications_min_severity="OFF"
    )
    driver.verify_connectivity()
    yield driver
    driver.close()


@pytest.fixture
def neo4j_store(neo4j_driver):  # type: ignore[no-untyped-def]
    from graph.neo4j_store import Neo4jStore

    store = Neo4jStore(neo4j_driver)
    store.clear()
    return store


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> GraphStore:
    """The same test, once per store: the contract both must keep."""
    if request.param == "embedded":
        return EmbeddedStore(tmp_path / "data")
    return request.getfixturevalue("neo4j_store")
