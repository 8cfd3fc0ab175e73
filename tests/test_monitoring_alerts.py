"""Early-warning alerts: a portfolio ingested twice, the second time with a new default."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest
from kit import rid, small_portfolio, uscc, write_portfolio

from graph import GraphStore, load_portfolio
from graph.monitoring import AlertBook, alert_id, scan, severity

A, B, H, C = uscc(1), uscc(2), uscc(3), uscc(4)


def first() -> dict[str, list[dict[str, object]]]:
    p = small_portfolio()
    p["enterprises"].append({"enterprise_id": C, "name": "华信物流有限公司",
                             "industry": "logistics"})
    p["shareholdings"].append({"holder_id": A, "enterprise_id": C, "ratio": 0.8})
    p["loans"].append({"loan_id": "L3", "borrower_id": C, "lender": "ICBC", "amount": 3e7,
                       "outstanding": 3e7, "start": "2024-01-01", "maturity": "2027-01-01",
                       "status": "performing"})
    return p


def second() -> dict[str, list[dict[str, object]]]:
    p = copy.deepcopy(first())
    for loan in p["loans"]:
        if loan["loan_id"] == "L1":
            loan.update(status="default", default_date="2026-02-01")
    p["events"].append({"entity_id": A, "date": "2026-02-01", "kind": "default",
                        "detail": "L1 defaulted"})
    return p


def ingest(store: GraphStore, tmp: Path, name: str, tables: dict, day: date, pseudonymiser) -> None:
    load_portfolio(store, write_portfolio(tmp / name, tables, as_of=day), pseudonymiser)


@pytest.fixture
def two_ingests(store: GraphStore, tmp_path: Path, pseudonymiser):  # type: ignore[no-untyped-def]
    ingest(store, tmp_path, "p1", first(), date(2025, 12, 31), pseudonymiser)
    book = AlertBook(tmp_path / "monitoring")
    assert scan(store, book).new == 0  # the first portfolio is the baseline
    ingest(store, tmp_path, "p2", second(), date(2026, 3, 31), pseudonymiser)
    return store, book


def test_alerts_after_a_new_default(two_ingests, pseudonymiser) -> None:  # type: ignore
    store, book = two_ingests
    result = scan(store, book)
    assert result.scanned == ("2026-03-31",)
    alerts = book.alerts()
    got = {(a["exposed"]["id"], a["rule"]) for a in alerts}
    # worked out by hand: B and C are the borrowers tied to A (the troubled party)
    assert got == {
        (B, "guaranteed_by_troubled"),  # A guarantees B's loan L2
        (B, "guarantor_of_troubled"),  # B guarantees A's loan L1
        (B, "common_legal_rep"),  # 张伟 represents both
        (B, "family_of_controller"),  # A's controller 李娜 is 张伟's spouse, who represents B
        (B, "shared_contact"),  # the same phone
        (C, "controlled_by_troubled"),  # A holds 80% of C
    }
    assert all(a["troubled"]["id"] == A for a in alerts)
    by = {(a["exposed"]["id"], a["rule"]): a for a in alerts}
    g = by[(B, "guaranteed_by_troubled")]
    # the event (default, weight 1) is the main trigger; the loan's new status rides along
    event = next(t for t in g["triggers"] if t["source"] == "event")
    assert g["trigger"] == event and event["kind"] == "default"
    assert {t["id"] for t in g["triggers"]} == {event["id"], "loan:L1:default"}
    assert g["id"] == alert_id(event["id"], B, "guaranteed_by_troubled")
    assert g["path"]["text"] == "华信钢铁有限公司 —guarantees loan of→ 华信贸易有限公司"
    assert g["path"]["ids"] == [A, "L2", B]
    assert g["exposure"] == 5e7
    # 50 x 1.0 x 1.0 + 30 x 0.5 = 65: high
    assert (g["score"], g["severity"]) == (65.0, "high")
    c = by[(C, "controlled_by_troubled")]
    assert c["path"]["text"] == "华信钢铁有限公司 —holds 80% of→ 华信物流有限公司"
    assert (c["score"], c["severity"]) == (54.0, "medium")  # 50 x .9 + 30 x .3
    s = by[(B, "shared_contact")]
    assert (s["score"], s["severity"]) == (35.0, "medium")  # 50 x .4 + 15
    f = by[(B, "family_of_controller")]
    p1 = pseudonymiser.key(rid(1))
    p2 = pseudonymiser.key(rid(2, "19820202"))
    assert f["path"]["ids"] == [A, H, p2, p1, B]
    assert "spouse of" in f["path"]["text"]
    lr = by[(B, "common_legal_rep")]
    assert lr["path"]["ids"] == [A, p1, B]
    assert lr["path"]["text"] == ("华信钢铁有限公司 ←legal representative of— 张伟 "
                                  "—legal representative of→ 华信贸易有限公司")
    # highest first
    assert [a["score"] for a in alerts] == sorted((a["score"] for a in alerts), reverse=True)


def test_reingest_makes_no_duplicates(two_ingests, tmp_path: Path,  # type: ignore
                                      pseudonymiser) -> None:
    store, book = two_ingests
    assert scan(store, book).new == 6
    assert scan(store, book).new == 0  # the same news scanned again
    ingest(store, tmp_path, "p2b", second(), date(2026, 3, 31), pseudonymiser)  # same date
    assert scan(store, book).new == 0
    ingest(store, tmp_path, "p3", second(), date(2026, 6, 30), pseudonymiser)  # later, same news
    assert scan(store, book).new == 0
    assert len(book.alerts()) == 6
    assert len({a["id"] for a in book.alerts()}) == 6


def test_ack_and_filters(two_ingests) -> None:  # type: ignore[no-untyped-def]
    store, book = two_ingests
    scan(store, book)
    one = book.alerts()[0]
    acked = book.ack(one["id"], by="tester", note="called the bank")
    assert acked["acknowledged"] and acked["acked_by"] == "tester"
    assert book.get(one["id"])["acknowledged"]
    assert len(book.alerts(include_acked=False)) == 5
    assert scan(store, book).new == 0 and book.get(one["id"])["acknowledged"]  # kept
    assert book.alerts(since="2027-01-01") == []
    assert len(book.alerts(since="2026-03-31")) == 6
    assert {a["severity"] for a in book.alerts(severity="high")} == {"high"}


def test_status_worsening_without_event(store: GraphStore, tmp_path: Path, pseudonymiser) -> None:
    ingest(store, tmp_path, "p1", first(), date(2025, 12, 31), pseudonymiser)
    book = AlertBook(tmp_path / "monitoring")
    scan(store, book)  # records the loan statuses of 2025-12-31
    p = copy.deepcopy(first())
    for loan in p["loans"]:
        if loan["loan_id"] == "L3":
            loan.update(status="overdue", overdue_days=200)  # older than the gap: recorded wins
    ingest(store, tmp_path, "p2", p, date(2026, 3, 31), pseudonymiser)
    scan(store, book)
    alerts = book.alerts()
    assert alerts and all(a["troubled"]["id"] == C for a in alerts)
    assert all(a["trigger"]["id"] == "loan:L3:overdue" for a in alerts)
    # C's ultimate controller 李娜 is the spouse of 张伟, who represents B. A controls C
    # (a parent is not one of the rules: "controls the troubled party" is not listed)
    assert {(a["exposed"]["id"], a["rule"]) for a in alerts} == {(B, "family_of_controller")}
    (fam,) = alerts
    assert fam["path"]["text"].startswith("华信物流有限公司 ←holds 80% of— 华信钢铁有限公司")


def test_severity_parts() -> None:
    assert severity(1.0, 1.0, 2e8, 0.5) == (100.0, "high", {"tie_and_trigger": 50.0,
                                                            "exposure": 30.0, "contagion": 20.0})
    assert severity(0.4, 0.6, 0.0, None)[1] == "low"


def test_contagion_rise_adds_to_severity(store: GraphStore, tmp_path: Path, pseudonymiser) -> None:
    import pandas as pd

    def scores(b: float) -> pd.DataFrame:
        return pd.DataFrame([{"id": B, "label": "Enterprise", "pd": 0.1, "contagion_exposure": b,
                              "model_version": "t", "explanation": None}])

    ingest(store, tmp_path, "p1", first(), date(2025, 12, 31), pseudonymiser)
    store.write_scores(scores(0.05))
    book = AlertBook(tmp_path / "monitoring")
    scan(store, book)  # records B's contagion exposure 0.05 at 2025-12-31
    ingest(store, tmp_path, "p2", second(), date(2026, 3, 31), pseudonymiser)
    store.write_scores(scores(0.15))
    scan(store, book)
    g = next(a for a in book.alerts() if a["rule"] == "guaranteed_by_troubled")
    assert g["contagion"]["before"] == 0.05 and g["contagion"]["now"] == 0.15
    # 50 + 15 + 20 x 0.1 / 0.2 = 75
    assert g["score_parts"]["contagion"] == 10.0 and g["score"] == 75.0
    c = next(a for a in book.alerts() if a["exposed"]["id"] == C)
    assert c["contagion"] is None and c["score_parts"]["contagion"] == 0.0
