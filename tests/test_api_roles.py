"""Who may call what: each endpoint x each role gives its answer or 403; no key, a wrong key
and a revoked key give 401. The table below is the specification (docs/api.md has it too)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from test_api_kit import ROLES, STORES, A, Api, B, serve_small

from api.deps import ROLE_TABLE
from api.keys import revoke_key

S, C, I, AD = "service", "committee", "investigator", "admin"  # noqa: E741

#: (method, path as called, route template, roles allowed)
MATRIX = [
    ("GET", f"/v1/entities/{A}", "/v1/entities/{id}", (S, C, I, AD)),
    ("GET", f"/v1/entities/{A}/score", "/v1/entities/{id}/score", (S, C, I, AD)),
    ("POST", "/v1/scores", "/v1/scores", (S, AD)),
    ("GET", f"/v1/entities/{A}/explanation", "/v1/entities/{id}/explanation", (C, I, AD)),
    ("GET", f"/v1/entities/{A}/neighbourhood", "/v1/entities/{id}/neighbourhood", (C, I, AD)),
    ("GET", f"/v1/paths?source={A}&target={B}", "/v1/paths", (C, I, AD)),
    ("GET", f"/v1/entities/{A}/controller", "/v1/entities/{id}/controller", (C, I, AD)),
    ("GET", f"/v1/entities/{A}/group", "/v1/entities/{id}/group", (C, I, AD)),
    ("GET", f"/v1/entities/{A}/exposure", "/v1/entities/{id}/exposure", (C, I, AD)),
    ("GET", "/v1/guarantee-circles", "/v1/guarantee-circles", (C, I, AD)),
    ("POST", "/v1/scenarios", "/v1/scenarios", (C, I, AD)),
    ("POST", "/v1/what-if", "/v1/what-if", (C, I, AD)),
    ("GET", "/v1/search?q=华信", "/v1/search", (C, I, AD)),
    ("POST", "/v1/admin/reload", "/v1/admin/reload", (AD,)),
    ("GET", "/v1/admin/keys", "/v1/admin/keys", (AD,)),
    ("GET", "/v1/alerts", "/v1/alerts", (S, C, I, AD)),
    ("POST", "/v1/alerts/A00000000000000000000/ack", "/v1/alerts/{id}/ack", (C, I, AD)),
    ("GET", f"/v1/entities/{A}/leads", "/v1/entities/{id}/leads", (C, I, AD)),
    ("GET", f"/v1/reports/{A}?format=html", "/v1/reports/{id}", (C, I, AD)),
]
BODIES = {"/v1/scores": {"ids": [A, B]}, "/v1/scenarios": {"defaults": [B]},
          "/v1/what-if": {"defaults": [B]}}
OPEN = ["/health", "/ready", "/metrics", "/openapi.json", "/docs"]


@pytest.fixture(scope="module", params=STORES)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Api]:
    yield from serve_small(request, tmp_path_factory)



def _call(served: Api, method: str, path: str, role: str | None, **kw: object):  # type: ignore[no-untyped-def]
    body = BODIES.get(path)
    return served.call(method, path, role, json=body, **kw)


def test_the_matrix_covers_every_v1_route() -> None:
    v1 = {route for route in ROLE_TABLE if " /v1/" in route}  # /ui/api has tests of its own
    assert {f"{m} {t}" for m, _, t, _ in MATRIX} == v1
    for method, _, template, roles in MATRIX:
        assert ROLE_TABLE[f"{method} {template}"] == roles


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "template", "allowed"), MATRIX,
                         ids=[f"{m} {t}" for m, _, t, _ in MATRIX])
def test_role_matrix(served: Api, method: str, path: str, template: str,
                     allowed: tuple[str, ...], role: str) -> None:
    r = _call(served, method, path, role)
    if role in allowed:  # what-if without a trained model, ack of no alert: 404 "not found"
        assert r.status_code in (200, 202) or (
            template in ("/v1/what-if", "/v1/alerts/{id}/ack")
            and r.json()["error"] == "not_found"), r.text
    else:
        assert r.status_code == 403, r.text
        assert r.json()["error"] == "forbidden" and ", ".join(allowed) in r.json()["message"]


@pytest.mark.parametrize(("method", "path", "template", "allowed"), MATRIX,
                         ids=[f"{m} {t}" for m, _, t, _ in MATRIX])
def test_no_key_or_a_wrong_key_is_401(served: Api, method: str, path: str, template: str,
                                      allowed: tuple[str, ...]) -> None:
    r = _call(served, method, path, None)
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    assert r.headers["www-authenticate"] == "Bearer"
    r = served.client.request(method, path, json=BODIES.get(path),
                           headers={"X-API-Key": "rg_" + "x" * 43})
    assert r.status_code == 401


def test_the_key_also_works_as_a_bearer_token(served: Api) -> None:
    r = served.client.get(f"/v1/entities/{A}/score",
                       headers={"Authorization": f"Bearer {served.keys['service']}"})
    assert r.status_code == 200


@pytest.mark.parametrize("path", OPEN)
def test_operations_endpoints_need_no_key(served: Api, path: str) -> None:
    assert served.get(path, None).status_code == 200


def test_openapi_states_the_roles_of_every_endpoint(served: Api) -> None:
    doc = served.get("/openapi.json", None).json()
    for method, _, template, roles in MATRIX:
        op = doc["paths"][template][method.lower()]
        assert op["x-roles"] == list(roles)
        assert f"**Roles:** {', '.join(roles)}." in op["description"]
        assert {"401", "403", "422", "503"} <= set(op["responses"])
        assert op["security"] == [{"ApiKey": []}, {"Bearer": []}]
    assert "examples" in doc["components"]["schemas"]["ScoreOut"]


def test_a_revoked_key_stops_working_within_a_heartbeat(served: Api) -> None:
    from api.keys import create_key

    key, entry = create_key(served.config.keys_file, "short-lived", "service")
    deadline = time.monotonic() + 5
    while served.client.get(f"/v1/entities/{A}/score",
                         headers={"X-API-Key": key}).status_code != 200:
        assert time.monotonic() < deadline, "a new key was not picked up"
        time.sleep(0.1)
    revoke_key(served.config.keys_file, entry.id)
    deadline = time.monotonic() + 5
    while served.client.get(f"/v1/entities/{A}/score", headers={"X-API-Key": key}).status_code \
            != 401:
        assert time.monotonic() < deadline, "a revoked key kept working"
        time.sleep(0.1)
