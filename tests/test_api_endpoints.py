"""Every endpoint against both stores, on the small hand-made portfolio (tests/kit.py): the
answers a person can check, in the documented shapes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_api_kit import (
    P1,
    P1_MASKED,
    P1_RID,
    P2,
    P2_MASKED,
    P3,
    P3_MASKED,
    P3_RID,
    STORES,
    UNKNOWN,
    A,
    Api,
    B,
    H,
    serve_small,
)

from api import models as m

AS_OF = "2025-12-31"


@pytest.fixture(scope="module", params=STORES)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Api]:
    yield from serve_small(request, tmp_path_factory)



def _ok(resp, model):  # type: ignore[no-untyped-def]
    assert resp.status_code == 200, resp.text
    body = resp.json()
    model.model_validate(body)
    return body


def test_single_score_of_an_enterprise(served: Api) -> None:
    body = _ok(served.get(f"/v1/entities/{A}/score", "service"), m.ScoreOut)
    assert body == {"id": A, "label": "Enterprise", "pd": 0.30, "contagion_exposure": 0.10,
                    "model_version": "test-1", "as_of": AS_OF}


def test_a_person_is_found_by_resident_id_and_shown_by_role(served: Api) -> None:
    svc = _ok(served.get(f"/v1/entities/{P1_RID}/score", "service"), m.ScoreOut)
    inv = _ok(served.get(f"/v1/entities/{P1_RID}/score", "investigator"), m.ScoreOut)
    assert (svc["id"], svc["pd"]) == (P1_MASKED, 0.12)
    assert (inv["id"], inv["pd"]) == (P1, 0.12)
    assert P1_RID not in svc["id"] + inv["id"]


def test_unknown_and_unscored_ids_are_404_with_distinct_codes(served: Api) -> None:
    r = served.get(f"/v1/entities/{UNKNOWN}/score", "service")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = served.get(f"/v1/entities/{P3}/score", "service")
    assert r.status_code == 404 and r.json()["error"] == "not_scored"
    r = served.get(f"/v1/entities/{P3_RID}/score", "service")
    assert r.status_code == 404 and P3_RID not in r.text and P3_MASKED in r.text


def test_batch_scores_keep_the_order_and_say_what_is_missing(served: Api) -> None:
    ids = [A, UNKNOWN, P3_RID, P1, B]
    body = _ok(served.post("/v1/scores", "service", json={"ids": ids}), m.BatchScoresOut)
    assert body["count"] == 5 and body["found"] == 3 and body["model_versions"] == ["test-1"]
    got = [(s["id"], s["pd"], s.get("missing")) for s in body["scores"]]
    assert got == [(A, 0.30, None), (UNKNOWN, None, "not_found"),
                   (P3_MASKED, None, "not_scored"), (P1_MASKED, 0.12, None), (B, 0.45, None)]
    admin = served.post("/v1/scores", "admin", json={"ids": [P1, P3_RID]}).json()
    assert [s["id"] for s in admin["scores"]] == [P1, P3]


def test_enterprise_profile(served: Api) -> None:
    body = _ok(served.get(f"/v1/entities/{A}", "committee"), m.EntityOut)
    assert body["name"] == "华信钢铁有限公司" and body["as_of"] == AS_OF
    assert body["properties"]["industry"] == "steel"
    assert body["properties"]["total_assets"] == 8e8
    assert body["score"]["pd"] == 0.30
    rels = {(r["type"], r["direction"], r["other"]["id"]): r["properties"]
            for r in body["relationships"]}
    assert rels[("HOLDS_SHARES", "in", H)]["ratio"] == 0.7
    assert ("BORROWS", "out", "L1") in rels
    assert rels[("GUARANTEES", "out", "L2")]["guarantee_id"] == "G2"
    assert ("HOLDS_POST", "in", P1_MASKED) in rels  # committee: persons masked
    assert body["contacts"] is None  # committee sees no contact points
    inv = _ok(served.get(f"/v1/entities/{A}", "investigator"), m.EntityOut)
    assert inv["contacts"] == [{"kind": "phone", "value": "0571-88880000"}]
    assert any(r["other"]["id"] == P1 for r in inv["relationships"])


def test_person_profile_by_role(served: Api) -> None:
    inv = _ok(served.get(f"/v1/entities/{P1_RID}", "investigator"), m.EntityOut)
    assert inv["id"] == P1 and inv["id_masked"] == P1_MASKED and inv["name"] == "张伟"
    assert inv["properties"]["birth_date"] == "1980-01-01"
    assert inv["contacts"] == [{"kind": "address", "value": "杭州市西湖区文三路1号"}]
    com = _ok(served.get(f"/v1/entities/{P1}", "committee"), m.EntityOut)
    assert com["id"] == P1_MASKED and "birth_date" not in com["properties"]
    assert P1 not in served.get(f"/v1/entities/{P1}", "service").text


def test_events_are_listed(served: Api) -> None:
    body = _ok(served.get(f"/v1/entities/{B}", "service"), m.EntityOut)
    assert body["events"] == [{"date": "2025-11-15", "kind": "overdue", "detail": "L2 45 days"}]


def test_explanation_masks_persons_for_the_committee(served: Api) -> None:
    com = _ok(served.get(f"/v1/entities/{A}/explanation", "committee"), m.ExplanationOut)
    tops = com["explanation"]["top_contributors"]
    assert [t["id"] for t in tops] == [B, P1_MASKED] and tops[1]["path"] == [A, P1_MASKED]
    inv = served.get(f"/v1/entities/{A}/explanation", "investigator").json()
    assert [t["id"] for t in inv["explanation"]["top_contributors"]] == [B, P1]
    r = served.get(f"/v1/entities/{H}/explanation", "committee")
    assert r.status_code == 200 and r.json()["explanation"] is None
    assert served.get(f"/v1/entities/{P3}/explanation").json()["error"] == "not_scored"


def test_neighbourhood(served: Api) -> None:
    body = _ok(served.get(f"/v1/entities/{A}/neighbourhood", "committee", params={"hops": 1}),
               m.NeighbourhoodOut)
    assert body["center"]["id"] == A and body["hops"] == 1 and not body["truncated"]
    near = {n["node"]["id"]: n["hops"] for n in body["nodes"]}
    assert near[A] == 0 and near[B] == 1 and near[H] == 1 and near[P1_MASKED] == 1
    only = served.get(f"/v1/entities/{A}/neighbourhood", "investigator",
                   params={"hops": 1, "types": ["HOLDS_SHARES"]}).json()
    assert {n["node"]["id"] for n in only["nodes"]} == {A, H}


def test_paths_in_words(served: Api) -> None:
    body = _ok(served.get("/v1/paths", "investigator", params={"source": A, "target": P2}),
               m.PathsOut)
    assert body["length"] == 2 and len(body["paths"]) >= 2
    texts = {p["text"] for p in body["paths"]}
    assert "华信钢铁有限公司 ←holds 70% of— 华信控股有限公司 ←holds 60% of— 李娜" in texts
    com = served.get("/v1/paths", "committee", params={"source": A, "target": P2_MASKED[:0] + P2})
    assert P2 not in com.text and P2_MASKED in com.text


def test_controller(served: Api) -> None:
    body = _ok(served.get(f"/v1/entities/{A}/controller", "investigator"), m.ControllerOut)
    assert body["chain"][0]["controller"]["id"] == H and body["ultimate"]["id"] == P2
    com = served.get(f"/v1/entities/{A}/controller", "committee").json()
    assert com["ultimate"]["id"] == P2_MASKED


def test_group_with_evidence_and_exposure(served: Api) -> None:
    body = _ok(served.get(f"/v1/entities/{A}/group", "committee"), m.GroupOut)
    members = {x["node"]["id"] for x in body["group"]["members"]}
    assert {A, B, H, P2_MASKED} <= members and body["group"]["size"] == len(members)
    assert all(x["evidence"] for x in body["group"]["members"])
    assert body["subject"]["id"] == A
    lenders = {x["lender"]["id"]: x["direct"] for x in body["exposure"]["by_lender"]}
    assert lenders == {"ICBC": 8e7, "BOC": 5e7}
    assert body["subject_exposure"]["total_direct"] == 8e7


def test_exposure(served: Api) -> None:
    body = _ok(served.get(f"/v1/entities/{B}/exposure", "admin"), m.ExposureOut)
    assert body["scope"] == "single" and body["total_direct"] == 5e7
    assert [g["guarantee_id"] for g in body["guarantees_given"]] == ["G1"]


def test_guarantee_circles(served: Api) -> None:
    body = _ok(served.get("/v1/guarantee-circles", "committee", params={"id": A}), m.GuaranteesOut)
    assert body["circles_total"] == 1 and body["mutual_pairs_total"] == 1
    assert {x["id"] for x in body["circles"][0]["members"]} == {A, B}
    assert body["position"]["circle"] == body["circles"][0]["key"]
    assert served.get("/v1/guarantee-circles", "committee").json()["position"] is None


def test_scenario_guarantor_default(served: Api) -> None:
    body = _ok(served.post("/v1/scenarios", "committee", json={"defaults": [B], "top": 5}),
               m.ScenarioOut)
    assert body["summary"]["additional_defaults"] == 1
    assert body["losses_by_lender"]["BOC"] == pytest.approx(5e7)
    assert body["top"][0]["defaulted"] and body["shocked"] == 1
    sector = served.post("/v1/scenarios", "investigator",
                      json={"sectors": ["steel"], "method": "cascade"}).json()
    assert sector["shocked"] == 1 and sector["method"] == "cascade"
    r = served.post("/v1/scenarios", "committee", json={"sectors": ["no such sector"]})
    assert r.status_code == 404
    r = served.post("/v1/scenarios", "committee", json={})
    assert r.status_code == 422 and r.json()["error"] == "query_limit"


def test_search(served: Api) -> None:
    body = _ok(served.get("/v1/search", "committee", params={"q": "华信"}), m.SearchOut)
    assert {h["id"] for h in body["hits"]} == {A, B, H} and body["count"] == 3
    assert served.get("/v1/search", "committee", params={"q": A}).json()["hits"][0]["match"] == "id"
    zw = served.get("/v1/search", "committee", params={"q": "张伟"}).json()["hits"]
    assert zw == [{"label": "Person", "id": P1_MASKED, "name": "张伟", "match": "name_exact",
                   "pd": 0.12, "id_masked": P1_MASKED}]
    by_rid = served.get("/v1/search", "investigator", params={"q": P1_RID}).json()
    assert by_rid["hits"][0]["id"] == P1 and by_rid["hits"][0]["match"] == "resident_id"
    assert P1_RID not in by_rid["query"]
    prefix = served.get("/v1/search", "investigator", params={"q": A[:12]}).json()
    assert {h["id"] for h in prefix["hits"]} == {A, B, H}
    hostile = served.get("/v1/search", "investigator", params={"q": "' OR 1=1 --"})
    assert hostile.json()["count"] == 0


def test_health_ready_and_metrics(served: Api) -> None:
    assert served.get("/health", None).json() == {"status": "ok"}
    ready = _ok(served.get("/ready", None), m.ReadyOut)
    assert ready["ready"] and ready["store"] == served.kind and ready["scores"] == 5
    assert ready["as_of"] == AS_OF and ready["store_up"]
    served.get(f"/v1/entities/{A}/score", "service")
    text = served.get("/metrics", None).text
    assert 'riskgraph_http_requests_total{method="GET",route="/v1/entities/{id}/score",' \
           'status="200"}' in text
    assert "riskgraph_http_request_duration_seconds_bucket" in text
    assert "riskgraph_store_up 1.0" in text


def test_admin_reload_and_keys(served: Api) -> None:
    assert served.post("/v1/admin/reload", "admin").status_code == 202
    keys = served.get("/v1/admin/keys", "admin").json()
    assert {k["role"] for k in keys} == {"service", "committee", "investigator", "admin"}
    assert all("sha256" not in k for k in keys)
