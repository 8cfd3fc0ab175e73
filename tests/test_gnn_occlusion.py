"""The scorecard's graph features after a party's edges are removed, as the explanations compute
them (from the full graph's sums, minus the removed edges), equal the features recomputed from
scratch on the graph without that party: for hubs, guarantee-circle members, business-group
holding companies and ordinary parties alike."""

from __future__ import annotations

import numpy as np
import pytest

from gnn.config import FeatureConfig
from gnn.data import prepare
from gnn.data.graph_features import local_graph_features
from gnn.data.occlusion import OcclusionFeatures
from gnn.data.party_graph import without_party
from gnn.data.prepare import PreparedGraph
from graph import EmbeddedStore, load_portfolio
from ingest import Pseudonymiser
from ingest.generator import GeneratorConfig, generate_portfolio


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> PreparedGraph:
    root = tmp_path_factory.mktemp("occlusion")
    gen = generate_portfolio(root / "pf", GeneratorConfig(enterprises=500, seed=11))
    store = EmbeddedStore(root / "data")
    load_portfolio(store, gen.path, Pseudonymiser(b"test-secret-key-0123456789"))
    return prepare(store.snapshot(), FeatureConfig())


def _candidates(data: PreparedGraph, occ: OcclusionFeatures) -> dict[str, np.ndarray]:
    pg = data.party
    deg = np.diff(data.adjacency.indptr)
    holds = pg.relations["holds_shares"]
    rng = np.random.default_rng(0)
    return {
        "hubs": np.argsort(-deg, kind="stable")[:10],
        "circle members": np.flatnonzero(occ._circle_size > 1)[:10],
        "holding companies": np.argsort(-np.bincount(holds.src, minlength=pg.num_parties),
                                        kind="stable")[:10],
        "defaulted": np.flatnonzero(data.prior_default)[:10],
        "anyone": rng.choice(pg.num_parties, 15, replace=False),
    }


def test_removing_a_party_changes_the_features_as_recomputed_from_scratch(
        data: PreparedGraph) -> None:
    args = (data.prior_default, data.raw.prior_overdue)
    occ = OcclusionFeatures(data.party, *args)
    full = local_graph_features(data.party, *args)
    assert occ.names == list(full.columns)
    groups = _candidates(data, occ)
    assert all(len(v) for v in groups.values()), {k: len(v) for k, v in groups.items()}
    for kind, nodes in groups.items():
        for c in map(int, nodes):
            truth = local_graph_features(without_party(data.party, c), *args).to_numpy()
            got = occ.without(c)
            moved = np.flatnonzero(np.abs(truth - full.to_numpy()).max(axis=1) > 0)
            assert set(moved.tolist()) <= set(got.rows.tolist()), (kind, c)
            np.testing.assert_allclose(got.values, truth[got.rows], rtol=0, atol=1e-12,
                                       err_msg=f"{kind}: party {c}")
            assert not got.values[got.rows == c].any(), "the removed party has no edges left"


def test_an_isolated_party_has_all_graph_features_zero(data: PreparedGraph) -> None:
    lone = np.flatnonzero(np.diff(data.adjacency.indptr) == 0)
    assert len(lone), "the generated portfolio has parties with no counterparty"
    assert not data.local_graph_features[lone].any()
