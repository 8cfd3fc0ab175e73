"""Lost-contact leads: closer, fresher and stronger ties rank higher."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kit import rid, uscc, write_portfolio

from graph import GraphStore, load_portfolio
from graph.linked import LinkedAnalysis
from graph.monitoring import leads

S, E1, E2, E3 = uscc(11), uscc(12), uscc(13), uscc(14)
R, D_NEW, D_OLD, SUP, W = rid(11), rid(12), rid(13), rid(14), rid(15)


def portfolio() -> dict[str, list[dict[str, object]]]:
    """S (lost contact): legal rep R (since 2024), directors D_NEW (2025) and D_OLD (2012),
    supervisor SUP (2024); R's wife W; E1 shares S's phone; E2 shares W's address (3 hops
    away: not a lead); E3 guarantees S's loan."""
    return {
        "enterprises": [{"enterprise_id": x, "name": n} for x, n in
                        ((S, "失联公司"), (E1, "同电话公司"), (E2, "远方公司"), (E3, "担保公司"))],
        "persons": [{"person_id": p, "name": n} for p, n in
                    ((R, "法人甲"), (D_NEW, "新董事"), (D_OLD, "老董事"), (SUP, "监事"),
                     (W, "妻子"))],
        "positions": [
            {"person_id": R, "enterprise_id": S, "role": "legal_rep", "start": "2024-01-01"},
            {"person_id": D_NEW, "enterprise_id": S, "role": "director", "start": "2025-06-01"},
            {"person_id": D_OLD, "enterprise_id": S, "role": "director", "start": "2012-01-01"},
            {"person_id": SUP, "enterprise_id": S, "role": "supervisor", "start": "2024-01-01"},
        ],
        "family": [{"person_id": R, "relative_id": W, "relation": "spouse"}],
        "loans": [{"loan_id": "LS", "borrower_id": S, "lender": "ICBC", "amount": 1e7,
                   "outstanding": 1e7, "start": "2024-01-01", "maturity": "2027-01-01",
                   "status": "overdue", "overdue_days": 60}],
        "guarantees": [{"guarantee_id": "GS", "guarantor_id": E3, "loan_id": "LS",
                        "amount": 1e7, "kind": "joint", "start": "2024-01-01"}],
        "contacts": [
            {"owner_id": S, "kind": "phone", "value": "0571-11112222"},
            {"owner_id": E1, "kind": "phone", "value": "0571-11112222"},
            {"owner_id": W, "kind": "address", "value": "杭州市上城区1号"},
            {"owner_id": E2, "kind": "address", "value": "杭州市上城区1号"},
        ],
        "events": [{"entity_id": S, "date": "2025-12-01", "kind": "lost_contact",
                    "detail": "no answer since November"}],
    }


def test_leads_rank_closer_fresher_stronger(store: GraphStore, tmp_path: Path,
                                            pseudonymiser) -> None:
    load_portfolio(store, write_portfolio(tmp_path / "p", portfolio(), as_of=date(2025, 12, 31)),
                   pseudonymiser)
    a = LinkedAnalysis.of(store.snapshot())
    out = leads(a, a.resolve(S))
    assert out["lost_contact"] and out["lost_contact_events"][0]["date"] == "2025-12-01"
    assert out["contacts"] == [{"kind": "phone", "value": "0571-11112222"}]
    key = pseudonymiser.key
    rank = {x["party"]["id"]: x for x in out["leads"]}
    assert set(rank) == {key(R), key(D_NEW), key(D_OLD), key(SUP), key(W), E1, E3}  # not E2
    # fresher: two directors, same hops and strength
    assert rank[key(D_NEW)]["rank"] < rank[key(D_OLD)]["rank"]
    assert rank[key(D_OLD)]["score_parts"]["freshness"] == 0.0
    # stronger: legal rep over supervisor, same hops and dates
    assert rank[key(R)]["rank"] < rank[key(SUP)]["rank"]
    assert rank[key(R)]["score_parts"]["strength"] == 24
    # closer: R (1 hop) over his wife W (2 hops, weakest tie the legal rep post)
    assert rank[key(R)]["rank"] < rank[key(W)]["rank"]
    w = rank[key(W)]
    assert w["hops"] == 2 and w["path"]["ids"] == [S, key(R), key(W)]
    assert w["score_parts"]["closeness"] == 20 and w["weakest_tie"] == "post:legal_rep"
    # shared phone, 1 hop: 40 + 25 + freshness
    e1 = rank[E1]
    assert e1["path"]["text"] == "失联公司 —shares phone with→ 同电话公司"
    assert e1["contacts"] == [{"kind": "phone", "value": "0571-11112222"}]
    assert rank[E3]["path"]["ids"] == [S, "LS", E3]
    # the score is the sum of its parts, and the list is sorted by it
    for x in out["leads"]:
        assert x["score"] == round(sum(x["score_parts"].values()), 2)
        assert x["why"]
    scores = [x["score"] for x in out["leads"]]
    assert scores == sorted(scores, reverse=True)
    assert [x["rank"] for x in out["leads"]] == list(range(1, len(scores) + 1))
