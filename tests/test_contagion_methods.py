"""The three methods on networks small enough to work out by hand (Λ = LGD * A / E)."""

from __future__ import annotations

import numpy as np
import pytest

from gnn.contagion import (
    ExposureNetwork,
    Method,
    Scenario,
    SimulationParams,
    propagate,
    simulate,
)
from riskgraph.errors import ConfigError

DR, SH, CA = Method.DEBTRANK, Method.SINGLE_HIT, Method.CASCADE


def network(edges: list[tuple[int, int, float]], buffers: list[float]) -> ExposureNetwork:
    c, d, a = zip(*edges, strict=True) if edges else ((), (), ())
    return ExposureNetwork.from_arrays(np.array(c, dtype=np.int64), np.array(d, dtype=np.int64),
                                       np.array(a, dtype=float), np.array(buffers, dtype=float))


def run(net: ExposureNetwork, shock: list[float], method: Method = DR, lgd: float = 1.0,
        **kw: object):  # type: ignore[no-untyped-def]
    return simulate(net, np.array(shock, dtype=float),
                    SimulationParams(method=method, lgd=lgd, **kw))  # type: ignore[arg-type]


# A chain 3 -> 2 -> 1 -> 0 (creditor -> debtor), every buffer 100:
#   Λ[1,0] = 50/100 = 0.5, Λ[2,1] = 80/100 = 0.8, Λ[3,2] = 200/100 = 2.0 (not capped).
CHAIN = [(1, 0, 50.0), (2, 1, 80.0), (3, 2, 200.0)]


def test_debtrank_on_a_chain_passes_each_increment_down_the_line() -> None:
    # round 1: p0 = 1 -> h1 = 0.5; round 2: p1 = 0.5 -> h2 = 0.8*0.5 = 0.4;
    # round 3: p2 = 0.4 -> h3 = 2*0.4 = 0.8; round 4: node 3 has no creditor: nothing changes.
    r = run(network(CHAIN, [100] * 4), [1, 0, 0, 0])
    assert r.stress == pytest.approx([1, 0.5, 0.4, 0.8], abs=1e-15)
    assert r.summary.rounds == 3
    # weights are the buffers, normalised: 0.25 each
    assert r.summary.original_stress == pytest.approx(0.25)
    assert r.summary.additional_stress == pytest.approx(0.25 * (0.5 + 0.4 + 0.8))
    assert r.summary.losses == pytest.approx(100 * (0.5 + 0.4 + 0.8))
    assert r.summary.additional_defaults == 0
    assert [t.newly_stressed.tolist() for t in r.trail] == [[1], [2], [3]]
    assert [t.stressed_via.tolist() for t in r.trail] == [[0], [1], [2]]


def test_single_hit_equals_debtrank_on_a_chain() -> None:
    # each node is reached once, so "pass once" and "pass every increment" agree
    r = run(network(CHAIN, [100] * 4), [1, 0, 0, 0], SH)
    assert r.stress == pytest.approx([1, 0.5, 0.4, 0.8], abs=1e-15)


def test_cascade_on_a_chain_stops_at_the_first_node_that_survives() -> None:
    # node 1 gets 0.5 < 1: partial stress never spreads
    r = run(network(CHAIN, [100] * 4), [1, 0, 0, 0], CA)
    assert r.raw_stress == pytest.approx([1, 0.5, 0, 0])
    assert r.summary.rounds == 1 and r.summary.additional_defaults == 0
    # with node 1 already at 0.6: 0.6 + 0.5 = 1.1 >= 1, it defaults in round 1 and passes one
    # unit in round 2: h2 = 0.8; node 2 survives
    r = run(network(CHAIN, [100] * 4), [1, 0.6, 0, 0], CA)
    assert r.raw_stress == pytest.approx([1, 1.1, 0.8, 0])
    assert r.summary.additional_defaults == 1
    assert [t.newly_defaulted.tolist() for t in r.trail] == [[1], []]


# A cycle 0 -> 1 -> 2 -> 0 (creditor -> debtor): Λ[0,1] = Λ[1,2] = Λ[2,0] = 0.5.
CYCLE = [(0, 1, 50.0), (1, 2, 50.0), (2, 0, 50.0)]


def test_debtrank_on_a_cycle_reverberates_to_the_least_fixed_point() -> None:
    # H = min(1, s + ΛH) with s0 = 0.4: H0 = 0.4 + 0.5 H1, H1 = 0.5 H2, H2 = 0.5 H0
    # => H0 = 0.4 / (1 - 0.125) = 0.457142857..., H2 = H0 / 2, H1 = H0 / 4
    r = run(network(CYCLE, [100] * 3), [0.4, 0, 0])
    h0 = 0.4 / 0.875
    assert r.stress == pytest.approx([h0, h0 / 4, h0 / 2], abs=1e-11)
    assert r.summary.rounds > 30  # increments shrink by 1/8 every three rounds


def test_single_hit_on_a_cycle_passes_once_and_stops() -> None:
    # round 1: p0 = 0.4 -> h2 = 0.2; round 2: p2 = 0.2 -> h1 = 0.1; round 3: p1 = 0.1 ->
    # h0 = 0.45; round 4: node 0 has passed already: nothing moves.
    r = run(network(CYCLE, [100] * 3), [0.4, 0, 0], SH)
    assert r.stress == pytest.approx([0.45, 0.1, 0.2], abs=1e-15)
    assert r.summary.rounds == 3


def test_debtrank_stops_when_the_stress_comes_back_to_a_saturated_node() -> None:
    # s0 = 1: h2 = 0.5, h1 = 0.25, then h0 = 1.125 (raw) but node 0 is saturated: p0 = 0
    r = run(network(CYCLE, [100] * 3), [1, 0, 0])
    assert r.stress == pytest.approx([1, 0.25, 0.5])
    assert r.raw_stress[0] == pytest.approx(1.125)
    assert r.summary.rounds == 3


def test_cascade_round_the_cycle_defaults_everyone_once() -> None:
    # every Λ = 1: 0 defaults -> 2 (round 1) -> 1 (round 2) -> 0 again (raw 2, already passed)
    r = run(network([(0, 1, 100.0), (1, 2, 100.0), (2, 0, 100.0)], [100] * 3), [1, 0, 0], CA)
    assert r.raw_stress == pytest.approx([2, 1, 1])
    assert r.summary.additional_defaults == 2 and r.summary.rounds == 3
    assert [t.newly_defaulted.tolist() for t in r.trail] == [[2], [1], []]
    assert [t.defaulted_via.tolist() for t in r.trail] == [[0], [2], []]


# A star: creditors 1..4 all lent to hub 0, with Λ[i, 0] = 0.25, 0.5, 1.0, 2.0.
STAR = [(1, 0, 25.0), (2, 0, 50.0), (3, 0, 100.0), (4, 0, 200.0)]


@pytest.mark.parametrize("method", [DR, SH])
def test_a_hub_default_hits_each_creditor_by_its_exposure(method: Method) -> None:
    r = run(network(STAR, [100] * 5), [1, 0, 0, 0, 0], method)
    assert r.raw_stress == pytest.approx([1, 0.25, 0.5, 1.0, 2.0])
    assert r.stress == pytest.approx([1, 0.25, 0.5, 1.0, 1.0])
    assert r.summary.additional_defaults == 2  # node 3 at exactly 1, node 4 at 2
    assert r.summary.losses == pytest.approx(100 * (0.25 + 0.5 + 1 + 1))


def test_cascade_counts_a_node_at_exactly_one_as_defaulted() -> None:
    r = run(network(STAR, [100] * 5), [1, 0, 0, 0, 0], CA)
    assert r.defaulted.tolist() == [True, False, False, True, True]
    assert r.additional_defaults.tolist() == [3, 4]


def test_lgd_scales_the_relative_impact() -> None:
    r = run(network(STAR, [100] * 5), [1, 0, 0, 0, 0], DR, lgd=0.4)
    assert r.raw_stress == pytest.approx([1, 0.1, 0.2, 0.4, 0.8])
    assert r.summary.additional_defaults == 0


# A mutual guarantee pair: A (0) guarantees B's loan for 60, B (1) guarantees A's for 50, both
# with capital 100; a lender L (2), capital 1000, lent 80 to A and 40 to B:
#   Λ[A,B] = 0.6, Λ[B,A] = 0.5, Λ[L,A] = 0.08, Λ[L,B] = 0.04.
PAIR = [(0, 1, 60.0), (1, 0, 50.0), (2, 0, 80.0), (2, 1, 40.0)]


def test_mutual_guarantees_amplify_a_partial_shock() -> None:
    # H_A = 0.5 + 0.6 H_B, H_B = 0.5 H_A => H_A = 0.5 / 0.7, H_B = H_A / 2,
    # H_L = 0.08 H_A + 0.04 H_B = 0.1 H_A
    r = run(network(PAIR, [100, 100, 1000]), [0.5, 0, 0])
    ha = 0.5 / 0.7
    assert r.stress == pytest.approx([ha, ha / 2, 0.1 * ha], abs=1e-11)
    assert r.losses_by_lender().to_dict() == pytest.approx(
        {"2": 1000 * 0.1 * ha, "0": 100 * (ha - 0.5), "1": 100 * ha / 2}, abs=1e-8)


def test_mutual_guarantees_with_lgd_one_half() -> None:
    # Λ halves: H_A = 0.5 + 0.3 * 0.25 H_A => H_A = 0.5 / 0.925
    r = run(network(PAIR, [100, 100, 1000]), [0.5, 0, 0], lgd=0.5)
    assert r.stress[0] == pytest.approx(0.5 / 0.925, abs=1e-11)


def test_cascade_in_the_pair_needs_a_push_over_the_threshold() -> None:
    net = network(PAIR, [100, 100, 1000])
    assert run(net, [1, 0, 0], CA).summary.additional_defaults == 0  # B gets 0.5
    r = run(net, [1, 0.6, 0], CA)  # B: 0.6 + 0.5 = 1.1
    assert r.summary.additional_defaults == 1
    assert r.raw_stress == pytest.approx([1.6, 1.1, 0.12])


def test_the_round_limit_is_reported_when_hit() -> None:
    r = run(network(CYCLE, [100] * 3), [0.4, 0, 0], max_rounds=5)
    assert r.summary.round_limit_hit and r.summary.rounds == 5
    assert not run(network(CYCLE, [100] * 3), [0.4, 0, 0]).summary.round_limit_hit


def test_an_insulated_node_takes_no_loss_but_passes_stress_on() -> None:
    # node 1 has no known buffer: zero row of Λ; it still passes its own shock to node 2
    net = network([(1, 0, 50.0), (2, 1, 50.0)], [100, 0, 100])
    r = run(net, [1, 0, 0])
    assert r.raw_stress.tolist() == [1, 0, 0]
    r = run(net, [0, 1, 0])
    assert r.raw_stress.tolist() == [0, 1, 0.5]
    assert net.weight.tolist() == [0.5, 0, 0.5]


def test_parameters_and_shocks_are_checked() -> None:
    with pytest.raises(ConfigError, match="LGD"):
        SimulationParams(lgd=1.5)
    with pytest.raises(ConfigError, match="round limit"):
        SimulationParams(max_rounds=0)
    net = network(CHAIN, [100] * 4)
    with pytest.raises(ConfigError, match=r"\[0, 1\]"):
        propagate(net.impact(), np.array([2.0, 0, 0, 0]), SimulationParams())
    with pytest.raises(ConfigError, match="shocks no node"):
        simulate(net, Scenario())
