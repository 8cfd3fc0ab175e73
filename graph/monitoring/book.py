"""Where alerts live: one JSON file, ``<data dir>/monitoring/alerts.json``, for both stores.

The file holds the alerts (each with its acknowledgement), the portfolios already scanned, and
what a scan remembers for the next one (loan statuses and contagion exposures per ``as_of``).
Writes go to a temporary file and are renamed over the old one, under an exclusive lock
(``alerts.lock``), so a reader never sees half a file and two writers never interleave.

:func:`scan` compares every portfolio in the store's history with the one before it (each
``as_of`` once; the latest one again on every scan, so a re-load of the same date is picked
up) and merges the alerts by id: an alert already in the book keeps its acknowledgement and is
never duplicated.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graph.linked.analysis import LinkedAnalysis
from graph.monitoring.alerts import compute_alerts, find_triggers, loan_statuses
from graph.snapshot import snapshot_from_tables
from graph.store import GraphStore
from riskgraph.errors import NotFound

__all__ = ["AlertBook", "ScanResult", "scan"]

_LOCK = threading.Lock()
_KEEP = 3  # as_of dates of remembered statuses and scores


@dataclass(frozen=True)
class ScanResult:
    scanned: tuple[str, ...]  # the as_of dates compared with the one before
    new: int  # alerts added
    total: int  # alerts in the book


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class AlertBook:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / "alerts.json"

    @contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with _LOCK, open(self.folder / "alerts.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                data = self._read()
                yield data
                tmp = self.path.with_suffix(".json.tmp")
                tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
                os.replace(tmp, self.path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"version": 1, "scanned": [], "loan_status": {}, "contagion": {},
                    "alerts": []}
        return json.loads(self.path.read_text("utf-8"))  # type: ignore[no-any-return]

    def alerts(self, since: str | None = None, severity: str | None = None,
               include_acked: bool = True) -> list[dict[str, Any]]:
        """Alerts, highest severity first; ``since``: created or as_of on/after that date."""
        with _LOCK:
            items = list(self._read()["alerts"])
        if since:
            items = [a for a in items if a["as_of"] >= since or a["created_at"][:10] >= since]
        if severity:
            items = [a for a in items if a["severity"] == severity]
        if not include_acked:
            items = [a for a in items if not a["acknowledged"]]
        return sorted(items, key=lambda a: (a["acknowledged"], -a["score"], a["id"]))

    def get(self, alert_id: str) -> dict[str, Any]:
        for a in self.alerts():
            if a["id"] == alert_id:
                return a
        raise NotFound("Alert", alert_id)

    def ack(self, alert_id: str, by: str = "cli", note: str | None = None) -> dict[str, Any]:
        with self._locked() as data:
            for a in data["alerts"]:
                if a["id"] == alert_id:
                    if not a["acknowledged"]:
                        a.update(acknowledged=True, acked_by=by, acked_at=_now(), ack_note=note)
                    return dict(a)
        raise NotFound("Alert", alert_id)

    def merge(self, alerts: list[dict[str, Any]], data: dict[str, Any]) -> int:
        """Add the alerts not in the book yet (and put them in the webhook outbox)."""
        from graph.monitoring.webhook import enqueue

        have = {a["id"] for a in data["alerts"]}
        stamp = _now()
        new = []
        for a in alerts:
            if a["id"] in have:
                continue
            new.append({**a, "created_at": stamp, "acknowledged": False, "acked_by": None,
                        "acked_at": None, "ack_note": None})
            have.add(a["id"])
        data["alerts"].extend(new)
        enqueue(self, new)
        return len(new)


def scan(store: GraphStore, book: AlertBook, *, rescan_latest: bool = True) -> ScanResult:
    """Compare each portfolio with the previous one and add the alerts (see the module doc)."""
    stored = store.tables()
    history = list(stored.as_of_history)
    scores = store.scores()
    contagion_now = {str(i): float(c) for i, c in zip(scores["id"], scores["contagion_exposure"],
                                                       strict=True) if c == c and c is not None}
    done: list[str] = []
    with book._locked() as data:
        scanned = set(data["scanned"])
        added = 0
        latest = history[-1] if history else None
        for i, cur in enumerate(history):
            if i == 0:
                scanned.add(cur)  # the first portfolio is the baseline: no news before it
                continue
            if cur in scanned and not (rescan_latest and cur == latest):
                continue
            prev = history[i - 1]
            snap = snapshot_from_tables(stored, cur)
            is_latest = cur == latest
            known = data["loan_status"].get(prev)
            triggers = find_triggers(snap, prev, known, with_loans=is_latest)
            if triggers:
                alerts = compute_alerts(
                    snap, prev, triggers,
                    contagion_now=contagion_now if is_latest and contagion_now else None,
                    contagion_before=data["contagion"].get(prev),
                    analysis=LinkedAnalysis.of(snap))
                added += book.merge(alerts, data)
            scanned.add(cur)
            done.append(cur)
        if latest is not None:
            latest_snap = snapshot_from_tables(stored, latest)
            data["loan_status"][latest] = loan_statuses(latest_snap)
            if contagion_now:
                data["contagion"][latest] = contagion_now
            for key in ("loan_status", "contagion"):
                for old in sorted(data[key])[:-_KEEP]:
                    del data[key][old]
        data["scanned"] = sorted(scanned)
        total = len(data["alerts"])
    return ScanResult(tuple(done), added, total)
