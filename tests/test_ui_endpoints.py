"""The UI's JSON endpoints (``/ui/api``) and the static app at ``/ui``, over HTTP, on the small
hand-made portfolio (see tests/test_api_kit.py for its scores): graph-shaped answers a person
can check, and the same keys, roles and redaction as ``/v1``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_api_kit import P1, P1_MASKED, P2, PII_KEY, A, B, H, load_small, make_keys

from api import ApiConfig, create_app
from api.testing import serve_in_thread
from api.ui import mount_ui
from graph import EmbeddedStore
from riskgraph.settings import Settings


class Ui:
    def __init__(self, base: str, keys: dict[str, str]) -> None:
        self.client = httpx.Client(base_url=base, timeout=60)
        self.keys = keys

    def get(self, path: str, role: str | None = "investigator", **kw: object) -> httpx.Response:
        headers = {"X-API-Key": self.keys[role]} if role else {}
        return self.client.get(path, headers=headers, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ui]:
    tmp = tmp_path_factory.mktemp("ui")
    store = EmbeddedStore(tmp / "data")
    load_small(store, tmp / "portfolio")
    dist = tmp / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<!doctype html><title>riskgraph</title>", "utf-8")
    (dist / "app.js").write_text("console.log('riskgraph')", "utf-8")
    settings = Settings(data_dir=tmp / "data", pii_key=PII_KEY)  # type: ignore[arg-type]
    config = ApiConfig.from_settings(settings)
    keys = make_keys(config)
    app = create_app(settings, config, store=store, wait_loaded=True)
    mount_ui(app, dist=dist)
    with serve_in_thread(app) as base:
        client = Ui(base, keys)
        yield client
        client.client.close()


def _ids(body: dict) -> set[str]:  # type: ignore[type-arg]
    return {n["id"] for n in body["nodes"]}


def test_the_app_is_served_at_ui(ui: Ui) -> None:
    r = ui.get("/ui", role=None, follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/ui/"
    r = ui.get("/ui/", role=None)
    assert r.status_code == 200 and "<title>riskgraph" in r.text
    assert r.headers["cache-control"] == "no-cache"
    assert ui.get("/ui/app.js", role=None).status_code == 200


def test_an_unbuilt_ui_says_how_to_build_it(tmp_path: Path) -> None:
    from fastapi import FastAPI

    app = FastAPI()
    mount_ui(app, dist=tmp_path / "nothing")
    with serve_in_thread(app) as base:
        r = httpx.get(base + "/ui/")
    assert r.status_code == 503 and "tools/build_web.sh" in r.text


def test_sign_in_needs_an_analyst_key(ui: Ui) -> None:
    assert ui.get("/ui/api/session", role=None).status_code == 401
    assert ui.get("/ui/api/session", role="service").status_code == 403
    body = ui.get("/ui/api/session").json()
    assert body["role"] == "investigator" and body["as_of"] == "2025-12-31"
    assert body["nodes"]["Enterprise"] == 3 and body["scores"] == 5


def test_expand_gives_nodes_with_colour_and_size_inputs_and_typed_edges(ui: Ui) -> None:
    body = ui.get(f"/ui/api/expand/{A}").json()
    assert body["center"] == A
    nodes = {n["id"]: n for n in body["nodes"]}
    assert {A, B, H, P1, "ICBC"} <= set(nodes)
    a = nodes[A]
    assert a["pd"] == pytest.approx(0.30) and a["ce"] == pytest.approx(0.10)
    assert a["outstanding"] == pytest.approx(8e7) and a["degree"] >= 5
    assert nodes["ICBC"]["label"] == "Lender"
    kinds = {(e["source"], e["target"], e["kind"]) for e in body["edges"]}
    assert (H, A, "shares") in kinds
    assert (P1, A, "post") in kinds
    assert (B, A, "guarantee") in kinds and (A, B, "guarantee") in kinds
    assert (A, "ICBC", "loan") in kinds
    assert all(":" in e["id"] and P1 not in e["id"] for e in body["edges"])


def test_expand_by_relationship_type(ui: Ui) -> None:
    body = ui.get(f"/ui/api/expand/{A}", params={"types": ["HOLDS_SHARES"]}).json()
    assert _ids(body) == {A, H}
    assert {e["kind"] for e in body["edges"]} == {"shares"}
    r = ui.get(f"/ui/api/expand/{A}", params={"types": ["OWNS"]})
    assert r.status_code == 422


def test_paths_come_with_the_edges_to_highlight(ui: Ui) -> None:
    body = ui.get("/ui/api/paths", params={"source": P2, "target": A}).json()
    assert body["length"] == 2
    by_nodes = {tuple(p["nodes"]): p for p in body["paths"]}
    assert set(by_nodes) == {(P2, H, A), (P2, P1, A)}  # through her stake, through her husband
    path = by_nodes[(P2, H, A)]
    assert path["text"] == "李娜 —holds 60% of→ 华信控股有限公司 —holds 70% of→ 华信钢铁有限公司"
    edge_ids = {e["id"] for e in body["edges"]}
    for p in body["paths"]:
        assert set(p["edges"]) <= edge_ids and len(p["edges"]) == 2


def test_group_and_circle(ui: Ui) -> None:
    group = ui.get(f"/ui/api/group/{A}").json()
    assert {A, B, H, P2} <= set(group["members"])
    assert group["size"] == len(group["members"])
    assert {e["rule"] for e in group["evidence"]} >= {"control", "legal_rep"}
    circle = ui.get(f"/ui/api/circle/{A}").json()
    assert circle["circle"]["size"] == 2  # A and B guarantee each other
    assert set(circle["members"]) == {A, B}
    assert {e["kind"] for e in circle["edges"]} == {"guarantee"}


def test_profile_has_loans_guarantees_score_and_contributors_with_paths(ui: Ui) -> None:
    p = ui.get(f"/ui/api/profile/{A}").json()
    assert p["node"]["name"] == "华信钢铁有限公司"
    assert p["score"]["pd"] == pytest.approx(0.30)
    assert [x["loan"] for x in p["loans"]] == ["L1"]
    assert {g["guarantee"] for g in p["guarantees_given"]} == {"G2"}
    assert {g["guarantee"] for g in p["guarantees_received"]} == {"G1", "G3"}
    first = p["contributors"][0]
    assert first["id"] == B and first["share"] == pytest.approx(0.6)
    assert first["path"]["paths"][0]["nodes"][0] == A
    assert p["ties"]["guarantee"] >= 2 and p["ties"]["shares"] == 1
    assert p["properties"]["industry"] == "steel"


def test_committee_sees_persons_masked_only(ui: Ui) -> None:
    body = ui.get(f"/ui/api/expand/{A}", role="committee").text
    assert P1 not in body and P1_MASKED in body
    p = ui.get(f"/ui/api/profile/{P1}", role="investigator").json()
    assert p["properties"].get("birth_date") == "1980-01-01"


def test_unknown_ids_and_bad_dates(ui: Ui) -> None:
    r = ui.get("/ui/api/profile/91330100MA0000999X")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert ui.get(f"/ui/api/expand/{A}", params={"as_of": "31/12/2025"}).status_code == 422
    r = ui.get(f"/ui/api/expand/{A}", params={"as_of": "2030-01-01"})
    assert r.status_code == 422 and "after the latest" in r.json()["message"]


def test_an_earlier_as_of_date_is_answered_from_that_snapshot(ui: Ui) -> None:
    # nothing was loaded before 2025-12-31: the party is not in that snapshot
    r = ui.get(f"/ui/api/expand/{A}", params={"as_of": "2025-01-01"})
    assert r.status_code == 404
    same = ui.get(f"/ui/api/expand/{A}", params={"as_of": "2025-12-31"}).json()
    assert A in _ids(same)
