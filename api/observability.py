"""Metrics, structured logs, and the one ASGI middleware every request passes through.

:class:`Metrics` keeps Prometheus series in a registry of its own (one per app):
``riskgraph_http_requests_total`` and ``riskgraph_http_request_duration_seconds`` by method,
route template (``/v1/entities/{id}/score``, never the raw path, so the series stay few) and
status, plus gauges of the store and the world served, read at scrape time.

:class:`RequestMiddleware` is plain ASGI (no ``BaseHTTPMiddleware``: it would cost a task and
a queue per request): it refuses bodies over the limit with 413, gives each request an
``x-request-id``, times it, counts it, optionally logs it as one JSON line, and hands the
audit record the route left in ``request.state`` to the audit log once the status is known.

:func:`configure_logging` sends every log record (uvicorn's included) to stderr as one JSON
object a line.
"""

from __future__ import annotations

import itertools
import logging
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import orjson
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)

from api.audit import AuditLog

__all__ = ["JsonFormatter", "Metrics", "RequestMiddleware", "configure_logging"]

access_log = logging.getLogger("riskgraph.api.access")

disable_created_metrics()  # the *_created series only add noise to every scrape

_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            10.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("riskgraph_http_requests", "HTTP requests answered",
                                ("method", "route", "status"), registry=self.registry)
        self.latency = Histogram("riskgraph_http_request_duration_seconds",
                                 "Time to answer an HTTP request", ("method", "route", "status"),
                                 buckets=_BUCKETS, registry=self.registry)
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def gauge(self, name: str, doc: str, fn: Callable[[], float]) -> None:
        Gauge(name, doc, registry=self.registry).set_function(fn)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        pair = self._children.get(key)
        if pair is None:
            s = str(status)
            pair = (self.requests.labels(method, route, s), self.latency.labels(method, route, s))
            self._children[key] = pair
        pair[0].inc()
        pair[1].observe(seconds)


class RequestMiddleware:
    def __init__(self, app: Any, metrics: Metrics, audit: AuditLog | None, max_body: int,
                 log_requests: bool = False) -> None:
        self.app = app
        self.metrics = metrics
        self.audit = audit
        self.max_body = max_body
        self.log_requests = log_requests
        self._ids = itertools.count(1)
        self._prefix = f"{os.getpid():x}{int(time.time()) & 0xFFFFFF:06x}-"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        rid = f"{self._prefix}{next(self._ids):x}"
        status = 500
        rid_header = (b"x-request-id", rid.encode())

        async def send_wrapper(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), rid_header]
            await send(message)

        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_body
                except ValueError:
                    too_big = True
                if too_big:
                    await _too_large(send_wrapper, self.max_body)
                    self._done(scope, "too_large", status, start, rid)
                    return
                break
        received = 0

        async def receive_limited() -> dict[str, Any]:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _BodyTooLarge
            return message

        scope["request_id"] = rid
        try:
            await self.app(scope, receive_limited, send_wrapper)
        except _BodyTooLarge:
            await _too_large(send_wrapper, self.max_body)
        finally:
            route = scope.get("route")
            self._done(scope, getattr(route, "path", None) or "unmatched", status, start, rid)

    def _done(self, scope: dict[str, Any], route: str, status: int, start: float,
              rid: str) -> None:
        elapsed = time.perf_counter() - start
        method = scope["method"]
        self.metrics.observe(method, route, status, elapsed)
        state = scope.get("state")
        if state and self.audit is not None:
            what = state.get("audit")
            who = state.get("principal")
            if what is not None and who is not None:
                client = scope.get("client")
                entry = {"who": who.name, "role": who.role, "key_id": who.key_id,
                         "client": client[0] if client else None, "method": method,
                         "route": route, "status": status, "request_id": rid}
                entry.update(what)
                self.audit.record(entry)
        if self.log_requests:
            client = scope.get("client")
            access_log.info("request", extra={"fields": {
                "request_id": rid, "method": method, "route": route, "path": scope["path"],
                "status": status, "ms": round(elapsed * 1000, 3),
                "client": client[0] if client else None}})


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Any, limit: int) -> None:
    body = orjson.dumps({"error": "payload_too_large",
                         "message": f"request bodies are limited to {limit:,} bytes"})
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts, level, logger, msg, and any ``extra={"fields": {...}}``."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(), "logger": record.name,
            "msg": record.getMessage()}
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            doc.update(fields)
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(doc, default=str).decode()


def configure_logging(level: str = "info") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
