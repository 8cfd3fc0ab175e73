"""``GET /v1/reports/{id}`` (api.report.route): HTML and PDF over HTTP, roles, unknown ids."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from test_api_kit import P1, P2, PII_KEY, A, load_small, make_keys

from api import ApiConfig, create_app
from api.report.route import router
from api.testing import serve_in_thread
from graph import EmbeddedStore
from riskgraph.settings import Settings


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, dict]]:  # type: ignore[type-arg]
    tmp = tmp_path_factory.mktemp("report-route")
    store = EmbeddedStore(tmp / "data")
    load_small(store, tmp / "portfolio")
    settings = Settings(data_dir=tmp / "data", pii_key=PII_KEY)  # type: ignore[arg-type]
    config = ApiConfig.from_settings(settings)
    keys = make_keys(config)
    app = create_app(settings, config, store=store, wait_loaded=True)
    if not any(getattr(r, "path", "") == "/v1/reports/{id}" for r in app.routes):
        app.include_router(router)
    with serve_in_thread(app) as base, httpx.Client(base_url=base, timeout=120) as client:
        yield client, keys


def test_html_report_for_the_committee(served) -> None:  # type: ignore[no-untyped-def]
    client, keys = served
    r = client.get(f"/v1/reports/{A}", params={"format": "html"},
                   headers={"X-API-Key": keys["committee"]})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "华信钢铁有限公司" in r.text and "Exposure by lender" in r.text
    assert P1 not in r.text and P2 not in r.text


def test_roles_and_unknown_ids(served) -> None:  # type: ignore[no-untyped-def]
    client, keys = served
    assert client.get(f"/v1/reports/{A}").status_code == 401
    assert client.get(f"/v1/reports/{A}", headers={"X-API-Key": keys["service"]}
                      ).status_code == 403
    r = client.get("/v1/reports/91330100MA0000999X", params={"format": "html"},
                   headers={"X-API-Key": keys["investigator"]})
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = client.get(f"/v1/reports/{A}", params={"format": "docx"},
                   headers={"X-API-Key": keys["investigator"]})
    assert r.status_code == 422


@pytest.mark.browser
def test_pdf_report(served) -> None:  # type: ignore[no-untyped-def]
    client, keys = served
    r = client.get(f"/v1/reports/{A}", headers={"X-API-Key": keys["investigator"]})
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    assert f"report-{A}-2025-12-31.pdf" in r.headers["content-disposition"]
