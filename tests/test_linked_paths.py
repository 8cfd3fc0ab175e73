"""Neighbourhoods and shortest paths on the small portfolio of ``tests/kit.py``.

Zhang Wei (张伟) is legal rep of 华信钢铁 (A) and 华信贸易 (B); his wife 李娜 holds 60% of 华信控股
(H), which holds 70% of A; A and B guarantee each other's loans and share a phone; 王芳 guarantees
A's loan L1 from ICBC.
"""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest
from kit import rid, small_portfolio, uscc, write_portfolio
from test_linked_portfolios import GA, GS, assert_walks_stored, committee_portfolio, load

from graph import GraphStore, RelType, load_portfolio
from graph.linked import GraphPath, LinkedAnalysis, load_rules
from ingest import Pseudonymiser
from riskgraph.errors import NotFound, QueryLimitError

A, B, H = uscc(1), uscc(2), uscc(3)
ZHANG, LI_NA, WANG_FANG = rid(1), rid(2, "19820202"), rid(3, "19700303")


@pytest.fixture
def small(store: GraphStore, tmp_path: Path, pseudonymiser: Pseudonymiser) -> LinkedAnalysis:
    return load(store, tmp_path / "small", small_portfolio(), pseudonymiser)


def test_one_hop_around_a_borrower(small: LinkedAnalysis, pseudonymiser: Pseudonymiser) -> None:
    nb = small.neighbourhood(A, hops=1)
    assert nb.center.id == A and not nb.truncated and nb.left_out == 0
    reached = {(p.node.name, p.hops, p.link.words if p.link else None,
                p.link.forward if p.link else None) for p in nb.nodes}
    assert reached == {
        ("华信钢铁有限公司", 0, None, None),
        ("华信贸易有限公司", 1, "guarantees loan of", True),
        ("华信控股有限公司", 1, "holds 70% of", False),
        ("王芳", 1, "guarantees loan of", False),
        ("张伟", 1, "legal representative of", False),
        ("ICBC", 1, "borrows from", True),
    }
    ties = sorted((t.src.name, t.hop.words, t.dst.name) for t in nb.ties)
    assert ("张伟", "legal representative of", "华信贸易有限公司") in ties  # between kept nodes
    assert ("华信钢铁有限公司", "shares phone with", "华信贸易有限公司") in ties
    assert len(ties) == 8
    zhang = next(p for p in nb.nodes if p.node.name == "张伟")
    assert zhang.node.id == pseudonymiser.key(ZHANG)
    assert zhang.node.id_masked == ZHANG[:3] + "*" * 11 + ZHANG[-4:]
    assert_walks_stored(small, tuple(GraphPath((t.src, t.dst), (t.hop,)) for t in nb.ties))


def test_relationship_types_filter_the_walk(small: LinkedAnalysis) -> None:
    nb = small.neighbourhood(A, hops=2, types=(RelType.HOLDS_SHARES,))
    assert [(p.node.name, p.hops) for p in nb.nodes] == [
        ("华信钢铁有限公司", 0), ("华信控股有限公司", 1), ("李娜", 2)]


def test_lenders_are_leaves(small: LinkedAnalysis) -> None:
    nb = small.neighbourhood(A, hops=3, types=(RelType.BORROWS,))
    assert [p.node.name for p in nb.nodes] == ["华信钢铁有限公司", "ICBC"]


def test_a_capped_neighbourhood_says_what_it_left_out(store: GraphStore, tmp_path: Path,
                                                      pseudonymiser: Pseudonymiser) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[limits]\nmax_nodes = 3\n")
    analysis = load(store, tmp_path / "small", small_portfolio(), pseudonymiser,
                    load_rules(rules))
    nb = analysis.neighbourhood(A, hops=2)
    assert len(nb.nodes) == 3 and nb.truncated and nb.left_out == 3 and nb.limit == 3
    assert {p.hops for p in nb.nodes} == {0, 1}


def test_too_many_hops_is_refused(small: LinkedAnalysis) -> None:
    with pytest.raises(QueryLimitError, match="limit is 1..3"):
        small.neighbourhood(A, hops=4)
    with pytest.raises(QueryLimitError):
        small.paths(A, B, max_hops=7)


def test_unknown_ids_are_not_found_and_resident_ids_are_hashed(
        small: LinkedAnalysis, pseudonymiser: Pseudonymiser) -> None:
    with pytest.raises(NotFound):
        small.neighbourhood(uscc(404))
    nb = small.neighbourhood(ZHANG, hops=1, key=pseudonymiser.key)
    assert nb.center.name == "张伟"
    with pytest.raises(NotFound) as err:
        small.neighbourhood(rid(999), key=pseudonymiser.key)
    assert rid(999) not in str(err.value)  # the resident id is shown masked


def test_the_snapshot_as_of_an_earlier_date(store: GraphStore, tmp_path: Path,
                                            pseudonymiser: Pseudonymiser) -> None:
    june = copy.deepcopy(small_portfolio())
    june["guarantees"] = [g for g in june["guarantees"] if g["guarantee_id"] != "G3"]
    del june["events"]  # dated after June
    load_portfolio(store, write_portfolio(tmp_path / "june", june, as_of=date(2025, 6, 30)),
                   pseudonymiser)
    load_portfolio(store, write_portfolio(tmp_path / "dec", small_portfolio()), pseudonymiser)
    then = LinkedAnalysis.of(store.snapshot("2025-06-30")).neighbourhood(A, hops=1)
    now = LinkedAnalysis.of(store.snapshot()).neighbourhood(A, hops=1)
    assert then.as_of == "2025-06-30" and now.as_of == "2025-12-31"
    assert "王芳" not in {p.node.name for p in then.nodes}
    assert "王芳" in {p.node.name for p in now.nodes}


# -- paths -------------------------------------------------------------------------------------
def test_every_shortest_path_in_words(small: LinkedAnalysis, pseudonymiser: Pseudonymiser
                                      ) -> None:
    result = small.paths(pseudonymiser.key(WANG_FANG), B)
    assert result.length == 2 and not result.truncated
    assert sorted(p.text() for p in result.paths) == [
        "王芳 —guarantees loan of→ 华信钢铁有限公司 —guarantees loan of→ 华信贸易有限公司",
        "王芳 —guarantees loan of→ 华信钢铁有限公司 —shares phone with→ 华信贸易有限公司",
        "王芳 —guarantees loan of→ 华信钢铁有限公司 ←guarantees loan of— 华信贸易有限公司",
    ]
    assert_walks_stored(small, result.paths)
    via_l2 = next(p for p in result.paths if "L2" in p.ids)
    assert via_l2.ids == (pseudonymiser.key(WANG_FANG), "L1", A, "L2", B)
    assert {(r.src, r.type, r.dst) for r in via_l2.relationships} == {
        (pseudonymiser.key(WANG_FANG), "GUARANTEES", "L1"), (A, "BORROWS", "L1"),
        (A, "GUARANTEES", "L2"), (B, "BORROWS", "L2")}


def test_the_committee_example_path(store: GraphStore, tmp_path: Path,
                                    pseudonymiser: Pseudonymiser) -> None:
    tables = copy.deepcopy(small_portfolio())
    tables["positions"] = [p for p in tables["positions"] if p["enterprise_id"] != A]
    analysis = load(store, tmp_path / "p", tables, pseudonymiser)
    result = analysis.paths(pseudonymiser.key(ZHANG), A,
                            types=(RelType.HOLDS_POST, RelType.GUARANTEES))
    assert sorted(p.text() for p in result.paths) == [
        "张伟 —legal representative of→ 华信贸易有限公司 —guarantees loan of→ 华信钢铁有限公司",
        "张伟 —legal representative of→ 华信贸易有限公司 ←guarantees loan of— 华信钢铁有限公司",
    ]


def test_family_and_ownership_paths(small: LinkedAnalysis, pseudonymiser: Pseudonymiser) -> None:
    result = small.paths(pseudonymiser.key(LI_NA), A, max_hops=3)
    assert sorted(p.text() for p in result.paths) == [
        "李娜 —director of→ 华信控股有限公司 —holds 70% of→ 华信钢铁有限公司",
        "李娜 —holds 60% of→ 华信控股有限公司 —holds 70% of→ 华信钢铁有限公司",
        "李娜 ←spouse of— 张伟 —legal representative of→ 华信钢铁有限公司",
    ]
    assert_walks_stored(small, result.paths)


def test_the_path_list_is_capped_and_says_so(store: GraphStore, tmp_path: Path,
                                             pseudonymiser: Pseudonymiser) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[limits]\nmax_paths = 1\n")
    analysis = load(store, tmp_path / "small", small_portfolio(), pseudonymiser,
                    load_rules(rules))
    result = analysis.paths(pseudonymiser.key(WANG_FANG), B)
    assert len(result.paths) == 1 and result.truncated


def test_no_path_runs_through_a_bank(store: GraphStore, tmp_path: Path,
                                     pseudonymiser: Pseudonymiser) -> None:
    analysis = load(store, tmp_path / "c", committee_portfolio(), pseudonymiser)
    result = analysis.paths(GS, GA)  # both borrow from 甲银行, nothing else ties them
    assert result.length is None and result.paths == ()
    assert analysis.paths(GA, GA).length == 0
