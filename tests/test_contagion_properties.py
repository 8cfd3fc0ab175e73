"""Properties every result must have, whatever the network."""

from __future__ import annotations

import numpy as np
import pytest
from test_contagion_reference import random_network, random_shock

from gnn.contagion import (
    ExposureNetwork,
    Method,
    SimulationParams,
    propagate,
    propagate_block,
    simulate,
)

METHODS = [Method.DEBTRANK, Method.SINGLE_HIT, Method.CASCADE]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", range(5))
def test_stress_stays_within_zero_and_one(seed: int, method: Method) -> None:
    net, _ = random_network(seed)
    r = simulate(net, random_shock(seed, net.num_nodes), SimulationParams(method=method))
    assert np.all((r.stress >= 0) & (r.stress <= 1))
    assert np.all(r.raw_stress >= r.shock)  # stress only grows


@pytest.mark.parametrize("method", [Method.DEBTRANK, Method.CASCADE])
@pytest.mark.parametrize("seed", range(5))
def test_more_shock_never_means_less_stress(seed: int, method: Method) -> None:
    net, _ = random_network(seed)
    s = random_shock(seed, net.num_nodes)
    more = np.minimum(1.0, s + np.random.default_rng(seed).uniform(0, 0.3, net.num_nodes))
    low = simulate(net, s, SimulationParams(method=method))
    high = simulate(net, more, SimulationParams(method=method))
    assert np.all(high.stress >= low.stress - 1e-12)
    assert high.summary.defaults >= low.summary.defaults


def test_single_hit_is_not_monotone_because_the_round_rule_defines_it() -> None:
    # z (0) defaults; y (1) is z's creditor (Λ = 1); i (2) is y's creditor (Λ = 1) and x's
    # (3) (Λ = 0.1); c (4) is i's creditor (Λ = 1). Without x: y at 1 in round 1, i at 1 in
    # round 2, c gets 1 in round 3. With x also shocked: i is first hit in round 1 by 0.1 and
    # passes only that (once), so c ends at 0.1: more shock, less stress for c.
    net = ExposureNetwork.from_arrays(np.array([1, 2, 2, 4]), np.array([0, 1, 3, 2]),
                                      np.array([100.0, 100.0, 10.0, 100.0]), np.full(5, 100.0))
    params = SimulationParams(method=Method.SINGLE_HIT)
    assert simulate(net, np.array([1.0, 0, 0, 0, 0]), params).stress[4] == pytest.approx(1.0)
    assert simulate(net, np.array([1.0, 0, 0, 1, 0]), params).stress[4] == pytest.approx(0.1)


@pytest.mark.parametrize("method", METHODS)
def test_a_network_without_edges_passes_nothing_on(method: Method) -> None:
    net = ExposureNetwork.from_arrays(np.zeros(0, int), np.zeros(0, int), np.zeros(0),
                                      np.full(6, 10.0))
    s = np.array([1.0, 0.5, 0, 0, 0.2, 0])
    r = simulate(net, s, SimulationParams(method=method))
    assert r.raw_stress.tolist() == s.tolist()
    assert r.summary.rounds == 0 and r.summary.additional_stress == 0.0
    assert r.summary.losses == 0.0 and r.trail == ()


@pytest.mark.parametrize("seed", range(6))
def test_cascade_defaults_are_the_least_fixed_point(seed: int) -> None:
    # d = 1[s + Λ d >= 1]: iterate from d = 0 (each step only adds defaults) to the least one
    net, _ = random_network(seed, n=60, m=300)
    s = random_shock(seed, net.num_nodes)
    lam = net.impact().csr
    d = np.zeros(net.num_nodes)
    while True:
        nxt = (s + lam @ d >= 1.0).astype(float)
        if np.array_equal(nxt, d):
            break
        d = nxt
    r = simulate(net, s, SimulationParams(method=Method.CASCADE))
    assert r.defaulted.tolist() == d.astype(bool).tolist()


@pytest.mark.parametrize("seed", range(6))
def test_debtrank_is_the_least_solution_of_h_equals_min_one_s_plus_lambda_h(seed: int) -> None:
    # Kleene iteration from min(1, s) climbs to the least solution of H = min(1, s + ΛH)
    net, _ = random_network(seed, n=60, m=300)
    s = random_shock(seed, net.num_nodes) * 0.5
    lam = net.impact(0.8).csr
    hh = np.minimum(1.0, s)
    for _ in range(100_000):
        nxt = np.minimum(1.0, s + lam @ hh)
        if np.max(np.abs(nxt - hh)) < 1e-15:
            break
        hh = nxt
    r = simulate(net, s, SimulationParams(lgd=0.8))
    assert np.max(np.abs(r.stress - hh)) <= 1e-9
    assert np.max(np.abs(np.minimum(1.0, s + lam @ r.stress) - r.stress)) <= 1e-9


@pytest.mark.parametrize("method", METHODS)
def test_a_block_of_scenarios_gives_what_each_gives_alone(method: Method) -> None:
    net, _ = random_network(3, n=50, m=250)
    shocks = np.stack([random_shock(k, net.num_nodes) for k in range(7)], axis=1)
    params = SimulationParams(method=method)
    block = propagate_block(net.impact(), shocks, params)
    for k in range(shocks.shape[1]):
        alone = propagate(net.impact(), shocks[:, k], params)
        assert np.max(np.abs(block.raw_stress[:, k] - alone.raw_stress)) <= 1e-12
        assert int(block.rounds[k]) == int(alone.rounds)


def test_results_are_deterministic() -> None:
    net, _ = random_network(11)
    s = random_shock(11, net.num_nodes)
    a, b = simulate(net, s), simulate(net, s)
    assert a.raw_stress.tobytes() == b.raw_stress.tobytes()
    assert [(r.newly_stressed.tolist(), r.stressed_via.tolist()) for r in a.trail] == \
        [(r.newly_stressed.tolist(), r.stressed_via.tolist()) for r in b.trail]
