"""Bad and hostile input gets 4xx with field errors, never 5xx; the audit log records every
read of an entity (who, when, what, from where) and never a key or a resident id."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from test_api_kit import P1, P1_RID, ROLES, STORES, UNKNOWN, A, Api, B, serve_small

from api import models as m


@pytest.fixture(scope="module", params=STORES)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Api]:
    yield from serve_small(request, tmp_path_factory)


def _error(r, status: int, code: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert r.status_code == status, r.text
    body = r.json()
    m.ErrorOut.model_validate(body)
    assert body["error"] == code
    return body  # type: ignore[no-any-return]


def test_a_batch_over_10000_ids_is_422_with_the_field(served: Api) -> None:
    body = _error(served.post("/v1/scores", "service", json={"ids": [A] * 10_001}), 422,
                  "validation_error")
    assert body["detail"][0]["loc"] == ["body", "ids"] and body["detail"][0]["type"] == "too_long"
    ok = served.post("/v1/scores", "service", json={"ids": [A] * 10_000})
    assert ok.status_code == 200 and ok.json()["found"] == 10_000


@pytest.mark.parametrize("body", [{}, {"ids": []}, {"ids": "A"}, {"ids": [1, 2]}, [A],
                                  {"ids": [A, "'; MATCH (n) DETACH DELETE n //"]}])
def test_malformed_batches_are_422(served: Api, body: object) -> None:
    _error(served.post("/v1/scores", "service", json=body), 422, "validation_error")


def test_a_body_that_is_not_json_is_422(served: Api) -> None:
    r = served.client.post("/v1/scores", content=b"{not json", headers={
        "X-API-Key": served.keys["service"], "content-type": "application/json"})
    _error(r, 422, "validation_error")


def test_an_oversized_body_is_413(served: Api) -> None:
    big = json.dumps({"ids": ["X" * 60] * 40_000})
    r = served.client.post("/v1/scores", content=big, headers={
        "X-API-Key": served.keys["service"], "content-type": "application/json"})
    _error(r, 413, "payload_too_large")


@pytest.mark.parametrize("ident", [
    "' OR 1=1 --", "n) DETACH DELETE n //", "../../etc/passwd", "<script>alert(1)</script>",
    "A" * 65, "%00", "x y"])
def test_injection_strings_in_ids_are_refused_before_any_lookup(served: Api, ident: str) -> None:
    r = served.client.get(f"/v1/entities/{ident}/score",
                          headers={"X-API-Key": served.keys["admin"]})
    assert r.status_code in (404, 422), r.text  # 404: the path does not match a route
    assert r.status_code < 500


def test_an_unknown_id_is_404_everywhere(served: Api) -> None:
    for path in (f"/v1/entities/{UNKNOWN}", f"/v1/entities/{UNKNOWN}/score",
                 f"/v1/entities/{UNKNOWN}/group", f"/v1/entities/{UNKNOWN}/neighbourhood",
                 f"/v1/entities/{UNKNOWN}/controller", f"/v1/entities/{UNKNOWN}/exposure",
                 f"/v1/entities/{UNKNOWN}/explanation", f"/v1/paths?source={A}&target="
                 f"{UNKNOWN}", f"/v1/guarantee-circles?id={UNKNOWN}"):
        _error(served.get(path, "admin"), 404, "not_found")
    r = served.post("/v1/scenarios", "admin", json={"defaults": [UNKNOWN]})
    _error(r, 404, "not_found")


def test_hop_limits(served: Api) -> None:
    huge = served.get(f"/v1/entities/{A}/neighbourhood", "admin", params={"hops": 10**9})
    assert _error(huge, 422, "validation_error")["detail"][0]["loc"] == ["query", "hops"]
    over = served.get(f"/v1/entities/{A}/neighbourhood", "admin", params={"hops": 4})
    assert "limit" in _error(over, 422, "query_limit")["message"]
    _error(served.get(f"/v1/entities/{A}/neighbourhood", "admin", params={"hops": 0}), 422,
           "validation_error")
    _error(served.get("/v1/paths", "admin", params={"source": A, "target": B,
                                                     "max_hops": 7}), 422, "query_limit")
    _error(served.get(f"/v1/entities/{A}/neighbourhood", "admin", params={"types": "NOPE"}),
           422, "validation_error")
    _error(served.get("/v1/paths", "admin", params={"source": A}), 422, "validation_error")


def test_scenario_input_is_checked(served: Api) -> None:
    for body in ({"shocks": [{"id": A, "shock": 2}]}, {"lgd": -1, "defaults": [A]},
                 {"method": "magic", "defaults": [A]}, {"defaults": [A], "top": 10**6},
                 {"defaults": [A], "max_rounds": 0}):
        _error(served.post("/v1/scenarios", "admin", json=body), 422, "validation_error")


def test_search_input_is_checked(served: Api) -> None:
    _error(served.get("/v1/search", "admin", params={"q": ""}), 422, "validation_error")
    _error(served.get("/v1/search", "admin", params={"q": "x" * 101}), 422, "validation_error")
    r = served.get("/v1/search", "admin", params={"q": "MATCH (n) RETURN n"})
    assert r.status_code == 200 and r.json()["count"] == 0


def test_unknown_routes_and_methods(served: Api) -> None:
    _error(served.get("/v2/scores", "admin"), 404, "not_found")
    _error(served.call("DELETE", f"/v1/entities/{A}", "admin"), 405, "method_not_allowed")


def test_every_entity_read_is_audited_without_keys_or_resident_ids(served: Api) -> None:
    path = served.config.audit_file
    time.sleep(1.2)  # let records of earlier tests reach the file first
    before = len(path.read_text().splitlines()) if path.exists() else 0
    served.get(f"/v1/entities/{A}/score", "service")
    served.get(f"/v1/entities/{P1_RID}", "investigator")
    served.post("/v1/scores", "service", json={"ids": [B, P1_RID]})
    served.get(f"/v1/entities/{UNKNOWN}/group", "committee")
    served.get(f"/v1/entities/{A}/score", "committee", headers={"x-forwarded-for": "1.2.3.4"})
    deadline = time.monotonic() + 3  # flushed at least every second
    while True:
        all_lines = path.read_text().splitlines() if path.exists() else []
        text = "\n".join(all_lines[before:])
        if len(all_lines) - before >= 5 and UNKNOWN in text:
            break
        assert time.monotonic() < deadline, "audit records not flushed within a second"
        time.sleep(0.1)
    lines = [json.loads(x) for x in text.splitlines()]
    assert P1_RID not in text
    for role in ROLES:
        assert served.keys[role] not in text
    first = next(x for x in lines if x["route"] == "/v1/entities/{id}/score"
                 and x["role"] == "service")
    assert first["who"] == "test-service"
    assert first["ids"] == [A] and first["status"] == 200 and first["client"] == "127.0.0.1"
    assert first["ts"].endswith("Z") and first["method"] == "GET"
    person = next(x for x in lines if x["route"] == "/v1/entities/{id}"
                  and x["role"] == "investigator")
    assert person["ids"] != [P1_RID]
    batch = next(x for x in lines if x["route"] == "/v1/scores" and x["count"] == 2)
    assert batch["count"] == 2 and batch["ids"][0] == B and batch["ids"][1] == P1
    missing = next(x for x in lines if x["route"] == "/v1/entities/{id}/group"
                   and x["role"] == "committee")
    assert missing["status"] == 404 and missing["ids"] == [UNKNOWN]
