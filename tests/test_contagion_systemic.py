"""Impact and vulnerability of every node, vectorised over the single-default scenarios."""

from __future__ import annotations

import numpy as np
import pytest
from test_contagion_reference import random_network

from gnn.contagion import (
    ExposureNetwork,
    Method,
    ScenarioDraw,
    SimulationParams,
    simulate,
    systemic_measures,
)


def test_the_star_by_hand() -> None:
    # creditors 1..4 of hub 0 with Λ[i, 0] = 0.25, 0.5, 1, 2; all buffers 100, so w = 0.2 each.
    # hub defaults: H = [1, 0.25, 0.5, 1, 1] -> impact 0.2 * (0.25 + 0.5 + 1 + 1) = 0.55;
    # a leaf defaults: nobody is exposed to it -> impact 0.
    # vulnerability of leaf i: only the hub's default (drawn with probability 0.2) reaches it.
    net = ExposureNetwork.from_arrays(np.array([1, 2, 3, 4]), np.zeros(4, int),
                                      np.array([25.0, 50, 100, 200]), np.full(5, 100.0))
    m = systemic_measures(net)
    assert m.impact == pytest.approx([0.55, 0, 0, 0, 0])
    assert m.vulnerability == pytest.approx([0, 0.05, 0.1, 0.2, 0.2])
    assert m.additional_defaults.tolist() == [2, 0, 0, 0, 0]
    uniform = systemic_measures(net, draw=ScenarioDraw.UNIFORM)
    assert uniform.vulnerability == pytest.approx([0, 0.05, 0.1, 0.2, 0.2])  # also 1/5 each
    assert m.frame().loc[0, "impact"] == pytest.approx(0.55)


@pytest.mark.parametrize("method", [Method.DEBTRANK, Method.SINGLE_HIT, Method.CASCADE])
@pytest.mark.parametrize("block_size", [1, 7, None])
def test_every_node_agrees_with_its_own_scenario(method: Method, block_size: int | None) -> None:
    net, _ = random_network(5, n=45, m=220)
    params = SimulationParams(method=method, lgd=0.7)
    m = systemic_measures(net, params, block_size=block_size)
    n = net.num_nodes
    stress = np.zeros((n, n))
    for k in range(n):
        r = simulate(net, np.eye(n)[k], params, trail=False)
        assert m.impact[k] == pytest.approx(r.summary.additional_stress, abs=1e-12)
        assert m.additional_defaults[k] == r.summary.additional_defaults
        assert m.rounds[k] == r.summary.rounds
        stress[:, k] = r.stress - np.eye(n)[k]
    assert m.vulnerability == pytest.approx(stress @ net.weight, abs=1e-12)
    assert m.round_limit_hits == 0


@pytest.mark.parametrize("method", [Method.DEBTRANK, Method.CASCADE])
def test_a_sparse_graph_of_separate_groups_gives_the_same_numbers(method: Method) -> None:
    # 12 small groups (each a random network of 8 nodes) side by side plus 20 loose nodes:
    # each block then runs on the nodes its scenarios can reach only
    groups = [random_network(seed, n=8, m=14, unknown=0.0)[0] for seed in range(12)]
    offsets = np.cumsum([0] + [g.num_nodes for g in groups])
    c = np.concatenate([g.edges.creditor + o for g, o in zip(groups, offsets, strict=False)])
    d = np.concatenate([g.edges.debtor + o for g, o in zip(groups, offsets, strict=False)])
    a = np.concatenate([g.edges.amount for g in groups])
    buffers = np.concatenate([g.buffer for g in groups] + [np.ones(20)])
    net = ExposureNetwork.from_arrays(c, d, a, buffers)
    params = SimulationParams(method=method)
    m = systemic_measures(net, params, block_size=5)
    n = net.num_nodes
    expected = np.zeros(n)
    for k in range(n):
        r = simulate(net, np.eye(n)[k], params, trail=False)
        assert m.impact[k] == pytest.approx(r.summary.additional_stress, abs=1e-12)
        assert m.rounds[k] == r.summary.rounds
        expected += net.weight[k] * (r.stress - np.eye(n)[k])
    assert m.vulnerability == pytest.approx(expected, abs=1e-12)
