"""riskgraph: a relationship-graph risk engine for post-loan management.

This package holds what every layer shares (the error tree, the settings) and the command
line. The layers themselves are the top-level packages ``ingest``, ``graph``, ``gnn`` and
``api``.
"""

from riskgraph.errors import RiskgraphError

__all__ = ["RiskgraphError", "__version__"]
__version__ = "0.1.0"
