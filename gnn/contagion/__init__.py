"""Contagion simulation on the exposure network: DebtRank, single-hit DebtRank and default
cascades, stress scenarios, and systemic measures for every entity.

The definitions are those of ``contagion-math.md``: an exposure network (``A``, buffers ``E``,
weights ``w``) from the graph or from a plain edge list; the relative impact matrix
:math:`\\Lambda = LGD \\cdot \\mathrm{diag}(1/E) A` (scipy CSR, not capped); synchronous rounds
with the propagation rule of the chosen method.

Typical use::

    network = exposure_network_from_snapshot(store.snapshot(), ExposureConfig())
    result = simulate(network, Scenario(defaults=("91330100MA0000001F",)),
                      SimulationParams(method=Method.DEBTRANK, lgd=1.0))
    result.summary.additional_stress, result.losses_by_lender(), result.trail
    measures = systemic_measures(network)  # impact and vulnerability of every node
"""

from gnn.contagion.audit import RoundRecord
from gnn.contagion.from_csv import read_exposure_csv, read_shock_csv, read_tier1_csv
from gnn.contagion.from_graph import ExposureConfig, exposure_network_from_snapshot
from gnn.contagion.network import (
    ExposureDiagnostics,
    ExposureEdges,
    ExposureNetwork,
    UnknownBuffer,
)
from gnn.contagion.report import scenario_json
from gnn.contagion.rounds import (
    ImpactMatrix,
    Propagation,
    SimulationParams,
    propagate,
    propagate_block,
)
from gnn.contagion.rules import Method
from gnn.contagion.scenarios import Scenario, ScenarioResult, ScenarioSummary, simulate
from gnn.contagion.systemic import ScenarioDraw, SystemicMeasures, systemic_measures

__all__ = [
    "ExposureConfig",
    "ExposureDiagnostics",
    "ExposureEdges",
    "ExposureNetwork",
    "ImpactMatrix",
    "Method",
    "Propagation",
    "RoundRecord",
    "Scenario",
    "ScenarioDraw",
    "ScenarioResult",
    "ScenarioSummary",
    "SimulationParams",
    "SystemicMeasures",
    "UnknownBuffer",
    "exposure_network_from_snapshot",
    "propagate",
    "propagate_block",
    "read_exposure_csv",
    "read_shock_csv",
    "read_tier1_csv",
    "scenario_json",
    "simulate",
    "systemic_measures",
]
