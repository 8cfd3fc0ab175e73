"""A block of scenarios through the compiled rounds: every column as the slow reference runs it
alone (same stopping round, same round limit), and the same bits whichever way the product
is taken."""

from __future__ import annotations

import numpy as np
import pytest
from test_contagion_reference import random_network, random_shock, run

from gnn.contagion import ExposureNetwork, Method, SimulationParams, propagate, propagate_block
from gnn.contagion.kernel import run_block, upstream
from riskgraph.errors import ConfigError

METHODS = [Method.DEBTRANK, Method.SINGLE_HIT, Method.CASCADE]


def mixed_block(n: int, seed: int) -> np.ndarray:
    """Random partial shocks, single defaults, and an empty column: they stop at different
    rounds (the empty one after round 1)."""
    cols = [random_shock(seed + k, n) for k in range(4)]
    cols += [np.eye(n)[k] for k in (0, n // 3, n - 1)]
    cols.append(np.zeros(n))
    return np.stack(cols, axis=1)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", range(4))
def test_every_column_agrees_with_the_slow_reference(seed: int, method: Method) -> None:
    net, edges = random_network(seed)
    n = net.num_nodes
    shocks = mixed_block(n, seed)
    lgd = [1.0, 0.6, 0.45, 0.8][seed]
    params = SimulationParams(method=method, lgd=lgd)
    block = propagate_block(net.impact(lgd), shocks, params)
    for k in range(shocks.shape[1]):
        ref = run(n, edges, net.buffer.tolist(), shocks[:, k].tolist(), method.value, lgd)
        assert np.max(np.abs(block.raw_stress[:, k] - np.array(ref.raw))) <= 1e-12
        assert not block.limit_hit[k] and not ref.limit_hit
        alone = propagate(net.impact(lgd), shocks[:, k], params)
        assert int(block.rounds[k]) == int(alone.rounds)
        assert block.raw_stress[:, k].tobytes() == alone.raw_stress.tobytes()
        if method.is_finite:
            assert int(block.rounds[k]) == ref.rounds
        else:
            assert abs(int(block.rounds[k]) - ref.rounds) <= 1  # an increment near the tolerance
    # columns stopped at different rounds (a cascade stops early on these networks)
    assert len(set(block.rounds.tolist())) >= (2 if method is Method.CASCADE else 3)


@pytest.mark.parametrize("method", [Method.DEBTRANK, Method.SINGLE_HIT])
def test_the_round_limit_stops_the_columns_still_changing_and_says_so(method: Method) -> None:
    # a dense cyclic network: stress keeps reverberating, so at 3 rounds most columns are still
    # changing; the empty column stops after round 1, within the limit
    net, edges = random_network(1, n=15, m=120, unknown=0.0)
    n = net.num_nodes
    shocks = mixed_block(n, 1)
    params = SimulationParams(method=method, max_rounds=3)
    block = propagate_block(net.impact(), shocks, params)
    hits = 0
    for k in range(shocks.shape[1]):
        ref = run(n, edges, net.buffer.tolist(), shocks[:, k].tolist(), method.value,
                  max_rounds=3)
        assert np.max(np.abs(block.raw_stress[:, k] - np.array(ref.raw))) <= 1e-12
        assert bool(block.limit_hit[k]) == ref.limit_hit
        assert int(block.rounds[k]) == ref.rounds
        hits += ref.limit_hit
    assert 0 < hits < shocks.shape[1]
    assert not block.limit_hit[-1] and block.rounds[-1] == 0


@pytest.mark.parametrize("method", METHODS)
def test_a_chain_longer_than_the_round_limit(method: Method) -> None:
    # node i + 1 lends node i its whole buffer (Λ = 1): a default at 0 walks up one node per
    # round and is still moving after 3 rounds; one at 4 reaches 5 in round 1 and stops there
    n = 6
    edges = [(i + 1, i, 10.0) for i in range(n - 1)]
    net = ExposureNetwork.from_arrays(np.arange(1, n), np.arange(n - 1), np.full(n - 1, 10.0),
                                      np.full(n, 10.0))
    shocks = np.zeros((n, 3))
    shocks[0, 0] = shocks[4, 1] = 1.0
    block = propagate_block(net.impact(), shocks, SimulationParams(method=method, max_rounds=3))
    assert block.limit_hit.tolist() == [True, False, False]
    assert block.rounds.tolist() == [3, 1, 0]
    assert block.raw_stress[:, 0].tolist() == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0]
    assert block.raw_stress[:, 1].tolist() == [0.0, 0.0, 0.0, 0.0, 1.0, 1.0]
    for k in range(3):
        ref = run(n, edges, [10.0] * n, shocks[:, k].tolist(), method.value, max_rounds=3)
        assert block.raw_stress[:, k].tolist() == ref.raw
        assert (int(block.rounds[k]), bool(block.limit_hit[k])) == (ref.rounds, ref.limit_hit)


@pytest.mark.parametrize("method", METHODS)
def test_the_product_over_the_frontier_gives_the_same_bits(method: Method) -> None:
    net, _ = random_network(7, n=60, m=300)
    shocks = mixed_block(net.num_nodes, 7)
    kernel = net.impact().kernel
    stop = SimulationParams(method=method).stop_below
    always = run_block(kernel, shocks.copy(), method, stop, 10_000, frontier_share=2.0)
    never = run_block(kernel, shocks.copy(), method, stop, 10_000, frontier_share=0.0)
    for a, b in zip(always, never, strict=True):
        assert a.tobytes() == b.tobytes()


def test_blocks_of_any_width_leave_the_shocks_as_given() -> None:
    net, _ = random_network(2)
    n = net.num_nodes
    wide = np.stack([random_shock(k, n) for k in range(40)], axis=1)
    given = wide.copy()
    block = propagate_block(net.impact(), wide, SimulationParams())
    assert wide.tobytes() == given.tobytes()
    one = propagate_block(net.impact(), wide[:, 5:6], SimulationParams())
    assert one.raw_stress[:, 0].tobytes() == block.raw_stress[:, 5].tobytes()
    empty = propagate_block(net.impact(), np.zeros((n, 0)), SimulationParams())
    assert empty.raw_stress.shape == (n, 0) and empty.rounds.shape == (0,)
    with pytest.raises(ConfigError):
        run_block(net.impact().kernel, np.zeros((n + 1, 2)), Method.DEBTRANK, 0.0, 10)


def test_upstream_follows_creditors_and_gives_up_at_the_limit() -> None:
    # chain: 1 lends to 0, 2 lends to 1, 3 lends to 2; 4 lends to 3 but also 5 to 4
    net = ExposureNetwork.from_arrays(np.array([1, 2, 3, 4, 5]), np.array([0, 1, 2, 3, 4]),
                                      np.ones(5), np.ones(6))
    kernel = net.impact().kernel
    assert upstream(kernel, np.array([2]), 6).tolist() == [2, 3, 4, 5]
    assert upstream(kernel, np.array([5]), 6).tolist() == [5]
    assert upstream(kernel, np.array([0]), 6) is None  # all six: at the limit
    assert upstream(kernel, np.array([0, 5]), 2) is None


def test_times_block_is_the_sparse_product_whether_or_not_it_looks_at_the_frontier() -> None:
    net, _ = random_network(4)
    impact = net.impact()
    p = np.zeros((net.num_nodes, 3))
    p[[1, 7], [0, 2]] = [0.5, 1.0]
    expected = impact.csr @ p
    few, looked = impact.times_block(p)
    assert looked and np.max(np.abs(few - expected)) <= 1e-15
    full, looked = impact.times_block(p, look=False)
    assert not looked and np.max(np.abs(full - expected)) <= 1e-15
