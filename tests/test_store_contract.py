"""The store contract: both stores give the same answers (run once per store)."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import neo4j
import pandas as pd
import pytest
from kit import rid, small_portfolio, uscc, write_portfolio

from graph import EmbeddedStore, GraphStore, RelType, load_portfolio
from ingest import Pseudonymiser
from riskgraph.errors import ConfigError, NotFound, SnapshotOrderError

A, B, H = uscc(1), uscc(2), uscc(3)


def _load(store: GraphStore, folder: Path, p: Pseudonymiser):  # type: ignore[no-untyped-def]
    return load_portfolio(store, folder, p)


@pytest.fixture
def loaded(store: GraphStore, tmp_path: Path, pseudonymiser: Pseudonymiser) -> GraphStore:
    _load(store, write_portfolio(tmp_path / "m1", small_portfolio()), pseudonymiser)
    return store


def test_counts_by_label_and_type(loaded: GraphStore) -> None:
    c = loaded.counts()
    assert c.as_of == "2025-12-31"
    assert c.nodes == {
        "Enterprise": 3,
        "Person": 3,
        "Lender": 2,
        "Loan": 2,
        "Contact": 2,
        "Event": 1,
    }
    assert c.relationships == {
        "HOLDS_POST": 3,
        "HOLDS_SHARES": 2,
        "RELATIVE_OF": 1,
        "BORROWS": 2,
        "LENT_BY": 2,
        "GUARANTEES": 3,
        "HAS_CONTACT": 3,
        "HAS_EVENT": 1,
    }
    assert sum(c.ended_relationships.values()) == 0


def test_a_node_has_its_properties(loaded: GraphStore) -> None:
    a = loaded.node(A)
    assert a.label == "Enterprise"
    assert a.props["name"] == "华信钢铁有限公司"
    assert a.props["total_assets"] == 8e8
    assert a.props["first_seen"] == "2025-12-31"
    assert "revenue" in a.props and "f_score" not in a.props
    loan = loaded.node("L2", labels=(__import__("graph").Label.LOAN,))
    assert loan.props["overdue_days"] == 45 and loan.props["status"] == "overdue"


def test_a_person_is_found_by_key_and_shown_masked(
    loaded: GraphStore, pseudonymiser: Pseudonymiser
) -> None:
    zhang = loaded.node(pseudonymiser.key(rid(1)))
    assert zhang.label == "Person" and zhang.props["name"] == "张伟"
    assert zhang.props["id_masked"] == rid(1)[:3] + "*" * 11 + rid(1)[-4:]
    assert rid(1) not in str(zhang.props)


def test_unknown_ids_are_not_found(loaded: GraphStore) -> None:
    with pytest.raises(NotFound):
        loaded.node(uscc(404))


def test_neighbours_of_a_node(loaded: GraphStore, pseudonymiser: Pseudonymiser) -> None:
    got = [(n.rel, n.direction, n.id, n.props) for n in loaded.neighbours(A)]
    zhang = pseudonymiser.key(rid(1))
    assert got == sorted(
        [
            ("BORROWS", "out", "L1", {}),
            ("GUARANTEES", "out", "L2", {"guarantee_id": "G2", "amount": 5e7, "kind": "joint"}),
            ("HAS_CONTACT", "out", got[2][2], {}),
            ("HOLDS_POST", "in", zhang, {"role": "legal_rep", "start": "2015-01-01"}),
            ("HOLDS_SHARES", "in", H, {"ratio": 0.7, "as_of": "2025-06-30"}),
        ],
        key=lambda t: (t[0], t[1], t[2]),
    )
    only = loaded.neighbours(A, types=(RelType.HOLDS_SHARES,))
    assert [(n.id, n.label, n.name) for n in only] == [(H, "Enterprise", "华信控股有限公司")]


def test_loading_the_same_portfolio_twice_changes_nothing(
    loaded: GraphStore, tmp_path: Path, pseudonymiser: Pseudonymiser
) -> None:
    before = loaded.tables()
    again = _load(loaded, tmp_path / "m1", pseudonymiser)
    after = loaded.tables()
    assert again.outcome is not None
    assert again.outcome.nodes_created == 0 and again.outcome.rels_created == 0
    assert again.outcome.rels_ended == 0
    _assert_tables_equal(before, after)


def _month2() -> dict[str, list[dict[str, object]]]:
    """A month later: L2 defaulted, Wang Fang's guarantee G3 is gone, a new loan L3 appears."""
    t = copy.deepcopy(small_portfolio())
    t["loans"][1].update(status="default", default_date="2026-01-20", overdue_days=90)
    t["loans"].append(
        {
            "loan_id": "L3",
            "borrower_id": H,
            "lender": "ICBC",
            "amount": 3e7,
            "outstanding": 3e7,
            "start": "2026-01-10",
            "maturity": "2028-01-10",
            "status": "performing",
        }
    )
    t["guarantees"] = [g for g in t["guarantees"] if g["guarantee_id"] != "G3"]
    return t


def test_a_reload_under_another_pseudonymisation_key_is_refused(
    loaded: GraphStore, tmp_path: Path
) -> None:
    before = loaded.counts()
    other = Pseudonymiser(b"another-secret-key-0123456789")
    with pytest.raises(ConfigError, match="another key"):
        _load(loaded, write_portfolio(tmp_path / "again", small_portfolio()), other)
    assert loaded.counts() == before  # nothing added twice, nothing lost


def test_a_later_portfolio_upserts_and_ends_what_it_no_longer_contains(
    loaded: GraphStore, tmp_path: Path, pseudonymiser: Pseudonymiser
) -> None:
    folder = write_portfolio(tmp_path / "m2", _month2(), as_of=date(2026, 1, 31))
    res = _load(loaded, folder, pseudonymiser)
    assert res.outcome is not None and res.outcome.rels_ended == 1
    c = loaded.counts()
    assert c.as_of == "2026-01-31"
    assert c.nodes["Loan"] == 3
    assert c.relationships["GUARANTEES"] == 2 and c.ended_relationships["GUARANTEES"] == 1
    assert loaded.node("L2", labels=(__import__("graph").Label.LOAN,)).props["status"] == "default"
    g3 = loaded.tables().rels[RelType.GUARANTEES].set_index("guarantee_id").loc["G3"]
    assert (g3["since"], g3["until"]) == ("2025-12-31", "2026-01-31")
    # as of the first month, G3 is still there; now it is not
    p3 = pseudonymiser.key(rid(3, "19700303"))
    assert [n.id for n in loaded.neighbours(p3, as_of="2025-12-31")] == ["L1"]
    assert loaded.neighbours(p3) == []
    old = loaded.snapshot("2025-12-31")
    assert len(old.edges[RelType.GUARANTEES]) == 3 and "L3" not in set(old.nodes["id"])


def test_a_row_rejected_next_month_keeps_its_relationship(
    loaded: GraphStore, tmp_path: Path, pseudonymiser: Pseudonymiser
) -> None:
    t = copy.deepcopy(small_portfolio())
    t["guarantees"][2]["amount"] = -1  # G3 is bad this month: keep last month's, don't end it
    t["positions"][0]["start"] = "2015-13-01"  # so is Zhang Wei's post in A
    folder = write_portfolio(tmp_path / "m2", t, as_of=date(2026, 1, 31))
    res = _load(loaded, folder, pseudonymiser)
    assert res.outcome is not None and res.outcome.rels_ended == 0
    assert loaded.counts().relationships["GUARANTEES"] == 3
    assert loaded.counts().relationships["HOLDS_POST"] == 3


def test_an_older_portfolio_is_refused(
    loaded: GraphStore, tmp_path: Path, pseudonymiser: Pseudonymiser
) -> None:
    folder = write_portfolio(tmp_path / "old", small_portfolio(), as_of=date(2025, 6, 30))
    with pytest.raises(SnapshotOrderError):
        _load(loaded, folder, pseudonymiser)
    assert loaded.counts().as_of == "2025-12-31"


def test_the_snapshot_is_columnar_and_complete(loaded: GraphStore) -> None:
    snap = loaded.snapshot()
    assert snap.num_nodes == 13
    assert list(snap.nodes["label"].unique()) == [
        "Enterprise",
        "Person",
        "Lender",
        "Loan",
        "Contact",
        "Event",
    ]
    g = snap.edges[RelType.GUARANTEES]
    pairs = {(snap.nodes.id[s], snap.nodes.id[d]) for s, d in zip(g.src, g.dst)}
    assert pairs == {
        (B, "L1"),
        (A, "L2"),
        (
            g.props["guarantee_id"].size
            and pairs
            and [p for p in pairs if p[0].startswith("P")][0][0],
            "L1",
        ),
    }
    assert snap.adjacency().shape == (13, 13)


def _assert_tables_equal(a, b) -> None:  # type: ignore[no-untyped-def]
    assert a.as_of_history == b.as_of_history
    for label in a.nodes:
        pd.testing.assert_frame_equal(a.nodes[label], b.nodes[label], check_like=False)
    for rel in a.rels:
        pd.testing.assert_frame_equal(a.rels[rel], b.rels[rel])


def test_the_embedded_store_survives_a_restart(
    tmp_path: Path, pseudonymiser: Pseudonymiser
) -> None:
    first = EmbeddedStore(tmp_path / "data")
    _load(first, write_portfolio(tmp_path / "m1", small_portfolio()), pseudonymiser)
    before = first.tables()
    reopened = EmbeddedStore(tmp_path / "data")
    _assert_tables_equal(before, reopened.tables())
    assert reopened.counts() == first.counts()


@pytest.mark.neo4j
def test_both_stores_hold_the_same_graph(
    tmp_path: Path, pseudonymiser: Pseudonymiser, neo4j_store: GraphStore
) -> None:
    emb = EmbeddedStore(tmp_path / "data")
    for store in (emb, neo4j_store):
        _load(store, write_portfolio(tmp_path / "m1", small_portfolio()), pseudonymiser)
        _load(
            store,
            write_portfolio(tmp_path / "m2", _month2(), as_of=date(2026, 1, 31)),
            pseudonymiser,
        )
    _assert_tables_equal(emb.tables(), neo4j_store.tables())
    assert emb.counts() == neo4j_store.counts()
    for day in ("2025-12-31", None):
        s1, s2 = emb.snapshot(day), neo4j_store.snapshot(day)
        pd.testing.assert_frame_equal(s1.nodes, s2.nodes)
        for rel in s1.edges:
            assert (s1.edges[rel].src == s2.edges[rel].src).all()
            assert (s1.edges[rel].dst == s2.edges[rel].dst).all()
            pd.testing.assert_frame_equal(s1.edges[rel].props, s2.edges[rel].props)


@pytest.mark.neo4j
def test_neo4j_in_small_batches_over_parallel_writers_and_pages_holds_the_same_graph(
    tmp_path: Path, pseudonymiser: Pseudonymiser, neo4j_driver: neo4j.Driver
) -> None:
    """Batches of 2 rows over 3 writer sessions and reads in pages of 2 nodes: every path of
    the parallel writer and the paged reader runs, and nothing is lost or duplicated."""
    from graph.neo4j_store import Neo4jStore

    small = Neo4jStore(neo4j_driver, batch_size=2, writers=3, page_size=2)
    small.clear()
    emb = EmbeddedStore(tmp_path / "data")
    for store in (emb, small):
        for _ in range(2):  # the second load of the same month is an idempotent upsert
            _load(store, write_portfolio(tmp_path / "m1", small_portfolio()), pseudonymiser)
        res = _load(
            store,
            write_portfolio(tmp_path / "m2", _month2(), as_of=date(2026, 1, 31)),
            pseudonymiser,
        )
        assert res.outcome is not None and res.outcome.rels_ended == 1
    _assert_tables_equal(emb.tables(), small.tables())
    assert emb.counts() == small.counts()
    s1, s2 = emb.snapshot("2025-12-31"), small.snapshot("2025-12-31")
    pd.testing.assert_frame_equal(s1.nodes, s2.nodes)
    scores = pd.DataFrame(
        {
            "id": [A, B, H],
            "label": "Enterprise",
            "pd": [0.02, 0.3, None],
            "contagion_exposure": [0.01, 0.2, 0.0],
            "model_version": "gnn-test",
            "explanation": ['{"top": []}'] * 3,
        }
    )
    assert small.write_scores(scores) == emb.write_scores(scores) == 3
    pd.testing.assert_frame_equal(small.scores(), emb.scores())


def test_scores_are_written_back_and_survive_a_reload(
    loaded: GraphStore, tmp_path: Path, pseudonymiser: Pseudonymiser
) -> None:
    scores = pd.DataFrame(
        {
            "id": [A, B, pseudonymiser.key(rid(1))],
            "label": ["Enterprise", "Enterprise", "Person"],
            "pd": [0.02, 0.3, 0.1],
            "contagion_exposure": [0.01, 0.2, 0.0],
            "model_version": "gnn-test",
            "explanation": ['{"top": []}'] * 3,
        }
    )
    assert loaded.write_scores(scores) == 3
    got = loaded.scores()
    assert got[["id", "pd", "model_version"]].values.tolist() == sorted(
        scores[["id", "pd", "model_version"]].values.tolist(),
        key=lambda r: ("Person" if str(r[0]).startswith("P") else "Enterprise", r[0]),
    )
    _load(loaded, tmp_path / "m1", pseudonymiser)  # a re-ingest keeps them
    assert len(loaded.scores()) == 3
    assert loaded.write_scores(scores.iloc[:1]) == 1  # a new run replaces the old one
    assert loaded.scores()["id"].tolist() == [A]
