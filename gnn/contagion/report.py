"""The JSON form of a scenario result, shared by the command line and the API.

One object::

    {"method", "lgd", "network": {...}, "summary": {...}, "shocked": [...],
     "nodes": [{"id", "label", "shock", "stress", "raw_stress", "defaulted", "loss"}, ...],
     "rounds": [{"round", "newly_stressed", "newly_defaulted", "stressed_via",
                 "defaulted_via"}, ...]}

``summary`` holds ``original_stress``, ``additional_stress``, ``losses``, ``losses_by_lender``,
``additional_defaults``, ``defaults``, ``stressed``, ``rounds``, ``round_limit_hit``.
``newly_stressed``/``newly_defaulted`` are ids; ``*_via`` give, in the same order, the edge
``{"id", "creditor", "debtor"}`` that carried each one (the creditor is the node itself).
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from gnn.contagion.scenarios import ScenarioResult

__all__ = ["scenario_json"]

JsonObject = dict[str, object]


def _via(ids: np.ndarray, nodes: np.ndarray, debtors: np.ndarray) -> list[JsonObject]:
    return [{"id": str(ids[i]), "creditor": str(ids[i]), "debtor": str(ids[j])}
            for i, j in zip(nodes.tolist(), debtors.tolist(), strict=True)]


def scenario_json(result: ScenarioResult, *, stressed_only: bool = False) -> JsonObject:
    """The result as one JSON-ready object; ``stressed_only`` lists only nodes with ``h > 0``."""
    net = result.network
    ids = net.ids
    summary: JsonObject = asdict(result.summary)
    summary["losses_by_lender"] = {str(k): float(v)
                                   for k, v in result.losses_by_lender().items()}
    chosen = np.flatnonzero(result.raw_stress > 0) if stressed_only else np.arange(net.num_nodes)
    stress, raw, shock, loss = (result.stress, result.raw_stress, result.shock, result.losses)
    nodes = [{"id": str(ids[k]), "label": str(net.labels[k]), "shock": float(shock[k]),
              "stress": float(stress[k]), "raw_stress": float(raw[k]),
              "defaulted": bool(raw[k] >= 1.0), "loss": float(loss[k])}
             for k in chosen.tolist()]
    rounds = [{"round": r.round,
               "newly_stressed": [str(ids[k]) for k in r.newly_stressed.tolist()],
               "newly_defaulted": [str(ids[k]) for k in r.newly_defaulted.tolist()],
               "stressed_via": _via(ids, r.newly_stressed, r.stressed_via),
               "defaulted_via": _via(ids, r.newly_defaulted, r.defaulted_via)}
              for r in result.trail]
    diag = asdict(net.diagnostics)
    return {
        "method": result.params.method.value,
        "lgd": result.params.lgd,
        "tolerance": result.params.tol,
        "network": {"nodes": net.num_nodes, "edges": net.num_edges,
                    "exposure_entries": int(net.exposure.nnz), "diagnostics": diag},
        "summary": summary,
        "shocked": [{"id": str(ids[k]), "shock": float(shock[k])}
                    for k in np.flatnonzero(shock > 0).tolist()],
        "nodes": nodes,
        "rounds": rounds,
    }
