"""A slow, plain-Python reference of the contagion rounds, written straight from
contagion-math.md (lists and dicts, no numpy, no scipy), and gnn.contagion checked against it on
random networks with cycles and parallel edges (several seeds, every method, several LGDs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from gnn.contagion import ExposureNetwork, Method, SimulationParams, simulate

METHODS = [Method.DEBTRANK, Method.SINGLE_HIT, Method.CASCADE]


@dataclass
class ReferenceResult:
    raw: list[float]  # h_i at the end
    rounds: int  # rounds in which some h changed
    limit_hit: bool
    defaulted_per_round: list[set[int]]  # round t -> nodes with h(t-1) < 1 <= h(t)


def relative_impact(n: int, edges: list[tuple[int, int, float]], buffers: list[float],
                    lgd: float) -> list[dict[int, float]]:
    """Λ[i][j] = LGD * A[i, j] / E_i, parallel edges summed; rows of unknown buffers (<= 0)
    empty."""
    amounts: list[dict[int, float]] = [{} for _ in range(n)]
    for creditor, debtor, amount in edges:
        amounts[creditor][debtor] = amounts[creditor].get(debtor, 0.0) + amount
    lam: list[dict[int, float]] = [{} for _ in range(n)]
    for i in range(n):
        if buffers[i] > 0:
            for j, a in amounts[i].items():
                lam[i][j] = lgd * a / buffers[i]
    return lam


def pass_on(method: str, h: float, passed: float) -> float:
    if method == "debtrank":
        return min(1.0, h) - passed
    if method == "single-hit":
        return min(1.0, h) if passed == 0.0 else 0.0
    return 1.0 - passed if h >= 1.0 else 0.0  # cascade


def run(n: int, edges: list[tuple[int, int, float]], buffers: list[float], shock: list[float],
        method: str, lgd: float = 1.0, tol: float = 1e-12,
        max_rounds: int = 10_000) -> ReferenceResult:
    lam = relative_impact(n, edges, buffers, lgd)
    h = list(shock)
    passed = [0.0] * n
    rounds, limit_hit, trail = 0, True, []
    stop_below = tol if method == "debtrank" else 0.0
    for t in range(1, max_rounds + 1):
        p = [pass_on(method, h[j], passed[j]) for j in range(n)]  # all at once, from t-1
        for j in range(n):
            passed[j] += p[j]
        gain = [sum(lam[i][j] * p[j] for j in lam[i]) for i in range(n)]
        trail.append({i for i in range(n) if h[i] < 1.0 <= h[i] + gain[i]})
        h = [h[i] + gain[i] for i in range(n)]
        biggest = max(gain) if gain else 0.0
        if biggest > 0.0:
            rounds = t
        if biggest <= stop_below:
            limit_hit = False
            break
    return ReferenceResult(h, rounds, limit_hit, trail[:rounds])


def random_network(seed: int, n: int = 40, m: int = 160,
                   unknown: float = 0.1) -> tuple[ExposureNetwork, list[tuple[int, int, float]]]:
    """Random directed multigraph (parallel edges and cycles likely) with buffers of the same
    order as each node's exposures, some of them unknown."""
    rng = np.random.default_rng(seed)
    c = rng.integers(0, n, m)
    d = rng.integers(0, n, m)
    amount = rng.lognormal(0.0, 1.0, m)
    exposure = np.bincount(c, weights=amount, minlength=n)
    buffer = exposure / rng.uniform(0.3, 2.5, n) + rng.uniform(0.1, 1.0, n)
    buffer[rng.random(n) < unknown] = 0.0
    net = ExposureNetwork.from_arrays(c, d, amount, buffer)
    return net, list(zip(c.tolist(), d.tolist(), amount.tolist(), strict=True))


def random_shock(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed + 1000)
    s = np.where(rng.random(n) < 0.15, rng.uniform(0.0, 1.0, n), 0.0)
    s[rng.integers(0, n, 2)] = 1.0
    return s


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", range(8))
def test_agrees_with_the_slow_reference(seed: int, method: Method) -> None:
    net, edges = random_network(seed)
    s = random_shock(seed, net.num_nodes)
    lgd = [1.0, 0.6, 0.45, 1.0][seed % 4]
    ours = simulate(net, s, SimulationParams(method=method, lgd=lgd))
    ref = run(net.num_nodes, edges, net.buffer.tolist(), s.tolist(), method.value, lgd)
    assert np.max(np.abs(ours.stress - np.minimum(ref.raw, 1.0))) <= 1e-9
    assert np.max(np.abs(ours.raw_stress - np.array(ref.raw))) <= 1e-9
    assert ours.summary.defaults == sum(h >= 1.0 for h in ref.raw)
    assert ours.summary.additional_defaults == sum(
        h >= 1.0 and si < 1.0 for h, si in zip(ref.raw, s, strict=True))
    assert not ours.summary.round_limit_hit and not ref.limit_hit
    if method.is_finite:
        assert ours.summary.rounds == ref.rounds
        assert [set(r.newly_defaulted.tolist()) for r in ours.trail] == ref.defaulted_per_round
    else:
        assert abs(ours.summary.rounds - ref.rounds) <= 1  # a last increment near the tolerance


@pytest.mark.parametrize("seed", range(3))
def test_agrees_with_the_reference_on_a_dense_strongly_cyclic_network(seed: int) -> None:
    net, edges = random_network(seed, n=15, m=120, unknown=0.0)
    s = random_shock(seed, net.num_nodes) * 0.3
    for method in METHODS:
        ours = simulate(net, s, SimulationParams(method=method))
        ref = run(net.num_nodes, edges, net.buffer.tolist(), s.tolist(), method.value)
        assert np.max(np.abs(ours.raw_stress - np.array(ref.raw))) <= 1e-9
