"""The scorecard (own and local graph features; one more GNN input) is cross-fitted: a training
party's own label never reaches its own input, the parties that did not train it are scored by
their fold's model, and a stored model scores a snapshot exactly as it was trained."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from gnn.artifacts import ModelArtifact, load_artifact, save_artifact
from gnn.calibration import Calibrator
from gnn.config import GnnConfig, ModelConfig, ScorecardConfig
from gnn.data import align_labels, prepare, read_labels, split_targets
from gnn.data.prepare import PreparedGraph, relation_dims
from gnn.data.targets import Split, Targets
from gnn.models.contagion_gnn import ContagionGNN
from gnn.scorecard import Scorecard, fold_of
from gnn.scoring import prepare_for
from graph import EmbeddedStore, load_portfolio
from graph.snapshot import Snapshot
from ingest import Pseudonymiser
from ingest.generator import GeneratorConfig, generate_portfolio
from riskgraph.errors import StoreError

CFG = GnnConfig(model=ModelConfig(hidden=8, head_hidden=8))


@dataclasses.dataclass
class Case:
    snapshot: Snapshot
    data: PreparedGraph
    targets: Targets
    split: Split


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    root = tmp_path_factory.mktemp("scorecard")
    gen = generate_portfolio(root / "pf", GeneratorConfig(enterprises=600, seed=5))
    store = EmbeddedStore(root / "data")
    load_portfolio(store, gen.path, Pseudonymiser(b"test-secret-key-0123456789"))
    snap = store.snapshot()
    data = prepare(snap, CFG.features)
    targets = align_labels(read_labels(gen.labels_path), data.party.ids, data.prior_default,
                           snap.as_of, CFG.features.horizon_days)
    return Case(snap, data, targets, split_targets(targets, CFG.split))


def _fit(case: Case, y: np.ndarray) -> Scorecard:
    return Scorecard.fit(case.data, y, case.split, CFG.scorecard, CFG.baselines, 7)


def test_a_training_partys_own_label_never_reaches_its_own_input(case: Case) -> None:
    card = _fit(case, case.targets.y)
    fold = fold_of(case.data.party.ids[case.split.train], CFG.scorecard.folds)
    assert card.folds == CFG.scorecard.folds
    # flip the labels of one fold's training parties: only the *other* folds' trees see them
    flipped = case.targets.y.copy()
    moved = case.split.train[fold == 0]
    flipped[moved] = 1 - flipped[moved]
    again = _fit(case, flipped)
    before, after = card.raw(case.data), again.raw(case.data)
    assert np.array_equal(before[moved], after[moved])
    others = case.split.train[fold != 0]
    assert not np.allclose(before[others], after[others])


def test_every_party_is_scored_by_its_folds_model(case: Case) -> None:
    card = _fit(case, case.targets.y)
    raw = card.raw(case.data)
    x = np.column_stack([case.data.x[:, case.data.own_columns],
                         case.data.party.is_person.astype(float),
                         case.data.local_graph_features])
    ids = case.data.party.ids
    for v in [*case.split.test[:10], *case.split.train[:10]]:
        k = int(fold_of(ids[v:v + 1], CFG.scorecard.folds)[0])
        assert raw[v, 0] == pytest.approx(card.models[0][k].decision_function(x[v:v + 1])[0],
                                          abs=1e-12)
    # the folds are a hash of the id: the same in any later snapshot, and about even
    counts = np.bincount(fold_of(ids, CFG.scorecard.folds), minlength=CFG.scorecard.folds)
    assert counts.min() > 0.6 * counts.mean()


def test_types_without_training_labels_get_the_neutral_value(case: Case) -> None:
    card = _fit(case, case.targets.y)
    assert card.types == (0,)  # the generator labels enterprises only
    column = card.column(case.data)
    assert np.all(column[case.data.party.is_person] == 0.0)
    enterprises = column[~case.data.party.is_person]
    assert enterprises.mean() == pytest.approx(0.0, abs=1e-9)
    assert enterprises.std() == pytest.approx(1.0, abs=1e-6)


def test_a_stored_model_scores_with_the_same_scorecard(case: Case, tmp_path: Path) -> None:
    card = _fit(case, case.targets.y)
    data = case.data.with_scorecard(card.column(case.data))
    assert data.batch.x.shape[1] == int(case.data.own_columns.sum()) + 1
    model = ContagionGNN(data.batch.x.shape[1], relation_dims(), CFG.model)
    art = ModelArtifact("gnn-20260101-00000000", model, case.data.spec, CFG,
                        Calibrator("platt"), scorecard=card)
    folder = save_artifact(tmp_path, art)
    loaded = load_artifact(tmp_path)
    assert loaded.scorecard is not None and loaded.input_dim == data.batch.x.shape[1]
    again = prepare_for(loaded, case.snapshot)
    assert np.array_equal(again.batch.x.numpy(), data.batch.x.numpy())

    meta = json.loads((folder / "meta.json").read_text())
    meta["scorecard_sha256"] = "0" * 64
    (folder / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(StoreError, match="altered"):
        load_artifact(tmp_path)


def test_fewer_than_two_folds_is_refused(case: Case) -> None:
    from riskgraph.errors import RiskgraphError

    with pytest.raises(RiskgraphError, match="2 folds"):
        Scorecard.fit(case.data, case.targets.y, case.split, ScorecardConfig(folds=1),
                      CFG.baselines, 7)


def test_fitting_attaches_the_same_column_that_scoring_computes(case: Case) -> None:
    card, attached = Scorecard.fit_attached(case.data, case.targets.y, case.split,
                                            CFG.scorecard, CFG.baselines, 7)
    assert attached.scorecard is not None
    assert np.array_equal(attached.scorecard, case.data.with_scorecard(
        card.column(case.data)).scorecard)
