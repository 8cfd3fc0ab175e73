"""Guarantee networks: mutual pairs, circles, chains, positions.

The expected answers are worked out in :func:`test_linked_portfolios.guarantee_portfolio`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_linked_portfolios import (
    K1,
    K2,
    K3,
    M1,
    M2,
    T1,
    T2,
    T3,
    T4,
    U1,
    guarantee_portfolio,
    load,
)

from graph import GraphStore
from graph.linked import LinkedAnalysis, load_rules
from ingest import Pseudonymiser


@pytest.fixture
def network(store: GraphStore, tmp_path: Path, pseudonymiser: Pseudonymiser) -> LinkedAnalysis:
    return load(store, tmp_path / "g", guarantee_portfolio(), pseudonymiser)


def test_circles_are_strongly_connected_and_ranked_by_outstanding(
        network: LinkedAnalysis) -> None:
    report = network.guarantees()
    assert report.circles_total == 2
    c1, c2 = report.circles
    assert (c1.key, {m.id for m in c1.members}, c1.outstanding) == ("C1", {K1, K2, K3}, 9e7)
    assert (c1.guarantees, c1.guaranteed_inside) == (3, 9e7)
    assert (c2.key, {m.id for m in c2.members}, c2.outstanding) == ("C2", {M1, M2}, 3e7)


def test_a_mutual_pair_is_two_firms_guaranteeing_each_other(network: LinkedAnalysis) -> None:
    report = network.guarantees()
    assert report.mutual_pairs_total == 1
    (pair,) = report.mutual_pairs
    assert {pair.a.id, pair.b.id} == {M1, M2}
    assert pair.outstanding == 3e7 and pair.circle == "C2"


def test_a_long_chain_and_the_positions_along_it(network: LinkedAnalysis) -> None:
    report = network.guarantees()
    assert report.chains_total == 1 and report.min_chain_length == 3
    (chain,) = report.chains
    assert [step[0].id for step in chain.steps] == [T1, T2, T3, T4]
    assert chain.hops == 3 and chain.outstanding == 3e7 and chain.circles == (None,) * 4
    positions = {t: network.guarantees(ident=t).position for t in (T1, T2, T3, T4)}
    assert [(p.chain_up, p.chain_down) for p in positions.values()] == [  # type: ignore[union-attr]
        (0, 3), (1, 2), (2, 1), (3, 0)]


def test_positions_in_circles_and_pairs(network: LinkedAnalysis) -> None:
    k1 = network.guarantees(ident=K1).position
    assert k1 is not None and (k1.circle, k1.circle_size, k1.mutual_with) == ("C1", 3, ())
    assert (k1.guarantees_given, k1.guarantors) == (1, 1)
    m1 = network.guarantees(ident=M1).position
    assert m1 is not None and [n.id for n in m1.mutual_with] == [M2] and m1.circle == "C2"


def test_a_guarantee_of_a_closed_loan_links_nobody(network: LinkedAnalysis) -> None:
    u1 = network.guarantees(ident=U1).position
    assert u1 is not None
    assert (u1.circle, u1.guarantees_given, u1.chain_down, u1.mutual_with) == (None, 0, 0, ())


def test_the_chain_length_is_configurable(store: GraphStore, tmp_path: Path,
                                          pseudonymiser: Pseudonymiser) -> None:
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text("[guarantees]\nmin_chain_length = 4\n")
    analysis = load(store, tmp_path / "g", guarantee_portfolio(), pseudonymiser,
                    load_rules(rules_file))
    assert analysis.guarantees().chains_total == 0
