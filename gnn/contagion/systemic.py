"""Systemic measures for every node: how much it hurts others, and how much others hurt it.

Both come from the ``n`` single-default scenarios :math:`s = e_k` (node ``k`` alone defaults),
with :math:`H^{(k)} = \\min(1, h^{(k)})` the final stress of scenario ``k``:

- **impact** of ``k``: the scenario's additional stress (its DebtRank),

  .. math:: I_k = \\sum_i w_i H^{(k)}_i - w_k

- **vulnerability** of ``i``: the stress it is expected to suffer when one node, drawn at
  random, defaults, the draw being proportional to the nodes' weights (``draw="weight"``, the
  default: a node defaults in proportion to its economic size) or uniform (``draw="uniform"``):

  .. math:: V_i = \\sum_k q_k \\, (H^{(k)}_i - \\min(1, s^{(k)}_i)), \\qquad
            q_k = w_k \\text{ or } 1/n

  (its own default is not counted: ``H_i = s_i = 1`` there);
- **additional_defaults** of ``k``: how many other nodes end in default when ``k`` does.

The scenarios run in blocks of columns: one CSR-times-dense product per round for the whole
block (:func:`~gnn.contagion.rounds.propagate_block`, whose round loop is compiled code), never
a Python loop per node; blocks run on as many threads as there are cores (the compiled rounds
release the GIL). In a
sparse graph a block runs on the part its scenarios can reach (the defaulting nodes, their
creditors, theirs, ...), which gives the same numbers, since stress never leaves it.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components

from gnn.contagion.kernel import upstream
from gnn.contagion.network import ExposureNetwork
from gnn.contagion.rounds import ImpactMatrix, SimulationParams, propagate_block
from riskgraph.errors import ConfigError

__all__ = ["ScenarioDraw", "SystemicMeasures", "systemic_measures"]

# Memory for one block of scenarios (about five n x B float64 arrays live at once).
_BLOCK_BYTES = 256 * 2**20
_MAX_BLOCK = 16
# A block runs on the subgraph its scenarios can reach when that is smaller than this share.
_RESTRICT_SHARE = 0.7


class ScenarioDraw(StrEnum):
    """How the defaulting node is drawn for vulnerability."""

    WEIGHT = "weight"
    UNIFORM = "uniform"


@dataclass(frozen=True, eq=False)
class SystemicMeasures:
    """Impact, vulnerability and additional defaults per node (``(n,)`` arrays).

    ``rounds[k]`` is the number of rounds of scenario ``k``; ``round_limit_hits`` counts the
    scenarios that were still changing at the round limit.
    """

    network: ExposureNetwork
    params: SimulationParams
    draw: ScenarioDraw
    impact: np.ndarray
    vulnerability: np.ndarray
    additional_defaults: np.ndarray
    rounds: np.ndarray
    round_limit_hits: int

    def frame(self) -> pd.DataFrame:
        """Per node: id, label, impact, vulnerability, additional_defaults."""
        return pd.DataFrame({"id": self.network.ids, "label": self.network.labels,
                             "impact": self.impact, "vulnerability": self.vulnerability,
                             "additional_defaults": self.additional_defaults})


def systemic_measures(network: ExposureNetwork, params: SimulationParams | None = None, *,
                      draw: ScenarioDraw = ScenarioDraw.WEIGHT, block_size: int | None = None,
                      workers: int | None = None) -> SystemicMeasures:
    """Run every single-default scenario, ``block_size`` at a time, and reduce them.

    Args:
        network: the exposure network (``n`` nodes).
        params: method, LGD, tolerance, round limit.
        draw: the scenario distribution of vulnerability.
        block_size: scenarios per block (default: at most 16, fewer for large ``n`` so that a
            block stays within about 256 MiB; small blocks stay in the CPU cache).
        workers: threads running blocks side by side (default: the CPU count); the compiled
            rounds release the GIL. Results do not depend on it.
    """
    params = params or SimulationParams()
    n = network.num_nodes
    width = block_size or max(1, min(_MAX_BLOCK, _BLOCK_BYTES // (40 * max(n, 1))))
    if width < 1:
        raise ConfigError(f"block_size must be at least 1, not {block_size}")
    threads = workers or os.cpu_count() or 1
    if threads < 1:
        raise ConfigError(f"workers must be at least 1, not {workers}")
    impact_matrix = network.impact(params.lgd)
    w = network.weight
    q = w if draw is ScenarioDraw.WEIGHT else np.full(n, 1.0 / max(n, 1))

    # Nobody is exposed to a node with an empty column of Λ: its default stays its own
    # (impact 0, no rounds), so only the others are run, grouped by weakly connected component
    # so that a block's scenarios reach few nodes in a sparse graph.
    csc = impact_matrix.csc
    exposed = np.flatnonzero(np.diff(csc.indptr) > 0)
    _, component = connected_components(impact_matrix.csr, directed=True, connection="weak")
    exposed = exposed[np.argsort(component[exposed], kind="stable")]

    def block(start: int) -> tuple[np.ndarray, np.ndarray | None, _BlockResult]:
        ks = exposed[start:start + width]
        cols = np.arange(len(ks))
        reach = upstream(impact_matrix.kernel, ks, int(_RESTRICT_SHARE * n))
        if reach is not None:
            # exact: a node out of reach is never stressed, so it passes nothing on
            matrix = ImpactMatrix(impact_matrix.csr[reach][:, reach])
            local, w_reach = np.searchsorted(reach, ks), w[reach]
        else:
            reach, matrix, local, w_reach = None, impact_matrix, ks, w
        shocks = np.zeros((matrix.num_nodes, len(ks)))
        shocks[local, cols] = 1.0
        run = propagate_block(matrix, shocks, params)
        stress = np.minimum(run.raw_stress, 1.0)
        impact = w_reach @ stress - w[ks]
        stress[local, cols] = 0.0  # the node's own default is not its vulnerability
        return ks, reach, _BlockResult(impact, stress @ q[ks],
                                       np.count_nonzero(run.raw_stress >= 1.0, axis=0) - 1,
                                       run.rounds, int(run.limit_hit.sum()))

    impact = np.zeros(n)
    vulnerability = np.zeros(n)
    defaults = np.zeros(n, dtype=np.int64)
    rounds = np.zeros(n, dtype=np.int64)
    limit_hits = 0
    starts = range(0, len(exposed), width)
    with ThreadPoolExecutor(max_workers=max(1, min(threads, len(starts) or 1))) as pool:
        for ks, reach, part in pool.map(block, starts):  # in order: deterministic sums
            impact[ks] = part.impact
            if reach is None:
                vulnerability += part.vulnerability
            else:
                vulnerability[reach] += part.vulnerability
            defaults[ks] = part.additional_defaults
            rounds[ks] = part.rounds
            limit_hits += part.limit_hits
    return SystemicMeasures(network, params, draw, impact, vulnerability, defaults, rounds,
                            limit_hits)


@dataclass(frozen=True, eq=False)
class _BlockResult:
    impact: np.ndarray
    vulnerability: np.ndarray  # this block's share of every node's vulnerability
    additional_defaults: np.ndarray
    rounds: np.ndarray
    limit_hits: int
