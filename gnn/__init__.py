"""gnn: from a graph snapshot to risk scores.

:mod:`gnn.contagion` simulates contagion on the exposure network (DebtRank, single-hit
DebtRank, default cascades, stress scenarios, systemic measures); the graph neural network
lives beside it. Each subpackage lists its public API in its own ``__all__``.

The GNN's public API (imported on first use, so that ``import gnn.contagion`` does not load
torch): :func:`train_model`, :func:`score_store` and :func:`explain_entity` (the services behind
``riskgraph train``, ``score`` and ``explain``), :func:`what_if` and :func:`mark_defaulted`,
:func:`load_artifact` and :class:`ModelArtifact`, :func:`prepare_for` and :func:`score_graph`,
:class:`Explainer` and :class:`Explanation`, :class:`GnnConfig` and :class:`ContagionGNN`.
"""

from importlib import import_module
from typing import Any

from gnn import contagion

_LAZY = {
    "ContagionGNN": "gnn.models",
    "Explainer": "gnn.explain",
    "Explanation": "gnn.explain",
    "GnnConfig": "gnn.config",
    "ModelArtifact": "gnn.artifacts",
    "Scores": "gnn.scoring",
    "WhatIf": "gnn.whatif",
    "explain_entity": "gnn.service",
    "load_artifact": "gnn.artifacts",
    "mark_defaulted": "gnn.whatif",
    "prepare_for": "gnn.scoring",
    "score_graph": "gnn.scoring",
    "score_store": "gnn.service",
    "train_model": "gnn.service",
    "what_if": "gnn.whatif",
}

__all__ = ["contagion", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'gnn' has no attribute {name!r}")
