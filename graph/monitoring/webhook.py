"""Webhook push of alerts: an outbox file, signed POSTs, retries with exponential backoff.

Every alert the scan adds is appended to ``<monitoring>/outbox.jsonl`` (one JSON alert a line,
under the book's lock). :func:`push` posts each one not yet delivered to the receiver, body the
alert's JSON, with headers

- ``X-Riskgraph-Signature: sha256=<hex HMAC-SHA256 of the body with the shared secret>``,
- ``X-Riskgraph-Alert-Id: <id>`` (a receiver deduplicates on it: delivery is at least once).

A delivery that fails (connection refused, timeout, a non-2xx answer) is retried ``attempts``
times, waiting ``base_delay × 2^k`` seconds between tries; what is still undelivered stays in the
outbox for the next push, in order, so nothing is lost while the receiver is down. Delivered ids
are recorded in ``<monitoring>/outbox.delivered`` (one a line).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.monitoring.book import AlertBook

__all__ = ["PushResult", "enqueue", "pending", "push", "sign"]


@dataclass(frozen=True)
class PushResult:
    delivered: int
    pending: int  # still in the outbox
    error: str | None  # the last failure, when something is left


def sign(body: bytes, secret: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def _paths(book: AlertBook) -> tuple[Path, Path]:
    return book.folder / "outbox.jsonl", book.folder / "outbox.delivered"


def enqueue(book: AlertBook, alerts: list[dict[str, Any]]) -> None:
    """Append alerts to the outbox (the scan calls this with the alerts it added)."""
    if not alerts:
        return
    outbox, _ = _paths(book)
    book.folder.mkdir(parents=True, exist_ok=True)
    with open(outbox, "a", encoding="utf-8") as f:
        for a in alerts:
            f.write(json.dumps(a, ensure_ascii=False) + "\n")


def pending(book: AlertBook) -> list[dict[str, Any]]:
    outbox, done = _paths(book)
    if not outbox.exists():
        return []
    sent = set(done.read_text("utf-8").split()) if done.exists() else set()
    out, seen = [], set()
    for line in outbox.read_text("utf-8").splitlines():
        if line.strip():
            a = json.loads(line)
            if a["id"] not in sent and a["id"] not in seen:
                seen.add(a["id"])
                out.append(a)
    return out


def push(book: AlertBook, url: str, secret: bytes, *, attempts: int = 4,
         base_delay: float = 0.5, timeout: float = 5.0) -> PushResult:
    """Deliver the outbox, oldest first; stops at the first alert that cannot be delivered."""
    _, done = _paths(book)
    todo = pending(book)
    delivered, error = 0, None
    for a in todo:
        body = json.dumps(a, ensure_ascii=False, sort_keys=True).encode()
        req_headers = {"Content-Type": "application/json", "X-Riskgraph-Alert-Id": a["id"],
                       "X-Riskgraph-Signature": sign(body, secret)}
        ok = False
        for k in range(attempts):
            try:
                req = urllib.request.Request(url, data=body, headers=req_headers, method="POST")
                with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
                    ok = 200 <= resp.status < 300
                    if not ok:
                        error = f"HTTP {resp.status}"
            except (urllib.error.URLError, OSError, TimeoutError) as exc:
                error = str(exc)
            if ok:
                break
            if k + 1 < attempts:
                time.sleep(base_delay * 2 ** k)
        if not ok:
            break
        with open(done, "a", encoding="utf-8") as f:
            f.write(a["id"] + "\n")
        delivered += 1
    left = len(todo) - delivered
    return PushResult(delivered, left, error if left else None)
