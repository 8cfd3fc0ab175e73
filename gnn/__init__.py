"""gnn: from a graph snapshot to risk scores.

:mod:`gnn.contagion` simulates contagion on the exposure network (DebtRank, single-hit
DebtRank, default cascades, stress scenarios, systemic measures); the graph neural network
lives beside it. Each subpackage lists its public API in its own ``__all__``.
"""

from gnn import contagion

__all__ = ["contagion"]
