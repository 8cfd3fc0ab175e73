"""The GNN's data: the party graph a person can check by hand, features that are facts before
as_of (never labels), labels that leave unlisted parties unlabelled, and a seeded split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from kit import rid, small_portfolio, uscc, write_portfolio

from gnn.config import BaselineConfig, FeatureConfig, SplitConfig
from gnn.data import align_labels, party_graph, prepare, read_labels, split_targets
from gnn.data.targets import Targets
from graph import EmbeddedStore, load_portfolio
from graph.snapshot import Snapshot
from ingest import Pseudonymiser
from riskgraph.errors import PortfolioError

A, B, H = uscc(1), uscc(2), uscc(3)
P3 = rid(3, "19700303")


def _snapshot(tmp_path: Path, ps: Pseudonymiser, tables: dict | None = None) -> Snapshot:
    store = EmbeddedStore(tmp_path / "data")
    load_portfolio(store, write_portfolio(tmp_path / "pf", tables or small_portfolio()), ps)
    return store.snapshot()


def _edges(snap: Snapshot, rel: str) -> set[tuple[str, str]]:
    pg = party_graph(snap)
    r = pg.relations[rel]
    return {(pg.ids[s], pg.ids[d]) for s, d in zip(r.src, r.dst, strict=True)}


def test_loans_collapse_into_guarantor_to_borrower_edges(tmp_path: Path,
                                                         pseudonymiser: Pseudonymiser) -> None:
    snap = _snapshot(tmp_path, pseudonymiser)
    p3 = pseudonymiser.key(P3)
    assert _edges(snap, "guarantees") == {(B, A), (A, B), (p3, A)}
    assert _edges(snap, "guaranteed_by") == {(A, B), (B, A), (A, p3)}
    pg = party_graph(snap)
    g = pg.relations["guarantees"]
    names = g.attr_names
    k = next(i for i in range(len(g)) if pg.ids[g.src[i]] == A)  # A guarantees B's L2
    assert g.via[k] == "L2"
    assert g.attr[k, names.index("loan_overdue")] == 1.0
    assert g.attr[k, names.index("kind_joint")] == 1.0
    # 5e7 guaranteed against A's net assets of 3e8
    assert g.attr[k, names.index("burden")] == pytest.approx(np.log1p(5e7 / 3e8), rel=1e-6)
    person = next(i for i in range(len(g)) if pg.ids[g.src[i]] == p3)
    assert g.attr[person, names.index("burden_missing")] == 1.0


def test_every_relation_runs_both_ways(tmp_path: Path, pseudonymiser: Pseudonymiser) -> None:
    snap = _snapshot(tmp_path, pseudonymiser)
    p1, p2 = pseudonymiser.key(rid(1)), pseudonymiser.key(rid(2, "19820202"))
    assert _edges(snap, "holds_shares") == {(p2, H), (H, A)}
    assert _edges(snap, "owned_by") == {(H, p2), (A, H)}
    assert _edges(snap, "post_in") == {(p1, A), (p1, B), (p2, H)}
    assert _edges(snap, "relative_of") == {(p1, p2), (p2, p1)}
    assert _edges(snap, "shares_contact") == {(A, B), (B, A)}
    # Li Na holds H, H holds A: one business group of two enterprises
    assert _edges(snap, "same_group") == {(H, A), (A, H)}


def test_parallel_guarantees_merge_into_one_edge(tmp_path: Path,
                                                 pseudonymiser: Pseudonymiser) -> None:
    t = small_portfolio()
    t["loans"].append({"loan_id": "L3", "borrower_id": A, "lender": "ICBC", "amount": 1e7,
                       "outstanding": 1e7, "start": "2025-01-01", "maturity": "2027-01-01",
                       "status": "performing"})
    t["guarantees"].append({"guarantee_id": "G4", "guarantor_id": B, "loan_id": "L3",
                            "amount": 1e7, "kind": "general"})
    pg = party_graph(_snapshot(tmp_path, pseudonymiser, t))
    g = pg.relations["guarantees"]
    k = [i for i in range(len(g)) if pg.ids[g.src[i]] == B and pg.ids[g.dst[i]] == A]
    assert len(k) == 1
    names = g.attr_names
    assert g.via[k[0]] == "L1,L3"
    # amounts add up against B's net assets (5e7): 5e7 + 1e7
    assert g.attr[k[0], names.index("burden")] == pytest.approx(np.log1p(6e7 / 5e7), rel=1e-6)
    assert g.attr[k[0], names.index("kind_joint")] == 1.0
    assert g.attr[k[0], names.index("kind_general")] == 1.0


def test_contact_groups_above_the_cap_are_dropped(tmp_path: Path,
                                                  pseudonymiser: Pseudonymiser) -> None:
    snap = _snapshot(tmp_path, pseudonymiser)
    pg = party_graph(snap, FeatureConfig(max_contact_group=1))
    assert len(pg.relations["shares_contact"]) == 0
    assert pg.dropped_contact_groups == 1


def _defaulted_portfolio() -> dict:
    t = small_portfolio()
    t["loans"][1].update(status="default", default_date="2025-10-01", overdue_days=120)
    return t


def test_prior_default_comes_from_the_portfolio(tmp_path: Path,
                                                pseudonymiser: Pseudonymiser) -> None:
    data = prepare(_snapshot(tmp_path, pseudonymiser, _defaulted_portfolio()))
    ids = list(data.party.ids)
    assert data.prior_default[ids.index(B)]
    assert not data.prior_default[ids.index(A)]
    gf = data.graph_features(BaselineConfig())
    # A guarantees B's defaulted loan: one call; B is also its guarantor (lost)
    assert gf["called_count"][ids.index(A)] == pytest.approx(np.log1p(1))
    assert gf["lost_guarantors"][ids.index(A)] == pytest.approx(np.log1p(1))
    assert gf["circle_size"][ids.index(A)] == pytest.approx(np.log(2))  # the mutual pair


def test_labels_never_become_features(tmp_path: Path, pseudonymiser: Pseudonymiser) -> None:
    snap = _snapshot(tmp_path, pseudonymiser)
    data = prepare(snap)
    before = data.x.copy()
    labels = tmp_path / "labels.csv"
    labels.write_text(f"entity_id,defaulted,default_date\n{A},1,2026-03-01\n{H},0,\n")
    align_labels(read_labels(labels), data.party.ids, data.prior_default, snap.as_of, 365)
    again = prepare(snap)
    assert np.array_equal(before, again.x)
    assert again.fingerprint() == data.fingerprint()


def test_unlisted_parties_are_unlabelled_not_negative(tmp_path: Path,
                                                      pseudonymiser: Pseudonymiser) -> None:
    snap = _snapshot(tmp_path, pseudonymiser, _defaulted_portfolio())
    data = prepare(snap)
    labels = tmp_path / "labels.csv"
    labels.write_text("entity_id,defaulted,default_date\n"
                      f"{A},1,2026-03-01\n{B},0,\n{H},1,2027-06-01\n{P3},1,2026-01-10\n"
                      "91330100MA9999999X,0,\n")
    t = align_labels(read_labels(labels), data.party.ids, data.prior_default, snap.as_of, 365,
                     pseudonymiser.key)
    ids = list(data.party.ids)
    assert t.y[ids.index(A)] == 1.0
    assert np.isnan(t.y[ids.index(B)])  # defaulted before as_of: left out
    assert t.y[ids.index(H)] == 0.0  # a default after the horizon is a negative here
    assert t.y[ids.index(pseudonymiser.key(P3))] == 1.0  # resident id matched via its key
    assert np.isnan(t.y[ids.index(pseudonymiser.key(rid(1)))])  # not listed
    assert t.counts == {"listed": 5, "matched": 4, "unmatched": 1, "prior_default": 1,
                        "beyond_horizon": 1, "targets": 3, "positives": 2}


def test_a_bad_labels_file_says_what_to_fix(tmp_path: Path) -> None:
    bad = tmp_path / "labels.csv"
    bad.write_text("entity_id,defaulted\nX,yes\n")
    with pytest.raises(PortfolioError, match="defaulted must be 0 or 1"):
        read_labels(bad)
    bad.write_text("id,flag\nX,1\n")
    with pytest.raises(PortfolioError, match="missing entity_id, defaulted"):
        read_labels(bad)


def test_split_is_seeded_stratified_and_disjoint() -> None:
    rng = np.random.default_rng(0)
    y = np.where(rng.random(2000) < 0.1, 1.0, 0.0)
    y[rng.random(2000) < 0.3] = np.nan
    t = Targets(y, {})
    a = split_targets(t, SplitConfig(seed=3))
    b = split_targets(t, SplitConfig(seed=3))
    c = split_targets(t, SplitConfig(seed=4))
    assert all(np.array_equal(a.part(p), b.part(p)) for p in ("train", "val", "test"))
    assert not np.array_equal(a.train, c.train)
    parts = np.concatenate([a.train, a.val, a.test])
    assert len(parts) == len(set(parts.tolist())) == int((~np.isnan(y)).sum())
    rates = [np.mean(y[a.part(p)]) for p in ("train", "val", "test")]
    assert max(rates) - min(rates) < 0.01
