"""graph: the graph model, the two stores behind one interface, and the Snapshot.

Everything downstream reads a :class:`Snapshot`; stores are opened at the edge and passed in.
"""

from graph.embedded import EmbeddedStore
from graph.loading import LoadResult, load_portfolio
from graph.model import PARTY_LABELS, REL_SPECS, Label, RelType
from graph.snapshot import EdgeTable, Snapshot, snapshot_from_tables
from graph.store import GraphCounts, GraphStore, Neighbour, NodeRecord
from graph.tables import GraphTables, StoredTables
from graph.upsert import LoadOutcome

__all__ = [
    "EdgeTable",
    "EmbeddedStore",
    "GraphCounts",
    "GraphStore",
    "GraphTables",
    "Label",
    "LoadOutcome",
    "LoadResult",
    "Neighbour",
    "NodeRecord",
    "PARTY_LABELS",
    "REL_SPECS",
    "RelType",
    "Snapshot",
    "StoredTables",
    "load_portfolio",
    "snapshot_from_tables",
]
