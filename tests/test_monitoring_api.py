"""``GET /v1/alerts``, ``POST /v1/alerts/{id}/ack`` and ``GET /v1/entities/{id}/leads`` over
both stores (the router included into the app here, as the lead will in api/app.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from kit import write_portfolio
from test_api_kit import PII_KEY, PS, STORES, Api, make_keys
from test_monitoring_alerts import A, B, C, first, second

from api import ApiConfig, create_app
from api.deps import ROLE_TABLE
from api.testing import serve_in_thread
from graph import EmbeddedStore, GraphStore, load_portfolio
from riskgraph.settings import Settings


@pytest.fixture(scope="module", params=STORES)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Api]:
    before = dict(ROLE_TABLE)
    from api.routes import alerts

    tmp = tmp_path_factory.mktemp(f"mon-{request.param}")
    store: GraphStore
    if request.param == "embedded":
        store = EmbeddedStore(tmp / "data")
    else:
        from graph.neo4j_store import Neo4jStore

        store = Neo4jStore(request.getfixturevalue("neo4j_driver"))
        store.clear()
    tables = first()
    tables["events"].append({"entity_id": C, "date": "2025-12-20", "kind": "lost_contact"})
    load_portfolio(store, write_portfolio(tmp / "p1", tables, as_of=date(2025, 12, 31)), PS)
    later = second()
    later["events"].append({"entity_id": C, "date": "2025-12-20", "kind": "lost_contact"})
    load_portfolio(store, write_portfolio(tmp / "p2", later, as_of=date(2026, 3, 31)), PS)
    settings = Settings(data_dir=tmp / "data", pii_key=PII_KEY,  # type: ignore[arg-type]
                        store=request.param)
    cfg = ApiConfig.from_settings(settings)
    keys = make_keys(cfg)
    app = create_app(settings, cfg, store=store, wait_loaded=True)
    if not any(getattr(r, "path", None) == "/v1/alerts" for r in app.routes):
        app.include_router(alerts.router)
    try:
        with serve_in_thread(app) as base:
            api = Api(base, keys, settings, cfg, request.param)
            try:
                yield api
            finally:
                api.client.close()
    finally:  # the role-matrix test of api/app.py knows only the routes wired there
        for k in set(ROLE_TABLE) - set(before):
            del ROLE_TABLE[k]


def test_alerts_listed_and_acked(served: Api) -> None:
    r = served.get("/v1/alerts", "committee")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 6
    assert {(a["exposed"]["id"], a["rule"]) for a in body["alerts"]} >= {
        (B, "guaranteed_by_troubled"), (C, "controlled_by_troubled")}
    assert all(a["troubled"]["id"] == A for a in body["alerts"])
    assert (served.settings.data_dir / "monitoring" / "alerts.json").exists()
    again = served.get("/v1/alerts", "service").json()
    assert again["total"] == 6  # scanned again: no duplicates
    top = body["alerts"][0]["id"]
    assert served.post(f"/v1/alerts/{top}/ack", "service").status_code == 403
    r = served.post(f"/v1/alerts/{top}/ack", "investigator", json={"note": "called"})
    assert r.status_code == 200, r.text
    assert r.json()["acknowledged"] and r.json()["ack_note"] == "called"
    assert served.get("/v1/alerts?open=true", "admin").json()["total"] == 5
    assert served.get("/v1/alerts?since=2027-01-01").json()["total"] == 0
    assert served.post("/v1/alerts/A00000000000000000000/ack").status_code == 404
    assert served.get("/v1/alerts", None).status_code == 401


def test_leads_contacts_only_for_pii_roles(served: Api) -> None:
    r = served.get(f"/v1/entities/{C}/leads", "investigator")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["lost_contact"] and body["leads"]
    assert body["leads"][0]["party"]["id"] == A  # 1 hop, holds 80% of C
    assert any(x["contacts"] for x in body["leads"])  # A's phone
    masked = served.get(f"/v1/entities/{C}/leads", "committee").json()
    assert masked["contacts"] is None and all(x["contacts"] is None for x in masked["leads"])
    assert [x["party"]["id"] for x in masked["leads"]][:1] == [A]
    person = [x for x in body["leads"] if x["party"]["label"] == "Person"]
    if person:  # persons' keys are masked for the committee
        keys = {x["party"]["id"] for x in person}
        assert not keys & {x["party"]["id"] for x in masked["leads"]}
    assert served.get(f"/v1/entities/{C}/leads", "service").status_code == 403
