"""riskgraph.neo4j_server against a real Neo4j: start, answer, write/read, stop.

Runs its own server in a temporary home on free ports, beside any dev server, reusing the
shared lib jars (assembled from Maven Central the first time, so it needs Java 17 and Maven).
"""

from __future__ import annotations

import json
import os
import socket
import urllib.request
from pathlib import Path

import pytest

from riskgraph.neo4j_server import Neo4jServerConfig, start, status, stop

pytestmark = pytest.mark.neo4j


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(n)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


@pytest.fixture
def cfg(tmp_path: Path) -> Neo4jServerConfig:
    bolt, http = _free_ports(2)
    return Neo4jServerConfig(home=tmp_path / "neo4j", bolt_port=bolt, http_port=http,
                             heap="512m", pagecache="128m")


def test_start_write_read_stop(cfg: Neo4jServerConfig) -> None:
    from neo4j import GraphDatabase

    try:
        st = start(cfg, timeout_s=180)
        assert st.running and st.answering and st.pid is not None
        assert st.uri == f"bolt://127.0.0.1:{cfg.bolt_port}" and st.home == cfg.home
        assert status(cfg) == st
        assert (cfg.home / "lib").resolve() == cfg.lib.resolve()  # shared jars, not a copy

        with GraphDatabase.driver(cfg.uri, auth=(cfg.user, cfg.password)) as driver:
            driver.execute_query("CREATE (:Probe {id: $id})", id="p1")
            records = driver.execute_query("MATCH (p:Probe) RETURN p.id AS id").records
        assert [r["id"] for r in records] == ["p1"]

        with urllib.request.urlopen(f"http://127.0.0.1:{cfg.http_port}/", timeout=10) as resp:
            info = json.load(resp)
        assert info["neo4j_edition"] == "community" and info["neo4j_version"].startswith("5.26.")

        assert start(cfg).pid == st.pid  # already running: returns the same server at once
    finally:
        stop(cfg)

    after = status(cfg)
    assert not after.running and not after.answering and after.pid is None
    assert not cfg.pid_file.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(st.pid, 0)
    stop(cfg)  # stopping a stopped server is not an error
