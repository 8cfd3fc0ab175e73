"""A slow, plain-Python reference of the contagion rounds, written straight from
contagion-math.md (lists and dicts, no numpy, no scipy), to check gnn.contagion against; and the
random networks the checks run on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gnn.contagion import ExposureNetwork


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
