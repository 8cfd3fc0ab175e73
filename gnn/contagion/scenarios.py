"""Stress scenarios: what is shocked, and what a scenario does to the network.

A :class:`Scenario` names what is hit: entities that default (shock 1), entities with partial
shocks, whole sectors (industry) or regions (every enterprise in them, at ``level``), or every
node at once (``shock_all``). Where several apply to a node, the largest shock counts.
:func:`simulate` runs it through the rounds and summarises (``s`` the shock, ``h`` the final raw
stress, ``E`` the buffers, ``w`` the weights):

.. math::

    \\text{original\\_stress} = \\sum_i w_i \\min(1, s_i), \\qquad
    \\text{additional\\_stress} = \\sum_i w_i \\min(1, h_i) - \\text{original\\_stress}

.. math::

    \\text{losses} = \\sum_i E_i \\, (\\min(1, h_i) - \\min(1, s_i))

(each term at most ``E_i``: a node cannot lose more than its capital), by lender as well;
``additional_defaults`` counts nodes with :math:`s_i < 1 \\le h_i`. The result is deterministic:
the same network, scenario and parameters give the same numbers and the same trail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gnn.contagion.audit import RoundRecord, TrailRecorder
from gnn.contagion.network import ExposureNetwork
from gnn.contagion.rounds import SimulationParams, propagate
from riskgraph.errors import ConfigError, NotFound

__all__ = ["Scenario", "ScenarioResult", "ScenarioSummary", "simulate"]


@dataclass(frozen=True)
class Scenario:
    """What is shocked (ids as in the network; a resident id is looked up by its person key).

    Args:
        defaults: entities that default at once (shock 1).
        shocks: ``(id, shock)`` pairs, each shock in ``[0, 1]``.
        sectors: industries whose enterprises are shocked at ``level``.
        regions: regions whose enterprises are shocked at ``level``.
        level: the shock of sector and region members, in ``[0, 1]`` (default 1: they default).
        shock_all: a shock for every node, in ``[0, 1]``.
    """

    defaults: tuple[str, ...] = ()
    shocks: tuple[tuple[str, float], ...] = ()
    sectors: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    level: float = 1.0
    shock_all: float | None = None

    def __post_init__(self) -> None:
        named = [("level", self.level)] + [(i, v) for i, v in self.shocks]
        if self.shock_all is not None:
            named.append(("shock_all", self.shock_all))
        for what, value in named:
            if not 0.0 <= float(value) <= 1.0:
                raise ConfigError(f"shock of {what} is {value}; shocks must lie in [0, 1]")

    def shock_vector(self, network: ExposureNetwork,
                     key: Callable[[str], str] | None = None) -> np.ndarray:
        """The shock ``s`` (``(n,)``, in ``[0, 1]``); raises NotFound for an unknown id, sector
        or region, and ConfigError if nothing at all is shocked."""
        s = np.zeros(network.num_nodes)
        if self.shock_all is not None:
            s[:] = self.shock_all
        for ident, value in self.shocks:
            k = network.index_of(ident, key)
            s[k] = max(s[k], float(value))
        for ident in self.defaults:
            s[network.index_of(ident, key)] = 1.0
        for column, names in (("industry", self.sectors), ("region", self.regions)):
            for name in names:
                members = _members(network, column, name)
                s[members] = np.maximum(s[members], self.level)
        if not np.any(s > 0):
            raise ConfigError("the scenario shocks no node: name entities to default or shock, "
                              "a sector, a region, or a shock for all")
        return s


def _members(network: ExposureNetwork, column: str, name: str) -> np.ndarray:
    what = "sector" if column == "industry" else "region"
    if column not in network.attributes.columns:
        raise NotFound(what, name)
    values = network.attributes[column].astype("string").str.strip().str.casefold()
    members = np.flatnonzero((values == name.strip().casefold()).fillna(False).to_numpy())
    if len(members) == 0:
        raise NotFound(what, name)
    return members


@dataclass(frozen=True)
class ScenarioSummary:
    """The scenario in numbers (see the module docstring)."""

    original_stress: float
    additional_stress: float
    losses: float
    additional_defaults: int
    defaults: int  # every node with h >= 1, shocked ones included
    stressed: int  # every node with h > 0
    rounds: int
    round_limit_hit: bool


@dataclass(frozen=True, eq=False)
class ScenarioResult:
    """One scenario run: the shock, the final raw stress, the trail and the summary.

    ``trail[t-1]`` is round ``t``; node numbers index ``network.ids``.
    """

    network: ExposureNetwork
    params: SimulationParams
    shock: np.ndarray
    raw_stress: np.ndarray
    trail: tuple[RoundRecord, ...]
    summary: ScenarioSummary

    @property
    def stress(self) -> np.ndarray:
        """``H = min(1, h)`` per node."""
        return np.minimum(self.raw_stress, 1.0)

    @property
    def defaulted(self) -> np.ndarray:
        return self.raw_stress >= 1.0

    @property
    def losses(self) -> np.ndarray:
        """Money lost per node, :math:`E_i (\\min(1, h_i) - \\min(1, s_i))`."""
        return self.network.buffer * (self.stress - np.minimum(self.shock, 1.0))

    @property
    def additional_defaults(self) -> np.ndarray:
        """Node numbers that were not shocked into default but ended in default."""
        return np.flatnonzero((self.shock < 1.0) & self.defaulted)

    def losses_by_lender(self) -> pd.Series:
        """Losses of lenders (of every node, for a plain edge list) with a loss, largest first,
        indexed by id."""
        mask = self.network.lender_mask()
        lost = self.losses
        keep = np.flatnonzero(mask & (lost > 0))
        out = pd.Series(lost[keep], index=self.network.ids[keep], name="loss", dtype=np.float64)
        return out.sort_values(ascending=False, kind="stable")

    def frame(self) -> pd.DataFrame:
        """Per node: id, label, shock, stress, raw_stress, defaulted, loss."""
        return pd.DataFrame({"id": self.network.ids, "label": self.network.labels,
                             "shock": self.shock, "stress": self.stress,
                             "raw_stress": self.raw_stress, "defaulted": self.defaulted,
                             "loss": self.losses})


def simulate(network: ExposureNetwork, scenario: Scenario | np.ndarray,
             params: SimulationParams | None = None, *, key: Callable[[str], str] | None = None,
             trail: bool = True) -> ScenarioResult:
    """Run one scenario on the network.

    Args:
        network: the exposure network.
        scenario: a :class:`Scenario`, or a shock vector ``s`` of shape ``(n,)`` in ``[0, 1]``.
        params: method, LGD, tolerance, round limit (defaults: DebtRank, LGD 1, 1e-12, 10,000).
        key: person key of a resident id (``Pseudonymiser.key``), to find persons by id.
        trail: record who was newly stressed or defaulted in each round, and via which edge.
    """
    params = params or SimulationParams()
    if isinstance(scenario, Scenario):
        s = scenario.shock_vector(network, key)
    else:
        s = np.asarray(scenario, dtype=np.float64)
    impact = network.impact(params.lgd)
    recorder = TrailRecorder(impact) if trail else None
    run = propagate(impact, s, params, recorder)
    h = run.raw_stress
    capped_s, capped_h = np.minimum(s, 1.0), np.minimum(h, 1.0)
    original = float(network.weight @ capped_s)
    summary = ScenarioSummary(
        original_stress=original,
        additional_stress=float(network.weight @ capped_h) - original,
        losses=float(network.buffer @ (capped_h - capped_s)),
        additional_defaults=int(np.count_nonzero((s < 1.0) & (h >= 1.0))),
        defaults=int(np.count_nonzero(h >= 1.0)),
        stressed=int(np.count_nonzero(h > 0.0)),
        rounds=int(run.rounds),
        round_limit_hit=bool(run.limit_hit),
    )
    return ScenarioResult(network, params, s, h,
                          tuple(recorder.records) if recorder else (), summary)
