"""The audit log: who read which entity, when, from where, append-only, off the hot path.

A request that reads an entity hands one record to :meth:`AuditLog.record` (a ``deque.append``,
thread-safe and O(1)); a writer thread turns the queued records into JSON lines and appends them
to the file (opened ``O_APPEND``, never truncated or rewritten) every ``flush_s`` seconds, at
most one second, and once more at shutdown (:meth:`AuditLog.close`), with ``fsync`` after each
batch. A line::

    {"ts": "2026-11-24T20:01:02.123Z", "who": "loan-system", "role": "service",
     "key_id": "k_3f2a9c1e", "client": "10.1.2.3", "method": "GET",
     "route": "/v1/entities/{id}/score", "status": 200, "ids": ["91330100MA0000001F"],
     "request_id": "9f1c…"}

The key itself is never written; nor is a resident id in clear (lookups by resident id are
recorded masked). If the disk refuses a write the records stay queued (up to ``max_queue``,
then the oldest are counted as dropped and the loss is logged).
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import orjson

__all__ = ["AuditLog"]

log = logging.getLogger("riskgraph.api.audit")


class AuditLog:
    def __init__(self, path: Path, flush_s: float = 0.5, max_queue: int = 1_000_000) -> None:
        self.path = path
        self.flush_s = min(flush_s, 1.0)
        self._queue: collections.deque[dict[str, Any]] = collections.deque()
        self._max_queue = max_queue
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._fd: int | None = None
        self.written = 0
        self.dropped = 0

    def start(self) -> AuditLog:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()
        return self

    def record(self, entry: dict[str, Any]) -> None:
        """Queue one record (``ts`` is added here)."""
        entry["ts"] = time.time()
        self._queue.append(entry)

    def _run(self) -> None:
        while not self._stop.wait(self.flush_s):
            self.flush()
        self.flush()

    def flush(self) -> int:
        """Write what is queued now; returns the number of records written."""
        if self._fd is None:
            return 0
        q = self._queue
        if len(q) > self._max_queue:
            over = len(q) - self._max_queue
            for _ in range(over):
                q.popleft()
            self.dropped += over
            log.error("audit queue full: %d records dropped", over)
        batch = []
        try:
            while True:
                batch.append(q.popleft())
        except IndexError:
            pass
        if not batch:
            return 0
        lines = []
        for e in batch:
            ts = e["ts"]
            iso = (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts))
                   + f".{int(ts % 1 * 1000):03d}Z")
            lines.append(orjson.dumps({"ts": iso, **{k: v for k, v in e.items() if k != "ts"}}))
        data = b"\n".join(lines) + b"\n"
        try:
            view = memoryview(data)
            while view:
                n = os.write(self._fd, view)
                view = view[n:]
            os.fsync(self._fd)
        except OSError as exc:
            log.error("audit log %s not writable (%s); %d records kept queued", self.path, exc,
                      len(batch))
            self._queue.extendleft(reversed(batch))
            return 0
        self.written += len(batch)
        return len(batch)

    def close(self) -> None:
        """Flush everything queued and close the file (server shutdown)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
