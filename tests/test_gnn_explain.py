"""Explanations are faithful: removing a named contributor's edges moves the PD by exactly the
contribution the explanation states, through the GNN's messages and through the scorecard's
graph features alike; the contagion exposure is the PD minus the PD with the party's own edges
removed; what-if marks defaults the way a portfolio shows them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from gnn.artifacts import ModelArtifact
from gnn.calibration import Calibrator
from gnn.config import GnnConfig, ModelConfig, TrainConfig
from gnn.data import align_labels, prepare, read_labels, split_targets
from gnn.data.party_graph import shareholding_components, without_party
from gnn.data.prepare import PreparedGraph
from gnn.explain import Explainer, Explanation
from gnn.scorecard import Scorecard
from gnn.scoring import Scores, prepare_for, score_graph
from gnn.train import predict_logits, train_gnn
from gnn.whatif import mark_defaulted, what_if
from graph import EmbeddedStore, load_portfolio
from graph.model import Label, RelType
from graph.snapshot import EdgeTable, Snapshot
from ingest import Pseudonymiser
from ingest.generator import GeneratorConfig, generate_portfolio

ATOL = 1e-5  # float32 model, float64 calibration


@dataclasses.dataclass
class Trained:
    snapshot: Snapshot
    data: PreparedGraph
    artifact: ModelArtifact
    scores: Scores


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    root = tmp_path_factory.mktemp("gnn-explain")
    gen = generate_portfolio(root / "pf", GeneratorConfig(enterprises=400, seed=3))
    store = EmbeddedStore(root / "data")
    load_portfolio(store, gen.path, Pseudonymiser(b"test-secret-key-0123456789"))
    snap = store.snapshot()
    cfg = GnnConfig(model=ModelConfig(hidden=16, head_hidden=16),
                    train=TrainConfig(epochs=12, mode="full", min_epochs=12))
    data = prepare(snap, cfg.features)
    targets = align_labels(read_labels(gen.labels_path), data.party.ids, data.prior_default,
                           snap.as_of, cfg.features.horizon_days)
    split = split_targets(targets, cfg.split)
    card, data = Scorecard.fit_attached(data, targets.y, split, cfg.scorecard, cfg.baselines,
                                        cfg.train.seed)
    assert card.graph, "the default scorecard reads the local graph features"
    result = train_gnn(data, targets, split, cfg)
    z = predict_logits(result.model, data.batch)
    cal = Calibrator.fit(z[split.val], targets.y[split.val])
    art = ModelArtifact("gnn-test-00000000", result.model, data.spec, cfg, cal, scorecard=card)
    return Trained(snap, data, art, score_graph(art, data))


def _pd_without(t: Trained, removed: int) -> np.ndarray:
    """Rescore the whole graph with every party-graph edge of ``removed`` taken out (and the
    business-group ties it alone held together): graph features recomputed from scratch, the
    scorecard rerun on them, the GNN run on the graph that is left."""
    assert t.artifact.scorecard is not None
    data = dataclasses.replace(t.data, party=without_party(t.data.party, removed),
                               scorecard=None, scorecard_isolated=None)
    data = t.artifact.scorecard.attach(data)
    return t.artifact.calibrator(predict_logits(t.artifact.model, data.batch))


def _explained(t: Trained, count: int) -> list[Explanation]:
    live = np.flatnonzero(~t.scores.prior_default)
    order = live[np.argsort(-np.abs(t.scores.exposure[live]), kind="stable")]
    found = [e for e in Explainer(t.artifact, t.data, t.scores).explain(order[:4 * count])
             if e.contributors]
    assert len(found) >= count, "the trained model should see some network effect"
    return found[:count]


def test_the_explained_pd_is_the_scored_pd(trained: Trained) -> None:
    for e in _explained(trained, 5):
        v = list(trained.data.party.ids).index(e.id)
        assert e.pd == pytest.approx(trained.scores.pd[v], abs=ATOL)


def test_removing_the_top_contributor_moves_the_pd_as_explained(trained: Trained) -> None:
    ids = list(trained.data.party.ids)
    for e in _explained(trained, 5):
        top = e.contributors[0]
        after = _pd_without(trained, ids.index(top.id))[ids.index(e.id)]
        assert trained.scores.pd[ids.index(e.id)] - after == pytest.approx(top.contribution,
                                                                            abs=ATOL)
        assert after == pytest.approx(top.pd_without, abs=ATOL)
        assert np.sign(e.pd - after) == np.sign(top.contribution)


def test_contributors_are_ranked_by_the_size_of_their_effect(trained: Trained) -> None:
    for e in _explained(trained, 5):
        sizes = [abs(c.contribution) for c in e.contributors]
        assert sizes == sorted(sizes, reverse=True)
        assert all(c.hops in (1, 2) for c in e.contributors)


def test_contagion_exposure_is_the_pd_minus_the_pd_without_own_edges(trained: Trained) -> None:
    live = np.flatnonzero(~trained.scores.prior_default)
    v = int(live[np.argmax(np.abs(trained.scores.exposure[live]))])
    isolated = _pd_without(trained, v)[v]
    assert trained.scores.pd_isolated[v] == pytest.approx(isolated, abs=ATOL)
    assert trained.scores.exposure[v] == pytest.approx(trained.scores.pd[v] - isolated, abs=ATOL)


def test_paths_lead_from_the_contributor_to_the_party(trained: Trained) -> None:
    for e in _explained(trained, 5):
        for c in e.contributors:
            assert c.paths
            for path in c.paths:
                assert path[0].src == c.id and path[-1].dst == e.id
                assert all(a.dst == b.src for a, b in zip(path, path[1:], strict=False))
                assert len(path) == c.hops
        assert Explanation(**{**e.to_dict(), "contributors": ()}).id == e.id
        assert '"contributors":[{' in e.to_json()


def _without_party(snap: Snapshot, node: int) -> Snapshot:
    """The snapshot with every relationship of ``node`` to another party removed, as a bank
    would remove it from the portfolio: its posts, shareholdings, family ties, contacts, the
    guarantees it gave, and the guarantees others gave on its loans (its own loans stay)."""
    borrows = snap.edges[RelType.BORROWS]
    its_loans = borrows.dst[borrows.src == node]
    edges = dict(snap.edges)
    for rel, e in snap.edges.items():
        if rel in (RelType.BORROWS, RelType.LENT_BY, RelType.HAS_EVENT):
            continue
        drop = (e.src == node) | (e.dst == node)
        if rel is RelType.GUARANTEES:
            drop |= np.isin(e.dst, its_loans)
        keep = ~drop
        edges[rel] = EdgeTable(rel, e.src[keep], e.dst[keep],
                               e.props[keep].reset_index(drop=True))
    return Snapshot(snap.as_of, snap.nodes, snap.props, edges, snap.features)


def test_removing_the_contributor_from_the_portfolio_agrees_with_the_explanation(
        trained: Trained) -> None:
    ids = list(trained.data.party.ids)
    for e in _explained(trained, 3):
        top = e.contributors[0]
        again = score_graph(trained.artifact, prepare_for(
            trained.artifact, _without_party(trained.snapshot, ids.index(top.id))))
        moved = e.pd - again.pd[ids.index(e.id)]
        assert np.sign(moved) == np.sign(top.contribution)
        # only a shared contact's group size (an edge attribute) can differ from the occlusion
        assert moved == pytest.approx(top.contribution, rel=0.25, abs=1e-4)


def test_marking_a_default_sets_loans_and_an_event(trained: Trained) -> None:
    snap = trained.snapshot
    data = trained.data
    live = np.flatnonzero(~data.prior_default & ~data.party.is_person)
    borrows = snap.edges[RelType.BORROWS]
    v = int(next(i for i in live if (borrows.src == i).any()))
    ident = str(data.party.ids[v])
    marked = mark_defaulted(snap, [ident])
    loans = marked.props[Label.LOAN].loc[borrows.dst[borrows.src == v]]
    assert set(loans["status"]) <= {"default", "closed"}
    assert (loans.loc[loans["status"] == "default", "default_date"].notna()).all()
    again = prepare_for(trained.artifact, marked)
    assert again.prior_default[v]
    assert again.prior_default.sum() == data.prior_default.sum() + 1
    assert marked.num_nodes == snap.num_nodes + 1  # one default event


def test_what_if_moves_only_the_receptive_field(trained: Trained) -> None:
    data = trained.data
    live = np.flatnonzero(~data.prior_default & ~data.party.is_person)
    adj = data.adjacency
    v = int(live[np.argmax(np.diff(adj.indptr)[live])])  # the best-connected live firm
    result = what_if(trained.artifact, trained.snapshot, [str(data.party.ids[v])])
    frame = result.frame.set_index("id")
    assert frame.loc[data.party.ids[v], "pd_after"] == 1.0
    assert frame.loc[data.party.ids[v], "marked"]
    # a default changes the scorecard's graph features of its neighbours and of its business
    # group; the GNN carries those two more hops
    group = shareholding_components(data.num_parties, data.party.relations["holds_shares"])
    touched = np.zeros(data.num_parties, dtype=bool)
    touched[adj[v].indices] = touched[v] = True
    touched |= group == group[v]
    for _ in range(2):
        touched |= (adj @ touched.astype(float)) > 0
    far = np.flatnonzero(~touched)
    assert len(far), "the portfolio reaches beyond the default's receptive field"
    assert np.allclose(frame.loc[data.party.ids[far], "delta"].to_numpy(), 0.0, atol=1e-12)
    near = frame.loc[data.party.ids[np.flatnonzero(touched)], "delta"].to_numpy()
    assert np.abs(near).max() > 0


def test_what_if_needs_a_known_party(trained: Trained, tmp_path: Path) -> None:
    from riskgraph.errors import NotFound, RiskgraphError

    with pytest.raises(NotFound):
        what_if(trained.artifact, trained.snapshot, ["91330100MA9999999X"])
    with pytest.raises(RiskgraphError):
        what_if(trained.artifact, trained.snapshot, [])


def test_a_group_tie_through_the_removed_party_goes_with_it(trained: Trained) -> None:
    pg = trained.data.party
    sg = pg.relations["same_group"]
    holds = pg.relations["holds_shares"]
    assert len(sg), "the generated portfolio has business groups"
    comp = shareholding_components(pg.num_parties, holds)
    # a holding company whose removal splits its group (its subsidiaries hold nothing else)
    for hub in np.argsort(-np.bincount(holds.src, minlength=pg.num_parties))[:50]:
        rest = without_party(pg, int(hub))
        after = shareholding_components(pg.num_parties, rest.relations["holds_shares"])
        inside = np.flatnonzero((comp == comp[hub]) & (np.arange(pg.num_parties) != hub))
        linked = np.isin(sg.src, inside).any()  # a group small enough to be linked pairwise
        if linked and len(np.unique(after[inside])) > 1:
            break
    else:
        pytest.fail("no holding company splits its group")
    before = {(a, b) for a, b in zip(sg.src.tolist(), sg.dst.tolist(), strict=True)
              if hub not in (a, b)}
    cut = rest.relations["same_group"]
    kept = set(zip(cut.src.tolist(), cut.dst.tolist(), strict=True))
    assert kept < before
    assert all(after[a] == after[b] for a, b in kept)
