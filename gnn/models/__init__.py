"""GNN models: the relation-typed convolution and the contagion model built from it."""

from gnn.models.contagion_gnn import ContagionGNN
from gnn.models.relational_conv import RelationalSAGEConv

__all__ = ["ContagionGNN", "RelationalSAGEConv"]
