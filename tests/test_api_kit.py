"""What the API tests share: the small hand-made portfolio served over either store, with
scores a person can check and a key for every role. (No tests here.)

Scores written (the rest of the parties are not scored)::

    A  华信钢铁  pd 0.30  exposure 0.10   explanation names B and Zhang Wei (P1)
    B  华信贸易  pd 0.45  exposure 0.20
    H  华信控股  pd 0.05  exposure 0.01
    P1 张伟      pd 0.12  exposure 0.04
    P2 李娜      pd 0.08  exposure 0.02
    (P3 王芳 is in the graph but not scored)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from kit import rid, small_portfolio, uscc, write_portfolio

from api import ApiConfig, create_app
from api.keys import create_key
from api.testing import serve_in_thread
from graph import EmbeddedStore, GraphStore, load_portfolio
from ingest import Pseudonymiser, mask_id
from riskgraph.settings import Settings

ROLES = ("service", "committee", "investigator", "admin")
PII_KEY = "test-secret-key-0123456789"
A, B, H = uscc(1), uscc(2), uscc(3)
P1_RID, P2_RID, P3_RID = rid(1), rid(2, "19820202"), rid(3, "19700303")
PS = Pseudonymiser(PII_KEY.encode())
P1, P2, P3 = PS.key(P1_RID), PS.key(P2_RID), PS.key(P3_RID)
P1_MASKED, P2_MASKED, P3_MASKED = mask_id(P1_RID), mask_id(P2_RID), mask_id(P3_RID)
UNKNOWN = uscc(999)

SCORES = {A: ("Enterprise", 0.30, 0.10), B: ("Enterprise", 0.45, 0.20),
          H: ("Enterprise", 0.05, 0.01), P1: ("Person", 0.12, 0.04),
          P2: ("Person", 0.08, 0.02)}
EXPLANATION_A = {"top_contributors": [{"id": B, "share": 0.6, "path": [A, B]},
                                      {"id": P1, "share": 0.2, "path": [A, P1]}]}


def load_small(store: GraphStore, folder: Path) -> None:
    load_portfolio(store, write_portfolio(folder, small_portfolio()), PS)
    store.write_scores(pd.DataFrame([
        {"id": i, "label": lab, "pd": p, "contagion_exposure": e, "model_version": "test-1",
         "explanation": json.dumps(EXPLANATION_A) if i == A else None}
        for i, (lab, p, e) in SCORES.items()]))


@dataclass
class Api:
    """A served API and a key per role."""

    base: str
    keys: dict[str, str]
    settings: Settings
    config: ApiConfig
    kind: str
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.base, timeout=60)

    def headers(self, role: str | None, extra: dict[str, str] | None = None
                ) -> dict[str, str]:
        return {**({"X-API-Key": self.keys[role]} if role else {}), **(extra or {})}

    def get(self, path: str, role: str | None = "admin", **kw: Any) -> httpx.Response:
        return self.call("GET", path, role, **kw)

    def post(self, path: str, role: str | None = "admin", **kw: Any) -> httpx.Response:
        return self.call("POST", path, role, **kw)

    def call(self, method: str, path: str, role: str | None, **kw: Any) -> httpx.Response:
        headers = self.headers(role, kw.pop("headers", None))
        return self.client.request(method, path, headers=headers, **kw)


def make_keys(config: ApiConfig) -> dict[str, str]:
    return {role: create_key(config.keys_file, f"test-{role}", role)[0] for role in ROLES}


def serve(store: GraphStore, data_dir: Path, kind: str,
          **config: Any) -> Iterator[Api]:
    settings = Settings(data_dir=data_dir, pii_key=PII_KEY, store=kind)  # type: ignore[arg-type]
    cfg = ApiConfig.from_settings(settings, **config)
    keys = make_keys(cfg)
    app = create_app(settings, cfg, store=store, wait_loaded=True)
    with serve_in_thread(app) as base:
        api = Api(base, keys, settings, cfg, kind)
        try:
            yield api
        finally:
            api.client.close()


STORES = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]


def serve_small(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[Api]:
    """The small portfolio served over the store ``request.param`` (a module fixture in each
    test module: ``@pytest.fixture(scope="module", params=STORES)``)."""
    tmp = tmp_path_factory.mktemp(f"api-{request.param}")
    store: GraphStore
    if request.param == "embedded":
        store = EmbeddedStore(tmp / "data")
    else:
        from graph.neo4j_store import Neo4jStore

        store = Neo4jStore(request.getfixturevalue("neo4j_driver"))
        store.clear()
    load_small(store, tmp / "portfolio")
    yield from serve(store, tmp / "data", request.param)
