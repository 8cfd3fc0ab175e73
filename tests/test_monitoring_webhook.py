"""Webhook push: a receiver that is down and then comes back loses no alert; signatures check."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from test_monitoring_alerts import first, ingest, second

from graph import EmbeddedStore
from graph.monitoring import AlertBook, scan
from graph.monitoring.webhook import pending, push, sign
from ingest import Pseudonymiser

SECRET = b"webhook-secret"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def receiver(port: int, fail_first: int = 0, lifetime: float = 30.0) -> Iterator[list[dict]]:
    """An HTTP receiver on 127.0.0.1 only; it stops by itself after ``lifetime`` seconds."""
    got: list[dict] = []
    failures = [fail_first]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if failures[0] > 0:
                failures[0] -= 1
                self.send_response(500)
                self.end_headers()
                return
            expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
            got.append({"body": json.loads(body), "sig_ok": hmac.compare_digest(
                expected, self.headers["X-Riskgraph-Signature"]),
                "id": self.headers["X-Riskgraph-Alert-Id"]})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", port), Handler)
    server.timeout = 0.1
    deadline = time.monotonic() + lifetime
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set() and time.monotonic() < deadline:
            server.handle_request()
        server.server_close()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield got
    finally:
        stop.set()
        thread.join(timeout=5)


def test_receiver_down_then_back(tmp_path: Path, pseudonymiser: Pseudonymiser) -> None:
    store = EmbeddedStore(tmp_path / "data")
    book = AlertBook(tmp_path / "monitoring")
    ingest(store, tmp_path, "p1", first(), date(2025, 12, 31), pseudonymiser)
    scan(store, book)
    ingest(store, tmp_path, "p2", second(), date(2026, 3, 31), pseudonymiser)
    assert scan(store, book).new == 6
    assert len(pending(book)) == 6
    port = _free_port()
    url = f"http://127.0.0.1:{port}/hook"
    down = push(book, url, SECRET, attempts=3, base_delay=0.01, timeout=1)
    assert (down.delivered, down.pending) == (0, 6) and down.error
    scan(store, book)  # the same news again: nothing more queued
    assert len(pending(book)) == 6
    with receiver(port, fail_first=1) as got:  # back, but the first try answers 500
        up = push(book, url, SECRET, attempts=3, base_delay=0.01, timeout=2)
        assert (up.delivered, up.pending, up.error) == (6, 0, None)
        assert push(book, url, SECRET).delivered == 0  # nothing twice
    assert sorted(g["id"] for g in got) == sorted(a["id"] for a in book.alerts())
    assert all(g["sig_ok"] and g["body"]["id"] == g["id"] for g in got)
    assert pending(book) == []


def test_signature() -> None:
    assert sign(b"{}", b"k") == "sha256=" + hmac.new(b"k", b"{}", hashlib.sha256).hexdigest()
