"""Watchlists: a committee watching B hears of the trouble in B's group and of members leaving."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

from test_monitoring_alerts import A, B, C, first, ingest, second

from graph import GraphStore
from graph.linked import LinkedAnalysis
from graph.monitoring import AlertBook, add_watch, check, remove_watch, scan, watches
from ingest import Pseudonymiser


def test_watch_group(store: GraphStore, tmp_path: Path, pseudonymiser: Pseudonymiser) -> None:
    book = AlertBook(tmp_path / "monitoring")
    ingest(store, tmp_path, "p1", first(), date(2025, 12, 31), pseudonymiser)
    scan(store, book)
    a = LinkedAnalysis.of(store.snapshot())
    w = add_watch(book, a, a.resolve(B), "credit-committee-1")
    assert add_watch(book, a, a.resolve(B), "credit-committee-1")["id"] == w["id"]
    assert {A, B, C} <= set(w["members"])
    ingest(store, tmp_path, "p2", second(), date(2026, 3, 31), pseudonymiser)
    scan(store, book)
    (hit,) = check(book, LinkedAnalysis.of(store.snapshot()))
    assert hit["watch"]["id"] == w["id"] and hit["joined"] == [] and hit["left"] == []
    assert len(hit["alerts"]) == 6 and hit["open_alerts"] == 6  # A's default touches the group
    later = copy.deepcopy(second())
    later["shareholdings"] = [s for s in later["shareholdings"] if s["enterprise_id"] != C]
    ingest(store, tmp_path, "p3", later, date(2026, 6, 30), pseudonymiser)
    scan(store, book)
    (hit,) = check(book, LinkedAnalysis.of(store.snapshot()))
    assert hit["left"] == [C] and hit["joined"] == []
    (again,) = check(book, LinkedAnalysis.of(store.snapshot()))
    assert again["left"] == []  # news once
    assert check(book, LinkedAnalysis.of(store.snapshot()), by="someone-else") == []
    remove_watch(book, w["id"])
    assert watches(book) == []
